"""CW-BASS, DeepLabv3+ R50-D8, VOC blended 1/8 (docs/training.md)."""
_base_ = [
    '../_base_/benchmarks/cwbass_deeplabv3plus_voc.py',
    '../_base_/splits/pascal_voc_1-8.py',
]
model = dict(semi_train_cfg={{_base_.split_cfg.semi_train_cfg}})
train_dataloader = dict(dataset={{_base_.split_cfg.semi_dataset}})
train_cfg = {{_base_.split_cfg.train_cfg}}
default_hooks = {{_base_.split_cfg.default_hooks}}
