"""CW-BASS on mmseg's DeepLabv3+ ResNet-50-D8, Cityscapes protocol.

Base of configs/cwbass/deeplabv3plus_r50_cityscapes_*.py (the R101 leaves
inherit their R50 sibling and set the depth and weights). Protocol and
deviations from the reference:
configs/_base_/benchmarks/protocol_semi_cityscapes.py. CW-BASS options
(dynamic threshold, confidence-weighted loss, band CE in the boundary-aware
head): configs/_base_/models/cwbass_deeplabv3plus_r50-d8.py.
"""
_base_ = [
    '../models/cwbass_deeplabv3plus_r50-d8.py',
    './protocol_semi_cityscapes.py',
]

model = dict(
    segmentor=dict(
        data_preprocessor=dict(size={{_base_.crop_size}}),
        decode_head=dict(num_classes={{_base_.num_classes}})),
    # The reference runs the student once on the labeled and once on the
    # unlabeled batch (batch-norm statistics of each part).
    semi_train_cfg=dict(concat_student_forward=False))

# What evolves across iterations: the teacher (EMA), the RNG state in
# checkpoints, the threshold's state/schedule and the confidence decay
# (mode 'none' = the reference's default; 'constant' = its 0.9 option).
custom_hooks = [
    dict(type='MeanTeacherHook', momentum=0.001, buffer_policy='copy'),
    dict(type='RandomStateHook'),
    dict(type='DynamicThresholdHook', momentum=0.999, min_pixels=10),
    dict(type='ConfidenceDecayHook', mode='none'),
]
