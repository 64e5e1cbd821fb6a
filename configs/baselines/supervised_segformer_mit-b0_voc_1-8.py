"""Supervised, SegFormer MiT-b0, VOC blended 1/8 (docs/training.md)."""
_base_ = [
    '../_base_/benchmarks/supervised_segformer_mit-b0_voc.py',
    '../_base_/splits/pascal_voc_1-8.py',
]
train_dataloader = dict(dataset={{_base_.split_cfg.supervised_dataset}})
train_cfg = {{_base_.split_cfg.train_cfg}}
default_hooks = {{_base_.split_cfg.default_hooks}}
