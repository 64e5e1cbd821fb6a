"""Dynamic confidence threshold of CW-BASS (Tarubinga et al., IJCNN 2025).

``tau = clamp(T0 * sigmoid(beta * (m - 0.5)), tau_min, tau_max)`` where ``m``
is a statistic of the teacher's confidence (``method.md`` step 4).  The
threshold is a module owned by the segmentor rather than a hook, because the
reference statistic is the mean confidence of the *current* batch (known only
inside the forward pass), and because module buffers are what checkpoints and
DDP carry: the EMA state is saved with the model and resumed exactly.
"""
from typing import Optional

import torch
import torch.distributed as dist
import torch.nn as nn
from mmseg.registry import MODELS

STATISTICS = ('batch_mean', 'class_ema')


def _all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum over ranks so that every rank derives the same threshold."""
    if dist.is_available() and dist.is_initialized() and \
            dist.get_world_size() > 1:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


@MODELS.register_module()
class DynamicThreshold(nn.Module):
    """Confidence threshold that follows the teacher's confidence.

    Args:
        num_classes (int): Number of classes (size of the per-class state).
        base (float): ``T0``. Defaults to 0.6.
        beta (float): Slope of the sigmoid. Defaults to 0.5.
        tau_min (float): Lower clamp. Defaults to 0.3.
        tau_max (float): Upper clamp. Defaults to 0.8.
        statistic (str): ``'batch_mean'``: ``m`` is the mean confidence of
            the current batch (reference code, no memory). ``'class_ema'``:
            per-class EMA over iterations of the mean confidence of pixels
            predicted as that class (the paper's "learns from model
            performance"); each class gets its own threshold.
            Defaults to ``'batch_mean'``.
        momentum (float): EMA momentum of the kept state for ``class_ema``
            (``ema = momentum * ema + (1 - momentum) * batch_value``).
            Defaults to 0.999.
        min_pixels (int): Classes with fewer pixels in the (global) batch
            do not update their EMA. Defaults to 10.
        init_value (float): Initial EMA value. Defaults to 0.5.
        fixed (float, optional): If given, the threshold is this constant and
            the statistic is ignored (plain Mean Teacher style, or ablation).
            Defaults to None.
        enabled (bool): If False, no pixel is thresholded (tau = 0).
            Defaults to True.
    """

    def __init__(self,
                 num_classes: int,
                 base: float = 0.6,
                 beta: float = 0.5,
                 tau_min: float = 0.3,
                 tau_max: float = 0.8,
                 statistic: str = 'batch_mean',
                 momentum: float = 0.999,
                 min_pixels: int = 10,
                 init_value: float = 0.5,
                 fixed: Optional[float] = None,
                 enabled: bool = True) -> None:
        super().__init__()
        if statistic not in STATISTICS:
            raise ValueError(f'statistic must be one of {STATISTICS}, got '
                             f'{statistic!r}')
        if not 0.0 <= tau_min <= tau_max <= 1.0:
            raise ValueError('need 0 <= tau_min <= tau_max <= 1, got '
                             f'tau_min={tau_min}, tau_max={tau_max}')
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f'momentum must be in [0, 1), got {momentum}')
        self.num_classes = num_classes
        self.base = base
        self.beta = beta
        self.tau_min = tau_min
        self.tau_max = tau_max
        self.statistic = statistic
        self.momentum = momentum
        self.min_pixels = min_pixels
        self.fixed = fixed
        self.enabled = enabled
        self.register_buffer('class_stat',
                             torch.full((num_classes, ), float(init_value)))
        # Last threshold, kept for logging and for inspection after resume.
        self.register_buffer('last_tau', torch.zeros(num_classes))

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
        """Update the statistic with a batch and return per-pixel thresholds.

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
            sums = _all_reduce_sum(sums)
            mean = sums[0] / sums[1].clamp(min=1.0)
            tau = self.threshold_of(mean)
            self.last_tau.fill_(0).add_(tau)
            return tau.expand_as(confidence)
        # class_ema: per-class sums and counts in one all-reduce.
        label = pseudo_label.clamp(0, self.num_classes - 1).reshape(-1)
        flat_weight = weight.reshape(-1)
        sums = torch.zeros(2, self.num_classes, device=confidence.device,
                           dtype=confidence.dtype)
        sums[0].index_add_(0, label, confidence.reshape(-1) * flat_weight)
        sums[1].index_add_(0, label, flat_weight)
        sums = _all_reduce_sum(sums)
        batch_mean = sums[0] / sums[1].clamp(min=1.0)
        seen = sums[1] >= self.min_pixels
        if self.training:
            updated = self.momentum * self.class_stat + \
                (1.0 - self.momentum) * batch_mean
            self.class_stat.copy_(torch.where(seen, updated, self.class_stat))
        tau_per_class = self.threshold_of(self.class_stat)
        self.last_tau.copy_(tau_per_class)
        return tau_per_class[pseudo_label.clamp(0, self.num_classes - 1)]

    def extra_repr(self) -> str:
        return (f'statistic={self.statistic}, base={self.base}, '
                f'beta={self.beta}, tau=[{self.tau_min}, {self.tau_max}], '
                f'momentum={self.momentum}, fixed={self.fixed}, '
                f'enabled={self.enabled}')
