"""Boundary-aware cross-entropy of CW-BASS (Tarubinga et al., IJCNN 2025).

Mean CE over the pixels of the Sobel boundary band that are kept
(``method.md`` step 6). The band is computed on the fly from whatever label
map is given: the ground truth on labeled data or the teacher's pseudo-label
(before thresholding) on unlabeled data.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from ..utils.boundary import sobel_boundary_band
from .named_loss import NamedLoss


def boundary_ce(cls_score: torch.Tensor,
                label: torch.Tensor,
                band: torch.Tensor,
                ignore_index: int = 255) -> torch.Tensor:
    """Mean CE over band pixels whose label is not ignored.

    Args:
        cls_score (Tensor): Logits (N, C, H, W).
        label (Tensor): Target labels (N, H, W).
        band (Tensor): Boolean boundary band (N, H, W).
        ignore_index (int): Defaults to 255.

    Returns:
        Tensor: Scalar loss; 0 (with a graph) when the band is empty.
    """
    pixel_ce = F.cross_entropy(
        cls_score, label.long(), reduction='none', ignore_index=ignore_index)
    mask = (band & (label != ignore_index)).to(pixel_ce.dtype)
    return (pixel_ce * mask).sum() / mask.sum().clamp(min=1.0)


@MODELS.register_module()
class BoundaryCELoss(NamedLoss):
    """Cross-entropy restricted to the Sobel boundary band (CW-BASS, III-D).

    Can be added to any mmseg head's ``loss_decode`` list to get the boundary
    term on ground truth; the CW-BASS segmentor passes the unthresholded
    pseudo-label as ``boundary_label``.

    Args:
        loss_weight (float): Weight of the term. Defaults to 0.5.
        padding (str): ``'zero'`` (reference; crop border is boundary) or
            ``'replicate'``. Defaults to ``'zero'``.
        loss_name (str): Defaults to ``'loss_boundary'``.
    """

    def __init__(self,
                 loss_weight: float = 0.5,
                 padding: str = 'zero',
                 loss_name: str = 'loss_boundary') -> None:
        super().__init__(loss_weight=loss_weight, loss_name=loss_name)
        self.padding = padding

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = 255,
                boundary_label: Optional[torch.Tensor] = None,
                band: Optional[torch.Tensor] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits (N, C, H, W).
            label (Tensor): Targets (N, H, W); ignored pixels do not count.
            weight (Tensor, optional): Unused (the term is not confidence
                weighted); accepted for mmseg's ``loss_decode`` interface.
            ignore_index (int): Defaults to 255.
            boundary_label (Tensor, optional): Label map the band is derived
                from; defaults to ``label``.
            band (Tensor, optional): A precomputed band; overrides
                ``boundary_label``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        if band is None:
            source = label if boundary_label is None else boundary_label
            band = sobel_boundary_band(
                source,
                num_classes=cls_score.shape[1],
                ignore_index=ignore_index,
                padding=self.padding)
        return self.loss_weight * boundary_ce(cls_score, label, band,
                                              ignore_index)
