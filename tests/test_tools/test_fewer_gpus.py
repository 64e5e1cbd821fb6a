"""tools/train.py --micro-batches (exact mode) and --auto-scale-lr."""
import os
import os.path as osp

import pytest
from mmengine.config import Config

from mmseg_cwbass.utils.work_dirs import read_scalars

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')
SUPERVISED = osp.join(REPO, 'configs', 'demo',
                      'supervised_r18-tiny_toy-voc_1-8.py')


def train_logs(work_dir):
    records, bad = read_scalars(str(work_dir))
    assert bad == 0
    return [r for r in records if 'iter' in r]


@pytest.mark.slow
def test_micro_batches_and_scaled_lr_through_the_cli(copy_workspace,
                                                     tmp_path, run_cli,
                                                     tiny_run_options):
    short = tiny_run_options(iters=2)
    # 4 labeled images, so that a step of two micro-batches of 2 + 2 fits
    workspace = copy_workspace(tmp_path / 'ws', num_labeled=4)
    work = tmp_path / 'micro'
    proc = run_cli('train', CONFIG, '--micro-batches', '2', '--work-dir',
                   work, '--cfg-options', *short, cwd=workspace)
    assert proc.returncode == 0, proc.stderr[-3000:]
    logs = train_logs(str(work))
    # 2 optimizer steps of 4 + 4 images, each in two micro-batches of 2 + 2
    assert [r['iter'] for r in logs] == [1, 2]
    config = [f for f in os.listdir(work) if f.endswith('.py')][0]
    dumped = Config.fromfile(str(work / config))
    assert dumped.model.semi_train_cfg.micro_batches == 2
    assert dumped.train_dataloader.sampler.source_ratio == [4, 4]
    assert dumped.train_dataloader.batch_size == 8

    # scaled mode: 4 images per iteration against a base of 8 -> lr / 2
    scaled = tmp_path / 'scaled'
    proc = run_cli('train', CONFIG, '--auto-scale-lr', '--work-dir', scaled,
                   '--cfg-options', 'auto_scale_lr.base_batch_size=8', *short,
                   cwd=workspace)
    assert proc.returncode == 0, proc.stderr[-3000:]
    first = train_logs(str(scaled))[0]
    assert first['lr'] == pytest.approx(0.01 * 0.5, rel=1e-6)

    proc = run_cli('train', CONFIG, '--auto-scale-lr', cwd=workspace)
    assert proc.returncode == 2 and 'auto_scale_lr=dict(base_batch_size' \
        in proc.stderr
    proc = run_cli('train', SUPERVISED, '--micro-batches', '2',
                   cwd=workspace)
    assert proc.returncode == 2
    assert 'raise train_dataloader.batch_size' in proc.stderr
