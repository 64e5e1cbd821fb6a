# FixMatch around DINOv2-B + DPT for any dataset: the method of
# fixmatch_deeplabv3plus_r50-d8.py beside it (wrapper, threshold, views, loss
# weights, EMA hook) with its segmentor swapped for DINOv2-B + DPT
# (../models/dinov2-b_dpt_segmentor.py) and UniMatch V2's AdamW recipe
# (../schedules/dinov2_adamw.py) in place of the SGD schedule.
_base_ = [
    './fixmatch_deeplabv3plus_r50-d8.py',
    '../models/dinov2-b_dpt_segmentor.py',
    '../schedules/dinov2_adamw.py',
]

model = dict(segmentor=dict(_delete_=True, **_base_.dinov2_b_dpt))
optim_wrapper = dict(_delete_=True, **_base_.dinov2_optim_wrapper)
param_scheduler = {{_base_.dinov2_param_scheduler}}
