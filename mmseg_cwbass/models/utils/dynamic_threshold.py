"""Dynamic confidence threshold of CW-BASS (Tarubinga et al., IJCNN 2025).

``tau = clamp(T0 * sigmoid(beta * (m - 0.5)), tau_min, tau_max)`` where ``m``
is a statistic of the teacher's confidence (``method.md`` step 4).

What depends on the current batch is computed here, in the forward pass: the
reference's statistic, the mean confidence of the current (global) batch.
What evolves across iterations (the per-class EMA of ``class_ema``, a
schedule of ``T0`` and the clamps) is advanced by
:class:`~mmseg_cwbass.engine.hooks.DynamicThresholdHook` after each
optimizer step, the way ``MeanTeacherHook`` advances the teacher. The EMA
lives in a buffer of this module, so checkpoints carry it.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmseg.registry import MODELS

from ...utils.config_keys import reject_unknown_args
from .global_batch import all_reduce_sum

STATISTICS = ('batch_mean', 'class_ema')


@MODELS.register_module()
@reject_unknown_args
class DynamicThreshold(nn.Module):
    """Confidence threshold that follows the teacher's confidence.

    Args:
        num_classes (int): Number of classes (size of the per-class state).
        base (float): ``T0``. Defaults to 0.6.
        beta (float): Slope of the sigmoid. Defaults to 0.5.
        tau_min (float): Lower clamp. Defaults to 0.3.
        tau_max (float): Upper clamp. Defaults to 0.8.
        statistic (str): ``'batch_mean'``: ``m`` is the mean confidence of
            the current global batch (reference code, no memory).
            ``'class_ema'``: per-class EMA over iterations of the mean
            confidence of pixels predicted as that class (the paper's "learns
            from model performance"); each class gets its own threshold. The
            EMA is updated by ``DynamicThresholdHook`` after each step, so a
            step thresholds with the EMA of the steps before it.
            Defaults to ``'batch_mean'``.
        init_value (float): Initial EMA value. Defaults to 0.5.
        fixed (float, optional): If given, the threshold is this constant and
            the statistic is ignored (plain Mean Teacher style, or ablation).
            Defaults to None.
        enabled (bool): If False, no pixel is thresholded (tau = 0).
            Defaults to True.
    """

    moved_args = {
        key: f"the class EMA's {key} is an argument of DynamicThresholdHook "
        f"in custom_hooks: dict(type='DynamicThresholdHook', {key}=...)"
        for key in ('momentum', 'min_pixels')
    }

    def __init__(self,
                 num_classes: int,
                 base: float = 0.6,
                 beta: float = 0.5,
                 tau_min: float = 0.3,
                 tau_max: float = 0.8,
                 statistic: str = 'batch_mean',
                 init_value: float = 0.5,
                 fixed: Optional[float] = None,
                 enabled: bool = True) -> None:
        super().__init__()
        if statistic not in STATISTICS:
            raise ValueError(f'statistic must be one of {STATISTICS}, got '
                             f'{statistic!r}')
        self.num_classes = num_classes
        self.statistic = statistic
        self.fixed = fixed
        self.enabled = enabled
        self.set_params(base=base, beta=beta, tau_min=tau_min,
                        tau_max=tau_max)
        self.register_buffer('class_stat',
                             torch.full((num_classes, ), float(init_value)))
        # Last threshold, kept for logging and for inspection after resume.
        self.register_buffer('last_tau', torch.zeros(num_classes))
        # Per-class confidence sums and pixel counts of this rank since the
        # last EMA update (class_ema, training only).
        self._pending: Optional[torch.Tensor] = None
        self.hook_attached = False

    def set_params(self, base: float, beta: float, tau_min: float,
                   tau_max: float) -> None:
        """Set ``T0``, ``beta`` and the clamps (the hook's schedule does).

        Raises:
            ValueError: If the clamps are not ``0 <= tau_min <= tau_max <= 1``.
        """
        if not 0.0 <= tau_min <= tau_max <= 1.0:
            raise ValueError('need 0 <= tau_min <= tau_max <= 1, got '
                             f'tau_min={tau_min}, tau_max={tau_max}')
        self.base = float(base)
        self.beta = float(beta)
        self.tau_min = float(tau_min)
        self.tau_max = float(tau_max)

    @property
    def needs_hook(self) -> bool:
        """Whether training needs ``DynamicThresholdHook`` (class EMA)."""
        return self.enabled and self.fixed is None and \
            self.statistic == 'class_ema'

    def threshold_of(self, statistic: torch.Tensor) -> torch.Tensor:
        """Map a confidence statistic ``m`` to the threshold ``tau``.

        Args:
            statistic (Tensor): ``m``, any shape.

        Returns:
            Tensor: ``tau`` of the same shape.
        """
        tau = self.base * torch.sigmoid(self.beta * (statistic - 0.5))
        return tau.clamp(self.tau_min, self.tau_max)

    @torch.no_grad()
    def forward(self,
                confidence: torch.Tensor,
                pseudo_label: torch.Tensor,
                valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Per-pixel thresholds of a batch.

        Args:
            confidence (Tensor): Teacher confidence ``c``, shape (N, H, W).
            pseudo_label (Tensor): Teacher argmax, shape (N, H, W).
            valid (Tensor, optional): Boolean mask of real (non-padding)
                pixels. Defaults to all pixels.

        Returns:
            Tensor: Threshold for every pixel, shape (N, H, W). Pixels with
            ``c <= tau`` are to be ignored.
        """
        if not self.enabled:
            self.last_tau.zero_()
            return torch.zeros_like(confidence)
        if self.fixed is not None:
            self.last_tau.fill_(self.fixed)
            return torch.full_like(confidence, self.fixed)
        if valid is None:
            valid = torch.ones_like(confidence, dtype=torch.bool)
        weight = valid.to(confidence.dtype)
        if self.statistic == 'batch_mean':
            sums = torch.stack([(confidence * weight).sum(), weight.sum()])
            sums = all_reduce_sum(sums)
            mean = sums[0] / sums[1].clamp(min=1.0)
            tau = self.threshold_of(mean)
            self.last_tau.fill_(0).add_(tau)
            return tau.expand_as(confidence)
        label = pseudo_label.clamp(0, self.num_classes - 1)
        if self.training:
            self._record(confidence, label, weight)
        tau_per_class = self.threshold_of(self.class_stat)
        self.last_tau.copy_(tau_per_class)
        return tau_per_class[label]

    def _record(self, confidence: torch.Tensor, label: torch.Tensor,
                weight: torch.Tensor) -> None:
        """Add this batch's per-class sums and counts to the pending ones."""
        sums = torch.zeros(2, self.num_classes, device=confidence.device,
                           dtype=torch.float32)
        flat_label = label.reshape(-1)
        flat_weight = weight.reshape(-1).float()
        sums[0].index_add_(0, flat_label,
                           confidence.reshape(-1).float() * flat_weight)
        sums[1].index_add_(0, flat_label, flat_weight)
        self._pending = sums if self._pending is None else \
            self._pending + sums

    @torch.no_grad()
    def update_ema(self, momentum: float, min_pixels: int) -> None:
        """Fold the pending batch statistics into the per-class EMA.

        The sums are all-reduced first (one call), so the state is the same
        on every rank. Classes with fewer than ``min_pixels`` pixels in the
        global batch keep their value.

        Args:
            momentum (float): ``ema = momentum * ema + (1 - momentum) * m``.
            min_pixels (int): Minimum pixel count of a class to update it.
        """
        if self._pending is None:
            return
        sums, self._pending = all_reduce_sum(self._pending), None
        batch_mean = sums[0] / sums[1].clamp(min=1.0)
        seen = sums[1] >= min_pixels
        updated = momentum * self.class_stat + \
            (1.0 - momentum) * batch_mean.to(self.class_stat.dtype)
        self.class_stat.copy_(torch.where(seen, updated, self.class_stat))

    def extra_repr(self) -> str:
        return (f'statistic={self.statistic}, base={self.base}, '
                f'beta={self.beta}, tau=[{self.tau_min}, {self.tau_max}], '
                f'fixed={self.fixed}, enabled={self.enabled}')
