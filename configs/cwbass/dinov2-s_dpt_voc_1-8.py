"""CW-BASS, DINOv2-S + DPT, VOC blended 1/8 (docs/dinov2.md)."""
_base_ = [
    './dinov2-b_dpt_voc_1-8.py',
    '../_base_/models/dinov2_sizes.py',
]
model = dict(segmentor={{_base_.dinov2_s_dpt}})
