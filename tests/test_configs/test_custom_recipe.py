# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The README's recipe "Semi-supervised training on your own dataset", run
like a user on a generated folder dataset that is not in the VOC layout:
``images/{train,val}`` + ``annotations/{train,val}`` PNG masks, and an
``unlabeled/`` folder of images without masks.

1. lay out the data, copy and edit the dataset base, and write the split
   with ``tools/make_splits.py --config`` on it;
2. copy and edit the template;
3. train with ``tools/train.py`` (the model shrunk by ``--cfg-options``),
   evaluating teacher and student, then ``tools/test.py`` on the checkpoint.
"""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from mmseg_cwbass.utils.work_dirs import read_scalars

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLASSES = ('background', 'disc', 'bar')


def write_pair(image_path, mask_path, rng, size=(64, 80)):
    """A noisy image of a disc and a bar; the mask holds their classes."""
    h, w = size
    mask = np.zeros((h, w), np.uint8)
    cy, cx = rng.integers(16, h - 16), rng.integers(16, w - 16)
    cv2.circle(mask, (int(cx), int(cy)), int(rng.integers(6, 14)), 1, -1)
    x0 = int(rng.integers(0, w - 20))
    mask[int(rng.integers(0, h - 8)):, x0:x0 + 6] = 2
    colors = np.array([[40, 40, 40], [30, 200, 60], [200, 60, 30]],
                      np.uint8)
    image = colors[mask] + rng.integers(0, 40, (h, w, 3), dtype=np.uint8)
    os.makedirs(osp.dirname(image_path), exist_ok=True)
    cv2.imwrite(image_path, image)
    if mask_path is not None:
        os.makedirs(osp.dirname(mask_path), exist_ok=True)
        cv2.imwrite(mask_path, mask)


def make_dataset(root):
    """8 train and 2 val pairs, 6 unlabeled images without masks."""
    rng = np.random.default_rng(0)
    for subset, count in (('train', 8), ('val', 2)):
        for i in range(count):
            write_pair(f'{root}/images/{subset}/{subset}_{i:02d}.jpg',
                       f'{root}/annotations/{subset}/{subset}_{i:02d}.png',
                       rng)
    for i in range(6):
        write_pair(f'{root}/unlabeled/u_{i:02d}.jpg', None, rng)


def edit(text, old, new):
    """Replace one line the README tells the user to edit."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def read_ids(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


@pytest.mark.slow
def test_recipe_on_a_folder_dataset(tmp_path, run_cli, tiny_run_options):
    ws = tmp_path / 'ws'
    make_dataset(str(ws / 'data' / 'shapes'))
    # A clone's configs/: the copies sit beside the bases they inherit.
    configs = ws / 'configs'
    shutil.copytree(osp.join(REPO, 'configs'), configs)

    # Step 1: the dataset base, copied and edited, and the split from it
    # (half of the 8 train images labeled).
    dataset = (configs / '_base_' / 'datasets' / 'semi_custom.py').read_text()
    for old, new in (
        ("data_root = 'data/my_dataset'", "data_root = 'data/shapes'"),
        ("split_dir = 'data/splits/my_dataset/1-8'",
         "split_dir = 'data/splits/shapes/1-2'"),
        ("classes=('background', 'foreground'), palette=[[0, 0, 0], "
         "[255, 0, 0]])",
         f"classes={CLASSES!r}, palette=[[0, 0, 0], [0, 255, 0], "
         "[0, 0, 255]])"),
        ('crop_size = (512, 512)', 'crop_size = (64, 64)'),
        ('scale = (2048, 512)', 'scale = (96, 80)'),
    ):
        dataset = edit(dataset, old, new)
    dataset_base = configs / '_base_' / 'datasets' / 'semi_shapes.py'
    dataset_base.write_text(dataset)
    split = ws / 'data' / 'splits' / 'shapes' / '1-2'
    # The README's command, run from the workspace.
    run_cli('make_splits', '--config',
            'configs/_base_/datasets/semi_shapes.py', '--fraction', '1/2',
            '--name', '1-2', '--out', 'data/splits/shapes/1-2', cwd=ws,
            check=True)
    labeled = read_ids(split / 'labeled.txt')
    assert len(labeled) == 4
    assert sorted(labeled + read_ids(split / 'unlabeled.txt')) == [
        f'train_{i:02d}' for i in range(8)
    ]

    # Step 2: the template, copied and pointed at the dataset base.
    template = (configs / 'custom' /
                'cwbass_deeplabv3plus_r50_custom.py').read_text()
    template = edit(template, "'../_base_/datasets/semi_custom.py'",
                    "'../_base_/datasets/semi_shapes.py'")
    config = configs / 'custom' / 'cwbass_deeplabv3plus_r50_shapes.py'
    config.write_text(template)
    cfg = Config.fromfile(str(config))
    unlabeled = cfg.train_dataloader.dataset.unlabeled
    assert unlabeled.data_prefix == dict(img_path='data/shapes/unlabeled')
    assert not unlabeled.ann_file
    assert cfg.train_dataloader.dataset.labeled.ann_file == \
        'data/splits/shapes/1-2/labeled.txt'
    assert cfg.model.segmentor.decode_head.num_classes == 3
    assert cfg.model.type == 'CWBASSSegmentor'
    assert [h.type for h in cfg.custom_hooks] == [
        'MeanTeacherHook', 'RandomStateHook', 'DynamicThresholdHook',
        'ConfidenceDecayHook', 'PseudoLabelVisualizationHook'
    ]

    # Step 3: train (2 iterations, one evaluation), then test.
    work = ws / 'work_dirs' / 'shapes'
    tiny = tiny_run_options(cfg, iters=2, val_interval=2,
                            checkpoint_interval=2)
    run_cli('train', config, '--work-dir', work, '--cfg-options', *tiny,
            cwd=ws, check=True)
    records, bad = read_scalars(str(work))
    assert bad == 0
    train_logs = [r for r in records if 'iter' in r]
    assert [r['iter'] for r in train_logs] == [1, 2]
    assert {'sup.decode.loss_ce', 'unsup.loss_cw', 'unsup.loss_boundary',
            'unsup.tau'} <= set(train_logs[-1])
    # No masks for the unlabeled images: no pseudo-label accuracy.
    assert 'unsup.pseudo_acc' not in train_logs[-1]
    [val] = [r for r in records if 'iter' not in r]
    assert {'teacher/mIoU', 'student/mIoU'} <= set(val)
    assert (work / 'iter_2.pth').is_file()

    proc = run_cli('test', config, work / 'iter_2.pth', '--work-dir',
                   ws / 'work_dirs' / 'shapes_test', '--cfg-options',
                   'test_dataloader.num_workers=0',
                   'test_dataloader.persistent_workers=False',
                   *[o for o in tiny if o.startswith('model.')], cwd=ws,
                   check=True)
    out = proc.stdout + proc.stderr
    assert 'mIoU' in out
