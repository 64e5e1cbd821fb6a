# Semi-supervised Pascal VOC 2012: labeled + unlabeled split lists (one image
# id per line) under data/splits/pascal_voc/<split>/, written by
# tools/make_splits.py. Paths are relative to the working directory (the
# repository root), like mmseg's data/ convention.
#
# Augmentation follows the reference: random rescale so that the long side is
# 400 x [0.5, 2.0], random crop, horizontal flip; teacher and student see the
# SAME weak view of an unlabeled image (no unsup_student branch).
# Evaluation: whole image at its original size, single scale.
_base_ = [
    'mmseg::_base_/datasets/pascal_voc12.py',
    './strong_views.py',
]

dataset_type = 'PascalVOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
split_root = 'data/splits/pascal_voc'
# Blended splits draw labeled images from all 10,582 train_aug images, whose
# masks must all be in one folder (see docs/data.md).
seg_map_dir = 'SegmentationClassAug'
crop_size = (321, 321)
scale = (400, 400)
labeled_per_gpu = 4
unlabeled_per_gpu = 4

num_classes = 21
# What the data sets in a segmentor: the crop size its data preprocessor
# pads to and the classes of its decode head.
segmentor_data_cfg = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes))
# The reference's weak view: the same augmentation for labeled and unlabeled
# images (teacher and student both see the unlabeled one).
weak_augmentation = [
    dict(
        type='RandomResize',
        scale=scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
]
labeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    # fail on masks with values that are neither a class nor 255
    dict(type='CheckSegMapValues', num_classes=num_classes),
    *weak_augmentation,
    dict(
        type='MultiBranch',
        branch_field=_base_.branch_field,
        sup=[dict(type='PackSegInputs')]),
]
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    # The unlabeled images' masks, for the logged pseudo-label accuracy
    # only (never a loss); train_dataloader.dataset.diagnostic_masks=False
    # turns it off for data without masks.
    dict(type='LoadDiagnosticMask'),
    *weak_augmentation,
    dict(
        type='MultiBranch',
        branch_field=_base_.branch_field,
        unsup_teacher=[dict(type='PackSemiSegInputs')]),
]
# The weak pipelines with strong student branches (strong_view of
# ./strong_views.py) added after the shared weak view of each unlabeled image.
# {{_base_.strong_pipelines.<one_view|two_views>.<labeled|unlabeled>}}
strong_pipelines = dict(
    one_view=dict(
        labeled=labeled_pipeline,
        unlabeled=unlabeled_pipeline[:-1] + [
            dict(unlabeled_pipeline[-1], unsup_student=_base_.strong_view)
        ]),
    two_views=dict(
        labeled=labeled_pipeline[:-1] + [
            dict(
                labeled_pipeline[-1],
                branch_field=_base_.two_view_branch_field)
        ],
        unlabeled=unlabeled_pipeline[:-1] + [
            dict(
                unlabeled_pipeline[-1],
                branch_field=_base_.two_view_branch_field,
                unsup_student=_base_.strong_view,
                unsup_student2=_base_.strong_view)
        ]))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    _delete_=True,
    batch_size=labeled_per_gpu + unlabeled_per_gpu,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(
        type='MultiSourceSampler',
        batch_size=labeled_per_gpu + unlabeled_per_gpu,
        source_ratio=[labeled_per_gpu, unlabeled_per_gpu]),
    dataset=dict(
        type='SemiSegDataset',
        diagnostic_masks=True,
        labeled=dict(
            type=dataset_type,
            data_root=None,
            data_prefix=dict(
                img_path=data_root + '/JPEGImages',
                seg_map_path=data_root + '/' + seg_map_dir),
            ann_file=split_root + '/1-8/labeled.txt',
            pipeline=labeled_pipeline),
        unlabeled=dict(
            type=dataset_type,
            data_root=None,
            data_prefix=dict(
                img_path=data_root + '/JPEGImages',
                seg_map_path=data_root + '/' + seg_map_dir),
            ann_file=split_root + '/1-8/unlabeled.txt',
            pipeline=unlabeled_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
