# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""SemiOptimWrapperConstructor on shipped CW-BASS configs: no warning per
frozen teacher tensor, and the parameter groups of mmengine's own
constructor (the student's, with the configs' lr and weight decay)."""
import logging
import os.path as osp

import pytest
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor, build_optim_wrapper
from mmseg.registry import MODELS

from mmseg_cwbass.engine.cli import read_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


class _Records(logging.Handler):
    """The messages the current MMLogger emits while attached."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _model_and_wrapper_cfg(name):
    cfg = read_config(osp.join(REPO, 'configs', 'cwbass', f'{name}.py'))
    seg = cfg.model.segmentor
    seg.pretrained = None
    seg.backbone.init_cfg = None
    return MODELS.build(cfg.model), cfg.optim_wrapper


def _build_logged(model, optim_wrapper_cfg):
    logger = MMLogger.get_current_instance()
    records, level = _Records(), logger.level
    logger.addHandler(records)
    logger.setLevel(logging.DEBUG)
    try:
        wrapper = build_optim_wrapper(model, optim_wrapper_cfg.copy())
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)
    return wrapper, records.messages


# (config, base lr, base weight decay, {name part: (lr, weight decay)}):
# the values each schedule base sets (configs/_base_/schedules).
CASES = [
    ('deeplabv3plus_r18_voc_1-8', 0.001, 1e-4, {
        'student.backbone.layer1.0.conv1.weight': (0.001, 1e-4),
        'student.decode_head.conv_seg.weight': (0.01, 1e-4),
    }),
    ('segformer_mit-b0_voc_1-8', 6e-5, 0.01, {
        'student.backbone.layers.0.1.0.attn.attn.in_proj_weight':
        (6e-5, 0.01),
        'student.backbone.layers.0.1.0.norm1.weight': (6e-5, 0.0),
        'student.decode_head.conv_seg.weight': (6e-4, 0.01),  # head x10
    }),
]


@pytest.mark.parametrize('name,lr,wd,expected', CASES,
                         ids=[c[0] for c in CASES])
def test_no_teacher_warnings_and_same_groups(name, lr, wd, expected):
    model, ow_cfg = _model_and_wrapper_cfg(name)
    assert ow_cfg.constructor == 'SemiOptimWrapperConstructor'
    wrapper, messages = _build_logged(model, ow_cfg)
    skipped = [m for m in messages if 'requires_grad=False' in m]
    # One line for the whole teacher, none per tensor.
    assert skipped == [
        f'teacher: its {len(list(model.teacher.parameters()))} parameters '
        'are frozen (requires_grad=False) and left out of the optimizer'
    ]
    assert not any(m.startswith('teacher.') for m in messages)
    # One line per setting, not mmengine's line per tensor and option.
    assert not any(m.startswith('paramwise_options') for m in messages)
    names = dict(model.named_parameters())
    head = [n for n in names if n.startswith('student.decode_head.')]
    summary = [m for m in messages if m.startswith('optimizer: ')]
    assert f'optimizer: {len(head)} parameter tensors with ' \
        f'lr={10 * lr:g}, lr_mult=10' in summary
    assert sum(int(m.split()[1]) for m in summary) == sum(
        1 for n in names if n.startswith('student.'))

    groups = wrapper.optimizer.param_groups
    by_id = {id(p): g for g in groups for p in g['params']}
    # Every trainable student tensor once, no teacher tensor.
    assert sorted(by_id) == sorted(
        id(p) for n, p in names.items() if n.startswith('student.'))
    for part, (want_lr, want_wd) in expected.items():
        group = by_id[id(names[part])]
        assert group['lr'] == pytest.approx(want_lr), part
        assert group['weight_decay'] == pytest.approx(want_wd), part
    assert head and all(
        by_id[id(names[n])]['lr'] == pytest.approx(10 * lr) for n in head)

    # mmengine's own constructor (with its per-tensor warnings) gives the
    # same groups in the same order: optimizer states load either way.
    cfg = ow_cfg.copy()
    cfg.pop('constructor')
    reference = DefaultOptimWrapperConstructor(
        cfg, cfg.pop('paramwise_cfg'))(model).optimizer.param_groups
    assert len(reference) == len(groups)
    for ours, theirs in zip(groups, reference):
        assert [id(p) for p in ours['params']] == \
            [id(p) for p in theirs['params']]
        assert {k: v for k, v in ours.items() if k != 'params'} == \
            {k: v for k, v in theirs.items() if k != 'params'}
