# Supervised-only Cityscapes on the LABELED list of a semi-supervised split
# (data/splits/cityscapes/<split>/labeled.txt): the same crop and
# augmentation as the labeled branch of semi_cityscapes.py (random rescale of
# the long side to 2048 x [0.5, 2.0], random 721x721 crop, horizontal flip),
# one loader, no unlabeled data. Evaluation: whole 2048x1024 image.
_base_ = ['mmseg::_base_/datasets/cityscapes.py']

dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes'
split_root = 'data/splits/cityscapes'
split = '1-8'
crop_size = (721, 721)
scale = (2048, 1024)
labeled_per_gpu = 2

num_classes = 19
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
            img_path=data_root + '/leftImg8bit/train',
            seg_map_path=data_root + '/gtFine/train'),
        ann_file=split_root + '/' + split + '/labeled.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
