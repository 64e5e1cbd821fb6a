# Mean Teacher baseline on mmseg's DeepLabv3+ ResNet-50-D8 for any dataset:
# the same schedule, runtime and student passes as
# cwbass_deeplabv3plus_r50-d8.py beside it, with a fixed confidence threshold
# (0.95) and the head's own cross-entropy on pseudo-labels
# (../models/mean_teacher_deeplabv3plus_r50-d8.py); only the teacher's EMA
# and the RNG state evolve across iterations.
_base_ = [
    '../models/mean_teacher_deeplabv3plus_r50-d8.py',
    '../schedules/semi_poly.py',
    '../default_runtime_semi.py',
]

# Two student passes, as the CW-BASS configs.
model = dict(semi_train_cfg=dict(concat_student_forward=False))
