"""Supervised, DeepLabv3+ MobileNetV2-D8, VOC blended 1/8
(docs/training.md)."""
_base_ = ['./supervised_deeplabv3plus_r50_voc_1-8.py']
# mmseg's MobileNetV2 DeepLabv3+ settings (configs/mobilenet_v2/
# mobilenet-v2-d8_deeplabv3plus_4xb2-80k_cityscapes-512x1024.py).
model = dict(
    pretrained='mmcls://mobilenet_v2',
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 1, 1, 1, 1),
        dilations=(1, 1, 1, 2, 2, 4, 4),
        out_indices=(1, 2, 4, 6),
        norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decode_head=dict(in_channels=320, c1_in_channels=24))
