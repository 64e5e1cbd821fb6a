"""Boundary-aware cross-entropy of CW-BASS (Tarubinga et al., IJCNN 2025).

Mean CE over the pixels of the Sobel boundary band that are kept
(``method.md`` step 6), over the global batch. This loss is the one owner of
the boundary term: it holds the padding option and derives the band
(:meth:`BoundaryCELoss.band`) from whatever label map it is given: the
teacher's pseudo-label before thresholding when the CW-BASS segmentor calls
it (any decode head), or the ground truth when it sits in a head's
``loss_decode``.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from ...utils.config_keys import reject_unknown_args
from ..utils.boundary import BOUNDARY_PADDINGS, sobel_boundary_band
from ..utils.global_batch import global_mean_divisor
from .named_loss import NamedLoss


def boundary_ce(cls_score: torch.Tensor,
                label: torch.Tensor,
                band: torch.Tensor,
                ignore_index: int = 255,
                avg_factor: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Mean CE over band pixels whose label is not ignored.

    Args:
        cls_score (Tensor): Logits (N, C, H, W).
        label (Tensor): Target labels (N, H, W).
        band (Tensor): Boolean boundary band (N, H, W).
        ignore_index (int): Defaults to 255.
        avg_factor (Tensor, optional): Divisor instead of the count of band
            pixels with a label in the global batch.

    Returns:
        Tensor: Scalar loss; 0 (with a graph) when the band is empty.
    """
    pixel_ce = F.cross_entropy(
        cls_score, label.long(), reduction='none', ignore_index=ignore_index)
    mask = band & (label != ignore_index)
    divisor = global_mean_divisor(mask.sum(), avg_factor)
    return (pixel_ce * mask.to(pixel_ce.dtype)).sum() / divisor


@MODELS.register_module()
@reject_unknown_args
class BoundaryCELoss(NamedLoss):
    """Cross-entropy restricted to the Sobel boundary band (CW-BASS, III-D).

    Args:
        loss_weight (float): Weight of the term. Defaults to 0.5.
        padding (str): How the band treats the crop border and the padding
            junction: ``'zero'`` (reference; marked as boundary) or
            ``'replicate'`` (not marked). Defaults to ``'zero'``.
        loss_name (str): Defaults to ``'loss_boundary'``.
    """

    def __init__(self,
                 loss_weight: float = 0.5,
                 padding: str = 'zero',
                 loss_name: str = 'loss_boundary') -> None:
        super().__init__(loss_weight=loss_weight, loss_name=loss_name)
        if padding not in BOUNDARY_PADDINGS:
            raise ValueError(f'padding must be one of {BOUNDARY_PADDINGS}, '
                             f'got {padding!r}')
        self.padding = padding

    def band(self,
             label: torch.Tensor,
             num_classes: int,
             ignore_index: int = 255,
             valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The band this loss is evaluated on (:func:`sobel_boundary_band`).

        Args:
            label (Tensor): Label map (N, H, W) the band is derived from.
            num_classes (int): Number of classes.
            ignore_index (int): Defaults to 255.
            valid (Tensor, optional): Real (non-padding) pixels.

        Returns:
            Tensor: Boolean band (N, H, W).
        """
        return sobel_boundary_band(
            label,
            num_classes=num_classes,
            ignore_index=ignore_index,
            padding=self.padding,
            valid=valid)

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = 255,
                band: Optional[torch.Tensor] = None,
                valid: Optional[torch.Tensor] = None,
                avg_factor: Optional[torch.Tensor] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits (N, C, H, W).
            label (Tensor): Targets (N, H, W); ignored pixels do not count.
            weight (Tensor, optional): Unused (the term is not confidence
                weighted); accepted for mmseg's ``loss_decode`` interface.
            ignore_index (int): Defaults to 255.
            band (Tensor, optional): A precomputed band (CW-BASS passes the
                band of the pseudo-label before thresholding). By default
                the band of ``label``.
            valid (Tensor, optional): Real pixels, for the default band.
            avg_factor (Tensor, optional): Divisor instead of the global
                count of labelled band pixels.

        Returns:
            Tensor: The weighted scalar loss.
        """
        if band is None:
            band = self.band(label, cls_score.shape[1], ignore_index, valid)
        return self.loss_weight * boundary_ce(cls_score, label, band,
                                              ignore_index, avg_factor)
