from .boundary import BOUNDARY_PADDINGS, sobel_boundary_band
from .dynamic_threshold import DynamicThreshold

__all__ = ['sobel_boundary_band', 'BOUNDARY_PADDINGS', 'DynamicThreshold']
