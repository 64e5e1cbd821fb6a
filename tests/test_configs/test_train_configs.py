# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""A few training iterations of representative benchmark configs through
``tools/train.py`` on generated data in the real VOC and Cityscapes layouts.

The data chain is the documented one: toy VOC (with SBD-style aug ids) ->
``tools/dataset_converters/prepare_voc_aug.py`` -> seeded splits written by
the split functions of ``tools/make_splits.py``; toy Cityscapes -> seeded
split. The configs are used unchanged except for ``--cfg-options`` that shrink the
backbone, the crop and the batch, and end after 2 iterations with one
evaluation on 2 val images. ``tools/analysis_tools/summarize.py`` then reads
the real work dirs and pairs the CW-BASS run with its supervised baseline.
"""
import os
import os.path as osp

import pytest
from mmengine.config import Config

from mmseg_cwbass.datasets import split_lists
from mmseg_cwbass.testing.toy_data import (generate_toy_cityscapes,
                                            generate_toy_voc)
from mmseg_cwbass.utils.work_dirs import read_scalars

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# One CW-BASS VOC row with its supervised baseline, one CW-BASS Cityscapes
# config, and the two non-ResNet backbones (the SegFormer head takes the
# wrapper's boundary loss).
RUNS = [
    'cwbass/deeplabv3plus_r101_voc_1-8',
    'baselines/supervised_deeplabv3plus_r101_voc_1-8',
    'cwbass/deeplabv3plus_r50_cityscapes_1-8',
    'cwbass/segformer_mit-b0_voc_1-8',
    'cwbass/deeplabv3plus_mobilenetv2_voc_1-8',
]


@pytest.fixture(scope='module')
def workspace(tmp_path_factory, load_tool):
    """A working directory laid out as the configs expect (``data/...``)."""
    root = tmp_path_factory.mktemp('bench_ws')
    data = root / 'data'
    voc = generate_toy_voc(
        str(data), num_train=8, num_val=2, num_aug=8, image_size=(48, 64),
        seed=0)
    assert load_tool('dataset_converters/prepare_voc_aug').main([voc]) == 0
    cityscapes = generate_toy_cityscapes(
        str(data / 'cityscapes'), num_train=16, num_val=2,
        image_size=(64, 128), seed=0)
    make_splits, S = load_tool('make_splits'), split_lists
    for dataset, data_root in (('pascal_voc', voc),
                               ('cityscapes', cityscapes)):
        split = make_splits.make_split(dataset, data_root, '1-8', seed=0)
        # 1/8 of 16 train(_aug) images: 2 labeled, 14 unlabeled.
        assert len(split.labeled) == 2
        S.write_split(split, str(data / 'splits'))
    return root


@pytest.fixture(scope='module')
def trained(workspace, tmp_path_factory, run_cli, tiny_run_options):
    """Train a config once per module (other tests reuse the work dir)."""
    work_root = tmp_path_factory.mktemp('work_dirs')
    done = {}

    def train(run):
        if run not in done:
            config = osp.join(REPO, 'configs', run + '.py')
            work_dir = str(work_root / osp.basename(run))
            run_cli(
                'train', config, '--work-dir', work_dir, '--cfg-options',
                *tiny_run_options(Config.fromfile(config), iters=2,
                                  val_interval=2, checkpoint_interval=2),
                cwd=workspace, check=True)
            done[run] = work_dir
        return done[run]

    return train


def scalars(work_dir):
    """Every ``scalars.json`` record of a work dir; no line is broken."""
    records, bad = read_scalars(str(work_dir))
    assert bad == 0
    return records


@pytest.mark.slow
@pytest.mark.parametrize('run', RUNS)
def test_config_trains(trained, run):
    work_dir = trained(run)
    records = scalars(work_dir)
    train_logs = [r for r in records if 'iter' in r]
    assert [r['iter'] for r in train_logs] == [1, 2]
    val_logs = [r for r in records if 'iter' not in r]
    assert len(val_logs) == 1 and val_logs[0]['step'] == 2
    files = os.listdir(work_dir)
    assert 'iter_2.pth' in files
    if run.startswith('baselines/supervised'):
        assert 'mIoU' in val_logs[0]
        assert 'decode.loss_ce' in train_logs[-1]
        assert any(f.startswith('best_mIoU') for f in files)
    else:
        assert {'teacher/mIoU', 'student/mIoU'} <= set(val_logs[0])
        # The boundary term is trained for every CW-BASS head, including
        # the SegFormer head (through the wrapper's boundary_loss).
        assert {'unsup.loss_cw', 'unsup.loss_boundary', 'unsup.tau'} <= \
            set(train_logs[-1])
        assert any(f.startswith('best_teacher_mIoU') for f in files)


@pytest.mark.slow
def test_summarize_pairs_the_row(trained, workspace, tmp_path, run_cli):
    cwbass = trained('cwbass/deeplabv3plus_r101_voc_1-8')
    supervised = trained('baselines/supervised_deeplabv3plus_r101_voc_1-8')
    out = tmp_path / 'table.md'
    proc = run_cli('analysis_tools/summarize', cwbass, supervised, '--out',
                   out, cwd=workspace, check=True)
    rows = [
        line for line in proc.stdout.splitlines()
        if line.startswith('| deeplabv3plus') or line.startswith(
            '| supervised')
    ]
    assert len(rows) == 2
    # Baseline first, then the CW-BASS row naming it, with a gain.
    assert rows[0].startswith('| supervised_deeplabv3plus_r101_voc_1-8 |')
    cells = [c.strip() for c in rows[1].strip('|').split('|')]
    assert cells[0] == 'deeplabv3plus_r101_voc_1-8'
    assert cells[1] == 'CW-BASS'
    assert cells[2].startswith('data/splits/pascal_voc/1-8/labeled.txt '
                               '(seed 0, 2 labeled)')
    assert cells[4] == '64x64' and cells[5] == '2 / 2'
    assert '(supervised_deeplabv3plus_r101_voc_1-8)' in cells[8]
    assert cells[9].startswith(('+', '-'))
    assert out.read_text() == proc.stdout
