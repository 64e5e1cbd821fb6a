"""CW-BASS segmentor (Tarubinga, Kalafatovich, Lee, IJCNN 2025).

Confidence-Weighted Boundary-Aware learning on the teacher/student framework
(``method.md``): teacher confidence ``c`` and pseudo-label at the input
resolution; Sobel band of the pseudo-label before thresholding; dynamic
threshold ``tau``; confidence-weighted CE normalised by the kept count; band
CE (weight 0.5); confidence decay ``d``; total
``L_sup + lambda_u * r(t) * (L_cw + 0.5 * L_bd)``.
"""
from typing import Dict, List, Optional

import torch
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, SampleList
from torch import Tensor
from torch.autograd.profiler import record_function

from ...utils.config_keys import reject_unknown_args
from ..losses import ConfidenceWeightedLoss
from ..utils import decode_logits
from .semi_base import PseudoLabels, SemiBaseSegmentor, SemiBatch


@MODELS.register_module()
@reject_unknown_args
class CWBASSSegmentor(SemiBaseSegmentor):
    """CW-BASS: confidence-weighted, boundary-aware pseudo-label learning.

    Args:
        segmentor (dict): Any mmseg segmentor config (DeepLabv3+, SegFormer,
            ...): the unsupervised terms only need its logits.
        threshold (dict): Config of :class:`DynamicThreshold`
            (``num_classes`` is filled in). ``dict(type='DynamicThreshold',
            enabled=False)`` keeps every pixel. ``statistic='class_ema'``
            needs ``DynamicThresholdHook`` in ``custom_hooks``.
        unsup_loss (dict): Loss on kept pseudo-labels, called with the
            teacher confidence as ``weight`` and the decay factor. Defaults to
            :class:`ConfidenceWeightedLoss` with ``gamma=1``.
        boundary_loss (dict, optional): The boundary-aware term on the
            pseudo-labels (:class:`BoundaryCELoss`: band CE, weight 0.5,
            band padding), the same for every decode head. None disables
            it. Defaults to ``dict(type='BoundaryCELoss')``.
        semi_train_cfg (dict, optional): See :class:`SemiBaseSegmentor`.
        semi_test_cfg (dict, optional): See :class:`SemiBaseSegmentor`.
        data_preprocessor (dict, optional): See :class:`SemiBaseSegmentor`.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 segmentor: ConfigType,
                 threshold: ConfigType = dict(type='DynamicThreshold'),
                 unsup_loss: ConfigType = dict(
                     type='ConfidenceWeightedLoss', gamma=1.0),
                 boundary_loss: OptConfigType = dict(type='BoundaryCELoss'),
                 semi_train_cfg: OptConfigType = None,
                 semi_test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            segmentor=segmentor,
            semi_train_cfg=semi_train_cfg,
            semi_test_cfg=semi_test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        threshold = dict(threshold)
        threshold.setdefault('num_classes', self.num_classes)
        self.threshold = MODELS.build(threshold)
        self.unsup_loss = MODELS.build(unsup_loss)
        self.boundary_loss = MODELS.build(
            boundary_loss) if boundary_loss is not None else None
        # Set by ConfidenceDecayHook; a buffer so checkpoints carry it.
        self.register_buffer('decay_factor', torch.tensor(1.0))

    def set_decay_factor(self, value: float) -> None:
        """Set the confidence decay ``d`` (called by the decay hook)."""
        self.decay_factor.fill_(float(value))

    def band(self, label: Tensor, valid: Optional[Tensor] = None) -> Tensor:
        """The boundary band of a pseudo-label (padding is not a label).

        Args:
            label (Tensor): Unthresholded pseudo-label (N, H, W).
            valid (Tensor, optional): Real (non-padding) pixels.

        Returns:
            Tensor: Boolean band, or all False without a boundary term.
        """
        if self.boundary_loss is None:
            return torch.zeros_like(label, dtype=torch.bool)
        return self.boundary_loss.band(label, self.num_classes,
                                       self.ignore_index, valid)

    def filter_pseudo_labels(self,
                             pseudo_labels: PseudoLabels) -> PseudoLabels:
        """Dynamic threshold and Sobel band of the whole step's batch.

        Raises:
            RuntimeError: If the threshold's state needs
                ``DynamicThresholdHook`` and the run has none.
        """
        if self.training and self.threshold.needs_hook and \
                not self.threshold.hook_attached:
            raise RuntimeError(
                "model.threshold has statistic='class_ema', whose EMA is "
                "advanced by DynamicThresholdHook: add "
                "dict(type='DynamicThresholdHook') to custom_hooks")
        label, valid = pseudo_labels.label, pseudo_labels.valid
        with record_function('cwbass:threshold'):
            pseudo_labels.tau = self.threshold(pseudo_labels.confidence,
                                               label, valid)
        pseudo_labels.kept = valid & (
            pseudo_labels.confidence > pseudo_labels.tau)
        if self.boundary_loss is not None:
            # The band comes from the pseudo-label BEFORE thresholding.
            with record_function('cwbass:boundary_band'):
                pseudo_labels.band = self.band(label, valid)
        return pseudo_labels

    def loss_normalisers(self, batch: SemiBatch) -> Dict[str, Tensor]:
        """Adds the kept count (``L_cw``) and the kept band count (``L_bd``).
        """
        counts = super().loss_normalisers(batch)
        pseudo = batch.pseudo_labels
        if isinstance(self.unsup_loss, ConfidenceWeightedLoss):
            counts[f'unsup.{self.unsup_loss.loss_name}'] = \
                pseudo.kept.flatten(1).sum(1)
        if self.boundary_loss is not None:
            counts[f'unsup.{self.boundary_loss.loss_name}'] = (
                pseudo.band & pseudo.kept).flatten(1).sum(1)
        return counts

    def loss_by_pseudo_labels(self, inputs: Tensor, feats: List[Tensor],
                              data_samples: SampleList,
                              pseudo_labels: PseudoLabels) -> dict:
        """CW-BASS unsupervised terms and their statistics.

        Args:
            inputs (Tensor): Unlabeled student view (N, 3, H, W).
            feats (list[Tensor]): Its student features.
            data_samples (list[SegDataSample]): Its samples.
            pseudo_labels (PseudoLabels): Teacher output with ``tau``,
                ``kept`` and ``band`` (:meth:`filter_pseudo_labels`).

        Returns:
            dict[str, Tensor]: ``loss_cw`` and ``loss_boundary`` before the
            ``lambda_u * r(t)`` scaling, plus ``tau``, ``kept_ratio``,
            ``confidence``, ``band_ratio``, ``decay`` and, with diagnostic
            masks, ``pseudo_acc``.
        """
        confidence = pseudo_labels.confidence
        valid, kept = pseudo_labels.valid, pseudo_labels.kept
        target = pseudo_labels.target(self.ignore_index)
        seg_logits = resize(
            decode_logits(self.student, feats),
            size=inputs.shape[-2:],
            mode='bilinear',
            align_corners=self.align_corners)
        with record_function('cwbass:cw_loss'):
            losses = {
                self.unsup_loss.loss_name:
                self.unsup_loss(
                    seg_logits,
                    target,
                    weight=confidence,
                    ignore_index=self.ignore_index,
                    decay_factor=self.decay_factor)
            }
        band = pseudo_labels.band
        if self.boundary_loss is not None:
            with record_function('cwbass:boundary_loss'):
                losses[self.boundary_loss.loss_name] = self.boundary_loss(
                    seg_logits,
                    target,
                    ignore_index=self.ignore_index,
                    band=band)

        valid_f = valid.to(confidence.dtype)
        num_valid = valid_f.sum().clamp(min=1.0)
        losses['tau'] = (pseudo_labels.tau * valid_f).sum() / num_valid
        losses['kept_ratio'] = kept.sum() / num_valid
        losses['confidence'] = confidence.sum() / num_valid
        if band is not None:
            losses['band_ratio'] = band.sum() / num_valid
        losses['decay'] = self.decay_factor.clone()
        losses.update(
            self.pseudo_label_stats(data_samples, pseudo_labels.label, kept))
        return losses
