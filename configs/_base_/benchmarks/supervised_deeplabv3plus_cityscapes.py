"""Supervised-only DeepLabv3+ ResNet-50-D8 on the labeled split, Cityscapes.

Base of configs/baselines/supervised_deeplabv3plus_r50_cityscapes_*.py (and,
through them, of the R101 ones): mmseg's own EncoderDecoder with its stock
DepthwiseSeparableASPPHead and no auxiliary head, trained on the labeled list
only with the schedule of the CW-BASS row. Protocol:
configs/_base_/benchmarks/protocol_supervised_cityscapes.py.
"""
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    './protocol_supervised_cityscapes.py',
]

model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    decode_head=dict(
        num_classes={{_base_.num_classes}},
        # The same supervised loss as the CW-BASS row: mean over the
        # non-ignored pixels of the global batch.
        loss_decode=dict(
            _delete_=True, type='GlobalCrossEntropyLoss', loss_weight=1.0)),
    # The CW-BASS and reference models have no auxiliary FCN head.
    auxiliary_head=None)
