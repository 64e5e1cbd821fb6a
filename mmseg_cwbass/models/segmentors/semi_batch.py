"""What a teacher/student step hands from the teacher to the student.

A typed handoff between the stages of
:class:`~mmseg_cwbass.models.segmentors.SemiBaseSegmentor`: the teacher's
pseudo-labels with what each method's filter adds (threshold, kept pixels,
boundary band), and the student's inputs of a step, which
``semi_train_cfg.micro_batches`` splits into parts.
"""
from dataclasses import dataclass, fields
from typing import List, Optional

import torch
from mmseg.utils import SampleList
from torch import Tensor


@dataclass
class PseudoLabels:
    """Teacher output on an unlabeled batch, at the padded input resolution.

    Attributes:
        label (Tensor): Argmax class, (N, H, W); ``ignore_index`` on padding.
        confidence (Tensor): Max softmax probability, (N, H, W); 0 on padding.
        valid (Tensor): Boolean mask of real (non-padding) pixels, (N, H, W).
        kept, tau, band: What the method's filter adds, (N, H, W).
        channel_mask (Tensor): Complementary channel dropout factors of
            each student image, (N, C), or None.
    """
    label: Tensor
    confidence: Tensor
    valid: Tensor
    kept: Optional[Tensor] = None
    tau: Optional[Tensor] = None
    band: Optional[Tensor] = None
    channel_mask: Optional[Tensor] = None

    def target(self, ignore_index: int) -> Tensor:
        """The label of the kept pixels, ``ignore_index`` elsewhere."""
        kept = self.valid if self.kept is None else self.kept
        return self.label.masked_fill(~kept, ignore_index)


@dataclass
class SemiBatch:
    """One step's student inputs with their (filtered) pseudo-labels.

    Attributes:
        sup_inputs (Tensor): Labeled images (B_l, 3, H, W).
        sup_samples (list[SegDataSample]): Their samples (``gt_sem_seg``).
        student_inputs (Tensor): Unlabeled student view (B_u, 3, H, W).
        student_samples (list[SegDataSample]): Its samples.
        pseudo_labels (PseudoLabels): The teacher's labels for that view.
        num_views (int): Strong views stacked view-major in
            ``student_inputs`` (each of ``B_u / num_views`` images).
    """
    sup_inputs: Tensor
    sup_samples: SampleList
    student_inputs: Tensor
    student_samples: SampleList
    pseudo_labels: PseudoLabels
    num_views: int = 1

    def split(self, parts: int) -> List['SemiBatch']:
        """``parts`` consecutive micro-batches (each source split evenly).

        Raises:
            ValueError: If a source's batch is not divisible by ``parts``.
        """
        views = self.num_views
        sizes = (len(self.sup_samples), len(self.student_samples) // views)
        if any(size % parts for size in sizes):
            raise ValueError(
                f'model.semi_train_cfg.micro_batches={parts} must divide the '
                f'per-GPU batch of each source, got {sizes[0]} labeled + '
                f'{sizes[1]} unlabeled images')

        def cut(items, size: int, i: int):
            return items[i * size:(i + 1) * size]

        def cut_views(items, size: int, i: int):
            # Part i holds the i-th chunk of every view, so paired views
            # (and their dropout masks) stay together.
            chunks = [
                cut(items[v * sizes[1]:(v + 1) * sizes[1]], size, i)
                for v in range(views)
            ]
            if isinstance(items, list):
                return [x for chunk in chunks for x in chunk]
            return torch.cat(chunks)

        pseudo = self.pseudo_labels
        out = []
        for i in range(parts):
            sup, unsup = sizes[0] // parts, sizes[1] // parts
            out.append(
                SemiBatch(
                    cut(self.sup_inputs, sup, i), cut(self.sup_samples, sup,
                                                      i),
                    cut_views(self.student_inputs, unsup, i),
                    cut_views(self.student_samples, unsup, i),
                    PseudoLabels(**{
                        f.name: None if getattr(pseudo, f.name) is None else
                        cut_views(getattr(pseudo, f.name), unsup, i)
                        for f in fields(PseudoLabels)
                    }), views))
        return out
