"""Fault injection (issue 19): a run killed several times and resumed with
``tools/train.py --resume`` ends bit-identical to the uninterrupted run.

A tiny CW-BASS model trains 16 iterations on CPU (checkpoint every 4, one
kept, validation at 8 and 16). The interrupted runs are killed at
iterations a fixed seed picks: SIGKILL while ``iter_<c>.pth`` is being
written (the writer's test-only switch, deterministic), SIGTERM (the
preemption hook saves the finished iteration and exits with 75; a second
SIGTERM arrives during that save), SIGKILL in the middle of an iteration.
The signals come from a test-only hook at the start of the chosen
iteration, so each lands at a known point. Also with ``--micro-batches 2``
and with 2 persistent dataloader workers (signals to the whole process
group, workers included, as a scheduler sends them).
"""
import glob
import os
import os.path as osp
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys

import pytest
import torch

from mmseg_cwbass.engine.checkpoint import TEST_KILL_ENV

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')
TRAIN = osp.join(REPO, 'tools', 'train.py')
ITERS = 16
INTERVAL = 4
PREEMPTED = 75
KILLED = -9

FAULT_HOOK = '''
import os
import signal

from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class FaultHook(Hook):
    """FAULT=<action>@<iteration>: a signal at the start of that iteration
    (runner.iter, 0-based). sigkill/sigterm go to this process,
    group-sigkill/group-sigterm to its process group (main process and
    dataloader workers); sigterm-twice sends SIGTERM again while the
    preemption checkpoint is being written. FAULT_RANK: only that rank."""
    priority = 'HIGHEST'

    def __init__(self):
        action, _, at = os.environ.get('FAULT', '').partition('@')
        self.action, self.at = action, int(at) if at else -1
        self.again_in_save = False

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter != self.at or os.environ.get(
                'FAULT_RANK', os.environ.get('RANK', '0')) != os.environ.get(
                    'RANK', '0'):
            return
        sig = signal.SIGKILL if self.action.endswith('sigkill') else \\
            signal.SIGTERM
        if self.action.startswith('group-'):
            os.killpg(os.getpgrp(), sig)
        else:
            os.kill(os.getpid(), sig)
        self.again_in_save = self.action == 'sigterm-twice'

    def before_save_checkpoint(self, runner, checkpoint):
        if self.again_in_save:
            self.again_in_save = False
            os.kill(os.getpid(), signal.SIGTERM)
'''

CONFIG_TEXT = '''
_base_ = [{config!r}]
custom_imports = dict(imports=['mmseg_cwbass', 'fault_hook'],
                      allow_failed_imports=False)
custom_hooks = [
    dict(type='MeanTeacherHook', momentum=0.1, buffer_policy='copy'),
    dict(type='RandomStateHook'),
    dict(type='DynamicThresholdHook', momentum=0.5, min_pixels=10),
    dict(type='ConfidenceDecayHook', mode='none'),
    dict(type='FaultHook'),
]
model = dict(threshold=dict(statistic='class_ema'),
             semi_train_cfg=dict(rampup_iters=4))
train_cfg = dict(max_iters={iters}, val_interval=8)
default_hooks = dict(
    checkpoint=dict(interval={interval}, max_keep_ckpts=1),
    logger=dict(interval=1))
train_dataloader = dict(
    batch_size=4, sampler=dict(batch_size=4, source_ratio=[2, 2]))
randomness = dict(seed=0, deterministic=True)
'''

VARIANTS = {
    'plain': [],
    'micro_batches=2': ['--micro-batches', '2'],
    'workers=2': [
        '--cfg-options', 'train_dataloader.num_workers=2',
        'train_dataloader.persistent_workers=True'
    ],
}


