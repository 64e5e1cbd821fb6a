"""FixMatch, DeepLabv3+ R101-D8, VOC classic 1464
(docs/methods.md; docs/training.md)."""
_base_ = [
    '../_base_/benchmarks/fixmatch_deeplabv3plus_voc.py',
    '../_base_/splits/pascal_voc_1464.py',
]
# ResNet-101 as mmseg's deeplabv3plus_r101-d8 configs set it.
model = dict(
    segmentor=dict(
        pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101)))
train_dataloader = dict(dataset={{_base_.split_cfg.semi_dataset}})
train_cfg = {{_base_.split_cfg.train_cfg}}
default_hooks = {{_base_.split_cfg.default_hooks}}
