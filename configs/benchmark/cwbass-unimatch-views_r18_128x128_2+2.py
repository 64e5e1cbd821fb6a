"""CW-BASS on UniMatch V2's strong views: step benchmark.

The CW-BASS benchmark (cwbass_r18_128x128_2+2.py) with the student on two
strong views and complementary channel dropout: (b) of the report is a
supervised step on 2 + 2 x 2 images. docs/methods.md.
"""
_base_ = ['./cwbass_r18_128x128_2+2.py']

labeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale={{_base_.scale}},
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='MultiBranch',
        branch_field={{_base_.two_view_branch_field}},
        sup=[dict(type='PackSegInputs')]),
]
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
        branch_field={{_base_.two_view_branch_field}},
        unsup_teacher=[dict(type='PackSemiSegInputs')],
        unsup_student={{_base_.strong_view}},
        unsup_student2={{_base_.strong_view}}),
]
train_dataloader = dict(
    dataset=dict(
        labeled=dict(pipeline=labeled_pipeline),
        unlabeled=dict(pipeline=unlabeled_pipeline)))
model = dict(
    semi_train_cfg=dict(
        strong_views=2, channel_dropout=True, cutmix_partner='reverse',
        concat_student_forward=False))
