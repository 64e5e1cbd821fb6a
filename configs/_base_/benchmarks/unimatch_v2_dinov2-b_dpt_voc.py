"""UniMatch V2 on DINOv2-B + DPT, Pascal VOC 2012 (DINOv2 protocol).

Base of configs/unimatch_v2/dinov2-b_dpt_voc_*.py: the DINOv2 protocol of the
CW-BASS row (protocol_dinov2_semi_voc.py: batch, crop, schedule,
evaluation) with the method of
configs/_base_/methods/unimatch_v2_dinov2-b_dpt.py and its strong views at the
DINOv2 crop (strong_pipelines of the dataset base). docs/methods.md.
"""
_base_ = [
    '../methods/unimatch_v2_dinov2-b_dpt.py',
    './protocol_dinov2_semi_voc.py',
]

train_dataloader = dict(
    dataset=dict(
        labeled=dict(pipeline={{_base_.strong_pipelines.two_views.labeled}}),
        unlabeled=dict(
            pipeline={{_base_.strong_pipelines.two_views.unlabeled}})))
# The protocol's crop and classes.
model = dict(segmentor={{_base_.segmentor_data_cfg}})
