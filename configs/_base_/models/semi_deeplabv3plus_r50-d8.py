# Teacher/student wrapper around mmseg's own DeepLabv3+ R50-D8 config (output
# stride 8, ASPP 12/24/36, 48-channel low-level projection). Method configs
# (cwbass_*, mean_teacher_*) set the wrapper type and its options.
_base_ = ['mmseg::_base_/models/deeplabv3plus_r50-d8.py']

model = dict(
    _delete_=True,
    type='CWBASSSegmentor',
    segmentor={{_base_.model}},
    semi_train_cfg=dict(
        unsup_weight=1.0, rampup_iters=0, concat_student_forward=True),
    semi_test_cfg=dict(predict_on='teacher'))
