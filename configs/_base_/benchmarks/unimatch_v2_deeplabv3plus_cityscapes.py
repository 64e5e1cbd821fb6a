"""UniMatch V2 on mmseg's DeepLabv3+ ResNet-50-D8, Cityscapes protocol.

Base of configs/unimatch_v2/deeplabv3plus_r101_cityscapes_*.py: the shared
protocol of the CW-BASS row
(configs/_base_/benchmarks/protocol_semi_cityscapes.py: batch, crop, schedule,
evaluation) with the method of
configs/_base_/methods/unimatch_v2_deeplabv3plus_r50-d8.py and its strong views
(strong_pipelines of the dataset base). docs/methods.md lists what comes from
the method's code and what from the protocol.
"""
_base_ = [
    '../methods/unimatch_v2_deeplabv3plus_r50-d8.py',
    './protocol_semi_cityscapes.py',
]

optim_wrapper = dict(optimizer=dict(lr={{_base_.lr}}))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(pipeline={{_base_.strong_pipelines.two_views.labeled}}),
        unlabeled=dict(
            pipeline={{_base_.strong_pipelines.two_views.unlabeled}})))
# UniMatch V2's Cityscapes criterion (configs/cityscapes.yaml, used by its
# fixmatch.py and unimatch_v2.py): OHEM, threshold 0.7, at least 200,000
# pixels of the batch.
model = dict(
    segmentor=dict(
        data_preprocessor=dict(size={{_base_.crop_size}}),
        decode_head=dict(
            num_classes={{_base_.num_classes}},
            loss_decode=dict(
                _delete_=True,
                type='ProbOhemCrossEntropyLoss',
                thresh=0.7,
                min_kept=200000))))
