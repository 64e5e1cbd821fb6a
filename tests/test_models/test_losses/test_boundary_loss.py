import pytest
import torch
import torch.nn.functional as F

from mmseg.registry import MODELS


def test_mean_ce_over_band_pixels_that_are_kept():
    logits = torch.randn(1, 2, 4, 6)
    label = torch.zeros(1, 4, 6, dtype=torch.long)
    label[:, :, 3:] = 1  # vertical edge: band is columns 2 and 3
    target = label.clone()
    target[0, 0, 2] = 255  # one band pixel is not kept
    loss = MODELS.build(
        dict(type='BoundaryCELoss', loss_weight=0.5, padding='replicate'))
    pixel_ce = F.cross_entropy(logits, label, reduction='none')[0]
    band_pixels = [(i, j) for i in range(4) for j in (2, 3)
                   if (i, j) != (0, 2)]
    expected = 0.5 * sum(pixel_ce[i, j].item()
                         for i, j in band_pixels) / len(band_pixels)
    value = loss(logits, target, band=loss.band(label, num_classes=2))
    assert value.item() == pytest.approx(expected, rel=1e-6)
    assert loss.loss_name == 'loss_boundary'


def test_band_from_label_by_default_and_empty_band_is_zero():
    logits = torch.randn(1, 3, 5, 5, requires_grad=True)
    flat = torch.ones(1, 5, 5, dtype=torch.long)
    loss = MODELS.build(dict(type='BoundaryCELoss', padding='replicate'))
    value = loss(logits, flat)
    assert value.item() == 0.0
    value.backward()
    assert torch.isfinite(logits.grad).all()
    # zero padding makes the crop border a band
    zero = MODELS.build(dict(type='BoundaryCELoss', padding='zero'))
    assert zero(logits, flat).item() > 0


def test_band_with_a_padding_mask():
    # 4x6 crop, columns 4-5 are padding: replicate treats the junction like
    # a crop border (no band), zero marks it like the crop border.
    label = torch.zeros(1, 4, 6, dtype=torch.long)
    label[:, :, 4:] = 255
    valid = torch.zeros(1, 4, 6, dtype=torch.bool)
    valid[:, :, :4] = True
    replicate = MODELS.build(dict(type='BoundaryCELoss', padding='replicate'))
    assert not replicate.band(label, 2, valid=valid).any()
    zero = MODELS.build(dict(type='BoundaryCELoss', padding='zero'))
    expected = torch.zeros(1, 4, 6, dtype=torch.bool)
    expected[:, [0, -1], :4] = True
    expected[:, :, [0, 3]] = True
    assert torch.equal(zero.band(label, 2, valid=valid), expected)
    # without the mask the padding looks like an ignored region: an edge
    assert replicate.band(label, 2)[0, :, 3].all()
