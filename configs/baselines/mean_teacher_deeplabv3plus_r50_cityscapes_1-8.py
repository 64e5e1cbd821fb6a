"""Mean Teacher, DeepLabv3+ R50-D8, Cityscapes 1/8 (docs/training.md)."""
_base_ = [
    '../_base_/benchmarks/mean_teacher_deeplabv3plus_cityscapes.py',
    '../_base_/splits/cityscapes_1-8.py',
]
model = dict(semi_train_cfg={{_base_.split_cfg.semi_train_cfg}})
train_dataloader = dict(dataset={{_base_.split_cfg.semi_dataset}})
train_cfg = {{_base_.split_cfg.train_cfg}}
default_hooks = {{_base_.split_cfg.default_hooks}}
