"""CW-BASS, DeepLabv3+ R101-D8, VOC blended 1/8 (docs/training.md)."""
_base_ = ['./deeplabv3plus_r50_voc_1-8.py']
# ResNet-101 as mmseg's deeplabv3plus_r101-d8 configs set it.
model = dict(
    segmentor=dict(
        pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101)))
