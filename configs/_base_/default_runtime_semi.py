# Runtime shared by every semi-supervised config of mmseg-cwbass.
_base_ = ['mmseg::_base_/default_runtime.py']

custom_imports = dict(imports=['mmseg_cwbass'], allow_failed_imports=False)

# Teacher = EMA of the student, updated after every optimizer step.
custom_hooks = [
    dict(type='MeanTeacherHook', momentum=0.001, buffer_policy='copy'),
    # RNG state in checkpoints: a resumed run continues the same stream.
    dict(type='RandomStateHook'),
    # Teacher pseudo-label, confidence, Sobel band, kept mask and true mask
    # of the unlabeled images (docs/visualization.md).
    dict(type='PseudoLabelVisualizationHook', interval=1000, max_images=4),
]

# Multi-GPU: DDP that routes the step through the wrapper's NaN/Inf guard and
# also runs on CPU (gloo). broadcast_buffers=False as mmengine's default.
# (mmengine's Runner looks the type up in its root registry: hence the scope.)
model_wrapper_cfg = dict(
    type='mmseg.SemiDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
