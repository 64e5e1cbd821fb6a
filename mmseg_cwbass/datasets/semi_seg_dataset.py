"""Labeled + unlabeled training set for semi-supervised segmentation."""
import contextlib
import copy
import os.path as osp
import random
from typing import Iterator, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import ConcatDataset
from mmseg.registry import DATASETS

from ..utils.config_keys import reject_unknown_args
from .checks import check_sample_files
from .dataset_configs import read_split_list, resolve_ann_file, resolve_path


@contextlib.contextmanager
def seeded_random_state(seed: int) -> Iterator[None]:
    """Seed python, numpy and torch RNGs inside the block, then restore them.

    mmcv/mmseg transforms draw from the global RNGs; seeding them per sample
    makes a sample's augmentation a function of its seed alone, while the
    restore keeps the caller's (e.g. the model's dropout) streams untouched.
    """
    py_state = random.getstate()
    np_state = np.random.get_state()
    torch_state = torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        torch.set_rng_state(torch_state)


def image_ids(dataset) -> List[str]:
    """Image ids of an mmseg dataset (file name without folder/suffix)."""
    suffix = getattr(dataset, 'img_suffix', '')
    img_dir = dataset.data_prefix.get('img_path', '')
    ids = []
    for i in range(len(dataset)):
        path = dataset.get_data_info(i)['img_path']
        rel = osp.relpath(path, img_dir) if img_dir else path
        ids.append(rel[:-len(suffix)] if suffix and rel.endswith(suffix) else
                   rel)
    return ids


@DATASETS.register_module()
@reject_unknown_args
class SemiSegDataset(ConcatDataset):
    """A labeled and an unlabeled mmseg dataset, concatenated (labeled first).

    Unlike a list of datasets, the two named keys merge under config
    inheritance, so a config changes the split with
    ``train_dataloader = dict(dataset=dict(labeled=dict(ann_file=...),
    unlabeled=dict(ann_file=...)))``. Use with :class:`MultiSourceSampler`.

    When built, every listed image (and every mask it will load) is checked
    for existence, a readable header and, for (image, mask) pairs, equal
    sizes, so bad data fails before training starts; a sample that still
    fails to load later fails naming its files.

    Args:
        labeled (dict): Config of the labeled dataset (pipeline ends with a
            ``MultiBranch`` feeding ``sup``).
        unlabeled (dict): Config of the unlabeled dataset (pipeline ends
            with a ``MultiBranch`` feeding ``unsup_*``). Its images need no
            mask; it can be a list or a plain folder of images.
        diagnostic_masks (bool): Whether the unlabeled images have masks
            that ``LoadDiagnosticMask`` loads for the logged pseudo-label
            accuracy (diagnostics only, never a loss). False drops the
            ``LoadDiagnosticMask`` steps from the unlabeled pipeline: the
            one switch for data without masks. Defaults to False.
        check_overlap (bool): Refuse splits whose labeled and unlabeled
            lists share images. Defaults to True.
        ignore_keys (list[str], optional): Metainfo keys that may differ.
    """

    def __init__(self,
                 labeled: dict,
                 unlabeled: dict,
                 diagnostic_masks: bool = False,
                 check_overlap: bool = True,
                 ignore_keys: Optional[List[str]] = None) -> None:
        unlabeled = copy.deepcopy(unlabeled)
        if not diagnostic_masks:
            unlabeled['pipeline'] = [
                t for t in unlabeled.get('pipeline', [])
                if t.get('type') != 'LoadDiagnosticMask'
            ]
        self.diagnostic_masks = diagnostic_masks
        datasets = []
        for role, cfg in (('labeled', labeled), ('unlabeled', unlabeled)):
            ann_file = resolve_ann_file(cfg)
            if ann_file is not None:
                read_split_list(ann_file,
                                f'train_dataloader.dataset.{role}.ann_file')
            img_dir = resolve_path(cfg,
                                   cfg.get('data_prefix', {}).get('img_path'))
            if img_dir and not osp.isdir(img_dir):
                raise FileNotFoundError(
                    f'{role} image folder {img_dir} does not exist: check '
                    f'data_root / data_prefix of train_dataloader.dataset.'
                    f'{role}')
            dataset = DATASETS.build(copy.deepcopy(cfg))
            if len(dataset) == 0:
                raise ValueError(f'{role} split {ann_file or img_dir} lists '
                                 'no image')
            try:
                check_sample_files(
                    dataset,
                    f'{role} split {ann_file or img_dir}',
                    with_masks=role == 'labeled' or diagnostic_masks)
            except FileNotFoundError as error:
                if role == 'labeled' or not diagnostic_masks:
                    raise
                raise FileNotFoundError(
                    f'{error}; unlabeled data without masks needs '
                    'train_dataloader.dataset.diagnostic_masks=False') \
                    from None
            datasets.append(dataset)
        if check_overlap:
            shared = sorted(
                set(image_ids(datasets[0])) & set(image_ids(datasets[1])))
            if shared:
                raise ValueError(
                    f'labeled split {resolve_ann_file(labeled)} and '
                    f'unlabeled split {resolve_ann_file(unlabeled)} share '
                    f'{len(shared)} images, e.g. {shared[:5]}')
        super().__init__(datasets=datasets, ignore_keys=ignore_keys)

    # MultiSourceSampler may yield (index, seed) pairs: see __getitem__.
    accepts_seeded_indices = True

    def __getitem__(self, idx: Union[int, Tuple[int, int]]) -> dict:
        """Load a sample; with an ``(index, seed)`` pair, seed its transforms.

        Args:
            idx (int | tuple[int, int]): Index, or index and seed.

        Returns:
            dict: The transformed sample.
        """
        index, seed = idx if isinstance(idx, (tuple, list)) else (idx, None)
        try:
            if seed is None:
                return super().__getitem__(index)
            with seeded_random_state(int(seed)):
                return super().__getitem__(int(index))
        except Exception as error:
            info = self.get_data_info(int(index))
            paths = [info['img_path'], info.get('seg_map_path') or '']
            if any(p and p in str(error) for p in paths):
                raise  # the message already names the file
            raise RuntimeError(
                f"cannot load training sample {info['img_path']} (mask "
                f"{paths[1] or 'none'}): {type(error).__name__}: "
                f'{error}') from error

    @property
    def labeled(self):
        """The labeled dataset."""
        return self.datasets[0]

    @property
    def unlabeled(self):
        """The unlabeled dataset."""
        return self.datasets[1]
