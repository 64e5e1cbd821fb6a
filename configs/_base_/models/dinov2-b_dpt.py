# DINOv2 ViT-B/14 + DPT as the model of a config (dinov2-b_dpt_segmentor.py
# holds it as a variable): the supervised EncoderDecoder, and the segmentor
# that the CW-BASS and Mean Teacher wrappers of this folder take.
_base_ = ['./dinov2-b_dpt_segmentor.py']

model = _base_.dinov2_b_dpt