@pytest.fixture(scope='module')
def setup(copy_workspace, tmp_path_factory):
    """Workspace, config, environment and a cache of uninterrupted runs."""
    root = tmp_path_factory.mktemp('faults')
    # 4 labeled images: --micro-batches 2 loads 4 + 4 per step.
    workspace = copy_workspace(root / 'ws', num_labeled=4)
    (root / 'fault_hook.py').write_text(FAULT_HOOK)
    config = root / 'fault_config.py'
    config.write_text(
        CONFIG_TEXT.format(config=CONFIG, iters=ITERS, interval=INTERVAL))
    env = dict(
        os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1',
        PYTHONPATH=f'{root}{os.pathsep}{os.environ.get("PYTHONPATH", "")}',
        MMSEG_CWBASS_TRUST_STORE=str(root / 'trust.txt'))
    for key in ('FAULT', 'FAULT_RANK', TEST_KILL_ENV):
        env.pop(key, None)
    return dict(root=root, config=str(config), env=env,
                cwd=str(workspace), straight={})


def train(setup, work, extra, expect, fault=None, kill_writing=None,
          preexec_fn=None):
    env = dict(setup['env'])
    if fault:
        env['FAULT'] = fault
    if kill_writing:
        env[TEST_KILL_ENV] = kill_writing
    proc = subprocess.run(
        [sys.executable, TRAIN, setup['config'], '--work-dir', work,
         '--resume'] + extra,
        cwd=setup['cwd'], env=env, capture_output=True, text=True,
        timeout=600, start_new_session=True, preexec_fn=preexec_fn)
    out = proc.stdout + proc.stderr
    assert proc.returncode == expect, out[-5000:]
    return out


def pointer(work):
    with open(osp.join(work, 'last_checkpoint')) as f:
        return osp.basename(f.read().strip())


def kept(work):
    return sorted(osp.basename(p) for p in glob.glob(f'{work}/iter_*.pth'))


def unfinished(work):
    return sorted(osp.basename(p) for p in glob.glob(f'{work}/.*.tmp'))


def final_state(work):
    from mmseg_cwbass.engine.checkpoint import load_checkpoint_file
    return load_checkpoint_file(
        osp.join(work, f'iter_{ITERS}.pth'), trust=True)


def straight_run(setup, variant):
    """The uninterrupted run (once per kind of run; the workers variant
    shares the plain one: the data of a step do not depend on the workers).
    """
    kind = 'micro_batches=2' if variant == 'micro_batches=2' else 'plain'
    if kind not in setup['straight']:
        work = str(setup['root'] / f'straight-{kind}')
        train(setup, work, VARIANTS[kind], 0)
        setup['straight'][kind] = final_state(work)
    return setup['straight'][kind]


def fault_plan(variant):
    """Iterations picked by a fixed seed (c: checkpoint killed while being
    written; t: SIGTERM; k: SIGKILL mid-iteration)."""
    rng = random.Random(f'issue-19-{variant}')
    c = rng.choice(range(2 * INTERVAL, ITERS, INTERVAL))
    t = rng.randrange(c - INTERVAL, ITERS - 3)
    k = rng.randrange(t + 2, ITERS)
    return c, t, k


def assert_same(a, b):
    assert a['state_dict'].keys() == b['state_dict'].keys()
    keys = a['state_dict'].keys()
    assert any(k.startswith('teacher.') for k in keys)
    assert any(k.startswith('student.') for k in keys)
    assert 'threshold.class_stat' in keys  # the threshold EMA
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    state_a, state_b = a['optimizer']['state'], b['optimizer']['state']
    assert state_a.keys() == state_b.keys() and len(state_a) > 0
    for index in state_a:
        for key, value in state_a[index].items():
            assert torch.equal(value, state_b[index][key]), (index, key)
    assert a['param_schedulers'] == b['param_schedulers']
    assert a['meta']['iter'] == b['meta']['iter'] == ITERS


