# Plain Mean Teacher baseline around DINOv2-B + DPT (dinov2-b_dpt.py): fixed
# confidence threshold, the head's own CE on pseudo-labels.
_base_ = ['./dinov2-b_dpt.py']

model = dict(
    _delete_=True,
    type='MeanTeacherSegmentor',
    segmentor={{_base_.model}},
    pseudo_threshold=0.95,
    semi_train_cfg=dict(
        unsup_weight=1.0, rampup_iters=0, concat_student_forward=False),
    semi_test_cfg=dict(predict_on='teacher'))
