"""FixMatch on DINOv2-B + DPT, Cityscapes (DINOv2 protocol).

Base of configs/fixmatch/dinov2-b_dpt_cityscapes_*.py: the DINOv2 protocol of the
CW-BASS row (protocol_dinov2_semi_cityscapes.py: batch, crop, schedule,
evaluation) with the method of
configs/_base_/methods/fixmatch_dinov2-b_dpt.py and its strong views at the
DINOv2 crop (strong_pipelines of the dataset base). docs/methods.md.
"""
_base_ = [
    '../methods/fixmatch_dinov2-b_dpt.py',
    './protocol_dinov2_semi_cityscapes.py',
]

train_dataloader = dict(
    dataset=dict(
        labeled=dict(pipeline={{_base_.strong_pipelines.one_view.labeled}}),
        unlabeled=dict(
            pipeline={{_base_.strong_pipelines.one_view.unlabeled}})))
# The protocol's crop, classes and sliding-window evaluation, with UniMatch
# V2's Cityscapes criterion (OHEM, threshold 0.7, at least 200,000 pixels of
# the batch) as in the R101 configs.
model = dict(
    segmentor=dict(
        data_preprocessor=dict(size={{_base_.crop_size}}),
        test_cfg={{_base_.segmentor_data_cfg.test_cfg}},
        decode_head=dict(
            num_classes={{_base_.num_classes}},
            loss_decode=dict(
                _delete_=True,
                type='ProbOhemCrossEntropyLoss',
                thresh=0.7,
                min_kept=200000))))
