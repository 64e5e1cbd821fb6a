from .confidence_decay_hook import ConfidenceDecayHook
from .mean_teacher_hook import MeanTeacherHook
from .random_state_hook import RandomStateHook

__all__ = ['MeanTeacherHook', 'ConfidenceDecayHook', 'RandomStateHook']
