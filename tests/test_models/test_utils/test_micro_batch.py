"""Exact mode on fewer GPUs: micro-batches of one step == the whole batch."""
import copy
import importlib.util
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper

from mmseg.registry import HOOKS, MODELS

WORKER = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_segmentors',
    '_global_batch_worker.py')


def worker():
    spec = importlib.util.spec_from_file_location('_gb_worker', WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train(micro_batches, method='CWBASSSegmentor', steps=3):
    """``steps`` runner-like iterations; returns model and counters."""
    w = worker()
    torch.manual_seed(0)
    extra = dict(threshold=dict(type='DynamicThreshold',
                                statistic='class_ema')) \
        if method == 'CWBASSSegmentor' else {}
    # strong views (with CutMix boxes) for the methods that take them
    strong = dict(w.METHODS.get(method, dict(views=0)))
    views = strong.pop('views')
    if views:
        extra.update(strong)
    model = MODELS.build(
        dict(type=method, segmentor=copy.deepcopy(w.SEGMENTOR),
             semi_train_cfg=dict(micro_batches=micro_batches,
                                 rampup_iters=2), **extra))
    model.train()
    optim = OptimWrapper(
        torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                        lr=0.01, momentum=0.9))
    counts = dict(optimizer_steps=0, ema_updates=0, threshold_updates=0)
    step = optim.optimizer.step

    def counted_step(*args, **kwargs):
        counts['optimizer_steps'] += 1
        return step(*args, **kwargs)

    optim.optimizer.step = counted_step
    hooks = [HOOKS.build(dict(type='MeanTeacherHook', momentum=0.1))]
    if method == 'CWBASSSegmentor':
        hooks.append(HOOKS.build(dict(type='DynamicThresholdHook',
                                      momentum=0.5)))
    hub = MessageHub.get_current_instance()
    runner = SimpleNamespace(model=model, iter=0)
    for hook in hooks:
        hook.before_train(runner)
    for it in range(steps):
        runner.iter = it
        hub.update_info('iter', it)
        images, labels = w.full_batch(it)
        data = w.shard(images, labels, [0, 1, 2, 3], [0, 1, 2, 3], views,
                       boxes=True)
        model.train_step(data, optim)
        if method == 'CWBASSSegmentor':
            counts['threshold_updates'] += model.threshold._pending is not None
        for hook in hooks:
            hook.after_train_iter(runner, it)
        counts['ema_updates'] += 1
    hub.update_info('iter', 0)
    return model, counts


@pytest.mark.parametrize('method', [
    'CWBASSSegmentor', 'MeanTeacherSegmentor', 'FixMatchSegmentor',
    'UniMatchV2Segmentor'
])
def test_two_micro_batches_equal_one_batch(method):
    whole, whole_counts = train(1, method)
    parts, part_counts = train(2, method)
    assert whole_counts == part_counts
    assert part_counts['optimizer_steps'] == 3
    for name, value in whole.state_dict().items():
        if value.is_floating_point():
            assert torch.allclose(parts.state_dict()[name], value, atol=1e-6,
                                  rtol=0), name
    if method == 'CWBASSSegmentor':
        # the class EMA moved, once per step, identically
        assert not torch.equal(whole.threshold.class_stat,
                               torch.full((4, ), 0.5))


def test_micro_batches_must_divide_the_batch():
    w = worker()
    model = MODELS.build(
        dict(type='CWBASSSegmentor', segmentor=copy.deepcopy(w.SEGMENTOR),
             semi_train_cfg=dict(micro_batches=3)))
    optim = OptimWrapper(torch.optim.SGD(model.student.parameters(), lr=0.1))
    images, labels = w.full_batch(0)
    with pytest.raises(ValueError, match='micro_batches=3 must divide'):
        model.train_step(w.shard(images, labels, [0, 1, 2, 3], [0, 1, 2, 3]),
                         optim)
