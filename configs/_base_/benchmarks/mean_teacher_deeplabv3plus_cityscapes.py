"""Mean Teacher baseline on mmseg's DeepLabv3+ ResNet-50-D8, Cityscapes.

Base of configs/baselines/mean_teacher_deeplabv3plus_r50_cityscapes_*.py (and,
through them, of the R101 ones): the same framework, split, schedule and
augmentation as the CW-BASS row, with a fixed confidence threshold (0.95) and
the head's own cross-entropy on pseudo-labels
(configs/_base_/models/mean_teacher_deeplabv3plus_r50-d8.py). Protocol and
deviations: configs/_base_/benchmarks/protocol_semi_cityscapes.py.
"""
_base_ = [
    '../methods/mean_teacher_deeplabv3plus_r50-d8.py',
    './protocol_semi_cityscapes.py',
]

# The protocol's crop, classes and learning rate.
model = dict(segmentor={{_base_.segmentor_data_cfg}})
optim_wrapper = dict(optimizer=dict(lr={{_base_.lr}}))
