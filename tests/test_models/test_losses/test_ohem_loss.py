"""Batch-wide probability OHEM (UniMatch V2's Cityscapes supervised term)."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS


def reference_ohem(pred, target, thresh, min_kept, ignore_index=255):
    """util/ohem.py of UniMatch V2, written out over the flattened batch."""
    b, c, h, w = pred.shape
    target = target.reshape(-1).clone()
    valid = target != ignore_index
    target = target * valid.long()
    prob = F.softmax(pred, dim=1).transpose(0, 1).reshape(c, -1)
    if min_kept <= valid.sum() and valid.sum() > 0:
        prob = prob.masked_fill(~valid, 1)
        mask_prob = prob[target, torch.arange(len(target))]
        threshold = thresh
        if min_kept > 0:  # as util/ohem.py: no selection at all otherwise
            order = mask_prob.argsort()
            kth = mask_prob[order[min(len(order), min_kept) - 1]]
            if kth > thresh:
                threshold = kth
            kept = mask_prob <= threshold
            valid = valid & kept
    target = target.masked_fill(~valid, ignore_index).view(b, h, w)
    return F.cross_entropy(pred, target, ignore_index=ignore_index)


@pytest.mark.parametrize('min_kept', [0, 50, 300, 5000])
def test_matches_the_reference_selection(min_kept):
    torch.manual_seed(0)
    pred = torch.randn(2, 5, 12, 14) * 3
    target = torch.randint(0, 5, (2, 12, 14))
    target[0, :3] = 255
    loss = MODELS.build(
        dict(type='ProbOhemCrossEntropyLoss', thresh=0.7, min_kept=min_kept))
    assert loss.loss_name == 'loss_ohem'
    ours = loss(pred, target, ignore_index=255)
    ref = reference_ohem(pred, target, 0.7, min_kept)
    assert ours.item() == pytest.approx(ref.item(), abs=1e-6)


def test_min_kept_counts_the_whole_batch_not_each_image():
    # 200 pixels per image; min_kept=300 over the batch keeps >= 300
    # pixels in total, where a per-image count would keep >= 600.
    torch.manual_seed(1)
    pred = torch.randn(3, 4, 10, 20) * 4
    target = torch.randint(0, 4, (3, 10, 20))
    ours = MODELS.build(dict(type='ProbOhemCrossEntropyLoss',
                             thresh=1e-3, min_kept=300))(pred, target)
    prob = F.softmax(pred, 1).gather(1, target[:, None])[:, 0].flatten()
    kept = prob <= prob.kthvalue(300).values
    ce = F.cross_entropy(pred, target, reduction='none').flatten()
    assert ours.item() == pytest.approx(ce[kept].mean().item(), abs=1e-6)
    assert kept.sum() == 300
