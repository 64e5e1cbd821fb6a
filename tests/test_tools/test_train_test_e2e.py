"""End to end: generate a tiny VOC-layout dataset, train through
``tools/train.py``, resume, evaluate through ``tools/test.py``, and run the
same config through mmseg's stock entry points."""
import json
import os
import os.path as osp
import subprocess
import sys

import mmseg
import pytest


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')
STOCK_TOOLS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools')
SHORT = [
    'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
    'default_hooks.logger.interval=1', 'model.semi_train_cfg.rampup_iters=2',
    'train_dataloader.sampler.batch_size=4',
    'train_dataloader.sampler.source_ratio=[2,2]',
    'train_dataloader.batch_size=4'
]


def run(args, cwd, trust_store):
    env = dict(os.environ, MMSEG_CWBASS_TRUST_STORE=trust_store,
               PYTHONUNBUFFERED='1')
    env.pop('MMSEG_CWBASS_TRUST_CHECKPOINTS', None)
    proc = subprocess.run([sys.executable] + args, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def scalars(work_dir):
    runs = sorted(d for d in os.listdir(work_dir)
                  if osp.isdir(osp.join(work_dir, d)))
    records = []
    for run_dir in runs:
        path = osp.join(work_dir, run_dir, 'vis_data', 'scalars.json')
        if osp.exists(path):
            with open(path) as f:
                records += [json.loads(line) for line in f]
    return records


@pytest.mark.slow
def test_train_resume_test_with_our_tools(toy_voc_workspace, tmp_path):
    cwd = str(toy_voc_workspace)
    store = str(tmp_path / 'trusted.txt')
    work = str(tmp_path / 'work')
    run([osp.join(REPO, 'tools', 'train.py'), CONFIG, '--work-dir', work,
         '--cfg-options', 'train_cfg.max_iters=4',
         'param_scheduler.0.end=6'] + SHORT, cwd, store)
    assert osp.exists(osp.join(work, 'iter_4.pth'))
    records = scalars(work)
    train_logs = [r for r in records if 'unsup.loss_cw' in r]
    assert train_logs and all(
        key in train_logs[-1] for key in
        ('sup.decode.loss_ce', 'unsup.loss_boundary', 'unsup.tau',
         'unsup.kept_ratio', 'unsup.band_ratio', 'unsup.pseudo_acc'))
    val_logs = [r for r in records if 'teacher/mIoU' in r]
    assert val_logs and 'student/mIoU' in val_logs[-1]
    assert any(f.startswith('best_teacher_mIoU') for f in os.listdir(work))

    out = run([osp.join(REPO, 'tools', 'train.py'), CONFIG, '--work-dir',
               work, '--resume', '--cfg-options', 'train_cfg.max_iters=6',
               'param_scheduler.0.end=6'] + SHORT, cwd, store)
    assert 'resumed' in out.lower() or 'Advance dataloader 4' in out
    assert osp.exists(osp.join(work, 'iter_6.pth'))

    preds = str(tmp_path / 'preds')
    out = run([osp.join(REPO, 'tools', 'test.py'), CONFIG,
               osp.join(work, 'iter_6.pth'), '--work-dir',
               str(tmp_path / 'test'), '--out', preds,
               '--predict-on', 'student'], cwd, store)
    assert 'mIoU' in out
    assert len([f for f in os.listdir(preds) if f.endswith('.png')]) == 3


@pytest.mark.slow
def test_same_config_with_mmseg_stock_tools(toy_voc_workspace, tmp_path):
    cwd = str(toy_voc_workspace)
    store = str(tmp_path / 'trusted.txt')
    work = str(tmp_path / 'stock')
    run([osp.join(STOCK_TOOLS, 'train.py'), CONFIG, '--work-dir', work,
         '--cfg-options', 'train_cfg.max_iters=2',
         'param_scheduler.0.end=2'] + SHORT, cwd, store)
    checkpoint = osp.join(work, 'iter_2.pth')
    assert osp.exists(checkpoint)
    out = run([osp.join(STOCK_TOOLS, 'test.py'), CONFIG, checkpoint,
               '--work-dir', str(tmp_path / 'stock_test')], cwd, store)
    assert 'mIoU' in out
