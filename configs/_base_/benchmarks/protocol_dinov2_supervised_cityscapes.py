"""Supervised-only baseline, DINOv2 protocol, Cityscapes.

The labeled list of a split with the crop, augmentation, optimizer
recipe, epochs and evaluation of protocol_dinov2_semi_cityscapes.py,
8 GPUs x 2 labeled images per iteration, no unlabeled data, no teacher.
Plain mmseg EncoderDecoder, standard ValLoop (metric ``mIoU``).
"""
_base_ = [
    '../datasets/supervised_cityscapes_dinov2.py',
    '../schedules/supervised_poly.py',
    '../schedules/dinov2_adamw.py',
    'mmseg::_base_/default_runtime.py',
]

# atomic_local checkpoint backend and the trust store of our checkpoints.
custom_imports = dict(imports=['mmseg_cwbass'], allow_failed_imports=False)

segmentor_data_cfg = dict(
    _base_.segmentor_data_cfg,
    test_cfg=dict(mode='slide', crop_size=(798, 798), stride=(532, 532)))

num_gpus = 8
dinov2_epochs = 180
lr = _base_.dinov2_lr
optim_wrapper = dict(_delete_=True, **_base_.dinov2_optim_wrapper)
param_scheduler = _base_.dinov2_param_scheduler
auto_scale_lr = dict(enable=False, base_batch_size=16)
