"""UniMatch V2 on mmseg's DeepLabv3+ ResNet-50-D8, Pascal VOC 2012 protocol.

Base of configs/unimatch_v2/deeplabv3plus_r101_voc_*.py: the shared protocol of
the CW-BASS row (configs/_base_/benchmarks/protocol_semi_voc.py: batch, crop,
schedule, evaluation) with the method of
configs/_base_/methods/unimatch_v2_deeplabv3plus_r50-d8.py and its strong views
(strong_pipelines of the dataset base). docs/methods.md lists what comes from
the method's code and what from the protocol.
"""
_base_ = [
    '../methods/unimatch_v2_deeplabv3plus_r50-d8.py',
    './protocol_semi_voc.py',
]

optim_wrapper = dict(optimizer=dict(lr={{_base_.lr}}))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(pipeline={{_base_.strong_pipelines.two_views.labeled}}),
        unlabeled=dict(
            pipeline={{_base_.strong_pipelines.two_views.unlabeled}})))
# The protocol's crop and classes.
model = dict(segmentor={{_base_.segmentor_data_cfg}})
