"""Our CPU launcher applies env_cfg.dist_cfg (its timeout above all): the
collective timeout is what ends a job whose peer died silently."""
import argparse
import datetime

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config

from mmseg_cwbass.engine import cli, launch


@pytest.fixture
def captured(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(dist, 'is_initialized', lambda: False)
    monkeypatch.setattr(dist, 'init_process_group',
                        lambda **kwargs: calls.append(kwargs))
    return calls


def test_timeout_reaches_init_process_group(captured):
    assert launch.init_cpu_distributed(
        'pytorch', dict(backend='nccl', timeout=90))
    assert captured == [
        dict(backend='gloo', timeout=datetime.timedelta(seconds=90))
    ]


def test_without_dist_cfg_torch_defaults_apply(captured):
    assert launch.init_cpu_distributed('pytorch')
    assert captured == [dict(backend='gloo')]
    assert not launch.init_cpu_distributed('none', dict(timeout=5))
    assert len(captured) == 1


def test_bad_timeout(captured):
    with pytest.raises(ValueError, match='timeout'):
        launch.init_cpu_distributed('pytorch', dict(timeout='30 min'))
    assert captured == []


def test_tools_pass_the_config_timeout(captured, monkeypatch):
    """tools/train.py and tools/test.py go through prepare_run."""
    monkeypatch.setattr(cli, 'check_data_config', lambda cfg, phases: None)
    monkeypatch.setattr(cli, 'check_input_files', lambda cfg, phases: None)
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='gloo',
                                                 timeout=120))))
    args = argparse.Namespace(config='c.py', launcher='pytorch')
    assert cli.prepare_run(cfg, args, phases=('train', ))
    assert captured == [
        dict(backend='gloo', timeout=datetime.timedelta(seconds=120))
    ]
