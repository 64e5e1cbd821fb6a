from .atomic_checkpoint_hook import AtomicCheckpointHook
from .confidence_decay_hook import ConfidenceDecayHook
from .dynamic_threshold_hook import DynamicThresholdHook
from .mean_teacher_hook import MeanTeacherHook
from .preemption_hook import PREEMPTED_EXIT_CODE, PreemptionHook
from .pseudo_label_visualization_hook import PseudoLabelVisualizationHook
from .random_state_hook import RandomStateHook

__all__ = [
    'MeanTeacherHook', 'ConfidenceDecayHook', 'RandomStateHook',
    'DynamicThresholdHook', 'PseudoLabelVisualizationHook',
    'AtomicCheckpointHook', 'PreemptionHook', 'PREEMPTED_EXIT_CODE'
]
