"""CW-BASS on UniMatch V2's strong views, DINOv2-B + DPT, Pascal VOC 2012.

Base of configs/cwbass_strong/dinov2-b_dpt_voc_*.py: the DINOv2 CW-BASS
row (cwbass_dinov2-b_dpt_voc.py) with the student on UniMatch V2's two
strong views and its complementary channel dropout, as
cwbass-strong_deeplabv3plus_voc.py does for R101. docs/methods.md.
"""
_base_ = ['./cwbass_dinov2-b_dpt_voc.py']

model = dict(
    semi_train_cfg=dict(
        strong_views=2, channel_dropout=True, cutmix_partner='reverse'))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(pipeline={{_base_.strong_pipelines.two_views.labeled}}),
        unlabeled=dict(
            pipeline={{_base_.strong_pipelines.two_views.unlabeled}})))
