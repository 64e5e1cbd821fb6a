# Mean Teacher baseline around DINOv2-B + DPT for any dataset: the model
# (../models/mean_teacher_dinov2-b_dpt.py), UniMatch V2's AdamW recipe
# (../schedules/dinov2_adamw.py) in place of the SGD schedule, and the
# semi-supervised runtime (EMA teacher).
_base_ = [
    '../models/mean_teacher_dinov2-b_dpt.py',
    '../schedules/semi_poly.py',
    '../schedules/dinov2_adamw.py',
    '../default_runtime_semi.py',
]

optim_wrapper = dict(_delete_=True, **_base_.dinov2_optim_wrapper)
param_scheduler = {{_base_.dinov2_param_scheduler}}
