import math

import pytest
import torch
import torch.nn.functional as F

from mmseg.registry import MODELS


def hand_ce(logits, target):
    """CE of one pixel from its logits, written out."""
    return -logits[target] + math.log(sum(math.exp(v) for v in logits))


def test_weighted_loss_on_2x3_example_by_hand():
    # 2 classes, 1 image of 2x3 pixels; two pixels are not kept (255).
    logits = torch.tensor([[[2.0, 0.0, 1.0], [0.5, -1.0, 3.0]],
                           [[0.0, 1.0, 1.0], [0.5, 2.0, 0.0]]]).unsqueeze(0)
    label = torch.tensor([[[0, 1, 255], [1, 255, 0]]])
    conf = torch.tensor([[[0.9, 0.6, 0.2], [0.5, 0.1, 0.8]]])
    kept = [((0, 0), 0, 0.9), ((0, 1), 1, 0.6), ((1, 0), 1, 0.5),
            ((1, 2), 0, 0.8)]
    total = 0.0
    for (i, j), target, c in kept:
        pixel_logits = [logits[0, 0, i, j].item(), logits[0, 1, i, j].item()]
        total += c * hand_ce(pixel_logits, target)
    expected = total / 4  # normalised by the kept count, not sum of weights
    loss = MODELS.build(dict(type='ConfidenceWeightedLoss'))
    assert loss(logits, label, weight=conf).item() == pytest.approx(expected)
    assert loss.loss_name == 'loss_cw'
    # decay factor and gamma
    assert loss(logits, label, weight=conf, decay_factor=0.9).item() == \
        pytest.approx(0.9 * expected)
    squared = MODELS.build(dict(type='ConfidenceWeightedLoss', gamma=2.0))
    total2 = sum(c**2 * hand_ce(
        [logits[0, 0, i, j].item(), logits[0, 1, i, j].item()], t)
        for (i, j), t, c in kept)
    assert squared(logits, label, weight=conf).item() == \
        pytest.approx(total2 / 4)


def test_all_ignored_batch_is_zero_not_nan():
    logits = torch.randn(2, 3, 4, 4, requires_grad=True)
    label = torch.full((2, 4, 4), 255)
    loss = MODELS.build(dict(type='ConfidenceWeightedLoss'))(
        logits, label, weight=torch.rand(2, 4, 4))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.isfinite(logits.grad).all()


def test_gamma_zero_is_plain_ce_and_weights_carry_no_gradient():
    logits = torch.randn(2, 3, 4, 4)
    label = torch.randint(0, 3, (2, 4, 4))
    label[0, 0, 0] = 255
    conf = torch.rand(2, 4, 4, requires_grad=True)
    loss = MODELS.build(dict(type='ConfidenceWeightedLoss', gamma=0.0))
    plain = F.cross_entropy(logits, label, ignore_index=255)
    assert loss(logits, label, weight=conf).item() == \
        pytest.approx(plain.item(), rel=1e-6)
    weighted = MODELS.build(dict(type='ConfidenceWeightedLoss'))(
        logits.requires_grad_(), label, weight=conf)
    weighted.backward()
    assert conf.grad is None


def test_usable_in_an_mmseg_head_loss_decode(tiny_segmentor_cfg):
    cfg = tiny_segmentor_cfg
    cfg['decode_head']['loss_decode'] = [
        dict(type='CrossEntropyLoss', loss_weight=1.0),
        dict(type='ConfidenceWeightedLoss', loss_weight=0.5)
    ]
    model = MODELS.build(cfg)
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for _ in range(2):  # BN of the image pool needs more than one value
        sample = SegDataSample(metainfo=dict(img_shape=(32, 32)))
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 4, (1, 32, 32)))
        samples.append(sample)
    losses = model.loss(torch.randn(2, 3, 32, 32), samples)
    assert 'decode.loss_cw' in losses and 'decode.loss_ce' in losses
    assert torch.isfinite(losses['decode.loss_cw'])


def test_loss_name_must_start_with_loss():
    with pytest.raises(ValueError, match='loss_'):
        MODELS.build(dict(type='ConfidenceWeightedLoss', loss_name='cw'))


@pytest.mark.parametrize('gamma', [0.0, 0.5, 2.0])
def test_decay_is_applied_before_gamma_as_in_the_reference(gamma):
    # Reference: decay_confidence (c <- d * c) runs before the weighted CE
    # raises the confidence to gamma: w = (d * c)^gamma, not d * c^gamma.
    logits = torch.tensor([[[2.0, 0.0, 1.0], [0.5, -1.0, 3.0]],
                           [[0.0, 1.0, 1.0], [0.5, 2.0, 0.0]]]).unsqueeze(0)
    label = torch.tensor([[[0, 1, 255], [1, 255, 0]]])
    conf = torch.tensor([[[0.9, 0.6, 0.2], [0.5, 0.1, 0.8]]])
    kept = [((0, 0), 0, 0.9), ((0, 1), 1, 0.6), ((1, 0), 1, 0.5),
            ((1, 2), 0, 0.8)]
    decay = 0.9
    expected = sum((decay * c)**gamma * hand_ce(
        [logits[0, 0, i, j].item(), logits[0, 1, i, j].item()], t)
        for (i, j), t, c in kept) / 4
    loss = MODELS.build(dict(type='ConfidenceWeightedLoss', gamma=gamma))
    got = loss(logits, label, weight=conf, decay_factor=decay).item()
    assert got == pytest.approx(expected, rel=1e-6)
    # the old d * c^gamma differs by d^(1 - gamma): 0.9, 0.9487, 1.111
    old = sum(decay * c**gamma * hand_ce(
        [logits[0, 0, i, j].item(), logits[0, 1, i, j].item()], t)
        for (i, j), t, c in kept) / 4
    assert old / got == pytest.approx(decay**(1 - gamma), rel=1e-6)
    # a tensor decay factor (the segmentor's buffer) gives the same
    assert loss(logits, label, weight=conf,
                decay_factor=torch.tensor(decay)).item() == \
        pytest.approx(expected, rel=1e-6)
