"""Supervised-only baseline of the CPU demo (plain mmseg EncoderDecoder).

The same network, schedule and labeled data as
``configs/demo/cwbass_r18-tiny_toy-voc_1-8.py``: ResNet-18-D8 at 1/4 width,
DeepLabv3+ head with 32 channels (mmseg's own DepthwiseSeparableASPPHead;
CW-BASS's BoundaryAwareASPPHead has the same inference), 64x64 crops,
4 labeled images per iteration from ``data/splits/toy_voc/1-8/labeled.txt``,
SGD lr 0.01 (head x10), poly 0.9, the same iterations and evaluation. No
unlabeled data, no teacher. ``tools/demo.py`` trains it next to CW-BASS;
``tests/test_tools/test_demo.py`` checks that the shared settings agree.

Supervised on ALL labels (the bench's upper reference) is this config with
``train_dataloader.dataset.ann_file`` set to the full ``train.txt`` (the
demo does that with ``--split all``).
"""
_base_ = ['../_base_/benchmarks/supervised_deeplabv3plus_voc.py']

data_root = 'data/toy/VOCdevkit/VOC2012'
split_root = 'data/splits/toy_voc'
split = '1-8'
crop_size = (64, 64)
scale = (128, 128)
num_classes = 6
metainfo = dict(
    classes=('background', 'aeroplane', 'bicycle', 'bird', 'boat',
             'bottle'),
    palette=[[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0],
             [0, 0, 128], [128, 0, 128]])
labeled_per_gpu = 4
max_iters = 3000
val_interval = 500
lr = 0.01
norm_cfg = dict(type='BN', requires_grad=True)

model = dict(
    pretrained=None,
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        depth=18, stem_channels=16, base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=128,
        channels=32,
        # ASPP rates scaled to the 8x8 feature map of a 64x64 crop (see the
        # CW-BASS demo config).
        dilations=(1, 2, 4, 6),
        c1_in_channels=16,
        c1_channels=8,
        num_classes=num_classes,
        norm_cfg=norm_cfg))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
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
train_dataloader = dict(
    batch_size=labeled_per_gpu,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True, seed=0),
    dataset=dict(
        metainfo=metainfo,
        # VOC "fine" masks with their 255 contour band, as the labeled
        # branch of the CW-BASS demo config reads them.
        data_prefix=dict(
            img_path=data_root + '/JPEGImages',
            seg_map_path=data_root + '/SegmentationClass'),
        ann_file=split_root + '/' + split + '/labeled.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='BoundaryIoUMetric', tolerance=2),
]
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=0,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=val_interval, max_keep_ckpts=1))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
