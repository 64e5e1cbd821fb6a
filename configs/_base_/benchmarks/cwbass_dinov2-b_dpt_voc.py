"""CW-BASS on DINOv2-B + DPT, Pascal VOC 2012 (DINOv2 protocol).

Base of configs/cwbass/dinov2-*_voc_*.py
(the ViT-S and ViT-L leaves override the sizes,
configs/_base_/models/dinov2_sizes.py). Protocol:
configs/_base_/benchmarks/protocol_dinov2_semi_voc.py; model and method
options: configs/_base_/models/cwbass_dinov2-b_dpt.py.
"""
_base_ = [
    '../methods/cwbass_dinov2-b_dpt.py',
    './protocol_dinov2_semi_voc.py',
]

# The protocol's crop, classes (and Cityscapes' sliding-window evaluation).
model = dict(segmentor={{_base_.segmentor_data_cfg}})
# Documentary: UniMatch V2's backbone lr (the head runs at 40x).
lr = {{_base_.dinov2_lr}}
