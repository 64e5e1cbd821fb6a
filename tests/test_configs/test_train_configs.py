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
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from mmseg_cwbass.testing.toy_data import (generate_toy_cityscapes,
                                            generate_toy_voc)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN = osp.join(REPO, 'tools', 'train.py')
SUMMARIZE = osp.join(REPO, 'tools', 'analysis_tools', 'summarize.py')

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
    make_splits, S = load_tool('make_splits'), load_tool('split_lists')
    for dataset, data_root in (('pascal_voc', voc),
                               ('cityscapes', cityscapes)):
        split = make_splits.make_split(dataset, data_root, '1-8', seed=0)
        # 1/8 of 16 train(_aug) images: 2 labeled, 14 unlabeled.
        assert len(split.labeled) == 2
        S.write_split(split, str(data / 'splits'))
    return root


@pytest.fixture(scope='module')
def trained(workspace, tmp_path_factory, shrink_options):
    """Train a config once per module (other tests reuse the work dir)."""
    store = str(tmp_path_factory.mktemp('trust') / 'trusted.txt')
    work_root = tmp_path_factory.mktemp('work_dirs')
    done = {}

    def train(run):
        if run in done:
            return done[run]
        config = osp.join(REPO, 'configs', run + '.py')
        work_dir = str(work_root / osp.basename(run))
        env = dict(
            os.environ, MMSEG_CWBASS_TRUST_STORE=store, PYTHONUNBUFFERED='1')
        env.pop('MMSEG_CWBASS_TRUST_CHECKPOINTS', None)
        cmd = [
            sys.executable, TRAIN, config, '--work-dir', work_dir,
            '--cfg-options'
        ] + shrink_options(Config.fromfile(config))
        proc = subprocess.run(
            cmd, cwd=str(workspace), env=env, capture_output=True, text=True,
            timeout=600)
        assert proc.returncode == 0, (proc.stdout[-3000:] +
                                      proc.stderr[-3000:])
        done[run] = work_dir
        return work_dir

    return train


def scalars(work_dir):
    records = []
    for session in sorted(os.listdir(work_dir)):
        path = osp.join(work_dir, session, 'vis_data', 'scalars.json')
        if osp.isfile(path):
            with open(path) as f:
                records += [json.loads(line) for line in f]
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
def test_summarize_pairs_the_row(trained, workspace, tmp_path):
    cwbass = trained('cwbass/deeplabv3plus_r101_voc_1-8')
    supervised = trained('baselines/supervised_deeplabv3plus_r101_voc_1-8')
    out = tmp_path / 'table.md'
    proc = subprocess.run(
        [sys.executable, SUMMARIZE, cwbass, supervised, '--out',
         str(out)],
        cwd=str(workspace), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
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
