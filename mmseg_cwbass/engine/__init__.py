from .checkpoint import (AtomicLocalBackend, UntrustedCheckpointError,
                         load_checkpoint_file, trust_file)
from .hooks import *  # noqa: F401,F403
from .model_wrapper import SemiDistributedDataParallel
from .optimizers import SemiOptimWrapperConstructor
from .runner import *  # noqa: F401,F403

__all__ = [
    'AtomicLocalBackend', 'UntrustedCheckpointError', 'load_checkpoint_file',
    'trust_file', 'SemiDistributedDataParallel', 'SemiOptimWrapperConstructor'
]
