"""Supervised-only SegFormer MiT-b0 on the labeled split, Pascal VOC 2012.

Base of configs/baselines/supervised_segformer_mit-b0_voc_*.py: mmseg's own
SegFormer EncoderDecoder trained on the labeled list only, with the data,
iterations and optimizer recipe of the CW-BASS row
(configs/_base_/benchmarks/cwbass_segformer_mit-b0_voc.py).
"""
_base_ = [
    '../models/segformer_mit-b0_pretrained.py',
    './protocol_supervised_voc.py',
    '../schedules/segformer_adamw.py',
]

model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    decode_head=dict(num_classes={{_base_.num_classes}}))

lr = {{_base_.segformer_optim_wrapper.optimizer.lr}}
optim_wrapper = dict(_delete_=True, **_base_.segformer_optim_wrapper)
param_scheduler = {{_base_.segformer_param_scheduler}}
