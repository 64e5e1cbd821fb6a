# Mean Teacher baseline around mmseg's SegFormer MiT-b0 for any dataset: the
# schedule and runtime of cwbass_segformer_mit-b0.py beside it, with a fixed
# confidence threshold (0.95) and the head's own cross-entropy on
# pseudo-labels (../models/mean_teacher_segformer_mit-b0.py).
_base_ = [
    '../models/mean_teacher_segformer_mit-b0.py',
    '../schedules/semi_poly.py',
    '../schedules/segformer_adamw.py',
    '../default_runtime_semi.py',
]

model = dict(semi_train_cfg=dict(concat_student_forward=False))
optim_wrapper = dict(_delete_=True, **_base_.segformer_optim_wrapper)
param_scheduler = {{_base_.segformer_param_scheduler}}
