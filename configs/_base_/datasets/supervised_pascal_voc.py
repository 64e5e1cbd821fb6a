# Supervised-only Pascal VOC 2012 on the LABELED list of a semi-supervised
# split (data/splits/pascal_voc/<split>/labeled.txt): the same crop and
# augmentation as the labeled branch of semi_pascal_voc.py (random rescale of
# the long side to 400 x [0.5, 2.0], random crop, horizontal flip), one
# loader, no unlabeled data. Masks of every labeled id are read from
# SegmentationClassAug (tools/prepare_voc_aug.py puts the 1,464 fine masks
# there). Evaluation: whole image at its original size, single scale.
_base_ = ['mmseg::_base_/datasets/pascal_voc12.py']

dataset_type = 'PascalVOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
split_root = 'data/splits/pascal_voc'
split = '1-8'
seg_map_dir = 'SegmentationClassAug'
crop_size = (321, 321)
scale = (400, 400)
labeled_per_gpu = 4

num_classes = 21
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    # fail on masks with values that are neither a class nor 255
    dict(type='CheckSegMapValues', num_classes=num_classes),
    dict(
        type='RandomResize',
        scale=scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=labeled_per_gpu,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        # The split list is relative to the working directory, not data_root.
        data_root=None,
        data_prefix=dict(
            img_path=data_root + '/JPEGImages',
            seg_map_path=data_root + '/' + seg_map_dir),
        ann_file=split_root + '/' + split + '/labeled.txt',
        pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
