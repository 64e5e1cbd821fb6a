"""Confidence-weighted cross-entropy of CW-BASS (Tarubinga et al., IJCNN 2025).

``L_cw = sum_{j kept} w_j * CE_j / max(#kept, 1)`` with
``w_j = (d * c_j)^gamma`` (``method.md`` step 5): the reference decays the
confidence before it weights the loss, so the decay is raised to gamma too;
which pixels are kept is decided on ``c`` before the decay. The weights come
from the teacher's confidence ``c`` and carry no gradient; the sum is
normalised by the number of kept pixels, not by the sum of the weights, so
low confidence really lowers the loss. The count is that of the global batch
(all ranks), as in the reference.
"""
from typing import Optional, Union

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from ...utils.config_keys import reject_unknown_args
from ..utils.global_batch import global_mean_divisor
from .named_loss import NamedLoss


def confidence_weighted_ce(cls_score: torch.Tensor,
                           label: torch.Tensor,
                           confidence: Optional[torch.Tensor] = None,
                           gamma: float = 1.0,
                           decay_factor: Union[float, torch.Tensor] = 1.0,
                           ignore_index: int = 255,
                           avg_factor: Optional[torch.Tensor] = None
                           ) -> torch.Tensor:
    """Confidence-weighted CE normalised by the count of kept pixels.

    Args:
        cls_score (Tensor): Logits of shape (N, C, H, W).
        label (Tensor): Labels of shape (N, H, W); ``ignore_index`` marks
            pixels that are not kept.
        confidence (Tensor, optional): Per-pixel confidence ``c`` of shape
            (N, H, W). None gives unit weights (plain CE over kept pixels).
        gamma (float): Exponent of the decayed confidence ``d * c``.
            Defaults to 1.0.
        decay_factor (float | Tensor): Confidence decay ``d``, applied to
            ``c`` before ``gamma``. Defaults to 1.0.
        ignore_index (int): Label of pixels that are not kept.
            Defaults to 255.
        avg_factor (Tensor, optional): Divisor given by the caller instead
            of the kept count of the global batch.

    Returns:
        Tensor: Scalar loss; 0 (with a graph) when no pixel is kept.
    """
    pixel_ce = F.cross_entropy(
        cls_score, label.long(), reduction='none', ignore_index=ignore_index)
    # (d * c)^gamma: the reference's decay_confidence runs before the
    # weighted CE raises the confidence to gamma. No confidence: c = 1.
    weight = decay_factor if confidence is None else \
        confidence.detach().to(pixel_ce.dtype) * decay_factor
    if gamma != 1.0:
        weight = weight**gamma
    # ignored pixels already have CE 0 (F.cross_entropy's ignore_index)
    divisor = global_mean_divisor((label != ignore_index).sum(), avg_factor)
    return (pixel_ce * weight).sum() / divisor


@MODELS.register_module()
@reject_unknown_args
class ConfidenceWeightedLoss(NamedLoss):
    """Confidence-weighted cross-entropy (CW-BASS, Sec. III-B).

    Usable on its own in any mmseg head's ``loss_decode``: there the
    ``weight`` argument (e.g. from an OHEM sampler) is taken as the per-pixel
    confidence.

    Args:
        gamma (float): Exponent in the weight ``(d * c)^gamma``; 0 gives
            plain CE over kept pixels. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name in the loss dict; must start with ``loss_``
            to be summed into the total. Defaults to ``'loss_cw'``.
    """

    def __init__(self,
                 gamma: float = 1.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_cw') -> None:
        super().__init__(loss_weight=loss_weight, loss_name=loss_name)
        self.gamma = gamma

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = 255,
                decay_factor: Union[float, torch.Tensor] = 1.0,
                avg_factor: Optional[torch.Tensor] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits (N, C, H, W).
            label (Tensor): Labels (N, H, W), ``ignore_index`` = not kept.
            weight (Tensor, optional): Per-pixel confidence (N, H, W).
            ignore_index (int): Defaults to 255.
            decay_factor (float | Tensor): Confidence decay ``d``.
                Defaults to 1.0.
            avg_factor (Tensor, optional): Divisor instead of the global
                kept count.

        Returns:
            Tensor: The weighted scalar loss.
        """
        return self.loss_weight * confidence_weighted_ce(
            cls_score,
            label,
            confidence=weight,
            gamma=self.gamma,
            decay_factor=decay_factor,
            ignore_index=ignore_index,
            avg_factor=avg_factor)
