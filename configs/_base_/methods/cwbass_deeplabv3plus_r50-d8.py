# CW-BASS on mmseg's DeepLabv3+ ResNet-50-D8 for any dataset: the model
# (../models/cwbass_deeplabv3plus_r50-d8.py), the reference schedule (SGD
# momentum 0.9, weight decay 1e-4, head x10, poly 0.9) and the CW-BASS
# runtime and hooks. A config adds a dataset base, puts the crop size and
# the classes into the model, and sets lr and the iterations (the benchmark
# bases of ../benchmarks, the template configs/custom/).
_base_ = [
    '../models/cwbass_deeplabv3plus_r50-d8.py',
    '../schedules/semi_poly.py',
    '../default_runtime_cwbass.py',
]

# The reference runs the student once on the labeled and once on the
# unlabeled batch (batch-norm statistics of each part).
model = dict(semi_train_cfg=dict(concat_student_forward=False))
