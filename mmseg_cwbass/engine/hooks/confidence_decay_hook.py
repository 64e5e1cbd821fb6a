"""Confidence decay schedule of CW-BASS (Tarubinga et al., IJCNN 2025).

The pixel weight is ``(d * c)^gamma`` (``method.md`` steps 5 and 7). The
reference code has a constant factor 0.9 (off by default); the paper calls the
decay "progressive". This hook sets ``d`` on the segmentor before every
iteration; ``d`` lives in a model buffer, so checkpoints carry it and a
resumed run continues with the same value.
"""
import math
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ...utils.config_keys import reject_unknown_args

DECAY_MODES = ('none', 'constant', 'exp', 'linear', 'cosine')


@HOOKS.register_module()
@reject_unknown_args
class ConfidenceDecayHook(Hook):
    """Set the confidence decay factor ``d`` from the iteration.

    Modes, with ``p = min(1, iter / decay_iters)``:

    - ``'none'``: ``d = 1`` (default; the reference's default).
    - ``'constant'``: ``d = factor`` (the reference's option, 0.9).
    - ``'exp'``: ``d = max(min_factor, factor ** (iter / decay_iters))``.
    - ``'linear'``: ``d = 1 - (1 - min_factor) * p``.
    - ``'cosine'``: ``d = min_factor + (1 - min_factor) * (1 + cos(pi p)) / 2``.

    ``min_factor`` bounds every schedule from below, so the unlabeled term is
    refined progressively but never driven to ~0.

    Args:
        mode (str): One of the modes above. Defaults to ``'none'``.
        factor (float): ``d`` of ``'constant'``, base of ``'exp'``.
            Defaults to 0.9.
        min_factor (float): Floor of the schedules, in [0.1, 1].
            Defaults to 0.5.
        decay_iters (int, optional): Length of the schedule; defaults to the
            run's ``max_iters``.
    """

    priority = 'NORMAL'

    def __init__(self,
                 mode: str = 'none',
                 factor: float = 0.9,
                 min_factor: float = 0.5,
                 decay_iters: Optional[int] = None) -> None:
        if mode not in DECAY_MODES:
            raise ValueError(
                f'mode must be one of {DECAY_MODES}, got {mode!r}')
        if not 0.0 < factor <= 1.0:
            raise ValueError(f'factor must be in (0, 1], got {factor}')
        if not 0.1 <= min_factor <= 1.0:
            raise ValueError('min_factor must be in [0.1, 1] so that the '
                             f'unlabeled term never vanishes, got '
                             f'{min_factor}')
        if decay_iters is not None and decay_iters < 1:
            raise ValueError(f'decay_iters must be >= 1, got {decay_iters}')
        self.mode = mode
        self.factor = factor
        self.min_factor = min_factor
        self.decay_iters = decay_iters

    def factor_at(self, cur_iter: int, max_iters: int) -> float:
        """Decay factor ``d`` at an iteration.

        Args:
            cur_iter (int): Current (0-based) iteration.
            max_iters (int): Run length, used when ``decay_iters`` is None.

        Returns:
            float: ``d``.
        """
        span = self.decay_iters or max(max_iters, 1)
        progress = min(1.0, cur_iter / span)
        if self.mode == 'none':
            return 1.0
        if self.mode == 'constant':
            return self.factor
        if self.mode == 'exp':
            return max(self.min_factor, self.factor**(cur_iter / span))
        if self.mode == 'linear':
            return 1.0 - (1.0 - self.min_factor) * progress
        return self.min_factor + (1.0 - self.min_factor) * 0.5 * (
            1.0 + math.cos(math.pi * progress))

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        """Write ``d`` for this iteration into the segmentor."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not hasattr(model, 'set_decay_factor'):
            raise TypeError('ConfidenceDecayHook needs a segmentor with '
                            'set_decay_factor (CWBASSSegmentor), got '
                            f'{type(model).__name__}')
        model.set_decay_factor(self.factor_at(runner.iter, runner.max_iters))
