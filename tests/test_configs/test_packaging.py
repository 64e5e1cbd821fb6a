# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""A non-editable install (``pip install .``) ships configs/ and tools/
inside the package, under ``mmseg_cwbass/.mim/`` like mmseg's wheel, and a
config outside the repository inherits ours from there by path.

The package is built from a copy of the sources (pip builds in the source
folder) and installed with ``pip install --target`` into a throw-away
folder that the subprocesses put first on ``sys.path``, in front of this
machine's packages (the editable install of the checkout included).
"""
import importlib.util
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SOURCES = ('setup.py', 'MANIFEST.in', 'README.md', 'LICENSE', 'mmseg_cwbass',
           'configs', 'tools')
IGNORE = shutil.ignore_patterns('__pycache__', '*.pyc', '*.egg-info')

USER_CONFIG = '''\
_base_ = ['{{$MMSEG_CWBASS_CONFIGS:}}/cwbass/deeplabv3plus_r101_voc_1-8.py']
train_cfg = dict(max_iters=100)
'''
CHECK = '''\
import json, os, os.path as osp
import mmseg_cwbass
from mmengine.config import Config
cfg = Config.fromfile('my_config.py')
print(json.dumps(dict(
    package=osp.dirname(mmseg_cwbass.__file__),
    model=cfg.model.type,
    depth=cfg.model.segmentor.backbone.depth,
    hooks=[h.type for h in cfg.custom_hooks],
    train_cfg=cfg.train_cfg.to_dict(),
    labeled=cfg.train_dataloader.dataset.labeled.ann_file)))
'''


def files_under(root):
    return sorted(
        osp.relpath(osp.join(d, f), root) for d, _, names in os.walk(root)
        for f in names if f.endswith(('.py', '.sh')))


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """``pip install --target`` of a copy of the sources (offline)."""
    if importlib.util.find_spec('setuptools') is None:
        pytest.skip('pip cannot build offline without setuptools')
    root = tmp_path_factory.mktemp('packaging')
    src = root / 'src'
    for name in SOURCES:
        path = osp.join(REPO, name)
        if osp.isdir(path):
            shutil.copytree(path, src / name, ignore=IGNORE)
        else:
            os.makedirs(src, exist_ok=True)
            shutil.copy(path, src / name)
    target = root / 'site'
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-index',
         '--no-build-isolation', '--target', str(target), str(src)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return target


def test_wheel_ships_configs_and_tools(installed):
    mim = installed / 'mmseg_cwbass' / '.mim'
    for name in ('configs', 'tools'):
        assert files_under(mim / name) == files_under(osp.join(REPO, name))


def test_config_outside_the_repository_inherits_ours(installed, tmp_path):
    user = tmp_path / 'my_project'
    user.mkdir()
    (user / 'my_config.py').write_text(USER_CONFIG)
    configs = installed / 'mmseg_cwbass' / '.mim' / 'configs'
    env = dict(os.environ, PYTHONPATH=str(installed),
               MMSEG_CWBASS_CONFIGS=str(configs))
    proc = subprocess.run([sys.executable, '-c', CHECK], cwd=str(user),
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    facts = json.loads(proc.stdout.strip().splitlines()[-1])
    # The installed copy, not the checkout.
    assert facts['package'] == str(installed / 'mmseg_cwbass')
    assert facts['model'] == 'CWBASSSegmentor' and facts['depth'] == 101
    assert facts['hooks'] == [
        'MeanTeacherHook', 'RandomStateHook', 'DynamicThresholdHook',
        'ConfidenceDecayHook', 'PseudoLabelVisualizationHook'
    ]
    assert facts['train_cfg'] == dict(
        type='SemiIterBasedTrainLoop', max_iters=100, val_interval=4632)
    assert facts['labeled'] == 'data/splits/pascal_voc/1-8/labeled.txt'

    # Without the variable the config names what is missing.
    env.pop('MMSEG_CWBASS_CONFIGS')
    proc = subprocess.run([sys.executable, '-c', CHECK], cwd=str(user),
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert 'MMSEG_CWBASS_CONFIGS' in proc.stderr


@pytest.mark.parametrize('tool,option', [('train.py', '--resume'),
                                         ('make_splits.py', '--fraction')])
def test_installed_tools_run(installed, tmp_path, tool, option):
    """Tools of the installed copy, run like mmseg's ``.mim/tools``."""
    path = installed / 'mmseg_cwbass' / '.mim' / 'tools' / tool
    proc = subprocess.run(
        [sys.executable, str(path), '--help'], cwd=str(tmp_path),
        env=dict(os.environ, PYTHONPATH=str(installed)),
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert option in proc.stdout
