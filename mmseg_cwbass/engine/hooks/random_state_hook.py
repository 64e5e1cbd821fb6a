"""Carry the random number generators' state through checkpoints.

With per-sample seeded data (:class:`MultiSourceSampler`), the remaining
randomness of a step is the model's (dropout, random sampling in heads). This
hook stores the python, numpy, torch (and CUDA) generator states in each
checkpoint and restores them when a run resumes, so a resumed run continues
with the same random stream as an uninterrupted one.
"""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from ...utils.config_keys import reject_unknown_args

RNG_KEY = 'rng_state'


@HOOKS.register_module()
@reject_unknown_args
class RandomStateHook(Hook):
    """Save the RNG states with checkpoints and restore them on resume."""

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._pending: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Add the current RNG states to the checkpoint."""
        state = dict(
            python=random.getstate(),
            numpy=np.random.get_state(),
            torch=torch.get_rng_state())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint[RNG_KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the states until training starts (resume only)."""
        self._pending = checkpoint.get(RNG_KEY)

    def before_train(self, runner) -> None:
        """Restore the states of the checkpoint a run resumes from."""
        state, self._pending = self._pending, None
        if state is None or runner.iter == 0:
            return
        random.setstate(state['python'])
        np.random.set_state(state['numpy'])
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
