"""Supervised, DeepLabv3+ R50-D8, VOC classic 183 (docs/training.md)."""
_base_ = [
    '../_base_/benchmarks/supervised_deeplabv3plus_voc.py',
    '../_base_/splits/pascal_voc_183.py',
]
train_dataloader = dict(dataset={{_base_.split_cfg.supervised_dataset}})
train_cfg = {{_base_.split_cfg.train_cfg}}
default_hooks = {{_base_.split_cfg.default_hooks}}
