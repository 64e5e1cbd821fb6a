"""Supervised-only baseline, DINOv2 protocol, Pascal VOC 2012.

The labeled list of a split with the crop, augmentation, optimizer
recipe, epochs and evaluation of protocol_dinov2_semi_voc.py,
4 GPUs x 4 labeled images per iteration, no unlabeled data, no teacher.
Plain mmseg EncoderDecoder, standard ValLoop (metric ``mIoU``).
"""
_base_ = [
    '../datasets/supervised_pascal_voc_dinov2.py',
    '../schedules/supervised_poly.py',
    '../schedules/dinov2_adamw.py',
    'mmseg::_base_/default_runtime.py',
]

# atomic_local checkpoint backend and the trust store of our checkpoints.
custom_imports = dict(imports=['mmseg_cwbass'], allow_failed_imports=False)

num_gpus = 4
dinov2_epochs = 60
lr = _base_.dinov2_lr
optim_wrapper = dict(_delete_=True, **_base_.dinov2_optim_wrapper)
param_scheduler = _base_.dinov2_param_scheduler
auto_scale_lr = dict(enable=False, base_batch_size=16)
