import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.optim import OptimWrapper

from mmseg.registry import HOOKS, MODELS


class ThresholdModel(torch.nn.Module):

    def __init__(self, **kwargs):
        super().__init__()
        self.threshold = MODELS.build(
            dict(type='DynamicThreshold', num_classes=3, **kwargs))


def runner_at(model, cur_iter):
    return SimpleNamespace(model=model, iter=cur_iter)


def test_hook_advances_the_class_ema_once_per_step():
    hook = HOOKS.build(
        dict(type='DynamicThresholdHook', momentum=0.9, min_pixels=10))
    model = ThresholdModel(statistic='class_ema')
    hook.before_train(runner_at(model, 0))
    assert model.threshold.hook_attached
    threshold = model.threshold.train()
    confidence = torch.cat([torch.full((12, ), 0.9), torch.full((4, ), 0.7)])
    label = torch.cat([torch.zeros(12), torch.ones(4)]).long()
    confidence, label = confidence.view(1, 4, 4), label.view(1, 4, 4)
    for step in range(2):
        hook.before_train_iter(runner_at(model, step), step)
        threshold(confidence, label)
        hook.after_train_iter(runner_at(model, step), step)
    assert threshold.class_stat.tolist() == pytest.approx([0.576, 0.5, 0.5])
    # a step without a forward leaves the state alone
    hook.after_train_iter(runner_at(model, 2), 2)
    assert threshold.class_stat.tolist() == pytest.approx([0.576, 0.5, 0.5])


def test_schedule_of_base_and_clamps():
    hook = HOOKS.build(
        dict(
            type='DynamicThresholdHook',
            schedule=dict(
                tau_min=[(0, 0.0), (100, 0.3)], base=[(50, 0.9),
                                                      (150, 0.6)])))
    model = ThresholdModel()
    hook.before_train(runner_at(model, 0))
    expected = {
        0: dict(tau_min=0.0, base=0.9),
        50: dict(tau_min=0.15, base=0.9),
        100: dict(tau_min=0.3, base=0.75),
        1000: dict(tau_min=0.3, base=0.6),
    }
    for cur_iter, values in expected.items():
        hook.before_train_iter(runner_at(model, cur_iter), cur_iter)
        for name, value in values.items():
            assert getattr(model.threshold, name) == pytest.approx(value)
        assert model.threshold.tau_max == 0.8  # not scheduled: config value
    # tau at iteration 0: 0.9 * sigmoid(0.5 * (1.0 - 0.5)), no lower clamp
    hook.before_train_iter(runner_at(model, 0), 0)
    tau = model.threshold(torch.ones(1, 2, 2), torch.zeros(1, 2, 2).long())
    assert tau[0, 0, 0].item() == pytest.approx(
        0.9 / (1 + math.exp(-0.25)))


def test_bad_schedule_and_arguments_fail_before_training():
    with pytest.raises(ValueError, match="did you mean 'tau_min'"):
        HOOKS.build(dict(type='DynamicThresholdHook',
                         schedule=dict(tau_mn=[(0, 0.1)])))
    with pytest.raises(ValueError, match='pairs'):
        HOOKS.build(dict(type='DynamicThresholdHook',
                         schedule=dict(base=0.5)))
    with pytest.raises(ValueError, match="did you mean 'momentum'"):
        HOOKS.build(dict(type='DynamicThresholdHook', momentun=0.99))
    with pytest.raises(ValueError, match='momentum'):
        HOOKS.build(dict(type='DynamicThresholdHook', momentum=1.0))
    # clamps crossing at a breakpoint of the schedule
    hook = HOOKS.build(
        dict(type='DynamicThresholdHook',
             schedule=dict(tau_min=[(0, 0.3), (10, 0.9)])))
    with pytest.raises(ValueError, match='iteration 10'):
        hook.before_train(runner_at(ThresholdModel(), 0))
    with pytest.raises(TypeError, match='DynamicThreshold'):
        hook.before_train(runner_at(torch.nn.Linear(1, 1), 0))


def test_class_ema_without_the_hook_fails_at_the_first_step(
        tiny_segmentor_cfg, make_semi_batch):
    model = MODELS.build(
        dict(
            type='CWBASSSegmentor',
            segmentor=tiny_segmentor_cfg,
            threshold=dict(type='DynamicThreshold', statistic='class_ema')))
    model.train()
    with pytest.raises(RuntimeError, match="type='DynamicThresholdHook'"):
        model.loss(*make_semi_batch())
    hook = HOOKS.build(dict(type='DynamicThresholdHook'))
    hook.before_train(runner_at(model, 0))
    losses = model.loss(*make_semi_batch())
    assert torch.isfinite(losses['unsup.loss_cw'])
    # a batch_mean threshold needs no hook
    plain = MODELS.build(
        dict(type='CWBASSSegmentor', segmentor=tiny_segmentor_cfg))
    plain.train()
    optim = OptimWrapper(torch.optim.SGD(plain.student.parameters(), lr=0.1))
    assert 'unsup.tau' in plain.train_step(_raw_batch(), optim)


def _raw_batch():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    size = (32, 32)

    def sample(with_gt):
        s = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size))
        if with_gt:
            s.gt_sem_seg = PixelData(data=torch.randint(0, 4, (1, *size)))
        return s

    image = torch.randint(0, 256, (3, *size), dtype=torch.uint8)
    return dict(
        inputs=dict(sup=[image, image, None, None],
                    unsup_teacher=[None, None, image, image]),
        data_samples=dict(sup=[sample(True), sample(True), None, None],
                          unsup_teacher=[None, None, sample(False),
                                         sample(False)]))
