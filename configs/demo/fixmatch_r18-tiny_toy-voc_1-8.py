"""FixMatch row of the toy bench (``tools/misc/demo.py --bench``).

Network, data, split, crops, batch (4 + 4), iterations and evaluation of
``./cwbass_r18-tiny_toy-voc_1-8.py`` (inherited); the method as UniMatch
V2's fixmatch.py defines it (docs/methods.md): EMA teacher with decay
min(1 - 1 / (iter + 1), 0.996), threshold >= 0.95, one CutMixed strong view,
CE over confident pixels / valid pixels, (L_sup + L_u) / 2, no ramp-up.
"""
_base_ = ['./cwbass_r18-tiny_toy-voc_1-8.py']

# The weak view of the CW-BASS demo ending in the one-strong-view
# branches of the dataset base (strong_pipelines; the view is strong_view of
# configs/_base_/datasets/strong_views.py, docs/methods.md).
unlabeled_pipeline = _base_.unlabeled_pipeline[:-1] + \
    _base_.strong_pipelines.one_view.unlabeled[-1:]
train_dataloader = dict(
    dataset=dict(unlabeled=dict(pipeline=unlabeled_pipeline)))
model = dict(
    _delete_=True,
    type='FixMatchSegmentor',
    pseudo_threshold=0.95,
    segmentor={{_base_.model.segmentor}},
    semi_train_cfg=dict(cutmix_partner='reverse'),
    semi_test_cfg=dict(predict_on='teacher'))
custom_hooks = [
    dict(
        type='MeanTeacherHook',
        momentum=0.004,
        momentum_schedule='inverse',
        buffer_policy='ema'),
    dict(type='RandomStateHook'),
    dict(type='PseudoLabelVisualizationHook', interval=500, max_images=4),
]
