# Semi-supervised Cityscapes: labeled + unlabeled split lists under
# data/splits/cityscapes/<split>/, written by tools/make_splits.py. One id per
# line, the path relative to leftImg8bit/train without the suffix
# ("aachen/aachen_000000_000019"); CityscapesDataset appends
# _leftImg8bit.png / _gtFine_labelTrainIds.png (made by mmseg's
# tools/dataset_converters/cityscapes.py). Paths are relative to the working
# directory (the repository root), like mmseg's data/ convention.
#
# Augmentation follows the reference: random rescale of the image so that its
# long side is 2048 x [0.5, 2.0] (Cityscapes images are 2048x1024, so mmseg's
# RandomResize with scale (2048, 1024) and keep_ratio is the same resize),
# random 721x721 crop (the reference yaml says 801; the code's default is
# 721), horizontal flip; teacher and student see the SAME weak view of an
# unlabeled image (no unsup_student branch). No PhotoMetricDistortion and no
# cat_max_ratio (mmseg's defaults), which the reference does not have.
# Evaluation: whole 2048x1024 image, single scale (no Resize in the pipeline).
_base_ = [
    'mmseg::_base_/datasets/cityscapes.py',
    './strong_views.py',
]

dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes'
split_root = 'data/splits/cityscapes'
crop_size = (721, 721)
scale = (2048, 1024)
# 721x721 crops at output stride 8 are memory-hungry, so 2 + 2 per GPU;
# 8 GPUs give the reference's global 16 + 16 (peak memory not measured
# here: no GPU was available).
labeled_per_gpu = 2
unlabeled_per_gpu = 2

num_classes = 19
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
                img_path=data_root + '/leftImg8bit/train',
                seg_map_path=data_root + '/gtFine/train'),
            ann_file=split_root + '/1-8/labeled.txt',
            pipeline=labeled_pipeline),
        unlabeled=dict(
            type=dataset_type,
            data_root=None,
            data_prefix=dict(
                img_path=data_root + '/leftImg8bit/train',
                seg_map_path=data_root + '/gtFine/train'),
            ann_file=split_root + '/1-8/unlabeled.txt',
            pipeline=unlabeled_pipeline)))
val_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
