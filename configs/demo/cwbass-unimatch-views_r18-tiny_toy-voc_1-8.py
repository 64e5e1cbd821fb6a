"""CW-BASS on UniMatch V2's strong views: a row of the toy bench.

``./cwbass_r18-tiny_toy-voc_1-8.py`` (the paper's CW-BASS options, EMA and
ramp-up of the toy demo) with the student on UniMatch V2's two strong views
and its complementary channel dropout, the same views as
``./unimatch_v2_r18-tiny_toy-voc_1-8.py`` (docs/methods.md).
"""
_base_ = ['./cwbass_r18-tiny_toy-voc_1-8.py']

# The strong view: UniMatch V2's (strong_view of the dataset base,
# configs/_base_/datasets/semi_pascal_voc.py; docs/methods.md).
labeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegMapValues', num_classes={{_base_.num_classes}}),
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
