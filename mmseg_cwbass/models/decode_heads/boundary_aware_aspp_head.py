"""Boundary-aware DeepLabv3+ head of CW-BASS (Tarubinga et al., IJCNN 2025).

The paper's "boundary-aware module" (Sec. III-D) is, in the reference code, a
cross-entropy term on a Sobel band around label changes of the pseudo-label;
:class:`~mmseg_cwbass.models.losses.BoundaryCELoss` owns that term and the
CW-BASS segmentor applies it to the logits of any decode head. This head is
mmseg's ``DepthwiseSeparableASPPHead`` (DeepLabv3+) that owns what is
boundary-aware about the head itself, on its ground truth, the way mmseg's
``STDCHead`` owns its boundary target:

* a ``BoundaryCELoss`` in its ``loss_decode`` gets the band of the ground
  truth with the crops' padding masked (the padding junction behaves like
  the crop border under the loss's padding mode);
* an optional light boundary branch on the low-level features, trained with
  a binary loss against the band of the ground truth.

Inference is exactly that of the stock head, so ``predict``, TTA,
visualisation and export are unchanged.
"""
from typing import Dict, List, Optional

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads import DepthwiseSeparableASPPHead
from mmseg.models.losses import accuracy
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from ...utils.config_keys import check_keys, reject_unknown_args
from ..losses import BoundaryCELoss
from ..utils import sobel_boundary_band, valid_pixel_mask

BRANCH_DEFAULTS = dict(channels=32, loss_weight=1.0, padding='replicate')


@MODELS.register_module()
@reject_unknown_args
class BoundaryAwareASPPHead(DepthwiseSeparableASPPHead):
    """DeepLabv3+ head with boundary-aware training on its ground truth.

    Args:
        boundary_branch (dict, optional): A learned boundary branch on the
            low-level (``c1``) features: ``channels`` (int, default 32),
            ``loss_weight`` (float, default 1.0) of its binary CE against the
            Sobel band of the ground truth, and the band's ``padding``
            (default ``'replicate'``: only real label changes). Its gradient
            refines the low-level features the decoder uses near edges.
            Defaults to None (off).
        **kwargs: Arguments of ``DepthwiseSeparableASPPHead``; add
            ``dict(type='BoundaryCELoss')`` to ``loss_decode`` for the band
            CE on the ground truth.
    """

    def __init__(self,
                 boundary_branch: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.boundary_branch = None
        if boundary_branch is not None:
            check_keys(boundary_branch, BRANCH_DEFAULTS,
                       'decode_head.boundary_branch')
            if self.c1_bottleneck is None:
                raise ValueError('boundary_branch needs low-level features: '
                                 'set c1_in_channels > 0')
            self.branch_cfg = {**BRANCH_DEFAULTS, **boundary_branch}
            self.boundary_branch = nn.Sequential(
                ConvModule(
                    self.c1_bottleneck.conv.in_channels,
                    self.branch_cfg['channels'],
                    3,
                    padding=1,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg),
                nn.Conv2d(self.branch_cfg['channels'], 1, 1))

    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> Dict[str, Tensor]:
        """Segmentation losses and, with the branch, its boundary loss."""
        losses = self.loss_by_feat(self.forward(inputs), batch_data_samples)
        if self.boundary_branch is not None:
            losses['loss_boundary_branch'] = self.loss_branch(
                self.boundary_branch(inputs[0]), batch_data_samples)
        return losses

    def loss_by_feat(self, seg_logits: Tensor,
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """``loss_decode`` terms; boundary terms see the padding mask.

        Args:
            seg_logits (Tensor): Output of :meth:`forward`.
            batch_data_samples (list[SegDataSample]): With ``gt_sem_seg``
                and the ``padding_size`` of the batch.

        Returns:
            dict[str, Tensor]: One entry per loss name, plus ``acc_seg``.
        """
        seg_label = self._stack_batch_gt(batch_data_samples)
        seg_logits = resize(
            seg_logits,
            size=seg_label.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        seg_weight = None if self.sampler is None else \
            self.sampler.sample(seg_logits, seg_label)
        seg_label = seg_label.squeeze(1)
        valid = valid_pixel_mask(batch_data_samples, seg_label.shape[-2:],
                                 seg_label.device)
        terms = self.loss_decode if isinstance(
            self.loss_decode, nn.ModuleList) else [self.loss_decode]
        losses: Dict[str, Tensor] = {}
        for term in terms:
            extra = dict(valid=valid) if isinstance(term,
                                                    BoundaryCELoss) else {}
            value = term(
                seg_logits,
                seg_label,
                weight=seg_weight,
                ignore_index=self.ignore_index,
                **extra)
            losses[term.loss_name] = losses[term.loss_name] + value \
                if term.loss_name in losses else value
        losses['acc_seg'] = accuracy(
            seg_logits, seg_label, ignore_index=self.ignore_index)
        return losses

    def loss_branch(self, boundary_logits: Tensor,
                    batch_data_samples: SampleList) -> Tensor:
        """Binary CE of the branch against the ground truth's band.

        Args:
            boundary_logits (Tensor): Branch output (N, 1, h, w).
            batch_data_samples (list[SegDataSample]): With ``gt_sem_seg``.

        Returns:
            Tensor: Weighted mean BCE over labelled real pixels.
        """
        label = self._stack_batch_gt(batch_data_samples).squeeze(1)
        valid = valid_pixel_mask(batch_data_samples, label.shape[-2:],
                                 label.device)
        band = sobel_boundary_band(
            label,
            num_classes=self.num_classes,
            ignore_index=self.ignore_index,
            padding=self.branch_cfg['padding'],
            valid=valid)
        boundary_logits = resize(
            boundary_logits,
            size=label.shape[-2:],
            mode='bilinear',
            align_corners=self.align_corners).squeeze(1)
        pixel_bce = F.binary_cross_entropy_with_logits(
            boundary_logits, band.to(boundary_logits.dtype),
            reduction='none')
        mask = (valid & (label != self.ignore_index)).to(pixel_bce.dtype)
        return self.branch_cfg['loss_weight'] * (
            pixel_bce * mask).sum() / mask.sum().clamp(min=1.0)
