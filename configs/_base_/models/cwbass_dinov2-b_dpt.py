# CW-BASS around DINOv2-B + DPT (dinov2-b_dpt.py). The DPT head is not
# boundary-aware, so the wrapper's boundary_loss adds the band cross-entropy
# (weight 0.5, zero padding as in the reference) on pseudo-labels; the other
# CW-BASS options equal those of cwbass_deeplabv3plus_r50-d8.py.
_base_ = ['./dinov2-b_dpt.py']

model = dict(
    _delete_=True,
    type='CWBASSSegmentor',
    segmentor={{_base_.model}},
    threshold=dict(
        type='DynamicThreshold',
        base=0.6,
        beta=0.5,
        tau_min=0.3,
        tau_max=0.8,
        statistic='batch_mean'),
    unsup_loss=dict(type='ConfidenceWeightedLoss', gamma=1.0, loss_weight=1.0),
    boundary_loss=dict(type='BoundaryCELoss', loss_weight=0.5,
                       padding='zero'),
    semi_train_cfg=dict(
        unsup_weight=1.0, rampup_iters=0, concat_student_forward=False),
    semi_test_cfg=dict(predict_on='teacher'))
