from .confidence_decay_hook import ConfidenceDecayHook
from .mean_teacher_hook import MeanTeacherHook

__all__ = ['MeanTeacherHook', 'ConfidenceDecayHook']
