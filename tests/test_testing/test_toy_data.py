# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The toy generators write trees that mmseg's own datasets read."""
import hashlib
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmseg_cwbass.testing import toy_data
from mmseg_cwbass.testing.toy_data import (TOY_CLASSES, TOY_PALETTE,
                                            generate_toy_cityscapes,
                                            generate_toy_voc)

VOC_SIZE = (48, 64)
CS_SIZE = (32, 64)


def tree_digest(root):
    """Relative path -> sha256 of every file under ``root``."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            path = osp.join(dirpath, f)
            with open(path, 'rb') as fh:
                out[osp.relpath(path, root)] = hashlib.sha256(
                    fh.read()).hexdigest()
    return out


def build_dataset(cfg):
    from mmseg.registry import DATASETS
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    return DATASETS.build(cfg)


LOAD_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


@pytest.fixture(scope='module')
def voc_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    return generate_toy_voc(
        str(root), num_train=12, num_val=4, num_aug=6, image_size=VOC_SIZE,
        seed=0)


@pytest.fixture(scope='module')
def cs_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy_cs') / 'cityscapes'
    return generate_toy_cityscapes(
        str(root), num_train=8, num_val=3, image_size=CS_SIZE, seed=0)


def read_ids(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def test_voc_layout_and_lists(voc_root):
    assert voc_root.endswith(osp.join('VOCdevkit', 'VOC2012'))
    sets = osp.join(voc_root, 'ImageSets', 'Segmentation')
    train = read_ids(osp.join(sets, 'train.txt'))
    val = read_ids(osp.join(sets, 'val.txt'))
    aug = read_ids(osp.join(sets, 'aug.txt'))
    assert (len(train), len(val), len(aug)) == (12, 4, 6)
    assert not (set(train) & set(val)) and not (set(aug) & set(train + val))
    assert read_ids(osp.join(sets, 'trainval.txt')) == train + val
    # mmseg's voc_aug.py writes trainaug.txt; community code says train_aug.
    for name in ('trainaug.txt', 'train_aug.txt'):
        assert read_ids(osp.join(sets, name)) == train + aug
    for i in train + val + aug:
        assert osp.isfile(osp.join(voc_root, 'JPEGImages', i + '.jpg'))
    # Fine masks for trainval only, SBD-style masks for train + aug.
    for i in train + val:
        assert osp.isfile(osp.join(voc_root, 'SegmentationClass', i + '.png'))
    for i in aug:
        assert not osp.exists(
            osp.join(voc_root, 'SegmentationClass', i + '.png'))
    for i in train + aug:
        assert osp.isfile(
            osp.join(voc_root, 'SegmentationClassAug', i + '.png'))


def test_voc_masks_palette_and_ignore_band(voc_root):
    img_id = 'train_000000'
    fine_img = Image.open(
        osp.join(voc_root, 'SegmentationClass', img_id + '.png'))
    aug_img = Image.open(
        osp.join(voc_root, 'SegmentationClassAug', img_id + '.png'))
    assert fine_img.mode == 'P' and aug_img.mode == 'L'
    pal = fine_img.getpalette()
    assert [pal[3 * k:3 * k + 3] for k in range(6)] == TOY_PALETTE
    assert pal[3 * 255:3 * 256] == [224, 224, 192]  # VOC's ignore colour
    fine, plain = np.array(fine_img), np.array(aug_img)
    assert fine.shape == plain.shape == VOC_SIZE
    assert set(np.unique(fine)) <= set(range(6)) | {255}
    assert set(np.unique(plain)) <= set(range(6))
    # The band only replaces pixels by 255 and sits on label changes.
    keep = fine != 255
    assert (fine[keep] == plain[keep]).all()
    assert (fine == 255).any()
    band = fine == 255
    pad = np.pad(plain, 1, mode='edge')
    changes = np.zeros_like(band)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            changes |= pad[1 + dy:1 + dy + plain.shape[0],
                           1 + dx:1 + dx + plain.shape[1]] != plain
    assert (changes == band).all()


def test_voc_read_by_mmseg(voc_root):
    ds = build_dataset(
        dict(
            type='PascalVOCDataset',
            data_root=voc_root,
            data_prefix=dict(
                img_path='JPEGImages', seg_map_path='SegmentationClass'),
            ann_file='ImageSets/Segmentation/train.txt',
            pipeline=LOAD_PIPELINE))
    assert len(ds) == 12
    seen = set()
    for k in range(len(ds)):
        sample = ds[k]
        assert sample['img'].shape == VOC_SIZE + (3, )
        assert sample['gt_seg_map'].shape == VOC_SIZE
        seen |= set(np.unique(sample['gt_seg_map']).tolist())
    assert seen <= set(range(6)) | {255}
    assert 0 in seen and 255 in seen and len(seen - {0, 255}) >= 3

    # The aug part as mmseg's pascal_voc12_aug.py builds it, with the toy
    # class names: classes 0..5 keep their index.
    aug = build_dataset(
        dict(
            type='PascalVOCDataset',
            data_root=voc_root,
            metainfo=dict(classes=TOY_CLASSES, palette=TOY_PALETTE),
            data_prefix=dict(
                img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
            ann_file='ImageSets/Segmentation/aug.txt',
            pipeline=LOAD_PIPELINE))
    assert len(aug) == 6 and aug.metainfo['classes'] == TOY_CLASSES
    sample = aug[0]
    raw = np.array(
        Image.open(
            osp.join(voc_root, 'SegmentationClassAug', 'aug_000000.png')))
    assert (sample['gt_seg_map'] == raw).all()


def test_every_class_appears():
    rng_counts = np.zeros(6, int)
    for i in range(24):
        _, _, label = toy_data.render_voc_sample(
            toy_data._rng_for(3, 'train', i), VOC_SIZE)
        rng_counts += np.bincount(label.ravel(), minlength=6)[:6] > 0
    # Every class shows up in a fair share of images.
    assert (rng_counts[1:] >= 3).all(), rng_counts


def test_cityscapes_read_by_mmseg(cs_root):
    for split, n in (('train', 8), ('val', 3)):
        ds = build_dataset(
            dict(
                type='CityscapesDataset',
                data_root=cs_root,
                data_prefix=dict(
                    img_path=f'leftImg8bit/{split}',
                    seg_map_path=f'gtFine/{split}'),
                pipeline=LOAD_PIPELINE))
        assert len(ds) == n
        sample = ds[0]
        assert sample['img'].shape == CS_SIZE + (3, )
        seg = sample['gt_seg_map']
        assert seg.shape == CS_SIZE
        assert set(np.unique(seg)) <= set(range(19)) | {255}
        assert {0, 10} <= set(np.unique(seg).tolist())  # road, sky


def test_voc_deterministic(tmp_path, voc_root):
    kwargs = dict(
        num_train=12, num_val=4, num_aug=6, image_size=VOC_SIZE, seed=0)
    again = generate_toy_voc(str(tmp_path / 'a'), **kwargs)
    assert tree_digest(again) == tree_digest(voc_root)
    other = generate_toy_voc(str(tmp_path / 'b'), **dict(kwargs, seed=1))
    d0, d1 = tree_digest(voc_root), tree_digest(other)
    assert d0.keys() == d1.keys()
    images = [k for k in d0 if k.endswith('.jpg')]
    assert all(d0[k] != d1[k] for k in images)


def test_cityscapes_deterministic(tmp_path, cs_root):
    again = generate_toy_cityscapes(
        str(tmp_path / 'a'), num_train=8, num_val=3, image_size=CS_SIZE,
        seed=0)
    assert tree_digest(again) == tree_digest(cs_root)
    other = generate_toy_cityscapes(
        str(tmp_path / 'b'), num_train=8, num_val=3, image_size=CS_SIZE,
        seed=5)
    assert tree_digest(other) != tree_digest(cs_root)


def test_idempotent_and_regenerates(tmp_path, monkeypatch):
    root = str(tmp_path / 'toy')
    path = generate_toy_voc(root, num_train=3, num_val=2, image_size=(32, 32))
    meta = json.load(open(osp.join(path, 'toy_meta.json')))
    assert meta['num_train'] == 3 and meta['seed'] == 0

    def boom(*args, **kwargs):
        raise AssertionError('regenerated although nothing changed')

    monkeypatch.setattr(toy_data, 'render_voc_sample', boom)
    assert generate_toy_voc(
        root, num_train=3, num_val=2, image_size=(32, 32)) == path
    monkeypatch.undo()
    # Other arguments: the old toy tree is replaced, not mixed.
    generate_toy_voc(root, num_train=2, num_val=1, image_size=(32, 32))
    assert sorted(os.listdir(osp.join(path, 'JPEGImages'))) == [
        'train_000000.jpg', 'train_000001.jpg', 'val_000000.jpg'
    ]
    assert not osp.exists(
        osp.join(path, 'ImageSets', 'Segmentation', 'aug.txt'))


def test_refuses_foreign_tree(tmp_path):
    voc = tmp_path / 'VOCdevkit' / 'VOC2012' / 'JPEGImages'
    voc.mkdir(parents=True)
    (voc / '2007_000032.jpg').write_bytes(b'real data')
    with pytest.raises(FileExistsError, match='not written by the toy'):
        generate_toy_voc(str(tmp_path), num_train=2, num_val=1)
    assert (voc / '2007_000032.jpg').read_bytes() == b'real data'


# SHA-256 of the sorted "<relative path> <file sha256>" listing of two small
# trees, recorded with the generator before it was split into toy_voc,
# toy_cityscapes and toy_drawing. JPEG/PNG bytes depend on the codec
# libraries, so the pin only holds on the versions it was recorded with.
GOLDEN_VERSIONS = dict(numpy='2.4.6', cv2='5.1.0', PIL='13.0.0')
GOLDEN_TREES = dict(
    voc='eab3c0b87575c29e413d883a013aadae3adbde39e2ae96b3a94477bd0fa6e14e',
    cityscapes=(
        '9562979ff33186bab1cf6d2338b5bc7a473ecd3a1ecbc72137cbcba84ca8cf6d'))


def test_files_unchanged_since_recorded(tmp_path):
    import cv2
    import PIL
    found = dict(numpy=np.__version__, cv2=cv2.__version__,
                 PIL=PIL.__version__)
    if found != GOLDEN_VERSIONS:
        pytest.skip(f'hashes recorded with {GOLDEN_VERSIONS}, found {found}')
    generate_toy_voc(str(tmp_path / 'voc'), num_train=3, num_val=2,
                     num_aug=2, image_size=(32, 40), seed=7)
    generate_toy_cityscapes(str(tmp_path / 'cityscapes'), num_train=3,
                            num_val=2, image_size=(32, 64), seed=7)
    for tree, expected in GOLDEN_TREES.items():
        digests = tree_digest(str(tmp_path / tree))
        listing = ''.join(f'{k} {v}\n' for k, v in sorted(digests.items()))
        got = hashlib.sha256(listing.encode()).hexdigest()
        assert got == expected, f'{tree} tree changed:\n{listing}'
