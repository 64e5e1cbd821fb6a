# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""tools/make_splits.py --config: splits of the training set of any mmseg
dataset config, on generated trees (a plain BaseSegDataset folder, the VOC
and Cityscapes toy layouts, an ADE20K layout through mmseg's own config)."""
import json
import math
import os
import os.path as osp
from fractions import Fraction

import mmseg
import numpy as np
import pytest
from PIL import Image

from mmseg_cwbass.datasets import split_lists
from mmseg_cwbass.testing.toy_data import generate_toy_cityscapes

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMSEG_DATASETS = osp.join(
    osp.dirname(mmseg.__file__), '.mim', 'configs', '_base_', 'datasets')


def write_image(path, rng, size=(16, 20)):
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(rng.integers(0, 256, (*size, 3), np.uint8)).save(path)


def write_mask(path, rng, size=(16, 20), classes=3):
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(rng.integers(0, classes, size, np.uint8)).save(path)


def plain_tree(root, num_train=20, num_image_only=4, num_val=4):
    """images/{train,val}/*.jpg + annotations/{train,val}/*.png (some train
    images in a sub-folder, the last ``num_image_only`` without a mask)."""
    rng = np.random.default_rng(0)
    ids = {}
    for subset, count, no_mask in (('train', num_train, num_image_only),
                                   ('val', num_val, 0)):
        ids[subset] = []
        for k in range(count):
            img_id = f'{"street/" if k % 3 == 0 else ""}{subset}_{k:03d}'
            write_image(osp.join(root, 'images', subset, img_id + '.jpg'),
                        rng)
            if k < count - no_mask:
                write_mask(
                    osp.join(root, 'annotations', subset, img_id + '.png'),
                    rng)
            ids[subset].append(img_id)
    return ids


def base_seg_config(path, data_root, train='train', val='val'):
    """A config of mmseg's BaseSegDataset over ``plain_tree``."""
    def dataset(subset):
        return dict(
            type='BaseSegDataset', data_root=str(data_root),
            data_prefix=dict(img_path=f'images/{subset}',
                             seg_map_path=f'annotations/{subset}'),
            img_suffix='.jpg', seg_map_suffix='.png', pipeline=[])

    text = f'train_dataloader = dict(dataset={dataset(train)!r})\n'
    if val is not None:
        text += f'val_dataloader = dict(dataset={dataset(val)!r})\n'
    path.write_text(text)
    return str(path)


def child_config(path, base):
    """A config that inherits one of mmseg's dataset configs."""
    path.write_text(f'_base_ = [{base!r}]\n')
    return str(path)


def read_ids(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('make_splits')


@pytest.fixture(scope='module')
def plain(tmp_path_factory):
    root = tmp_path_factory.mktemp('plain') / 'my_scenes'
    ids = plain_tree(str(root))
    config = base_seg_config(root.parent / 'my_scenes.py', root)
    return root, config, ids


def test_plain_folder_nested_and_image_only(plain, tool, tmp_path,
                                            monkeypatch):
    root, config, ids = plain
    with_mask = [i for i in ids['train']
                 if osp.isfile(root / 'annotations' / 'train' / f'{i}.png')]
    assert len(with_mask) == 16
    monkeypatch.chdir(tmp_path)
    labeled = {}
    for fraction, name in (('1/8', '1-8'), ('0.25', '1-4'), ('1/2', '1-2')):
        assert tool.main(['--config', config, '--fraction', fraction,
                          '--name', name]) == 0
        # Default folder: data/splits/<dataset>/<name>, the dataset named
        # by the data root of a BaseSegDataset.
        folder = tmp_path / 'data' / 'splits' / 'my_scenes' / name
        labeled[name] = read_ids(folder / 'labeled.txt')
        unlabeled = read_ids(folder / 'unlabeled.txt')
        # ceil(fraction x 20 training images), among those with a mask.
        count = math.ceil(Fraction(fraction) * 20)
        assert len(labeled[name]) == count
        assert set(labeled[name]) <= set(with_mask)
        assert sorted(labeled[name] + unlabeled) == sorted(ids['train'])
        # Images without a mask are unlabeled: images only.
        assert set(ids['train']) - set(with_mask) <= set(unlabeled)
        meta = json.loads((folder / 'split_meta.json').read_text())
        assert meta['counts'] == dict(labeled=count, unlabeled=20 - count,
                                      pool=20, with_mask=16, val=4)
        assert meta['seed'] == 0 and meta['dataset'] == 'my_scenes'
        assert meta['protocol']['family'] == 'config'
        assert meta['source']['config'] == config
        assert meta['generator'] == 'tools/make_splits.py'
    assert meta['protocol']['fraction'] == '1/2'
    # Nested for one seed: 1/8 inside 1/4 inside 1/2.
    assert set(labeled['1-8']) < set(labeled['1-4']) < set(labeled['1-2'])
    # Ids keep their sub-folder, without the suffix (what ann_file reads).
    assert any(i.startswith('street/') for i in ids['train'])
    # --count draws from the same permutation.
    out = str(tmp_path / 'count3')
    assert tool.main(['--config', config, '--count', '3', '--name', 'c3',
                      '--out', out]) == 0
    assert read_ids(osp.join(out, 'labeled.txt')) == labeled['1-8']
    others = set()
    for seed in range(1, 6):
        out = str(tmp_path / f'seed{seed}')
        assert tool.main(['--config', config, '--count', '3', '--name', 'c3',
                          '--out', out, '--seed', str(seed)]) == 0
        others.add(tuple(read_ids(osp.join(out, 'labeled.txt'))))
    assert len(others | {tuple(labeled['1-8'])}) > 1


def test_plain_folder_lists_read_by_mmseg(plain, tool, tmp_path):
    from mmseg.registry import DATASETS
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    root, config, ids = plain
    out = tmp_path / 'split'
    assert tool.main(['--config', config, '--fraction', '1/4', '--name',
                      '1-4', '--out', str(out)]) == 0
    common = dict(type='BaseSegDataset', data_root=str(root),
                  img_suffix='.jpg', seg_map_suffix='.png')
    labeled = DATASETS.build(dict(
        common, ann_file=str(out / 'labeled.txt'),
        data_prefix=dict(img_path='images/train',
                         seg_map_path='annotations/train'),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadAnnotations')]))
    assert len(labeled) == 5
    assert labeled[0]['gt_seg_map'].shape == (16, 20)
    unlabeled = DATASETS.build(dict(
        common, ann_file=str(out / 'unlabeled.txt'),
        data_prefix=dict(img_path='images/train'),
        pipeline=[dict(type='LoadImageFromFile')]))
    assert len(unlabeled) == 15
    assert all(unlabeled[k]['img'].shape == (16, 20, 3) for k in range(15))


def test_voc_config_matches_the_protocol_split(tool, toy_voc, tmp_path):
    """mmseg's pascal_voc12_aug.py (train.txt + aug.txt, masks from two
    folders) gives the train_aug pool of the 1-8 protocol."""
    voc = toy_voc(num_train=12, num_val=3, num_aug=12, image_size=(24, 32),
                  seed=2)
    config = child_config(tmp_path / 'voc_aug.py',
                          osp.join(MMSEG_DATASETS, 'pascal_voc12_aug.py'))
    out = tmp_path / 'voc_1-8'
    assert tool.main([
        '--config', config, '--fraction', '1/8', '--name', '1-8', '--out',
        str(out), '--seed', '3', '--cfg-options',
        f'train_dataloader.dataset.datasets.0.data_root={voc}',
        f'train_dataloader.dataset.datasets.1.data_root={voc}',
        f'val_dataloader.dataset.data_root={voc}'
    ]) == 0
    protocol = tool.make_split('pascal_voc', voc, '1-8', seed=3)
    assert read_ids(out / 'labeled.txt') == protocol.labeled
    assert read_ids(out / 'unlabeled.txt') == protocol.unlabeled
    meta = json.loads((out / 'split_meta.json').read_text())
    assert meta['dataset'] == 'pascal_voc'
    assert meta['counts']['pool'] == 24 and meta['counts']['val'] == 3
    # Masks per folder, as the protocol split writes them.
    for folder in split_lists.VOC_MASK_DIRS:
        assert (out / f'labeled_{folder}.txt').is_file()


def test_semi_cityscapes_config(tool, tmp_path, monkeypatch):
    """The plugin's own SemiSegDataset config (custom_imports): the labeled
    set's folder is the training set, and the split lands where the config
    reads it."""
    monkeypatch.chdir(tmp_path)
    root = generate_toy_cityscapes('data/cityscapes', num_train=16,
                                   num_val=2, image_size=(32, 64), seed=0)
    config = osp.join(REPO, 'configs', 'cwbass',
                      'deeplabv3plus_r50_cityscapes_1-8.py')
    assert tool.main(['--config', config, '--fraction', '1/8', '--name',
                      '1-8']) == 0
    folder = tmp_path / 'data' / 'splits' / 'cityscapes' / '1-8'
    protocol = tool.make_split('cityscapes', root, '1-8', seed=0)
    assert read_ids(folder / 'labeled.txt') == protocol.labeled
    assert read_ids(folder / 'unlabeled.txt') == protocol.unlabeled
    meta = json.loads((folder / 'split_meta.json').read_text())
    assert meta['source']['training_set'] == \
        'train_dataloader.dataset.labeled'


def ade20k_tree(root, num_train, num_val):
    rng = np.random.default_rng(1)
    for subset, prefix, count in (('training', 'ADE_train', num_train),
                                  ('validation', 'ADE_val', num_val)):
        for k in range(1, count + 1):
            stem = f'{prefix}_{k:08d}'
            write_image(osp.join(root, 'images', subset, stem + '.jpg'), rng)
            write_mask(osp.join(root, 'annotations', subset, stem + '.png'),
                       rng, classes=151)


def test_ade20k_through_mmseg_config(run_cli, tmp_path):
    """As a user runs it: mmseg's ade20k.py, data_root overridden."""
    root = tmp_path / 'ADEChallengeData2016'
    ade20k_tree(str(root), num_train=10, num_val=2)
    config = child_config(tmp_path / 'ade.py',
                          osp.join(MMSEG_DATASETS, 'ade20k.py'))
    proc = run_cli(
        'make_splits', '--config', config, '--count', '3', '--name', '3',
        '--cfg-options', f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}', cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / 'data' / 'splits' / 'ade20k' / '3'
    assert f'written  {osp.join("data", "splits", "ade20k", "3")}  ' \
        'labeled=3 unlabeled=7 (pool 10, seed 0)' in proc.stdout
    labeled = read_ids(folder / 'labeled.txt')
    assert len(labeled) == 3 and all(i.startswith('ADE_train_')
                                     for i in labeled)
    for i in labeled:
        assert (root / 'annotations' / 'training' / f'{i}.png').is_file()
    assert len(read_ids(folder / 'unlabeled.txt')) == 7


# --------------------------------------------------------------------------
# refusals
# --------------------------------------------------------------------------
def test_refuses_bad_input(plain, tool, tmp_path, capsys):
    root, config, ids = plain

    def refused(*args):
        assert tool.main(['--config', *args, '--out',
                          str(tmp_path / 'never')]) == 1
        assert not (tmp_path / 'never').exists()
        return capsys.readouterr().err

    # Labeled ids need masks: 16 of the 20 images have one.
    err = refused(config, '--count', '17', '--name', 'x')
    assert 'only 16 of the 20 images of train_dataloader.dataset have a ' \
        'mask' in err
    assert 'train_016' in err and 'annotations' in err
    err = refused(config, '--fraction', '1', '--name', 'x')
    assert '20 labeled images asked for' in err
    # The val set is the training set: every image is a val image.
    overlap = base_seg_config(tmp_path / 'overlap.py', root, val='train')
    err = refused(overlap, '--count', '2', '--name', 'x')
    assert 'refusing to write split my_scenes/x' in err
    assert 'my_scenes/x/unlabeled.txt contains 18 validation ids' in err
    # No images.
    empty = tmp_path / 'empty_root'
    (empty / 'images' / 'train').mkdir(parents=True)
    err = refused(base_seg_config(tmp_path / 'empty.py', empty, val=None),
                  '--count', '1', '--name', 'x')
    assert 'train_dataloader.dataset lists no image' in err
    assert osp.join(str(empty), 'images', 'train') in err
    # No training set, no config file.
    (tmp_path / 'no_train.py').write_text('x = 1\n')
    err = refused(str(tmp_path / 'no_train.py'), '--count', '1', '--name',
                  'x')
    assert 'no train_dataloader.dataset' in err
    err = refused(str(tmp_path / 'missing.py'), '--count', '1', '--name',
                  'x')
    assert f'config file {tmp_path / "missing.py"} does not exist' in err


def test_refuses_count_larger_than_the_set(tool, tmp_path, capsys):
    root = tmp_path / 'all_masked'
    plain_tree(str(root), num_train=6, num_image_only=0, num_val=1)
    config = base_seg_config(tmp_path / 'all_masked.py', root)
    assert tool.main(['--config', config, '--count', '7', '--name', 'x',
                      '--out', str(tmp_path / 'x')]) == 1
    assert '7 labeled images asked for, but the training set ' \
        '(train_dataloader.dataset) has 6 images' in capsys.readouterr().err


@pytest.mark.parametrize('args,message', [
    (['--fraction', '0'], 'out of range'),
    (['--fraction', '3/2'], 'out of range'),
    (['--fraction', 'half'], "'half' is not a fraction"),
    (['--count', '0'], "'0' is not a positive whole number"),
    (['--count', '2'], '--config needs --name'),
    (['--count', '2', '--name', 'x', '--splits', 'all'],
     '--splits: only with --dataset'),
])
def test_refuses_bad_arguments(tool, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        tool.main(['--config', 'any.py', *args])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_overwrite_needs_force(plain, tool, tmp_path, capsys):
    _, config, _ = plain
    base = ['--config', config, '--count', '4', '--name', 'c4', '--out',
            str(tmp_path / 'c4')]
    assert tool.main(base) == 0
    first = read_ids(tmp_path / 'c4' / 'labeled.txt')
    assert tool.main(base) == 0
    assert 'unchanged' in capsys.readouterr().out
    assert tool.main(base + ['--seed', '7']) == 1
    assert 'refusing to overwrite' in capsys.readouterr().err
    assert read_ids(tmp_path / 'c4' / 'labeled.txt') == first
    assert tool.main(base + ['--seed', '7', '--force']) == 0
    assert 'overwritten' in capsys.readouterr().out
