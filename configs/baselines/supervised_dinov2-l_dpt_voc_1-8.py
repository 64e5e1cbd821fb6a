"""Supervised, DINOv2-L + DPT, VOC blended 1/8 (docs/dinov2.md)."""
_base_ = [
    './supervised_dinov2-b_dpt_voc_1-8.py',
    '../_base_/models/dinov2_sizes.py',
]
model = {{_base_.dinov2_l_dpt}}
