"""What every demo config shares: toy data, tiny network, schedule.

The supervised and the CW-BASS demo configs inherit this file next to their
method's bases and put its values in place with ``{{_base_.<name>}}``, so
the comparison of ``tools/misc/demo.py`` runs both methods on one set of
values (``tests/test_tools/test_demo.py`` checks the merged configs). The
names start with ``toy_``/``tiny_`` because mmengine refuses a key that two
bases of one config both define (``crop_size``, ``model``, ...).

* Data: the generated toy dataset in the Pascal VOC layout and its 1/8
  split (``tools/misc/demo.py`` writes both), 6 classes, evaluated with mIoU
  and Boundary IoU (d = 2 px).
* Network: ResNet-18-D8 at 1/4 width (16 base channels), DeepLabv3+ head
  with 32 channels, random initialisation, 64x64 crops.
* Schedule: 3,000 iterations, SGD lr 0.01 (head x10), poly 0.9, validation
  every 500 iterations.
"""
toy_data_root = 'data/toy/VOCdevkit/VOC2012'
toy_split_dir = 'data/splits/toy_voc/1-8'
toy_labeled_list = toy_split_dir + '/labeled.txt'
toy_unlabeled_list = toy_split_dir + '/unlabeled.txt'
toy_crop_size = (64, 64)
toy_scale = (128, 128)
toy_num_classes = 6
toy_metainfo = dict(
    classes=('background', 'aeroplane', 'bicycle', 'bird', 'boat',
             'bottle'),
    palette=[[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0],
             [0, 0, 128], [128, 0, 128]])
# VOC "fine" masks, with their 255 band around every contour.
toy_data_prefix = dict(
    img_path=toy_data_root + '/JPEGImages',
    seg_map_path=toy_data_root + '/SegmentationClass')
toy_val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=toy_data_root, metainfo=toy_metainfo))
toy_val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='BoundaryIoUMetric', tolerance=2),
]

tiny_norm_cfg = dict(type='BN', requires_grad=True)
# Overrides of mmseg's DeepLabv3+ R50-D8: the segmentor itself, or the one
# inside a teacher/student wrapper.
tiny_deeplabv3plus = dict(
    pretrained=None,
    data_preprocessor=dict(size=toy_crop_size),
    backbone=dict(
        depth=18, stem_channels=16, base_channels=16, norm_cfg=tiny_norm_cfg),
    decode_head=dict(
        in_channels=128,
        channels=32,
        # ASPP rates scaled to the 8x8 feature map of a 64x64 crop: the
        # reference's 12/24/36 on 41x41 maps would only see padding here
        # and leave untrained taps that fire on larger test images.
        dilations=(1, 2, 4, 6),
        c1_in_channels=16,
        c1_channels=8,
        num_classes=toy_num_classes,
        norm_cfg=tiny_norm_cfg))

toy_max_iters = 3000
toy_val_interval = 500
toy_lr = 0.01
toy_optim_wrapper = dict(optimizer=dict(lr=toy_lr))
toy_param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, by_epoch=False)
]
toy_train_cfg = dict(max_iters=toy_max_iters, val_interval=toy_val_interval)
toy_default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=toy_val_interval, max_keep_ckpts=1))
toy_env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
