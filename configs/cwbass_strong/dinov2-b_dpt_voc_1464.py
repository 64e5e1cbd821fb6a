"""CW-BASS on strong views, DINOv2-B + DPT, VOC classic 1,464 (docs/methods.md)."""
_base_ = [
    '../_base_/benchmarks/cwbass-strong_dinov2-b_dpt_voc.py',
    '../_base_/splits/pascal_voc_1464.py',
]
# The DINOv2 protocol's epochs over the split's iterations per epoch.
epochs = _base_.dinov2_epochs
max_iters = epochs * _base_.iters_per_epoch
eval_interval = epochs // 10 * _base_.iters_per_epoch
model = dict(semi_train_cfg={{_base_.split_cfg.semi_train_cfg}})
train_dataloader = dict(dataset={{_base_.split_cfg.semi_dataset}})
train_cfg = dict(max_iters=max_iters, val_interval=eval_interval)
default_hooks = dict(checkpoint=dict(interval=eval_interval))
