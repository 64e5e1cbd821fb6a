"""UniMatch V2 step benchmark: the model and batch of the FixMatch one.

Two strong views through the student in one forward (separate from the
labeled one) and complementary channel dropout: the student runs on 2
labeled + 2 x 2 strong images, so (b) of the report is a supervised step on
6 images (each strong view is one more student batch). docs/methods.md.
"""
_base_ = ['./fixmatch_r18_128x128_2+2.py']

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
model = dict(type='UniMatchV2Segmentor')
