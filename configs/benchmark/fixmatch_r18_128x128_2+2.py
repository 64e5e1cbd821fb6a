"""FixMatch step benchmark: the model and batch of cwbass_r18_128x128_2+2.py.

The same network, crops and 2 + 2 batch as the CW-BASS benchmark
(``docs/benchmark.md``), with FixMatch (UniMatch V2's fixmatch.py) on one
strong view: the student runs on 2 labeled + 2 strong images, as (b) does,
so R compares like with like. docs/methods.md.
"""
_base_ = ['./cwbass_r18_128x128_2+2.py']

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
]
