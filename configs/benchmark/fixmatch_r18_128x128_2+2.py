"""FixMatch step benchmark: the model and batch of cwbass_r18_128x128_2+2.py.

The same network, crops and 2 + 2 batch as the CW-BASS benchmark
(``docs/benchmark.md``), with FixMatch (UniMatch V2's fixmatch.py) on one
strong view: the student runs on 2 labeled + 2 strong images, as (b) does,
so R compares like with like. docs/methods.md.
"""
_base_ = ['./cwbass_r18_128x128_2+2.py']

# The weak view of the CW-BASS benchmark ending in the one-strong-view
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
]
