"""Checks of a config's data settings before a run starts.

A wrong path or class count should cost seconds, not the minutes it takes to
build models and workers (or the hours until validation): ``tools/train.py``
and ``tools/test.py`` run these checks first and exit with a message that
names the config key and the file or value at fault.
"""
import copy
import os.path as osp
from typing import Optional, Tuple

from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmseg.registry import DATASETS
from PIL import Image, UnidentifiedImageError

from .dataset_configs import (loader_dataset_configs, read_split_list,
                              resolve_ann_file, resolve_path)


class DataConfigError(ValueError):
    """A data setting of the config cannot work."""


def _num_classes_of_model(model: dict) -> Optional[int]:
    segmentor = model.get('segmentor', model)
    head = segmentor.get('decode_head')
    if isinstance(head, (list, tuple)):
        head = head[-1]
    return head.get('num_classes') if isinstance(head, dict) else None


def _classes_of_dataset(dataset: dict) -> Optional[tuple]:
    metainfo = dataset.get('metainfo') or {}
    if metainfo.get('classes'):
        return tuple(metainfo['classes'])
    dataset_cls = DATASETS.get(dataset.get('type', ''))
    meta = getattr(dataset_cls, 'METAINFO', None) or {}
    return tuple(meta['classes']) if meta.get('classes') else None


def check_data_config(cfg: Config,
                      phases=('train', 'val', 'test')) -> None:
    """Validate paths, split files and class counts of a config.

    Args:
        cfg (Config): The full config.
        phases (Sequence[str]): Which dataloaders to check.

    Raises:
        DataConfigError: With the config key and the value at fault.
    """
    split_ids = {}
    eval_ids = {}
    for key, dataset in loader_dataset_configs(cfg, phases):
        root = dataset.get('data_root')
        if root and not osp.isdir(root):
            raise DataConfigError(
                f'{key}.data_root: folder {root} does not exist (prepare the '
                'dataset or fix data_root; see docs/data.md)')
        img_dir = resolve_path(
            dataset, (dataset.get('data_prefix') or {}).get('img_path'))
        if img_dir and not osp.isdir(img_dir):
            raise DataConfigError(
                f'{key}.data_prefix.img_path: folder {img_dir} does not exist')
        ann_file = resolve_ann_file(dataset)
        if ann_file:
            try:
                ids = read_split_list(ann_file, f'{key}.ann_file')
            except (FileNotFoundError, ValueError) as error:
                raise DataConfigError(str(error)) from None
            (split_ids if key.startswith('train') else eval_ids)[key] = (
                ann_file, set(ids))
        num_classes = _num_classes_of_model(cfg.get('model', {}))
        classes = _classes_of_dataset(dataset)
        if num_classes is not None and classes is not None and \
                num_classes != len(classes):
            raise DataConfigError(
                f'model decode_head.num_classes={num_classes} but {key} has '
                f'{len(classes)} classes {classes[:4]}...: make them agree')
    for train_key, (train_file, train) in split_ids.items():
        for eval_key, (eval_file, evaluated) in eval_ids.items():
            shared = sorted(train & evaluated)
            if shared:
                raise DataConfigError(
                    f'{train_key}.ann_file ({train_file}) contains '
                    f'{len(shared)} images of {eval_key}.ann_file '
                    f'({eval_file}), e.g. {shared[:5]}: training on '
                    'evaluation images is not allowed')


def _image_size(path: str) -> Tuple[int, int]:
    """(height, width) from the file header; raises for unreadable files."""
    if osp.getsize(path) == 0:
        raise ValueError('the file is empty (0 bytes)')
    try:
        with Image.open(path) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f'not a readable image ({error})') from None
    return height, width


def check_sample_files(dataset, source: str, with_masks: bool,
                       max_listed: int = 10) -> None:
    """Fail now, naming the files, if a dataset's samples cannot load.

    Reads only file headers (no decoding): every image must exist, be
    non-empty and have a readable header; with ``with_masks`` every mask
    too, and each (image, mask) pair must have the same size. Run when a
    dataset is built, before the runner trains or writes a checkpoint.

    Args:
        dataset: A built mmseg dataset (``get_data_info`` gives
            ``img_path`` and ``seg_map_path``).
        source (str): What the samples come from (split file or folder),
            for the messages.
        with_masks (bool): Check the masks and the pair sizes as well.
        max_listed (int): How many bad files a message lists.

    Raises:
        FileNotFoundError: Listed files that do not exist.
        ValueError: Empty or unreadable files, or pairs of different sizes.
    """
    missing, unreadable, misaligned = [], [], []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        paths = [info['img_path']]
        if with_masks and info.get('seg_map_path'):
            paths.append(info['seg_map_path'])
        absent = [p for p in paths if not osp.isfile(p)]
        if absent:
            missing += absent
            continue
        sizes = []
        for path in paths:
            try:
                sizes.append(_image_size(path))
            except ValueError as error:
                unreadable.append(f'{path}: {error}')
        if len(sizes) == 2 and sizes[0] != sizes[1]:
            (h, w), (mh, mw) = sizes
            misaligned.append(f'image {paths[0]} is {h}x{w} but its mask '
                              f'{paths[1]} is {mh}x{mw}')
    if missing:
        raise FileNotFoundError(
            f'{source}: {len(missing)} listed files do not exist, e.g. '
            f'{missing[:max_listed]}')
    if unreadable:
        raise ValueError(f'{source}: {len(unreadable)} files cannot be '
                         f'read: {unreadable[:max_listed]}')
    if misaligned:
        raise ValueError(
            f'{source}: {len(misaligned)} (image, mask) pairs differ in '
            f'size, e.g. {misaligned[:max_listed]}')


def _loads_masks(dataset: dict) -> bool:
    return any(
        isinstance(t, dict) and t.get('type') == 'LoadAnnotations'
        for t in dataset.get('pipeline') or [])


def check_input_files(cfg: Config, phases=('train', 'val', 'test')) -> None:
    """Header scan of every image and mask the phases' datasets list.

    What :class:`SemiSegDataset` does for its labeled and unlabeled parts
    when it is built, done here for every other dataset (validation, test,
    a supervised training set): a broken validation image fails before
    training starts, not at the first validation hours later. Masks are
    scanned where the pipeline loads them (``LoadAnnotations``).

    Args:
        cfg (Config): The full config (its data settings passed
            :func:`check_data_config`).
        phases (Sequence[str]): Which dataloaders to scan.

    Raises:
        DataConfigError: Naming the config key and the files at fault.
    """
    # The one walk through wrappers (RepeatDataset included).
    for key, dataset in loader_dataset_configs(cfg, phases):
        if key.endswith(('.labeled', '.unlabeled')):
            continue  # SemiSegDataset scans its parts when it is built
        # The runner builds in its default scope: the pipeline's transforms
        # (ours included) are found there.
        with DefaultScope.overwrite_default_scope(
                cfg.get('default_scope') or 'mmseg'):
            built = DATASETS.build(copy.deepcopy(dataset))
        source = dataset.get('ann_file') or (dataset.get('data_prefix')
                                             or {}).get('img_path', '')
        try:
            check_sample_files(
                built, f'{key} ({resolve_path(dataset, source)})',
                with_masks=_loads_masks(dataset))
        except (FileNotFoundError, ValueError) as error:
            raise DataConfigError(str(error)) from None
