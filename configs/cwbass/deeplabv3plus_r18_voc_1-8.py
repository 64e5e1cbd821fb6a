"""CW-BASS, DeepLabv3+ R18-D8, VOC blended 1/8 (docs/training.md)."""
_base_ = ['./deeplabv3plus_r50_voc_1-8.py']
# mmseg's deeplabv3plus_r18-d8 settings (configs/deeplabv3plus/
# deeplabv3plus_r18-d8_4xb2-80k_cityscapes-769x769.py).
model = dict(
    segmentor=dict(
        pretrained='open-mmlab://resnet18_v1c',
        backbone=dict(depth=18),
        decode_head=dict(
            in_channels=512, channels=128, c1_in_channels=64, c1_channels=12)))
