"""Boundary-aware DeepLabv3+ head of CW-BASS (Tarubinga et al., IJCNN 2025).

The paper's "boundary-aware module" (Sec. III-D) is, in the reference code, a
cross-entropy term on a Sobel band around label changes. This head is mmseg's
``DepthwiseSeparableASPPHead`` (DeepLabv3+) that owns that term: it derives
the band on the fly from whatever label map it is given (ground truth on
labeled data, the pseudo-label on unlabeled data) and, optionally, trains a
light boundary branch on the low-level features with a binary loss.
Inference is exactly that of the stock head, so ``predict``, TTA and
visualisation are unchanged.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads import DepthwiseSeparableASPPHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from ..utils.boundary import sobel_boundary_band

BOUNDARY_TARGETS = ('labeled', 'unlabeled')


@MODELS.register_module()
class BoundaryAwareASPPHead(DepthwiseSeparableASPPHead):
    """DeepLabv3+ head with the CW-BASS boundary-aware loss.

    Args:
        loss_boundary (dict, optional): Config of the band CE term
            (:class:`BoundaryCELoss`, weight 0.5, zero padding as in the
            reference). None disables it.
        boundary_on (Sequence[str]): Where the boundary terms apply:
            ``'labeled'`` (ground truth), ``'unlabeled'`` (pseudo-labels) or
            both. Defaults to ``('unlabeled', )`` (reference behaviour).
        boundary_branch (dict, optional): A learned boundary branch on the
            low-level (``c1``) features: ``channels`` (int, default 32) and
            ``loss_weight`` (float, default 1.0) of its binary CE against the
            band. Its gradient refines the low-level features the decoder
            uses near edges. Defaults to None (off).
        **kwargs: Arguments of ``DepthwiseSeparableASPPHead``.
    """

    def __init__(self,
                 loss_boundary: Optional[ConfigType] = dict(
                     type='BoundaryCELoss', loss_weight=0.5, padding='zero'),
                 boundary_on: Sequence[str] = ('unlabeled', ),
                 boundary_branch: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(boundary_on, str):
            boundary_on = (boundary_on, )
        unknown = set(boundary_on) - set(BOUNDARY_TARGETS)
        if unknown:
            raise ValueError(f'boundary_on must be a subset of '
                             f'{BOUNDARY_TARGETS}, got {tuple(boundary_on)}')
        self.boundary_on = tuple(boundary_on)
        self.loss_boundary_term = MODELS.build(
            loss_boundary) if loss_boundary is not None else None
        self.boundary_padding = getattr(self.loss_boundary_term, 'padding',
                                        'zero')
        self.boundary_branch = None
        if boundary_branch is not None:
            if self.c1_bottleneck is None:
                raise ValueError('boundary_branch needs low-level features: '
                                 'set c1_in_channels > 0')
            branch_channels = boundary_branch.get('channels', 32)
            self.boundary_branch_weight = boundary_branch.get(
                'loss_weight', 1.0)
            self.boundary_branch = nn.Sequential(
                ConvModule(
                    self.c1_bottleneck.conv.in_channels,
                    branch_channels,
                    3,
                    padding=1,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg),
                nn.Conv2d(branch_channels, 1, 1))

    @property
    def boundary_on_labeled(self) -> bool:
        """Whether the boundary terms apply to ground-truth labels."""
        return 'labeled' in self.boundary_on

    @property
    def boundary_on_unlabeled(self) -> bool:
        """Whether the boundary terms apply to pseudo-labels."""
        return 'unlabeled' in self.boundary_on

    def forward_with_boundary(
            self, inputs: List[Tensor]) -> Tuple[Tensor, Optional[Tensor]]:
        """Segmentation logits and, with the branch, boundary logits.

        Args:
            inputs (list[Tensor]): Backbone features.

        Returns:
            tuple[Tensor, Tensor | None]: Seg logits (N, C, h, w) and boundary
            logits (N, 1, h1, w1) or None.
        """
        seg_logits = self.forward(inputs)
        if self.boundary_branch is None:
            return seg_logits, None
        return seg_logits, self.boundary_branch(inputs[0])

    def boundary_band(self, label: Tensor) -> Tensor:
        """Sobel band (N, H, W) of a label map, see :func:`sobel_boundary_band`.
        """
        return sobel_boundary_band(
            label,
            num_classes=self.num_classes,
            ignore_index=self.ignore_index,
            padding=self.boundary_padding)

    def loss_boundary(self,
                      seg_logits: Tensor,
                      label: Tensor,
                      band: Optional[Tensor] = None,
                      boundary_logits: Optional[Tensor] = None,
                      valid: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Boundary terms for one batch.

        Args:
            seg_logits (Tensor): Logits at label resolution (N, C, H, W).
            label (Tensor): Target (N, H, W); ignored pixels do not count.
            band (Tensor, optional): Band to use; by default derived from
                ``label``. CW-BASS passes the band of the pseudo-label before
                thresholding.
            boundary_logits (Tensor, optional): Output of the branch.
            valid (Tensor, optional): Pixels where the branch's binary target
                is defined; defaults to non-ignored pixels of ``label``.

        Returns:
            dict[str, Tensor]: ``loss_boundary`` and, with the branch,
            ``loss_boundary_branch``.
        """
        if band is None:
            band = self.boundary_band(label)
        losses = {}
        if self.loss_boundary_term is not None:
            losses[self.loss_boundary_term.loss_name] = \
                self.loss_boundary_term(
                    seg_logits, label, ignore_index=self.ignore_index,
                    band=band)
        if boundary_logits is not None:
            boundary_logits = resize(
                boundary_logits,
                size=label.shape[-2:],
                mode='bilinear',
                align_corners=self.align_corners).squeeze(1)
            if valid is None:
                valid = label != self.ignore_index
            pixel_bce = F.binary_cross_entropy_with_logits(
                boundary_logits, band.to(boundary_logits.dtype),
                reduction='none')
            mask = valid.to(pixel_bce.dtype)
            losses['loss_boundary_branch'] = self.boundary_branch_weight * (
                pixel_bce * mask).sum() / mask.sum().clamp(min=1.0)
        return losses

    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> Dict[str, Tensor]:
        """Supervised losses, plus the boundary terms on ground truth when
        ``'labeled'`` is in ``boundary_on``."""
        seg_logits, boundary_logits = self.forward_with_boundary(inputs)
        losses = self.loss_by_feat(seg_logits, batch_data_samples)
        if self.boundary_on_labeled:
            label = self._stack_batch_gt(batch_data_samples).squeeze(1)
            seg_logits = resize(
                seg_logits,
                size=label.shape[-2:],
                mode='bilinear',
                align_corners=self.align_corners)
            losses.update(
                self.loss_boundary(
                    seg_logits, label, boundary_logits=boundary_logits))
        return losses
