# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The one walk through dataset configs, ``ann_file`` resolution and split
list reader (mmseg_cwbass.datasets.dataset_configs)."""
import pytest

from mmseg_cwbass.datasets.dataset_configs import (dataset_configs,
                                                   loader_dataset_configs,
                                                   read_split_list,
                                                   resolve_ann_file,
                                                   resolve_path, type_name)

A = dict(type='PascalVOCDataset', ann_file='a.txt')
B = dict(type='PascalVOCDataset', ann_file='b.txt')
C = dict(type='BaseSegDataset', data_root='/data/c')


def test_walk_through_every_wrapper():
    cfg = dict(
        type='ConcatDataset',
        datasets=[
            dict(type='SemiSegDataset', labeled=A,
                 unlabeled=dict(type='RepeatDataset', times=2, dataset=B)),
            dict(type='ClassBalancedDataset', oversample_thr=0.1, dataset=C),
        ])
    leaves = list(dataset_configs(cfg, 'x'))
    assert leaves == [('x.datasets[0].labeled', A),
                      ('x.datasets[0].unlabeled.dataset', B),
                      ('x.datasets[1].dataset', C)]
    # The leaves are the config's own dicts: a caller may edit them.
    assert leaves[0][1] is A


def test_loader_walk_skips_missing_loaders():
    cfg = dict(train_dataloader=dict(dataset=dict(labeled=A, unlabeled=B)),
               val_dataloader=None, test_dataloader=dict(dataset=C))
    assert [k for k, _ in loader_dataset_configs(cfg)] == [
        'train_dataloader.dataset.labeled',
        'train_dataloader.dataset.unlabeled', 'test_dataloader.dataset'
    ]
    assert [k for k, _ in loader_dataset_configs(cfg, ('val', ))] == []


def test_paths_resolve_as_mmseg_resolves_them():
    assert resolve_ann_file(dict(data_root='root', ann_file='s/l.txt')) == \
        'root/s/l.txt'
    assert resolve_ann_file(dict(data_root='root', ann_file='/abs/l.txt')) \
        == '/abs/l.txt'
    assert resolve_ann_file(dict(data_root=None, ann_file='s/l.txt')) == \
        's/l.txt'
    assert resolve_ann_file(dict(data_root='root', ann_file='')) is None
    assert resolve_path(dict(data_root='r'), 'JPEGImages') == 'r/JPEGImages'
    assert type_name(dict(type='mmseg.SemiSegDataset')) == 'SemiSegDataset'
    assert type_name(dict(type=dict)) == 'dict'


def test_split_list_errors_name_the_key_and_file(tmp_path):
    path = tmp_path / 'labeled.txt'
    with pytest.raises(FileNotFoundError,
                       match=r'^k\.ann_file: split file .*labeled.txt does '
                       r'not exist \(write it with tools/make_splits.py\)'):
        read_split_list(str(path), 'k.ann_file')
    path.write_text('\n  \n')
    with pytest.raises(ValueError, match='labeled.txt is empty'):
        read_split_list(str(path), 'k.ann_file')
    path.write_text('a\n\n b \n')
    assert read_split_list(str(path), 'k.ann_file') == ['a', 'b']
