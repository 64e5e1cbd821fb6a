import torch

from mmseg_cwbass.models.utils import cutmix_batch


def test_cutmix_moves_pixels_labels_and_confidence_together():
    torch.manual_seed(0)
    inputs = torch.arange(2 * 3 * 8 * 8, dtype=torch.float).view(2, 3, 8, 8)
    label = torch.stack([torch.zeros(8, 8), torch.ones(8, 8)]).long()
    confidence = label.float() * 0.5 + 0.2
    valid = torch.ones(2, 8, 8, dtype=torch.bool)
    mixed, (mixed_label, mixed_confidence, _) = cutmix_batch(
        inputs, (label, confidence, valid), prob=1.0)
    for i in range(2):
        box = mixed_label[i] != label[i]
        assert 0.05 * 64 <= box.sum() <= 0.6 * 64
        other = 1 - i
        assert torch.equal(mixed[i][:, box], inputs[other][:, box])
        assert torch.equal(mixed[i][:, ~box], inputs[i][:, ~box])
        assert torch.allclose(mixed_confidence[i][box],
                              confidence[other][box])


def test_no_mixing_at_probability_zero_or_single_image():
    inputs = torch.rand(2, 3, 8, 8)
    label = torch.zeros(2, 8, 8, dtype=torch.long)
    mixed, (same, ) = cutmix_batch(inputs, (label, ), prob=0.0)
    assert torch.equal(mixed, inputs) and torch.equal(same, label)
    one, _ = cutmix_batch(inputs[:1], (label[:1], ), prob=1.0)
    assert torch.equal(one, inputs[:1])
