# CW-BASS around mmseg's SegFormer MiT-b0 for any dataset: the model
# (../models/cwbass_segformer_mit-b0.py), mmseg's SegFormer optimizer recipe
# (../schedules/segformer_adamw.py) in place of the SGD schedule, and the
# CW-BASS runtime and hooks.
_base_ = [
    '../models/cwbass_segformer_mit-b0.py',
    '../schedules/semi_poly.py',
    '../schedules/segformer_adamw.py',
    '../default_runtime_cwbass.py',
]

model = dict(semi_train_cfg=dict(concat_student_forward=False))
optim_wrapper = dict(_delete_=True, **_base_.segformer_optim_wrapper)
param_scheduler = {{_base_.segformer_param_scheduler}}
