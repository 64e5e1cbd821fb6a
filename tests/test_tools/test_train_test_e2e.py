"""End to end: train a tiny VOC-layout dataset through ``tools/train.py``,
evaluate through ``tools/test.py``, and run the same config through mmseg's
stock entry points."""
import os
import os.path as osp

import mmseg
import pytest

from mmseg_cwbass.utils.work_dirs import read_scalars


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')
STOCK_TOOLS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools')
# The unsupervised loss weight ramps up over 2 iterations.
SHORT = ['model.semi_train_cfg.rampup_iters=2']


def run(run_cli, *args, cwd):
    proc = run_cli(*args, cwd=cwd, check=True)
    return proc.stdout + proc.stderr


def scalars(work_dir):
    """Every ``scalars.json`` record of a work dir; no line is broken."""
    records, bad = read_scalars(str(work_dir))
    assert bad == 0
    return records


@pytest.mark.slow
def test_train_and_test_with_our_tools(toy_voc_workspace, tmp_path, run_cli,
                                       tiny_run_options):
    cwd = toy_voc_workspace
    work = str(tmp_path / 'work')
    short = tiny_run_options(val_interval=2, checkpoint_interval=2) + SHORT
    out = run(run_cli, 'train', CONFIG, '--work-dir', work, '--cfg-options',
              'train_cfg.max_iters=4', 'param_scheduler.0.end=6', *short,
              cwd=cwd)
    assert osp.exists(osp.join(work, 'iter_4.pth'))
    # The log a user reads: the frozen teacher in one line, not one warning
    # per tensor; our metrics have their (empty) prefix.
    assert 'requires_grad=False' in out and 'is skipped since' not in out
    assert 'prefix is not set in metric class BoundaryIoUMetric' not in out
    records = scalars(work)
    train_logs = [r for r in records if 'unsup.loss_cw' in r]
    assert train_logs and all(
        key in train_logs[-1] for key in
        ('sup.decode.loss_ce', 'unsup.loss_boundary', 'unsup.tau',
         'unsup.kept_ratio', 'unsup.band_ratio', 'unsup.pseudo_acc'))
    val_logs = [r for r in records if 'teacher/mIoU' in r]
    assert val_logs and 'student/mIoU' in val_logs[-1]
    assert any(f.startswith('best_teacher_mIoU') for f in os.listdir(work))

    # Resuming through tools/train.py: test_distributed_and_resume.py::
    # test_resume_is_bit_identical (bit-identical to an uninterrupted run).
    preds = str(tmp_path / 'preds')
    out = run(run_cli, 'test', CONFIG, osp.join(work, 'iter_4.pth'),
              '--work-dir', tmp_path / 'test', '--out', preds,
              '--predict-on', 'student', cwd=cwd)
    assert 'mIoU' in out
    assert len([f for f in os.listdir(preds) if f.endswith('.png')]) == 3


@pytest.mark.slow
def test_same_config_with_mmseg_stock_tools(toy_voc_workspace, tmp_path,
                                            run_cli, tiny_run_options):
    cwd = toy_voc_workspace
    work = str(tmp_path / 'stock')
    run(run_cli, osp.join(STOCK_TOOLS, 'train.py'), CONFIG, '--work-dir',
        work, '--cfg-options', 'param_scheduler.0.end=2',
        *tiny_run_options(iters=2, val_interval=2, checkpoint_interval=2),
        *SHORT, cwd=cwd)
    checkpoint = osp.join(work, 'iter_2.pth')
    assert osp.exists(checkpoint)
    out = run(run_cli, osp.join(STOCK_TOOLS, 'test.py'), CONFIG, checkpoint,
              '--work-dir', tmp_path / 'stock_test', cwd=cwd)
    assert 'mIoU' in out
