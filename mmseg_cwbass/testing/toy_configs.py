# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Point a Pascal VOC-layout config at a toy VOC tree: the one helper that
the tests, the demo and the benchmarks share for it."""
import os.path as osp
from typing import Dict, Optional

from ..datasets.dataset_configs import dataset_configs, loader_dataset_configs

VOC_MASK_DIRS = ('SegmentationClass', 'SegmentationClassAug')


def _role(key: str) -> str:
    return 'unlabeled' if '.unlabeled' in key else 'labeled'


def use_toy_voc(cfg, voc_root: str,
                ann_files: Optional[Dict[str, str]] = None) -> None:
    """Point every dataset of a VOC-layout config at ``voc_root`` in place.

    Training datasets read ``<voc_root>/JPEGImages`` and the mask folder
    they name (``SegmentationClass`` or ``SegmentationClassAug``) with
    absolute paths; their split list is ``ann_files['labeled']`` (a plain
    training set counts as labeled) or ``ann_files['unlabeled']``. Val and
    test datasets keep their relative prefixes under ``data_root=voc_root``.

    Args:
        cfg (Config | dict): A config whose datasets use the VOC layout,
            e.g. one of ``configs/demo``.
        voc_root (str): A tree from
            :func:`mmseg_cwbass.testing.toy_data.generate_toy_voc`.
        ann_files (dict, optional): Role -> split list (absolute, or
            relative to the working directory). A role not given keeps the
            config's ``ann_file``.

    Raises:
        ValueError: A training dataset whose mask folder is not a VOC one.
    """
    ann_files = ann_files or {}
    train = cfg['train_dataloader']['dataset']
    for key, leaf in dataset_configs(train, 'train_dataloader.dataset'):
        masks = osp.basename(osp.normpath(str(
            (leaf.get('data_prefix') or {}).get('seg_map_path', ''))))
        if masks not in VOC_MASK_DIRS:
            raise ValueError(
                f'{key}.data_prefix.seg_map_path ends in {masks!r}, not in '
                f'{VOC_MASK_DIRS}: toy data exists for VOC layouts only')
        leaf.update(
            data_root=None,
            ann_file=ann_files.get(_role(key), leaf.get('ann_file', '')),
            data_prefix=dict(
                img_path=osp.join(voc_root, 'JPEGImages'),
                seg_map_path=osp.join(voc_root, masks)))
    for _, leaf in loader_dataset_configs(cfg, ('val', 'test')):
        leaf['data_root'] = voc_root
