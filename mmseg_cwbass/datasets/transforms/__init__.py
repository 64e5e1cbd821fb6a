from .check_seg_map import CheckSegMapValues
from .diagnostic_mask import LoadDiagnosticMask, PackSemiSegInputs
from .multi_branch import MultiBranch
from .strong_view import (RandomColorJitter, RandomCutMixBox,
                          RandomGaussianBlur)

__all__ = [
    'MultiBranch', 'PackSemiSegInputs',
    'CheckSegMapValues', 'RandomGaussianBlur', 'LoadDiagnosticMask',
    'RandomColorJitter', 'RandomCutMixBox'
]
