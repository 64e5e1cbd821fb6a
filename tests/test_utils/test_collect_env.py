# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""collect_env: mmseg's environment plus the plugin's additions, JSON-safe."""
import json
import os
import stat

import mmseg
import torch
from mmseg.utils import collect_env as mmseg_collect_env

from mmseg_cwbass import __version__
from mmseg_cwbass.utils.collect_env import collect_env


def test_mmseg_keys_and_the_additions(monkeypatch, tmp_path):
    # No nvidia-smi on PATH: no such key (a CPU machine).
    monkeypatch.setenv('PATH', str(tmp_path))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        env = collect_env()
    finally:
        torch.set_num_threads(threads)
    assert set(mmseg_collect_env()) <= set(env)
    assert env['mmseg-cwbass'] == __version__
    assert env['CPU cores'] == os.cpu_count()
    assert env['torch threads'] == 1
    assert env['PyTorch'] == str(torch.__version__)
    # this repository's commit is not mmseg's (tests run in the clone)
    assert env['MMSegmentation'] == mmseg.__version__
    assert 'nvidia-smi' not in env
    # mmseg's numpy seed (numpy.uint32) and TorchVersion: stored as JSON.
    assert json.loads(json.dumps(env))['numpy_random_seed'] == \
        env['numpy_random_seed']


def test_nvidia_smi_lines_are_recorded(monkeypatch, tmp_path):
    smi = tmp_path / 'nvidia-smi'
    # Two GPUs, one CSV line each, as --format=csv,noheader prints them.
    smi.write_text('#!/bin/sh\necho "$1" > "$(dirname "$0")/query"\n'
                   'echo "H100, 550.1, 81559 MiB, 1980 MHz, 700.00 W"\n'
                   'echo "H100, 550.1, 81559 MiB, 1980 MHz, 700.00 W"\n')
    smi.chmod(smi.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv('PATH', f'{tmp_path}{os.pathsep}/usr/bin:/bin')
    env = collect_env()
    assert env['nvidia-smi'] == [
        'H100, 550.1, 81559 MiB, 1980 MHz, 700.00 W'] * 2
    assert (tmp_path / 'query').read_text().strip() == (
        '--query-gpu=name,driver_version,memory.total,clocks.max.sm,'
        'power.limit')
