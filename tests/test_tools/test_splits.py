# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Split protocols, validation, conversion and writing:
mmseg_cwbass.datasets.split_lists and the split makers of
tools/make_splits.py."""
import json
import os
import os.path as osp

import pytest

from mmseg_cwbass.datasets import split_lists
from mmseg_cwbass.testing.toy_data import generate_toy_cityscapes


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def touch(path):
    os.makedirs(osp.dirname(path), exist_ok=True)
    open(path, 'wb').close()


def write_lines(path, lines):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.writelines(f'{line}\n' for line in lines)


def fake_voc(root, n_fine, n_aug, n_val):
    """Empty files in the VOC + SBD layout (enough for the split logic)."""
    fine = [f'2007_{i:06d}' for i in range(n_fine)]
    aug = [f'2008_{i:06d}' for i in range(n_aug)]
    val = [f'2009_{i:06d}' for i in range(n_val)]
    for d in ('JPEGImages', 'SegmentationClass', 'SegmentationClassAug'):
        os.makedirs(osp.join(root, d))
    for i in fine + aug + val:
        touch(osp.join(root, 'JPEGImages', i + '.jpg'))
    for i in fine + val:
        touch(osp.join(root, 'SegmentationClass', i + '.png'))
    for i in aug:
        touch(osp.join(root, 'SegmentationClassAug', i + '.png'))
    sets = osp.join(root, 'ImageSets', 'Segmentation')
    write_lines(osp.join(sets, 'train.txt'), fine)
    write_lines(osp.join(sets, 'val.txt'), val)
    write_lines(osp.join(sets, 'aug.txt'), aug)
    return fine, aug, val


def fake_cityscapes(root, n_train, n_val):
    cities = ('aachen', 'bochum', 'zurich')
    ids = {}
    for subset, n in (('train', n_train), ('val', n_val)):
        ids[subset] = []
        for k in range(n):
            city = cities[k % 3] if subset == 'train' else 'frankfurt'
            img_id = f'{city}/{city}_{k:06d}_000019'
            touch(
                osp.join(root, 'leftImg8bit', subset,
                         img_id + '_leftImg8bit.png'))
            touch(
                osp.join(root, 'gtFine', subset,
                         img_id + '_gtFine_labelTrainIds.png'))
            ids[subset].append(img_id)
    return ids


@pytest.fixture(scope='module')
def S():
    """The split library, mmseg_cwbass.datasets.split_lists."""
    return split_lists


@pytest.fixture(scope='module')
def M(load_tool):
    """tools/make_splits.py (the split makers)."""
    return load_tool('make_splits')


@pytest.fixture(scope='module')
def voc(toy_voc):
    """A small but real (readable) toy VOC tree: 24 fine, 16 aug, 6 val."""
    return toy_voc(num_train=24, num_val=6, num_aug=16, image_size=(32, 32))


@pytest.fixture(scope='module')
def cityscapes(tmp_path_factory):
    root = tmp_path_factory.mktemp('cs') / 'cityscapes'
    return generate_toy_cityscapes(
        str(root), num_train=10, num_val=3, image_size=(32, 64))


# --------------------------------------------------------------------------
# counts
# --------------------------------------------------------------------------
def test_counts_of_the_literature(S):
    expected = {
        'pascal_voc': {
            '1-16': 662, '1-8': 1323, '1-4': 2646, '92': 92, '183': 183,
            '366': 366, '732': 732, '1464': 1464
        },
        'cityscapes': {
            '1-30': 100, '1-16': 186, '1-8': 372, '1-4': 744, '1-2': 1488
        },
    }
    pool = dict(fine=1464, train_aug=10582, train=2975)
    for dataset, table in expected.items():
        assert set(S.PROTOCOLS[dataset]) == set(table)
        for name, count in table.items():
            proto = S.PROTOCOLS[dataset][name]
            assert proto.count(pool[proto.pool]) == count
    assert S.labeled_count(40, 16) == 3 and S.labeled_count(5, 30) == 1
    assert S.labeled_count(0, 8) == 0


def test_real_size_voc_tree(tmp_path, S, M):
    fine, aug, val = fake_voc(str(tmp_path), 1464, 10582 - 1464, 1449)
    root = str(tmp_path)
    pools = S.voc_id_pools(root)
    assert len(pools['train_aug']) == 10582
    got = {}
    for name in M.resolve_split_names('pascal_voc', ['all']):
        split = M.make_split('pascal_voc', root, name, seed=0, pools=pools)
        got[name] = split
        assert len(split.labeled) + len(split.unlabeled) == 10582
    assert {n: len(s.labeled) for n, s in got.items()} == {
        '1-16': 662, '1-8': 1323, '1-4': 2646, '92': 92, '183': 183,
        '366': 366, '732': 732, '1464': 1464
    }
    # Classic splits come from the fine set, so their masks are all VOC's.
    assert set(got['183'].labeled) <= set(fine)
    assert got['183'].meta['mask_dirs'] == {
        'SegmentationClass': 183, 'SegmentationClassAug': 0}
    assert got['1464'].unlabeled == sorted(aug)
    # Nested: one permutation per pool and seed.
    assert set(got['1-16'].labeled) < set(got['1-8'].labeled) < set(
        got['1-4'].labeled)
    assert set(got['92'].labeled) < set(got['183'].labeled)


def test_real_size_cityscapes_tree(tmp_path, S, M):
    fake_cityscapes(str(tmp_path), 2975, 5)
    pools = S.cityscapes_id_pools(str(tmp_path))
    counts = {
        n: len(M.make_split('cityscapes', str(tmp_path), n, 0, pools).labeled)
        for n in S.PROTOCOLS['cityscapes']
    }
    assert counts == {
        '1-30': 100, '1-16': 186, '1-8': 372, '1-4': 744, '1-2': 1488}


# --------------------------------------------------------------------------
# generated splits on a toy tree
# --------------------------------------------------------------------------
def test_make_split_toy_voc(voc, S, M):
    pools = S.voc_id_pools(voc)
    assert len(pools['fine']) == 24 and len(pools['train_aug']) == 40
    split = M.make_split('pascal_voc', voc, '1-8', seed=0)
    assert len(split.labeled) == 5  # ceil(40 / 8)
    assert not set(split.labeled) & set(split.unlabeled)
    assert sorted(split.labeled + split.unlabeled) == pools['train_aug']
    assert not set(split.labeled + split.unlabeled) & set(pools['val'])
    assert split.labeled == sorted(split.labeled)
    # Fine masks win; aug ids fall back to SegmentationClassAug.
    for i, path in split.mask_paths.items():
        folder = osp.basename(osp.dirname(path))
        assert folder == ('SegmentationClass'
                          if i in pools['fine'] else 'SegmentationClassAug')
    assert M.make_split('pascal_voc', voc, '1-8', seed=0).labeled == \
        split.labeled
    others = {
        tuple(M.make_split('pascal_voc', voc, '1-8', seed=s).labeled)
        for s in range(1, 6)
    }
    assert len(others | {tuple(split.labeled)}) > 1
    assert len(M.make_split('pascal_voc', voc, '92', seed=0).labeled) == 2


def test_write_read_and_meta(voc, tmp_path, S, M):
    split = M.make_split('pascal_voc', voc, '1-4', seed=3)
    res = S.write_split(split, str(tmp_path))
    assert res.status == 'written'
    assert res.path == osp.join(str(tmp_path), 'pascal_voc', '1-4')
    labeled, unlabeled = S.read_split(res.path)
    assert (labeled, unlabeled) == (split.labeled, split.unlabeled)
    meta = json.load(open(osp.join(res.path, 'split_meta.json')))
    assert meta['seed'] == 3 and meta['source']['type'] == 'generated'
    assert meta['counts'] == dict(labeled=10, unlabeled=30, pool=40, val=6)
    assert meta['protocol']['fraction'] == '1/4'
    assert meta['protocol']['reference_count'] == 2646
    fine = open(osp.join(res.path, 'labeled_SegmentationClass.txt')).read()
    aug = open(osp.join(res.path, 'labeled_SegmentationClassAug.txt')).read()
    assert sorted(fine.split() + aug.split()) == labeled
    assert not [f for f in os.listdir(res.path) if '.tmp' in f]


def test_overwrite_needs_force(voc, tmp_path, S, M):
    out = str(tmp_path)
    first = M.make_split('pascal_voc', voc, '1-8', seed=0)
    S.write_split(first, out)
    before = open(osp.join(out, 'pascal_voc', '1-8', 'labeled.txt')).read()
    assert S.write_split(first, out).status == 'unchanged'
    second = M.make_split('pascal_voc', voc, '1-8', seed=1)
    assert second.labeled != first.labeled
    with pytest.raises(S.SplitError, match='--force'):
        S.write_split(second, out)
    assert open(osp.join(out, 'pascal_voc', '1-8',
                         'labeled.txt')).read() == before
    assert S.write_split(second, out, dry_run=True, force=True).status == \
        'overwritten'
    assert S.write_split(second, out, force=True).status == 'overwritten'
    assert S.read_split(osp.join(out, 'pascal_voc', '1-8'))[0] == \
        second.labeled


def test_split_lists_read_by_mmseg(voc, cityscapes, tmp_path, S, M):
    from mmseg.registry import DATASETS
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]

    voc_split = S.write_split(
        M.make_split('pascal_voc', voc, '1-4', seed=0), str(tmp_path)).path
    parts = []
    for folder in S.VOC_MASK_DIRS:
        ann = osp.join(voc_split, f'labeled_{folder}.txt')
        parts.append(
            DATASETS.build(
                dict(
                    type='PascalVOCDataset',
                    data_root=voc,
                    data_prefix=dict(
                        img_path='JPEGImages', seg_map_path=folder),
                    ann_file=ann,
                    pipeline=pipeline)))
    assert sum(len(p) for p in parts) == 10
    for p in parts:
        assert p[0]['gt_seg_map'].shape == (32, 32)

    cs_split = S.write_split(
        M.make_split('cityscapes', cityscapes, '1-4', seed=0),
        str(tmp_path)).path
    ds = DATASETS.build(
        dict(
            type='CityscapesDataset',
            data_root=cityscapes,
            data_prefix=dict(
                img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
            ann_file=osp.join(cs_split, 'labeled.txt'),
            pipeline=pipeline))
    assert len(ds) == 3  # ceil(10 / 4)
    sample = ds[0]
    assert sample['img'].shape == (32, 64, 3)
    assert sample['gt_seg_map'].shape == (32, 64)
    unl = DATASETS.build(
        dict(
            type='CityscapesDataset',
            data_root=cityscapes,
            data_prefix=dict(img_path='leftImg8bit/train'),
            ann_file=osp.join(cs_split, 'unlabeled.txt'),
            pipeline=[dict(type='LoadImageFromFile')]))
    assert len(unl) == 7 and unl[0]['img'].shape == (32, 64, 3)


# --------------------------------------------------------------------------
# refusals
# --------------------------------------------------------------------------
def test_refuse_overlap(voc, S):
    pools = S.voc_id_pools(voc)
    labeled = pools['fine'][:3]
    with pytest.raises(S.SplitError) as e:
        S.validate_split(
            'pascal_voc', voc, labeled, pools['train_aug'],
            labeled_source='L.txt', unlabeled_source='U.txt')
    msg = str(e.value)
    assert 'L.txt and U.txt overlap in 3 ids' in msg
    assert all(i in msg for i in labeled)


def test_refuse_val_ids(voc, tmp_path, S, M):
    pools = S.voc_id_pools(voc)
    path = str(tmp_path / 'labeled.txt')
    write_lines(path, pools['fine'][:2] + pools['val'][:2])
    with pytest.raises(S.SplitError) as e:
        M.convert_split('pascal_voc', voc, path)
    msg = str(e.value)
    assert path in msg and 'contains 2 validation ids' in msg
    assert pools['val'][0] in msg and pools['val'][1] in msg


def test_refuse_missing_image_and_mask(tmp_path, S):
    root = str(tmp_path / 'voc')
    fine, aug, val = fake_voc(root, 6, 30, 2)
    os.remove(osp.join(root, 'JPEGImages', aug[0] + '.jpg'))
    for i in aug[1:25]:
        os.remove(osp.join(root, 'SegmentationClassAug', i + '.png'))
    labeled = aug[:25]
    with pytest.raises(S.SplitError) as e:
        S.validate_split(
            'pascal_voc', root, labeled, fine, labeled_source='mine.txt')
    msg = str(e.value)
    assert 'mine.txt has 1 ids with no image on disk' in msg
    assert aug[0] in msg and 'JPEGImages' in msg
    # aug[1:25] lost their masks: 24 reported, only the first 10 named.
    assert 'no mask for 24 ids' in msg and '(+14 more)' in msg
    assert 'SegmentationClassAug' in msg
    assert aug[24] not in msg.split('no mask')[1]
    assert msg.startswith('refusing to write')


def test_check_voc_masks(voc, S):
    masks = S.check_masks(S.voc_layout(voc), ['train_000000', 'aug_000001'])
    assert masks['train_000000'].endswith(
        osp.join('SegmentationClass', 'train_000000.png'))
    assert masks['aug_000001'].endswith(
        osp.join('SegmentationClassAug', 'aug_000001.png'))
    with pytest.raises(S.SplitError, match='nope_1'):
        S.check_masks(S.voc_layout(voc), ['train_000000', 'nope_1'])


def test_refuse_duplicates_and_unknown_names(voc, S, M):
    with pytest.raises(S.SplitError, match='repeats 1 ids: train_000001'):
        S.validate_split('pascal_voc', voc, ['train_000001'] * 2, [])
    with pytest.raises(S.SplitError, match='unknown pascal_voc split'):
        M.make_split('pascal_voc', voc, '1-30')


# --------------------------------------------------------------------------
# community files
# --------------------------------------------------------------------------
def test_convert_voc_community_formats(voc, tmp_path, S, M):
    pools = S.voc_id_pools(voc)
    fine, aug = pools['fine'][:3], pools['aug'][:2]
    st_style = str(tmp_path / '1-8-stpp.txt')
    write_lines(st_style, [
        f'JPEGImages/{i}.jpg SegmentationClass/{i}.png' for i in fine
    ] + [f'JPEGImages/{i}.jpg SegmentationClassAug/{i}.png' for i in aug])
    split = M.convert_split('pascal_voc', voc, st_style)
    assert split.name == '1-8-stpp'
    assert split.labeled == sorted(fine + aug)
    assert split.unlabeled == sorted(set(pools['train_aug']) - set(fine + aug))
    assert split.meta['source']['type'] == 'converted'
    assert split.meta['protocol']['matches'] == ['1-8']  # ceil(40/8) == 5

    # Bare ids with an explicit unlabeled list (U2PL keeps both files).
    bare = str(tmp_path / 'labeled.txt')
    unl = str(tmp_path / 'unlabeled.txt')
    write_lines(bare, ['# comment', ''] + fine)
    write_lines(unl, [f'/JPEGImages/{i}.jpg' for i in aug])
    split = M.convert_split('pascal_voc', voc, bare, unl, name='x-u2pl')
    assert (split.labeled, split.unlabeled) == (sorted(fine), sorted(aug))
    assert len(split.meta['source']['unlabeled_sha256']) == 64


def test_convert_cityscapes_lines(cityscapes, tmp_path, S, M):
    pools = S.cityscapes_id_pools(cityscapes)
    ids = pools['train'][:3]
    path = str(tmp_path / 'cs.txt')
    write_lines(path, [
        f'leftImg8bit/train/{i}_leftImg8bit.png '
        f'gtFine/train/{i}_gtFine_labelTrainIds.png' for i in ids[:2]
    ] + [f'train/{ids[2]}_leftImg8bit.png'])
    split = M.convert_split('cityscapes', cityscapes, path, name='cs-cps')
    assert split.labeled == ids
    assert len(split.unlabeled) == len(pools['train']) - 3
    # A line pointing into leftImg8bit/val is a val image.
    val_line = f'leftImg8bit/val/{pools["val"][0]}_leftImg8bit.png'
    write_lines(path, [val_line] + [f'{i}' for i in ids])
    with pytest.raises(S.SplitError, match='1 validation ids: frankfurt/'):
        M.convert_split('cityscapes', cityscapes, path)


def test_parse_lines(S):
    p = S.parse_split_line
    assert p('JPEGImages/2007_000032.jpg SegmentationClassAug/2007_000032.png',
             'pascal_voc') == ('2007_000032', None)
    assert p('  2007_000033\n', 'pascal_voc') == ('2007_000033', None)
    assert p('# header', 'pascal_voc') is None
    cs = ('leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png '
          'gtFine/train/aachen/aachen_000000_000019_gtFine_labelTrainIds.png')
    assert p(cs, 'cityscapes') == ('aachen/aachen_000000_000019', 'train')
    assert p('aachen_000001_000019', 'cityscapes') == (
        'aachen/aachen_000001_000019', None)
    assert p('/abs/cityscapes/leftImg8bit/val/lindau/lindau_000000_000019'
             '_leftImg8bit.png', 'cityscapes') == (
                 'lindau/lindau_000000_000019', 'val')
