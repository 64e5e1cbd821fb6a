from .layer_decay_constructor import LayerDecayOptimWrapperConstructor
from .semi_optim_wrapper_constructor import SemiOptimWrapperConstructor

__all__ = ['LayerDecayOptimWrapperConstructor', 'SemiOptimWrapperConstructor']
