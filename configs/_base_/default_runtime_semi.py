# Runtime shared by every semi-supervised config of mmseg-cwbass.
_base_ = ['mmseg::_base_/default_runtime.py']

custom_imports = dict(imports=['mmseg_cwbass'], allow_failed_imports=False)

# Teacher = EMA of the student, updated after every optimizer step.
custom_hooks = [
    dict(type='MeanTeacherHook', momentum=0.001, buffer_policy='copy'),
]
