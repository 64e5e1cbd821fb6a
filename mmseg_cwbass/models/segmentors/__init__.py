from .cwbass import CWBASSSegmentor
from .mean_teacher import MeanTeacherSegmentor
from .semi_base import PseudoLabels, SemiBaseSegmentor, SemiBatch

__all__ = [
    'SemiBaseSegmentor', 'MeanTeacherSegmentor', 'CWBASSSegmentor',
    'PseudoLabels', 'SemiBatch'
]
