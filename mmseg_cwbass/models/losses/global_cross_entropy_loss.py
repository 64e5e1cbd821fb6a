"""Cross-entropy averaged over the non-ignored pixels of the global batch.

The CW-BASS reference trains its supervised term with
``CrossEntropyLoss(ignore_index=255)`` on the batch ``DataParallel`` gathers
from all GPUs: the mean over the non-ignored pixels of all 16 images
(``method.md`` step 1). mmseg's ``CrossEntropyLoss`` divides by every pixel
unless ``avg_non_ignore=True``, and under DDP by the rank's own count. This
loss divides the rank's sum by its share of the global non-ignored count,
so DDP's gradient averaging gives the gradient of one process on the global
batch (:func:`~mmseg_cwbass.models.utils.global_mean_divisor`).
"""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from ...utils.config_keys import reject_unknown_args
from ..utils.global_batch import global_mean_divisor
from .named_loss import NamedLoss


@MODELS.register_module()
@reject_unknown_args
class GlobalCrossEntropyLoss(NamedLoss):
    """Softmax cross-entropy, mean over non-ignored pixels of all ranks.

    On one process it equals ``F.cross_entropy(logits, label,
    ignore_index=255)``. Usable in any mmseg head's ``loss_decode``.

    Args:
        class_weight (list[float], optional): Per-class weights of the
            pixel losses (the mean still divides by the pixel count, as
            mmseg's ``avg_non_ignore`` does). Defaults to None.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Defaults to ``'loss_ce'``.
    """

    def __init__(self,
                 class_weight: Optional[List[float]] = None,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ce') -> None:
        super().__init__(loss_weight=loss_weight, loss_name=loss_name)
        self.class_weight = class_weight

    @classmethod
    def export_plain_cfg(cls, cfg: dict) -> dict:
        """mmseg's equivalent for an exported (inference) model config.

        ``CrossEntropyLoss(avg_non_ignore=True)`` is the same loss on one
        process; an exported model only predicts.
        """
        plain = dict(type='CrossEntropyLoss', avg_non_ignore=True)
        plain.update({k: v for k, v in cfg.items() if k != 'type'})
        return plain

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = 255,
                avg_factor: Optional[torch.Tensor] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits (N, C, H, W).
            label (Tensor): Labels (N, H, W).
            weight (Tensor, optional): Per-pixel weights (e.g. from an mmseg
                pixel sampler). Defaults to None.
            ignore_index (int): Defaults to 255.
            avg_factor (Tensor, optional): Divisor given by the caller
                instead of the global non-ignored count.

        Returns:
            Tensor: The weighted scalar loss.
        """
        class_weight = None if self.class_weight is None else \
            cls_score.new_tensor(self.class_weight)
        pixel_ce = F.cross_entropy(
            cls_score,
            label.long(),
            weight=class_weight,
            reduction='none',
            ignore_index=ignore_index)
        if weight is not None:
            pixel_ce = pixel_ce * weight
        divisor = global_mean_divisor((label != ignore_index).sum(),
                                      avg_factor)
        return self.loss_weight * pixel_ce.sum() / divisor
