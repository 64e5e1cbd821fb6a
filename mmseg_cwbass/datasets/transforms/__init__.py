from .diagnostic_mask import PackSemiSegInputs, StashDiagnosticMask
from .multi_branch import MultiBranch

__all__ = ['MultiBranch', 'StashDiagnosticMask', 'PackSemiSegInputs']
