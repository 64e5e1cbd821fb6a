import math

import pytest
import torch

from mmseg.registry import MODELS


def build(**kwargs):
    cfg = dict(type='DynamicThreshold', num_classes=3)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_threshold_formula_and_clamp():
    threshold = build()
    assert threshold.threshold_of(torch.tensor(0.5)).item() == \
        pytest.approx(0.3)
    assert threshold.threshold_of(torch.tensor(1.0)).item() == \
        pytest.approx(0.6 / (1 + math.exp(-0.25)))  # 0.33730...
    assert threshold.threshold_of(torch.tensor(0.0)).item() == \
        pytest.approx(0.3)  # 0.6 * sigmoid(-0.25) = 0.263 -> clamped


def test_batch_mean_statistic_ignores_padding():
    threshold = build()
    confidence = torch.tensor([[[1.0, 1.0], [0.2, 0.2]]])
    label = torch.zeros(1, 2, 2, dtype=torch.long)
    valid = torch.tensor([[[True, True], [False, False]]])
    tau = threshold(confidence, label, valid)
    assert tau.shape == confidence.shape
    assert torch.allclose(tau, torch.tensor(0.6 / (1 + math.exp(-0.25))))


def test_class_ema_after_known_updates():
    # The EMA is advanced after each step (DynamicThresholdHook calls
    # update_ema); a step thresholds with the EMA of the steps before it.
    threshold = build(statistic='class_ema')
    confidence = torch.cat([torch.full((12, ), 0.9), torch.full((4, ), 0.7)])
    label = torch.cat([torch.zeros(12), torch.ones(4)]).long()
    confidence, label = confidence.view(1, 4, 4), label.view(1, 4, 4)
    threshold.train()
    tau = threshold(confidence, label)
    assert torch.allclose(tau, torch.tensor(0.3))  # start value 0.5
    threshold.update_ema(momentum=0.9, min_pixels=10)
    assert threshold.class_stat.tolist() == pytest.approx([0.54, 0.5, 0.5])
    threshold(confidence, label)
    threshold.update_ema(momentum=0.9, min_pixels=10)
    # class 1 had only 4 pixels (< 10): its EMA stays at the start value.
    assert threshold.class_stat.tolist() == pytest.approx([0.576, 0.5, 0.5])
    tau = threshold(confidence, label)
    expected0 = max(0.3, 0.6 / (1 + math.exp(-0.5 * (0.576 - 0.5))))
    assert tau[0, 0, 0].item() == pytest.approx(expected0)
    assert tau[0, 3, 3].item() == pytest.approx(0.3)
    # in eval mode the statistic is read, not recorded
    threshold.update_ema(momentum=0.9, min_pixels=10)
    threshold.eval()
    threshold(confidence, label)
    threshold.update_ema(momentum=0.9, min_pixels=10)
    assert threshold.class_stat.tolist() == pytest.approx(
        [0.9 * 0.576 + 0.1 * 0.9, 0.5, 0.5])


def test_state_is_in_state_dict():
    threshold = build(statistic='class_ema')
    threshold.train()
    threshold(torch.full((1, 4, 4), 1.0), torch.zeros(1, 4, 4).long())
    threshold.update_ema(momentum=0.5, min_pixels=10)
    fresh = build(statistic='class_ema')
    fresh.load_state_dict(threshold.state_dict())
    assert torch.equal(fresh.class_stat, threshold.class_stat)
    assert fresh.class_stat[0].item() == pytest.approx(0.75)


def test_batch_mean_is_exactly_the_reference_formula():
    # The per-batch statistic stays in the forward pass, bit for bit.
    generator = torch.Generator().manual_seed(0)
    confidence = torch.rand(2, 9, 7, generator=generator)
    valid = torch.rand(2, 9, 7, generator=generator) > 0.2
    tau = build()(confidence, torch.zeros(2, 9, 7).long(), valid)
    weight = valid.to(confidence.dtype)
    sums = torch.stack([(confidence * weight).sum(), weight.sum()])
    mean = sums[0] / sums[1].clamp(min=1.0)
    expected = (0.6 * torch.sigmoid(0.5 * (mean - 0.5))).clamp(0.3, 0.8)
    assert torch.equal(tau, expected.expand_as(confidence))


def test_fixed_and_disabled():
    confidence = torch.rand(1, 3, 3)
    label = torch.zeros(1, 3, 3).long()
    assert torch.all(build(fixed=0.95)(confidence, label) == 0.95)
    assert torch.all(build(enabled=False)(confidence, label) == 0.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match='statistic'):
        build(statistic='median')
    with pytest.raises(ValueError, match='tau_min'):
        build(tau_min=0.9, tau_max=0.8)
    with pytest.raises(ValueError, match='DynamicThresholdHook'):
        build(momentum=0.99)
    with pytest.raises(ValueError, match="did you mean 'tau_max'"):
        build(tau_mx=0.9)
