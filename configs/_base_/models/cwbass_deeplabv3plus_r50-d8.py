# CW-BASS on mmseg's DeepLabv3+ R50-D8. The decode head becomes the
# boundary-aware head (inference unchanged) and mmseg's auxiliary FCN head is
# dropped (the reference has none).
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
    segmentor=dict(
        auxiliary_head=None,
        decode_head=dict(
            type='BoundaryAwareASPPHead',
            loss_boundary=dict(
                type='BoundaryCELoss', loss_weight=0.5, padding='zero'),
            boundary_on=('unlabeled', ),
            boundary_branch=None)))
