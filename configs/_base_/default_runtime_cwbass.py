# Runtime of the CW-BASS configs: the semi-supervised runtime plus the hooks
# of what evolves across iterations besides the teacher: the threshold's
# state/schedule and the confidence decay (mode 'none' = the reference's
# default; 'constant' = its 0.9 option).
_base_ = ['./default_runtime_semi.py']

custom_hooks = [
    dict(type='MeanTeacherHook', momentum=0.001, buffer_policy='copy'),
    dict(type='RandomStateHook'),
    dict(type='DynamicThresholdHook', momentum=0.999, min_pixels=10),
    dict(type='ConfidenceDecayHook', mode='none'),
    # Teacher pseudo-label, confidence, Sobel band, kept mask and true mask
    # of the unlabeled images (docs/visualization.md).
    dict(type='PseudoLabelVisualizationHook', interval=1000, max_images=4),
]
