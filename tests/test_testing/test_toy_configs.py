# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""use_toy_voc points a shipped VOC config at a toy tree that mmseg reads."""
import os
import os.path as osp

import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS

import mmseg_cwbass  # noqa: F401  (registers SemiSegDataset)
from mmseg_cwbass.testing.toy_configs import use_toy_voc

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_points_every_dataset_at_the_toy_tree(toy_voc, tmp_path):
    voc = toy_voc()
    ids = sorted(osp.splitext(f)[0]
                 for f in os.listdir(osp.join(voc, 'JPEGImages'))
                 if f.startswith('train_'))
    lists = {}
    for role, chosen in (('labeled', ids[:3]), ('unlabeled', ids[3:])):
        lists[role] = str(tmp_path / f'{role}.txt')
        with open(lists[role], 'w') as f:
            f.write('\n'.join(chosen) + '\n')
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py'))
    use_toy_voc(cfg, voc, lists)
    train = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(train.labeled) == 3 and len(train.unlabeled) == 13
    info = train.labeled.get_data_info(0)
    assert info['img_path'] == osp.join(voc, 'JPEGImages', f'{ids[0]}.jpg')
    assert info['seg_map_path'] == osp.join(voc, 'SegmentationClass',
                                            f'{ids[0]}.png')
    val = DATASETS.build(cfg.val_dataloader.dataset)
    assert len(val) == 3
    assert val.get_data_info(0)['img_path'].startswith(voc)


def test_refuses_a_layout_that_is_not_voc(toy_voc):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'cwbass',
                                   'deeplabv3plus_r50_cityscapes_1-8.py'))
    with pytest.raises(ValueError, match=r'labeled\.data_prefix\.'
                       r"seg_map_path ends in 'train'"):
        use_toy_voc(cfg, toy_voc())
