"""FixMatch for segmentation, as UniMatch V2's ``fixmatch.py`` defines it.

Sohn et al., "FixMatch: Simplifying Semi-Supervised Learning with
Consistency and Confidence", NeurIPS 2020; the segmentation form is the
baseline of Yang et al., "UniMatch V2: Pushing the Limit of Semi-Supervised
Semantic Segmentation", TPAMI 2025 (public code, ``fixmatch.py``):

* the EMA teacher labels the weak view: ``y = argmax``, ``c = max softmax``;
* pixels with ``c >= 0.95`` that are not padding are learnt from;
* the student sees one strong view (colour jitter, greyscale, blur, CutMix
  with the batch in reverse order; labels, confidences and valid masks
  mixed alike);
* ``L_u = sum over confident pixels of CE / count of valid pixels`` (not of
  the confident ones);
* ``L = (L_sup + L_u) / 2``: ``sup_weight = unsup_weight = 0.5``.

Framework choices the reference code does not make: the teacher's logits are
resized to the padded input (bilinear, the head's ``align_corners``);
padding is any pixel outside a sample's crop; the count of valid pixels is
that of the global batch (all ranks, :func:`global_mean_divisor`), where the
reference divides each GPU's sum by its own count before DDP averages (equal
when every crop is full); with ``micro_batches`` each part's term is
rescaled by its share of that count, so the step is the whole batch's.
"""
from typing import Dict, List

import torch
import torch.nn.functional as F
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, SampleList
from torch import Tensor
from torch.autograd.profiler import record_function

from ...utils.config_keys import reject_unknown_args
from ..utils import decode_logits, global_mean_divisor
from .semi_base import PseudoLabels, SemiBaseSegmentor, SemiBatch


@MODELS.register_module()
@reject_unknown_args
class FixMatchSegmentor(SemiBaseSegmentor):
    """FixMatch: confident weak-view pseudo-labels on strong views.

    Args:
        segmentor (dict): Any mmseg segmentor config.
        pseudo_threshold (float): A pixel is learnt from when its teacher
            confidence is ``>= pseudo_threshold``. Defaults to 0.95.
        semi_train_cfg (dict, optional): See :class:`SemiBaseSegmentor`;
            the method's own defaults (:attr:`METHOD_DEFAULTS`) apply where
            it does not set a key.
        semi_test_cfg (dict, optional): See :class:`SemiBaseSegmentor`.
        data_preprocessor (dict, optional): See :class:`SemiBaseSegmentor`.
        init_cfg (dict, optional): Initialisation config.
    """

    #: ``(L_sup + L_u) / 2`` with one strong view.
    METHOD_DEFAULTS = dict(sup_weight=0.5, unsup_weight=0.5, strong_views=1)

    def __init__(self,
                 segmentor: ConfigType,
                 pseudo_threshold: float = 0.95,
                 semi_train_cfg: OptConfigType = None,
                 semi_test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            segmentor=segmentor,
            semi_train_cfg={
                **self.METHOD_DEFAULTS,
                **(semi_train_cfg or {})
            },
            semi_test_cfg=semi_test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        if not 0.0 <= pseudo_threshold <= 1.0:
            raise ValueError(
                f'pseudo_threshold must be in [0, 1], got {pseudo_threshold}')
        self.pseudo_threshold = pseudo_threshold

    @property
    def view_loss_names(self) -> List[str]:
        """``loss_u`` with one view, ``loss_s1``, ``loss_s2``, ... else."""
        views = self.semi_train_cfg['strong_views']
        if views == 1:
            return ['loss_u']
        return [f'loss_s{v + 1}' for v in range(views)]

    def filter_pseudo_labels(self,
                             pseudo_labels: PseudoLabels) -> PseudoLabels:
        """Keep the real pixels whose confidence is ``>=`` the threshold."""
        pseudo_labels.kept = pseudo_labels.valid & (
            pseudo_labels.confidence >= self.pseudo_threshold)
        return pseudo_labels

    def loss_normalisers(self, batch: SemiBatch) -> Dict[str, Tensor]:
        """Adds each view's count of valid pixels (its term's divisor)."""
        counts = super().loss_normalisers(batch)
        valid = batch.pseudo_labels.valid.flatten(1).sum(1)
        per_view = valid.shape[0] // batch.num_views
        for v, name in enumerate(self.view_loss_names):
            view_counts = torch.zeros_like(valid)
            rows = slice(v * per_view, (v + 1) * per_view)
            view_counts[rows] = valid[rows]
            counts[f'unsup.{name}'] = view_counts
        return counts

    def loss_by_pseudo_labels(self, inputs: Tensor, feats: List[Tensor],
                              data_samples: SampleList,
                              pseudo_labels: PseudoLabels) -> dict:
        """Mean over views of ``CE over confident / count of valid``.

        Args:
            inputs (Tensor): Strong views, stacked view-major (V*N, 3, H, W).
            feats (list[Tensor]): Their student features.
            data_samples (list[SegDataSample]): Their samples.
            pseudo_labels (PseudoLabels): CutMixed, filtered teacher output.

        Returns:
            dict[str, Tensor]: One term per view (already divided by the
            number of views) plus ``kept_ratio``, ``confidence`` and, with
            diagnostic masks, ``pseudo_acc``.
        """
        seg_logits = resize(
            decode_logits(self.student, feats),
            size=inputs.shape[-2:],
            mode='bilinear',
            align_corners=self.align_corners)
        target = pseudo_labels.target(self.ignore_index)
        valid, kept = pseudo_labels.valid, pseudo_labels.kept
        names = self.view_loss_names
        per_view = inputs.shape[0] // len(names)
        losses = {}
        with record_function('semi:method_loss'):
            pixel_ce = F.cross_entropy(
                seg_logits.float(),
                target,
                reduction='none',
                ignore_index=self.ignore_index)
            for v, name in enumerate(names):
                rows = slice(v * per_view, (v + 1) * per_view)
                divisor = global_mean_divisor(valid[rows].sum())
                losses[name] = pixel_ce[rows].sum() / divisor / len(names)
        num_valid = valid.sum().clamp(min=1)
        losses['kept_ratio'] = kept.sum() / num_valid
        losses['confidence'] = pseudo_labels.confidence.sum() / num_valid
        losses.update(
            self.pseudo_label_stats(data_samples, pseudo_labels.label, kept))
        return losses
