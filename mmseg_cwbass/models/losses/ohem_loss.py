"""Probability OHEM cross-entropy over the whole batch (UniMatch V2).

UniMatch V2 (TPAMI 2025; ``util/ohem.py``, after TorchSemiSeg) trains its
Cityscapes supervised term with ``thresh=0.7, min_kept=200000``: over ALL
pixels of the batch the loss is given, the softmax probability of each valid
pixel's true class is taken; the threshold is ``thresh``, raised to the
``min_kept``-th smallest of those probabilities when that one is higher; CE is
averaged over the valid pixels whose probability is ``<=`` the threshold. With
fewer than ``min_kept`` valid pixels, or ``min_kept=0``, every valid pixel
counts (as in the reference). mmseg's ``OHEMPixelSampler`` instead keeps
``min_kept`` pixels per image, hence this loss.

The batch is the one the head is given: under DDP each rank's, as in the
reference (DDP, 2 images per GPU on Cityscapes). With
``semi_train_cfg.micro_batches`` the selection runs per micro-batch (the
reference has none), and the term is averaged over the parts.
"""
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from ...utils.config_keys import reject_unknown_args
from .named_loss import NamedLoss


def prob_ohem_ce(cls_score: torch.Tensor,
                 label: torch.Tensor,
                 thresh: float = 0.7,
                 min_kept: int = 200000,
                 ignore_index: int = 255) -> torch.Tensor:
    """OHEM CE of a batch (see the module docstring).

    Args:
        cls_score (Tensor): Logits (N, C, H, W).
        label (Tensor): Labels (N, H, W).
        thresh (float): Probability threshold. Defaults to 0.7.
        min_kept (int): Pixels of the batch kept at least. Defaults to
            200000.
        ignore_index (int): Defaults to 255.

    Returns:
        Tensor: Scalar mean CE over the kept pixels (0 if none).
    """
    label = label.long()
    valid = label != ignore_index
    num_valid = int(valid.sum())
    kept = valid
    # As util/ohem.py: no selection with min_kept = 0 or fewer valid pixels.
    if 0 < min_kept <= num_valid:
        with torch.no_grad():
            prob = F.softmax(cls_score.float(), dim=1)
            true_prob = prob.gather(
                1, label.masked_fill(~valid, 0)[:, None])[:, 0]
            true_prob = true_prob.masked_fill(~valid, 1.0)
            kth = true_prob.flatten().kthvalue(min_kept).values
            threshold = torch.clamp(kth, min=thresh)
            kept = valid & (true_prob <= threshold)
    target = label.masked_fill(~kept, ignore_index)
    pixel_ce = F.cross_entropy(
        cls_score, target, reduction='none', ignore_index=ignore_index)
    return pixel_ce.sum() / kept.sum().clamp(min=1)


@MODELS.register_module()
@reject_unknown_args
class ProbOhemCrossEntropyLoss(NamedLoss):
    """OHEM cross-entropy with a batch-wide ``min_kept`` (UniMatch V2).

    Usable in any mmseg head's ``loss_decode``.

    Args:
        thresh (float): Probability threshold. Defaults to 0.7.
        min_kept (int): Pixels of the batch kept at least. Defaults to
            200000.
        loss_weight (float): Defaults to 1.0.
        loss_name (str): Defaults to ``'loss_ohem'``.
    """

    def __init__(self,
                 thresh: float = 0.7,
                 min_kept: int = 200000,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ohem') -> None:
        super().__init__(loss_weight=loss_weight, loss_name=loss_name)
        if not 0.0 < thresh <= 1.0:
            raise ValueError(f'thresh must be in (0, 1], got {thresh}')
        if min_kept < 0:
            raise ValueError(f'min_kept must be >= 0, got {min_kept}')
        self.thresh = thresh
        self.min_kept = int(min_kept)

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight=None,
                ignore_index: int = 255,
                **kwargs) -> torch.Tensor:
        """Compute the loss (``weight`` from a pixel sampler is refused)."""
        if weight is not None:
            raise ValueError('ProbOhemCrossEntropyLoss does its own pixel '
                             'selection: remove the head\'s sampler')
        return self.loss_weight * prob_ohem_ce(
            cls_score, label, self.thresh, self.min_kept, ignore_index)
