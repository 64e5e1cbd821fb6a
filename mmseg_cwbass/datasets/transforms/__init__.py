from .check_seg_map import CheckSegMapValues
from .diagnostic_mask import PackSemiSegInputs, StashDiagnosticMask
from .multi_branch import MultiBranch

__all__ = [
    'MultiBranch', 'StashDiagnosticMask', 'PackSemiSegInputs',
    'CheckSegMapValues'
]
