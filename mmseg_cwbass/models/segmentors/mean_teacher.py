"""Plain Mean Teacher baseline (Tarvainen & Valpola, NeurIPS 2017).

Pseudo-label = teacher argmax where its confidence exceeds a fixed threshold,
trained with the student's own decode-head losses (``loss_decode``). A
baseline for CW-BASS on the same framework and split.
"""
from typing import Dict, List

from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, SampleList
from torch import Tensor

from ...utils.config_keys import reject_unknown_args

from .semi_base import PseudoLabels, SemiBaseSegmentor, SemiBatch


@MODELS.register_module()
@reject_unknown_args
class MeanTeacherSegmentor(SemiBaseSegmentor):
    """Mean Teacher with a fixed confidence threshold.

    Args:
        segmentor (dict): Any mmseg segmentor config.
        pseudo_threshold (float): Pixels whose teacher confidence is not
            above this value are ignored. Defaults to 0.95.
        semi_train_cfg (dict, optional): See :class:`SemiBaseSegmentor`.
        semi_test_cfg (dict, optional): See :class:`SemiBaseSegmentor`.
        data_preprocessor (dict, optional): See :class:`SemiBaseSegmentor`.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 segmentor: ConfigType,
                 pseudo_threshold: float = 0.95,
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
        if not 0.0 <= pseudo_threshold < 1.0:
            raise ValueError(
                f'pseudo_threshold must be in [0, 1), got {pseudo_threshold}')
        self.pseudo_threshold = pseudo_threshold

    def filter_pseudo_labels(self,
                             pseudo_labels: PseudoLabels) -> PseudoLabels:
        """Keep the real pixels whose confidence exceeds the threshold."""
        pseudo_labels.kept = pseudo_labels.valid & (
            pseudo_labels.confidence > self.pseudo_threshold)
        return pseudo_labels

    def loss_normalisers(self, batch: SemiBatch) -> Dict[str, Tensor]:
        """Adds the kept count of the head's mean-type terms on pseudo-labels.
        """
        counts = super().loss_normalisers(batch)
        kept = batch.pseudo_labels.kept.flatten(1).sum(1)
        for key in list(counts):
            if key.startswith('sup.decode.'):
                counts['unsup.' + key[len('sup.'):]] = kept
        return counts

    def loss_by_pseudo_labels(self, inputs: Tensor, feats: List[Tensor],
                              data_samples: SampleList,
                              pseudo_labels: PseudoLabels) -> dict:
        """Decode-head loss of the student on thresholded pseudo-labels.

        Args:
            inputs (Tensor): Unlabeled student view.
            feats (list[Tensor]): Its student features.
            data_samples (list[SegDataSample]): Its samples; their
                ``gt_sem_seg`` is set to the pseudo-label.
            pseudo_labels (PseudoLabels): Filtered teacher output.

        Returns:
            dict[str, Tensor]: The head's losses plus ``kept_ratio`` and
            ``confidence``.
        """
        kept = pseudo_labels.kept
        target = pseudo_labels.target(self.ignore_index)
        for i, sample in enumerate(data_samples):
            sample.gt_sem_seg = PixelData(data=target[i:i + 1])
        losses = self.student._decode_head_forward_train(feats, data_samples)
        num_valid = pseudo_labels.valid.sum().clamp(min=1)
        losses['kept_ratio'] = kept.sum() / num_valid
        losses['confidence'] = pseudo_labels.confidence.sum() / num_valid
        losses.update(
            self.pseudo_label_stats(data_samples, pseudo_labels.label, kept))
        return losses
