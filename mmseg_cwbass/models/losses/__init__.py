from .boundary_loss import BoundaryCELoss, boundary_ce
from .confidence_weighted_loss import (ConfidenceWeightedLoss,
                                       confidence_weighted_ce)

__all__ = [
    'ConfidenceWeightedLoss', 'confidence_weighted_ce', 'BoundaryCELoss',
    'boundary_ce'
]
