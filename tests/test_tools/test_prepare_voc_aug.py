# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""tools/dataset_converters/prepare_voc_aug.py: fine VOC masks put into
SegmentationClassAug."""
import os
import os.path as osp

import pytest

from mmseg_cwbass.datasets import split_lists


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('dataset_converters/prepare_voc_aug')


@pytest.fixture(scope='module')
def S():
    """The split library the tool reads the VOC lists with."""
    return split_lists


def read_ids(voc, name):
    with open(osp.join(voc, 'ImageSets', 'Segmentation', name)) as f:
        return [line.strip() for line in f if line.strip()]


@pytest.fixture
def voc(toy_voc):
    """A VOC tree as mmseg's voc_aug.py leaves it: SBD masks in
    SegmentationClassAug, which lacks some fine train ids."""
    root = toy_voc(num_train=6, num_val=2, num_aug=4, image_size=(16, 20),
                   seed=3, fresh=True)
    train = read_ids(root, 'train.txt')
    # SBD does not cover every VOC train image.
    for img_id in train[:2]:
        os.remove(osp.join(root, 'SegmentationClassAug', img_id + '.png'))
    return root


def aug_mask(root, img_id):
    return osp.join(root, 'SegmentationClassAug', img_id + '.png')


def fine_mask(root, img_id):
    return osp.join(root, 'SegmentationClass', img_id + '.png')


def test_symlinks_fine_masks_and_checks_all(voc, tool, S):
    train = read_ids(voc, 'train.txt')
    aug = read_ids(voc, 'aug.txt')
    sbd_before = {i: open(aug_mask(voc, i), 'rb').read() for i in aug}

    report = tool.prepare_voc_aug(voc)

    assert sorted(report.added) == sorted(train[:2])
    assert sorted(report.replaced) == sorted(train[2:])
    assert report.num_train_aug == len(train) + len(aug)
    for img_id in train:
        link = aug_mask(voc, img_id)
        assert osp.islink(link)
        # Relative, so the VOC2012 tree can be moved.
        assert not osp.isabs(os.readlink(link))
        assert osp.samefile(link, fine_mask(voc, img_id))
    # SBD-only masks are untouched.
    for img_id in aug:
        assert not osp.islink(aug_mask(voc, img_id))
        assert open(aug_mask(voc, img_id), 'rb').read() == sbd_before[img_id]
    # The split checker now finds every train_aug mask in the aug folder.
    ids = S.voc_id_pools(voc)['train_aug']
    assert all(osp.isfile(aug_mask(voc, i)) for i in ids)

    again = tool.prepare_voc_aug(voc)
    assert sorted(again.unchanged) == sorted(train)
    assert not again.added and not again.replaced


def test_copy_mode_and_keep_existing(voc, tool):
    train = read_ids(voc, 'train.txt')
    sbd = open(aug_mask(voc, train[3]), 'rb').read()
    report = tool.prepare_voc_aug(voc, mode='copy', keep_existing=True)
    assert sorted(report.added) == sorted(train[:2])
    assert sorted(report.kept) == sorted(train[2:])
    for img_id in train[:2]:
        assert not osp.islink(aug_mask(voc, img_id))
        assert open(aug_mask(voc, img_id), 'rb').read() == open(
            fine_mask(voc, img_id), 'rb').read()
    assert open(aug_mask(voc, train[3]), 'rb').read() == sbd


def test_dry_run_writes_nothing(voc, tool):
    before = sorted(os.listdir(osp.join(voc, 'SegmentationClassAug')))
    report = tool.prepare_voc_aug(voc, dry_run=True)
    assert len(report.added) == 2
    assert sorted(os.listdir(osp.join(voc, 'SegmentationClassAug'))) == before


def test_missing_aug_mask_fails_naming_the_file(voc, capsys, tool):
    aug = read_ids(voc, 'aug.txt')
    os.remove(aug_mask(voc, aug[1]))
    assert tool.main([voc]) == 1
    err = capsys.readouterr().err
    assert aug_mask(voc, aug[1]) in err
    assert '1 of' in err and 'voc_aug.py' in err


def test_missing_fine_mask_fails_naming_the_file(voc, capsys, tool):
    train = read_ids(voc, 'train.txt')
    os.remove(fine_mask(voc, train[4]))
    with pytest.raises(tool.PrepareError, match=train[4]):
        tool.prepare_voc_aug(voc)
    # Nothing was changed before the refusal.
    assert not any(
        osp.islink(aug_mask(voc, i)) for i in train if osp.lexists(
            aug_mask(voc, i)))


def test_dangling_link_is_missing(voc, tool):
    tool.prepare_voc_aug(voc)
    train = read_ids(voc, 'train.txt')
    os.remove(fine_mask(voc, train[0]))
    with pytest.raises(tool.PrepareError, match='missing'):
        tool.check_train_aug_masks(voc)


def test_cli_check_only_and_prepare(voc, tool, run_cli):
    def run(*args):
        return run_cli('dataset_converters/prepare_voc_aug', *args)

    proc = run(voc, '--check-only')
    assert proc.returncode == 1
    assert '2 of 10 train_aug masks are missing' in proc.stderr
    proc = run(voc)
    assert proc.returncode == 0, proc.stderr
    assert '2 added, 4 replaced' in proc.stdout
    assert 'all 10 train_aug masks found' in proc.stdout
    # Each subprocess imports mmseg (seconds): the check-only success path
    # is covered in-process.
    assert tool.main([voc, '--check-only']) == 0


def test_not_a_voc_folder(tmp_path, capsys, tool):
    assert tool.main([str(tmp_path)]) == 1
    assert 'train.txt' in capsys.readouterr().err
