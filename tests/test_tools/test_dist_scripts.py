"""tools/dist_train.sh and tools/dist_test.sh: the interpreter they start
is the one tools/train.py would use, and a shell without the project's
environment gets the activation line instead of a bare ImportError."""
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')


def run_script(name, args, python, cwd):
    env = dict(os.environ, PYTHON=python, PORT='29617')
    return subprocess.run(['bash', osp.join(REPO, 'tools', name)] + args,
                          cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize('name,args', [
    ('dist_train.sh', [CONFIG, '1']),
    ('dist_test.sh', [CONFIG, 'iter_1.pth', '1']),
])
def test_without_the_environment_names_the_activation_line(
        name, args, tmp_path):
    # The base interpreter of the venv has neither torch nor mmseg.
    base = getattr(sys, '_base_executable', None)
    probe = subprocess.run([base, '-c', 'import torch'], capture_output=True)
    if probe.returncode == 0:
        pytest.skip(f'{base} imports torch: no interpreter without it')
    proc = run_script(name, args, base, tmp_path)
    assert proc.returncode == 1
    assert f'{name}: ' in proc.stderr
    assert 'cannot import torch and mmseg' in proc.stderr
    assert 'source .venv/bin/activate' in proc.stderr
    assert 'Traceback' not in proc.stderr


@pytest.mark.slow
def test_with_the_environment_reaches_train_py(tmp_path):
    # One process through torch.distributed.run: train.py itself runs
    # (and stops at once here on the data root this folder lacks).
    proc = run_script('dist_train.sh', [CONFIG, '1'], sys.executable,
                      tmp_path)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert 'data/toy/VOCdevkit/VOC2012' in out and 'does not exist' in out
    assert 'cannot import torch' not in out
