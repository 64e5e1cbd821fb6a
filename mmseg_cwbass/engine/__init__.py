from .checkpoint import (AtomicLocalBackend, CheckpointResumeError,
                         CheckpointWriteError, UntrustedCheckpointError,
                         find_resume_checkpoint, load_checkpoint_file,
                         trust_file)
from .hooks import *  # noqa: F401,F403
from .model_wrapper import SemiDistributedDataParallel
from .optimizers import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403

__all__ = [
    'AtomicLocalBackend', 'UntrustedCheckpointError', 'load_checkpoint_file',
    'trust_file', 'SemiDistributedDataParallel', 'CheckpointWriteError',
    'CheckpointResumeError', 'find_resume_checkpoint'
]
