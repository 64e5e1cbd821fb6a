"""FixMatch, DINOv2-B + DPT, Cityscapes 1/8 (docs/methods.md)."""
_base_ = [
    '../_base_/benchmarks/fixmatch_dinov2-b_dpt_cityscapes.py',
    '../_base_/splits/cityscapes_1-8.py',
]
# The DINOv2 protocol's epochs over the split's iterations per epoch.
epochs = _base_.dinov2_epochs
max_iters = epochs * _base_.iters_per_epoch
eval_interval = epochs // 10 * _base_.iters_per_epoch
train_dataloader = dict(dataset={{_base_.split_cfg.semi_dataset}})
train_cfg = dict(max_iters=max_iters, val_interval=eval_interval)
default_hooks = dict(checkpoint=dict(interval=eval_interval))
