"""FixMatch row of the toy bench (``tools/misc/demo.py --bench``).

Network, data, split, crops, batch (4 + 4), iterations and evaluation of
``./cwbass_r18-tiny_toy-voc_1-8.py`` (inherited); the method as UniMatch
V2's fixmatch.py defines it (docs/methods.md): EMA teacher with decay
min(1 - 1 / (iter + 1), 0.996), threshold >= 0.95, one CutMixed strong view,
CE over confident pixels / valid pixels, (L_sup + L_u) / 2, no ramp-up.
"""
_base_ = ['./cwbass_r18-tiny_toy-voc_1-8.py']

# The strong view: UniMatch V2's (strong_view of the dataset base,
# configs/_base_/datasets/semi_pascal_voc.py; docs/methods.md).
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDiagnosticMask'),
    dict(
        type='RandomResize',
        scale={{_base_.scale}},
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='MultiBranch',
        branch_field={{_base_.branch_field}},
        unsup_teacher=[dict(type='PackSemiSegInputs')],
        unsup_student={{_base_.strong_view}}),
]
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
