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
    threshold = build(statistic='class_ema', momentum=0.9, min_pixels=10)
    confidence = torch.cat([torch.full((12, ), 0.9), torch.full((4, ), 0.7)])
    label = torch.cat([torch.zeros(12), torch.ones(4)]).long()
    confidence, label = confidence.view(1, 4, 4), label.view(1, 4, 4)
    threshold.train()
    threshold(confidence, label)
    assert threshold.class_stat.tolist() == pytest.approx([0.54, 0.5, 0.5])
    tau = threshold(confidence, label)
    # class 1 had only 4 pixels (< 10): its EMA stays at the start value.
    assert threshold.class_stat.tolist() == pytest.approx([0.576, 0.5, 0.5])
    expected0 = max(0.3, 0.6 / (1 + math.exp(-0.5 * (0.576 - 0.5))))
    assert tau[0, 0, 0].item() == pytest.approx(expected0)
    assert tau[0, 3, 3].item() == pytest.approx(0.3)
    # in eval mode the statistic is read, not updated
    threshold.eval()
    threshold(confidence, label)
    assert threshold.class_stat.tolist() == pytest.approx([0.576, 0.5, 0.5])


def test_state_is_in_state_dict():
    threshold = build(statistic='class_ema', momentum=0.5)
    threshold.train()
    threshold(torch.full((1, 4, 4), 1.0), torch.zeros(1, 4, 4).long())
    fresh = build(statistic='class_ema', momentum=0.5)
    fresh.load_state_dict(threshold.state_dict())
    assert torch.equal(fresh.class_stat, threshold.class_stat)
    assert fresh.class_stat[0].item() == pytest.approx(0.75)


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
    with pytest.raises(ValueError, match='momentum'):
        build(momentum=1.0)
