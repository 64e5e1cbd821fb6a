# CW-BASS on mmseg's DeepLabv3+ R50-D8. The decode head becomes the
# boundary-aware head (inference unchanged; its learned boundary branch is
# off) and mmseg's auxiliary FCN head is dropped (the reference has none).
# Supervised CE: mean over the non-ignored pixels of the global batch, as
# the reference's CrossEntropyLoss(ignore_index=255).
_base_ = ['./semi_deeplabv3plus_r50-d8.py']

model = dict(
    type='CWBASSSegmentor',
    threshold=dict(
        type='DynamicThreshold',
        base=0.6,
        beta=0.5,
        tau_min=0.3,
        tau_max=0.8,
        statistic='batch_mean'),
    unsup_loss=dict(type='ConfidenceWeightedLoss', gamma=1.0, loss_weight=1.0),
    # Band CE on the pseudo-labels (the reference: zero padding, so the crop
    # border is part of the band; 'replicate' marks real label changes only).
    boundary_loss=dict(type='BoundaryCELoss', loss_weight=0.5, padding='zero'),
    segmentor=dict(
        auxiliary_head=None,
        decode_head=dict(
            type='BoundaryAwareASPPHead',
            boundary_branch=None,
            loss_decode=dict(
                _delete_=True, type='GlobalCrossEntropyLoss',
                loss_weight=1.0))))
