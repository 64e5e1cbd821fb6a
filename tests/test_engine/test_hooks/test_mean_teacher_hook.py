from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from mmseg.registry import HOOKS


class TinyTeacherStudent(nn.Module):

    def __init__(self):
        super().__init__()
        self.student = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
        self.teacher = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))


def runner_for(model, iteration):
    return SimpleNamespace(model=model, iter=iteration)


def fill(model, student_value, teacher_value):
    with torch.no_grad():
        for p in model.student.parameters():
            p.fill_(student_value)
        for p in model.teacher.parameters():
            p.fill_(teacher_value)
        model.student[1].running_mean.fill_(student_value)
        model.teacher[1].running_mean.fill_(teacher_value)
        model.student[1].num_batches_tracked.fill_(7)


def test_ema_arithmetic_and_copied_buffers():
    model = TinyTeacherStudent()
    hook = HOOKS.build(dict(type='MeanTeacherHook', momentum=0.001))
    fill(model, 1.0, 0.0)
    hook.after_train_iter(runner_for(model, 5), 0)
    for p in model.teacher.parameters():
        assert torch.allclose(p, torch.full_like(p, 0.001))
    assert torch.allclose(model.teacher[1].running_mean, torch.ones(2))
    assert model.teacher[1].num_batches_tracked.item() == 7
    hook.after_train_iter(runner_for(model, 6), 0)
    expected = 0.999 * 0.001 + 0.001
    for p in model.teacher.parameters():
        assert torch.allclose(p, torch.full_like(p, expected))


def test_buffer_policies():
    model = TinyTeacherStudent()
    hook = HOOKS.build(
        dict(type='MeanTeacherHook', momentum=0.5, buffer_policy='ema'))
    fill(model, 1.0, 0.0)
    hook.after_train_iter(runner_for(model, 0), 0)
    assert torch.allclose(model.teacher[1].running_mean,
                          torch.full((2, ), 0.5))
    assert model.teacher[1].num_batches_tracked.item() == 7  # int: copied
    model = TinyTeacherStudent()
    hook = HOOKS.build(
        dict(type='MeanTeacherHook', momentum=0.5, buffer_policy='skip'))
    fill(model, 1.0, 0.0)
    hook.after_train_iter(runner_for(model, 0), 0)
    assert torch.allclose(model.teacher[1].running_mean, torch.zeros(2))


def test_before_train_copies_on_fresh_run_only():
    model = TinyTeacherStudent()
    hook = HOOKS.build(dict(type='MeanTeacherHook'))
    fill(model, 1.0, 0.0)
    hook.before_train(runner_for(model, 3))  # resumed: teacher kept
    assert all((p == 0).all() for p in model.teacher.parameters())
    hook.before_train(runner_for(model, 0))
    assert all((p == 1).all() for p in model.teacher.parameters())


def test_interval_and_wrapper_awareness():
    from mmengine.model import MMDistributedDataParallel  # noqa: F401
    model = TinyTeacherStudent()
    hook = HOOKS.build(dict(type='MeanTeacherHook', momentum=1.0,
                            interval=2))
    fill(model, 1.0, 0.0)
    hook.after_train_iter(runner_for(model, 0), 0)  # iter 1 of 2: skipped
    assert all((p == 0).all() for p in model.teacher.parameters())
    hook.after_train_iter(runner_for(model, 1), 0)
    assert all((p == 1).all() for p in model.teacher.parameters())


def test_bad_model_and_arguments():
    hook = HOOKS.build(dict(type='MeanTeacherHook'))
    with pytest.raises(TypeError, match='teacher'):
        hook.before_train(runner_for(nn.Linear(1, 1), 0))
    for bad in (dict(momentum=0.0), dict(interval=0),
                dict(buffer_policy='mean')):
        with pytest.raises(ValueError):
            HOOKS.build(dict(type='MeanTeacherHook', **bad))


def test_unimatch_v2_schedule_per_iteration():
    # UniMatch V2: ema_ratio = min(1 - 1 / (iters + 1), 0.996) after the
    # step of 0-based iteration ``iters``, on parameters and buffers.
    model = TinyTeacherStudent()
    hook = HOOKS.build(
        dict(type='MeanTeacherHook', momentum=0.004, buffer_policy='ema',
             momentum_schedule='inverse'))
    fill(model, 0.0, 5.0)
    teacher = 5.0
    for iteration in range(300):
        student = float(iteration % 7)  # the student moves each step
        with torch.no_grad():
            for p in model.student.parameters():
                p.fill_(student)
            model.student[1].running_mean.fill_(student)
        hook.after_train_iter(runner_for(model, iteration), 0)
        ratio = min(1 - 1 / (iteration + 1), 0.996)
        teacher = teacher * ratio + student * (1 - ratio)
        assert hook.momentum_at(iteration) == pytest.approx(1 - ratio)
        for p in model.teacher.parameters():
            assert torch.allclose(p, torch.full_like(p, teacher),
                                  atol=1e-5), iteration
        assert torch.allclose(model.teacher[1].running_mean,
                              torch.full((2, ), teacher), atol=1e-5)
    # the cap is reached at iteration 249 (1 - 1/250 = 0.996)
    assert hook.momentum_at(248) > 0.004 and hook.momentum_at(249) == \
        pytest.approx(0.004)
    with pytest.raises(ValueError, match='momentum_schedule'):
        HOOKS.build(dict(type='MeanTeacherHook', momentum_schedule='cos'))
