from .cwbass import CWBASSSegmentor
from .fixmatch import FixMatchSegmentor
from .mean_teacher import MeanTeacherSegmentor
from .semi_base import PseudoLabels, SemiBaseSegmentor, SemiBatch
from .unimatch_v2 import UniMatchV2Segmentor

__all__ = [
    'SemiBaseSegmentor', 'MeanTeacherSegmentor', 'CWBASSSegmentor',
    'PseudoLabels', 'SemiBatch', 'FixMatchSegmentor', 'UniMatchV2Segmentor'
]
