from .check_seg_map import CheckSegMapValues
from .diagnostic_mask import (LoadDiagnosticMask, PackSemiSegInputs,
                              StashDiagnosticMask)
from .multi_branch import MultiBranch
from .strong_view import RandomGaussianBlur

__all__ = [
    'MultiBranch', 'StashDiagnosticMask', 'PackSemiSegInputs',
    'CheckSegMapValues', 'RandomGaussianBlur', 'LoadDiagnosticMask'
]
