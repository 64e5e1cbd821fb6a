import math
from types import SimpleNamespace

import pytest
import torch

from mmseg.registry import HOOKS


class DecayModel(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.register_buffer('decay_factor', torch.tensor(1.0))

    def set_decay_factor(self, value):
        self.decay_factor.fill_(value)


@pytest.mark.parametrize('mode,cur_iter,expected', [
    ('none', 50, 1.0),
    ('constant', 50, 0.9),
    ('exp', 50, 0.9**0.5),
    ('exp', 10_000, 0.5),  # floored at min_factor
    ('linear', 50, 0.75),
    ('linear', 200, 0.5),
    ('cosine', 50, 0.5 + 0.5 * 0.5 * (1 + math.cos(math.pi * 0.5))),
    ('cosine', 100, 0.5),
])
def test_schedules(mode, cur_iter, expected):
    hook = HOOKS.build(
        dict(type='ConfidenceDecayHook', mode=mode, decay_iters=100))
    model = DecayModel()
    hook.before_train_iter(
        SimpleNamespace(model=model, iter=cur_iter, max_iters=1000), 0)
    assert model.decay_factor.item() == pytest.approx(expected, rel=1e-6)


def test_never_below_floor_and_defaults_to_max_iters():
    hook = HOOKS.build(dict(type='ConfidenceDecayHook', mode='exp',
                            factor=0.1, min_factor=0.3))
    values = [hook.factor_at(i, 1000) for i in range(0, 1001, 50)]
    assert min(values) == pytest.approx(0.3)
    assert values == sorted(values, reverse=True)


def test_bad_arguments_and_model():
    with pytest.raises(ValueError, match='mode'):
        HOOKS.build(dict(type='ConfidenceDecayHook', mode='step'))
    with pytest.raises(ValueError, match='never vanishes'):
        HOOKS.build(dict(type='ConfidenceDecayHook', min_factor=0.0))
    hook = HOOKS.build(dict(type='ConfidenceDecayHook'))
    with pytest.raises(TypeError, match='set_decay_factor'):
        hook.before_train_iter(
            SimpleNamespace(model=torch.nn.Linear(1, 1), iter=0,
                            max_iters=1), 0)
