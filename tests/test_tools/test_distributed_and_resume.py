"""Two-process training with gloo through the real launcher, and exact
resumption (bit-identical on CPU)."""
import json
import os
import os.path as osp
import socket

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')

PROBE = '''
import json
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS


@HOOKS.register_module()
class RankProbeHook(Hook):
    """Records the images of every iteration and the final model per rank."""
    priority = 'LOWEST'

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.seen = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        paths = []
        for samples in data_batch['data_samples'].values():
            paths += [s.metainfo['img_path'] for s in samples if s is not None]
        self.seen.append(paths)

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) \\
            else runner.model
        rank = get_rank()
        torch.save({k: v.detach().clone()
                    for k, v in model.state_dict().items()},
                   f'{self.out_dir}/rank{rank}.pth')
        with open(f'{self.out_dir}/seen{rank}.json', 'w') as f:
            json.dump(self.seen, f)
'''


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(run_cli, *args, cwd, env=None):
    """Two processes on 2 cores: one thread each."""
    proc = run_cli(*args, cwd=cwd, env=dict(env or {}, OMP_NUM_THREADS='1'),
                   check=True)
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_two_gloo_processes_agree_and_shard_the_data(toy_voc_workspace,
                                                     tmp_path, run_cli,
                                                     tiny_run_options):
    cwd = str(toy_voc_workspace)
    split = toy_voc_workspace / 'data' / 'splits' / 'toy_voc'
    ids = (split / '1-8' / 'labeled.txt').read_text().split() + \
        (split / '1-8' / 'unlabeled.txt').read_text().split()
    (split / 'dist').mkdir(exist_ok=True)
    (split / 'dist' / 'labeled.txt').write_text('\n'.join(ids[:4]) + '\n')
    (split / 'dist' / 'unlabeled.txt').write_text('\n'.join(ids[4:]) + '\n')
    (tmp_path / 'rank_probe.py').write_text(PROBE)
    config = tmp_path / 'dist_config.py'
    config.write_text(f'''
_base_ = [{CONFIG!r}]
custom_imports = dict(imports=['mmseg_cwbass', 'rank_probe'])
custom_hooks = [
    dict(type='MeanTeacherHook', momentum=0.1),
    dict(type='RandomStateHook'),
    dict(type='DynamicThresholdHook', momentum=0.5),
    dict(type='RankProbeHook', out_dir={str(tmp_path)!r}),
]
model = dict(threshold=dict(statistic='class_ema'))
train_dataloader = dict(dataset=dict(
    labeled=dict(ann_file='data/splits/toy_voc/dist/labeled.txt'),
    unlabeled=dict(ann_file='data/splits/toy_voc/dist/unlabeled.txt')))
train_cfg = dict(max_iters=3, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000, save_best=None))
''')
    run(run_cli, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={free_port()}', osp.join(REPO, 'tools', 'train.py'),
        config, '--launcher', 'pytorch', '--work-dir', tmp_path / 'work',
        '--cfg-options', *tiny_run_options(iters=3), cwd=cwd,
        env=dict(PYTHONPATH=f'{tmp_path}:{os.environ.get("PYTHONPATH", "")}'))
    states = [torch.load(tmp_path / f'rank{r}.pth') for r in range(2)]
    params = {k for k in states[0]
              if not k.startswith('student.') or
              ('running_' not in k and 'num_batches' not in k)}
    for key in params:
        assert torch.equal(states[0][key], states[1][key]), key
    assert any(k.startswith('threshold.class_stat') for k in params)
    assert not torch.equal(states[0]['threshold.class_stat'],
                           torch.full((6, ), 0.5))
    seen = [json.loads((tmp_path / f'seen{r}.json').read_text())
            for r in range(2)]
    assert len(seen[0]) == len(seen[1]) == 3
    for step0, step1 in zip(*seen):
        assert len(step0) == len(step1) == 4
        assert not set(step0) & set(step1)


def load_state(path):
    from mmseg_cwbass.engine.checkpoint import load_checkpoint_file
    return load_checkpoint_file(path, trust=True)


@pytest.mark.slow
def test_resume_is_bit_identical(toy_voc_workspace, tmp_path, run_cli,
                                 tiny_run_options):
    """A finished run extended by a resume equals the longer run.

    With dataloader workers: test_fault_injection.py::
    test_killed_and_resumed_run_equals_the_uninterrupted_one[workers=2]
    (2 persistent workers, resumed after SIGTERM and SIGKILL).
    """
    cwd = str(toy_voc_workspace)
    common = tiny_run_options(checkpoint_interval=2) + [
        'param_scheduler.0.end=4', 'randomness.deterministic=True',
        'model.semi_train_cfg.rampup_iters=2',
        'model.threshold.statistic=class_ema',
        # custom_hooks of the demo config: [MeanTeacherHook,
        # RandomStateHook, DynamicThresholdHook, ConfidenceDecayHook]
        'custom_hooks.2.momentum=0.5',
        'train_dataloader.num_workers=0',
    ]
    straight = str(tmp_path / 'straight')
    run(run_cli, 'train', CONFIG, '--work-dir', straight, '--cfg-options',
        'train_cfg.max_iters=4', *common, cwd=cwd)
    resumed = str(tmp_path / 'resumed')
    run(run_cli, 'train', CONFIG, '--work-dir', resumed, '--cfg-options',
        'train_cfg.max_iters=2', *common, cwd=cwd)
    out = run(run_cli, 'train', CONFIG, '--work-dir', resumed, '--resume',
              '--cfg-options', 'train_cfg.max_iters=4', *common, cwd=cwd)
    assert 'Resuming the data stream at batch 2' in out
    a = load_state(osp.join(straight, 'iter_4.pth'))
    b = load_state(osp.join(resumed, 'iter_4.pth'))
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    for group_a, group_b in zip(a['optimizer']['state'].values(),
                                b['optimizer']['state'].values()):
        for key in group_a:
            assert torch.equal(group_a[key], group_b[key])
    assert a['param_schedulers'] == b['param_schedulers']
