from .boundary_aware_aspp_head import BoundaryAwareASPPHead

__all__ = ['BoundaryAwareASPPHead']
