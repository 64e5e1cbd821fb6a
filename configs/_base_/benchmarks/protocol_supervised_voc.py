"""Supervised-only baseline protocol on Pascal VOC 2012.

The labeled list of a semi-supervised split, the same crop, augmentation,
optimizer, learning rate (0.001, head x10, poly 0.9) and number of
iterations as the CW-BASS row it sits beside, 16 labeled images per
iteration (4 GPUs x 4), no unlabeled data, no teacher. Plain mmseg
EncoderDecoder, standard ValLoop (metric ``mIoU``).

Deviations from the reference: items 1-5, 7 and 10 of
configs/_base_/benchmarks/protocol_semi_voc.py (the supervised run
evaluates its only model).
"""
_base_ = [
    '../datasets/supervised_pascal_voc.py',
    '../schedules/supervised_poly.py',
    'mmseg::_base_/default_runtime.py',
]

# atomic_local checkpoint backend and the trust store of our checkpoints.
custom_imports = dict(imports=['mmseg_cwbass'], allow_failed_imports=False)

# Documentary: 4 GPUs x 4 labeled images = 16, as the CW-BASS row.
num_gpus = 4
lr = 0.001

optim_wrapper = dict(optimizer=dict(lr=lr))
# Scaled mode on other GPU counts (tools/train.py --auto-scale-lr): the LR
# scales with the real images per step against the protocol's 4 GPUs x 4.
auto_scale_lr = dict(enable=False, base_batch_size=16)
