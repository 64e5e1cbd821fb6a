"""CW-BASS on mmseg's SegFormer MiT-b0, Pascal VOC 2012 (backbone mixing).

Base of configs/cwbass/segformer_mit-b0_voc_*.py. Data, batch (4 GPUs x
(4 + 4)), iterations and evaluation: the VOC reference protocol of
configs/_base_/benchmarks/protocol_semi_voc.py. The model is mmseg's own
SegFormer (mmseg::_base_/models/segformer_mit-b0.py) with the MiT-b0
ImageNet weights of mmseg's SegFormer configs; the head is not
boundary-aware, so the wrapper's boundary_loss (band CE, weight 0.5) gives
the boundary term (configs/_base_/models/cwbass_segformer_mit-b0.py).
Deviations beyond protocol_semi_voc.py: a transformer backbone and mmseg's
SegFormer optimizer recipe (configs/_base_/schedules/segformer_adamw.py;
the reference only has DeepLabv3+ ResNets).
"""
_base_ = [
    '../models/cwbass_segformer_mit-b0.py',
    './protocol_semi_voc.py',
    '../schedules/segformer_adamw.py',
]

model = dict(
    segmentor=dict(
        data_preprocessor=dict(size={{_base_.crop_size}}),
        decode_head=dict(num_classes={{_base_.num_classes}})),
    semi_train_cfg=dict(concat_student_forward=False))

lr = {{_base_.segformer_optim_wrapper.optimizer.lr}}
optim_wrapper = dict(_delete_=True, **_base_.segformer_optim_wrapper)
param_scheduler = {{_base_.segformer_param_scheduler}}

# What evolves across iterations: the teacher (EMA), the RNG state in
# checkpoints, the threshold's state/schedule and the confidence decay
# (mode 'none' = the reference's default; 'constant' = its 0.9 option).
custom_hooks = [
    dict(type='MeanTeacherHook', momentum=0.001, buffer_policy='copy'),
    dict(type='RandomStateHook'),
    dict(type='DynamicThresholdHook', momentum=0.999, min_pixels=10),
    dict(type='ConfidenceDecayHook', mode='none'),
]
