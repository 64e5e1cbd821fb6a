"""UniMatch V2 row of the toy bench (``tools/misc/demo.py --bench``).

``./fixmatch_r18-tiny_toy-voc_1-8.py`` (network, data, schedule, EMA,
threshold) with UniMatch V2's two strong views through the student in one
forward and its complementary channel dropout; loss
(L_sup + (L_s1 + L_s2) / 2) / 2 (docs/methods.md).
"""
_base_ = ['./fixmatch_r18-tiny_toy-voc_1-8.py']

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
model = dict(type='UniMatchV2Segmentor')
