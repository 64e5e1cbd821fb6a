from .boundary_loss import BoundaryCELoss, boundary_ce
from .confidence_weighted_loss import (ConfidenceWeightedLoss,
                                       confidence_weighted_ce)
from .global_cross_entropy_loss import GlobalCrossEntropyLoss
from .ohem_loss import ProbOhemCrossEntropyLoss, prob_ohem_ce

__all__ = [
    'ConfidenceWeightedLoss', 'confidence_weighted_ce', 'BoundaryCELoss',
    'boundary_ce', 'GlobalCrossEntropyLoss', 'ProbOhemCrossEntropyLoss',
    'prob_ohem_ce'
]