@pytest.mark.slow
@pytest.mark.parametrize('variant', list(VARIANTS))
def test_killed_and_resumed_run_equals_the_uninterrupted_one(setup, variant):
    extra = VARIANTS[variant]
    c, t, k = fault_plan(variant)
    work = str(setup['root'] / f'faulty-{variant}')

    if variant != 'workers=2':
        # SIGKILL half-way through writing iter_<c>.pth: the previous
        # checkpoint and the pointer are intact, the half file is hidden.
        train(setup, work, extra, KILLED, kill_writing=f'iter_{c}.pth')
        assert pointer(work) == f'iter_{c - INTERVAL}.pth'
        assert kept(work) == [f'iter_{c - INTERVAL}.pth']
        assert unfinished(work)[0].startswith(f'.iter_{c}.pth.')
        resumed_from = c - INTERVAL
    else:
        resumed_from = 0

    # SIGTERM at the start of iteration t: that iteration finishes, its
    # checkpoint is written, exit 75.
    action = {'plain': 'sigterm-twice', 'workers=2': 'group-sigterm'}.get(
        variant, 'sigterm')
    out = train(setup, work, extra, PREEMPTED, fault=f'{action}@{t}')
    if resumed_from:
        assert f'resuming from {work}/iter_{resumed_from}.pth' in out
        assert 'the unfinished write of a process that was killed' in out
    assert f'preemption checkpoint of iteration {t + 1} is complete' in out
    assert pointer(work) == f'iter_{t + 1}.pth'
    assert kept(work) == [f'iter_{t + 1}.pth']
    assert unfinished(work) == []

    if variant != 'micro_batches=2':
        # SIGKILL at the start of iteration k: everything after the last
        # checkpoint is redone.
        signal_to = 'group-sigkill' if variant == 'workers=2' else 'sigkill'
        train(setup, work, extra, KILLED, fault=f'{signal_to}@{k}')
        last = max(t + 1, k // INTERVAL * INTERVAL)
        assert pointer(work) == f'iter_{last}.pth'
        assert kept(work) == [f'iter_{last}.pth']

    out = train(setup, work, extra, 0)
    assert 'Resuming the data stream at batch' in out
    assert_same(final_state(work), straight_run(setup, variant))


def limit_file_size():
    """As a full disk or quota does: write() fails (EFBIG), the process
    lives on (SIGXFSZ ignored)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))


@pytest.mark.slow
def test_full_disk_stops_training_and_keeps_checkpoint_and_pointer(setup):
    straight_run(setup, 'plain')
    work = str(setup['root'] / 'full-disk')
    shutil.copytree(setup['root'] / 'straight-plain', work)
    with open(osp.join(work, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work, f'iter_{ITERS}.pth'))
    checkpoint = osp.join(work, f'iter_{ITERS}.pth')
    before = open(checkpoint, 'rb').read()
    assert len(before) > 256 * 1024
    out = train(setup, work,
                ['--cfg-options', f'train_cfg.max_iters={ITERS + 4}'], 1,
                preexec_fn=limit_file_size)
    message = out[out.index(f'error: cannot write iter_{ITERS + 4}.pth'):]
    assert f'in {work}: File too large' in message
    needed = int(re.search(r'it needs ([\d,]+) bytes', message).group(1)
                 .replace(',', ''))
    assert abs(needed - len(before)) < len(before) // 10  # a checkpoint
    assert open(checkpoint, 'rb').read() == before
    assert pointer(work) == f'iter_{ITERS}.pth'
    assert kept(work) == [f'iter_{ITERS}.pth'] and unfinished(work) == []


@pytest.mark.slow
def test_signal_to_one_rank_stops_both_after_the_same_iteration(setup):
    """Two gloo processes as a cluster launcher starts them; only rank 1 is
    signalled. Both stop after the same iteration, rank 0 writes its
    checkpoint and both exit 75."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    work = str(setup['root'] / 'two-ranks')
    procs = []
    for rank in range(2):
        env = dict(setup['env'], RANK=str(rank), LOCAL_RANK=str(rank),
                   WORLD_SIZE='2', MASTER_ADDR='127.0.0.1',
                   MASTER_PORT=str(port), FAULT='sigterm@5', FAULT_RANK='1')
        procs.append(subprocess.Popen(
            [sys.executable, TRAIN, setup['config'], '--work-dir', work,
             '--launcher', 'pytorch', '--resume', '--cfg-options',
             'env_cfg.dist_cfg.timeout=120'],
            cwd=setup['cwd'], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True))
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [PREEMPTED] * 2, \
        outs[0][-3000:] + outs[1][-3000:]
    assert 'preemption signal (on another rank): saving a checkpoint of ' \
        'iteration 6' in outs[0]
    assert pointer(work) == 'iter_6.pth'
    assert kept(work) == ['iter_6.pth']
    from mmseg_cwbass.engine.checkpoint import checkpoint_problem
    assert checkpoint_problem(osp.join(work, 'iter_6.pth')) is None


FAKE_SRUN = '''#!/usr/bin/env bash
# srun on one node: the command as $SRUN_TASKS local tasks; the highest
# exit status, as srun reports it.
echo "srun $*" >> "$FAKE_SLURM_LOG"
while [[ $1 == --* ]]; do shift; done
n=${SRUN_TASKS:-1}
pids=()
for ((i = 0; i < n; i++)); do
    SLURM_PROCID=$i SLURM_LOCALID=$i SLURM_NTASKS=$n SLURM_NODELIST=node1 \\
        "$@" &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
    wait "$pid"; s=$?
    if [ "$s" -gt "$status" ]; then status=$s; fi
done
exit $status
'''
FAKE_SCONTROL = '''#!/usr/bin/env bash
echo "scontrol $*" >> "$FAKE_SLURM_LOG"
if [ "$1 $2" = "show hostnames" ]; then echo 127.0.0.1; fi
'''


@pytest.mark.slow
def test_slurm_script_requeues_on_preemption_and_resumes(setup):
    """tools/slurm_train.sh with stand-ins for srun and scontrol: the
    preempted job (exit 75) is requeued, its next start resumes."""
    script = osp.join(REPO, 'tools', 'slurm_train.sh')
    with open(script) as f:
        text = f.read()
    assert '#SBATCH --signal=USR1@90' in text and '#SBATCH --requeue' in text
    fake = setup['root'] / 'fake_slurm'
    fake.mkdir()
    for name, body in (('srun', FAKE_SRUN), ('scontrol', FAKE_SCONTROL)):
        (fake / name).write_text(body)
        (fake / name).chmod(0o755)
    log = setup['root'] / 'fake_slurm.log'
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    # sbatch passes the submitting shell's environment: an activated venv.
    path = os.pathsep.join(
        [str(fake), osp.dirname(sys.executable), os.environ['PATH']])
    env = dict(setup['env'], PATH=path,
               FAKE_SLURM_LOG=str(log), SLURM_JOB_ID='4242',
               MMSEG_CWBASS_ROOT=REPO, MASTER_PORT=str(port),
               FAULT='sigterm@1')
    work = str(setup['root'] / 'slurm-work')
    command = ['bash', script, setup['config'], work, '--cfg-options',
               'train_cfg.max_iters=4']
    first = subprocess.run(command, cwd=setup['cwd'], env=env,
                           capture_output=True, text=True, timeout=600)
    assert first.returncode == PREEMPTED, first.stderr[-3000:]
    assert 'requeueing job 4242' in first.stdout
    assert 'scontrol requeue 4242' in log.read_text()
    assert '--launcher slurm --resume' in log.read_text()
    assert pointer(work) == 'iter_2.pth'

    env.pop('FAULT')  # the requeued job is not preempted
    second = subprocess.run(command, cwd=setup['cwd'], env=env,
                            capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-3000:]
    assert f'resuming from {work}/iter_2.pth' in second.stdout + \
        second.stderr
    assert pointer(work) == 'iter_4.pth'
    assert log.read_text().count('scontrol requeue') == 1

    usage = subprocess.run(['bash', script], capture_output=True, text=True)
    assert usage.returncode == 2 and 'usage' in usage.stderr
