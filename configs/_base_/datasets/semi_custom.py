# Semi-supervised data of your own, read by mmseg's BaseSegDataset from
# image/mask folders (any layout, not VOC's). Copy this file, edit the first
# block and point your config's _base_ at the copy (docs/custom_dataset.md;
# template: configs/custom/). Paths are
# relative to the working directory, like mmseg's data/ convention:
#
#   data/my_dataset/images/train/x.jpg       training images ...
#   data/my_dataset/annotations/train/x.png  ... and the masks of those that
#                                            have one (class index per pixel,
#                                            255 = ignore)
#   data/my_dataset/images/val/, annotations/val/   validation pairs
#   data/my_dataset/unlabeled/y.jpg          unlabeled images: no masks
#
# Labeled: the split's labeled list of training ids, written by
#   python tools/make_splits.py --config <your config> --fraction 1/8 \
#       --name 1-8 --out data/splits/my_dataset/1-8
# Unlabeled: every image of the unlabeled folder (unlabeled_list = None), or
# the training images the split left unlabeled (unlabeled_img_dir = img_dir
# and unlabeled_list = split_dir + '/unlabeled.txt'). Unlabeled images need
# no mask: the unlabeled pipeline loads none.
data_root = 'data/my_dataset'
img_dir = 'images/train'
ann_dir = 'annotations/train'
val_img_dir = 'images/val'
val_ann_dir = 'annotations/val'
img_suffix = '.jpg'
seg_map_suffix = '.png'
split_dir = 'data/splits/my_dataset/1-8'
unlabeled_img_dir = 'unlabeled'
unlabeled_list = None
metainfo = dict(
    classes=('background', 'foreground'), palette=[[0, 0, 0], [255, 0, 0]])
crop_size = (512, 512)
scale = (2048, 512)  # RandomResize to this long/short side x [0.5, 2.0]
labeled_per_gpu = 2
unlabeled_per_gpu = 2

dataset_type = 'BaseSegDataset'
num_classes = len(metainfo['classes'])
# What the data sets in a segmentor: the crop size its data preprocessor
# pads to and the classes of its decode head.
segmentor_data_cfg = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes))
branch_field = ['sup', 'unsup_teacher', 'unsup_student']
# The same weak view for labeled and unlabeled images (the reference's).
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
        branch_field=branch_field,
        sup=[dict(type='PackSegInputs')]),
]
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    *weak_augmentation,
    dict(
        type='MultiBranch',
        branch_field=branch_field,
        unsup_teacher=[dict(type='PackSemiSegInputs')]),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    # after Resize: the masks are compared at their original size
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]

# The split lists are relative to the working directory, not data_root.
train_dataloader = dict(
    batch_size=labeled_per_gpu + unlabeled_per_gpu,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(
        type='MultiSourceSampler',
        batch_size=labeled_per_gpu + unlabeled_per_gpu,
        source_ratio=[labeled_per_gpu, unlabeled_per_gpu]),
    dataset=dict(
        type='SemiSegDataset',
        diagnostic_masks=False,
        labeled=dict(
            type=dataset_type,
            data_root=None,
            data_prefix=dict(
                img_path=data_root + '/' + img_dir,
                seg_map_path=data_root + '/' + ann_dir),
            ann_file=split_dir + '/labeled.txt',
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            metainfo=metainfo,
            pipeline=labeled_pipeline),
        unlabeled=dict(
            type=dataset_type,
            data_root=None,
            data_prefix=dict(img_path=data_root + '/' + unlabeled_img_dir),
            ann_file=unlabeled_list or '',
            img_suffix=img_suffix,
            metainfo=metainfo,
            pipeline=unlabeled_pipeline)))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path=val_img_dir, seg_map_path=val_ann_dir),
        img_suffix=img_suffix,
        seg_map_suffix=seg_map_suffix,
        metainfo=metainfo,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
