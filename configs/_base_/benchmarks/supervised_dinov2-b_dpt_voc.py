"""Supervised-only DINOv2-B + DPT on the labeled split, Pascal VOC 2012.

Base of configs/baselines/supervised_dinov2-*_voc_*.py: the plain
EncoderDecoder of configs/_base_/models/dinov2-b_dpt.py trained on the
labeled list only with the data, iterations and optimizer recipe of the
CW-BASS row. Protocol:
configs/_base_/benchmarks/protocol_dinov2_supervised_voc.py.
"""
_base_ = [
    '../models/dinov2-b_dpt.py',
    './protocol_dinov2_supervised_voc.py',
]

model = {{_base_.segmentor_data_cfg}}
