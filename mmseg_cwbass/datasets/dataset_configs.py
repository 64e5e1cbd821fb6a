# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Reading dataset configs: the one walk through wrappers, the one
``ann_file`` resolution and the one split-list reader.

Used by :class:`SemiSegDataset`, the config checks of ``tools/train.py`` and
``tools/test.py``, ``tools/make_splits.py`` and
``tools/analysis_tools/summarize.py``, so that a dataset wrapper, a
relative path or a bad split list means the same everywhere.
"""
import os.path as osp
from typing import Iterator, List, Optional, Sequence, Tuple

PHASES = ('train', 'val', 'test')


def type_name(cfg: dict) -> str:
    """Registered name of a config's ``type`` without a scope
    (``'mmseg.SemiSegDataset'`` -> ``'SemiSegDataset'``; a class -> its
    name)."""
    kind = cfg.get('type', '')
    kind = kind if isinstance(kind, str) else getattr(kind, '__name__', '')
    return kind.split('.')[-1]


def dataset_configs(cfg: dict, key: str) -> Iterator[Tuple[str, dict]]:
    """The plain datasets a dataset config reads, with their config keys.

    Descends into ``labeled``/``unlabeled`` (:class:`SemiSegDataset`),
    ``datasets`` (``ConcatDataset``) and ``dataset`` (``RepeatDataset``,
    ``ClassBalancedDataset``, ``MultiImageMixDataset``).

    Args:
        cfg (dict): A dataset config.
        key (str): Its config key, e.g. ``'train_dataloader.dataset'``.

    Yields:
        tuple[str, dict]: ``(key, config)`` of every plain dataset, e.g.
        ``('train_dataloader.dataset.labeled', {...})``.
    """
    if 'labeled' in cfg and 'unlabeled' in cfg:
        for role in ('labeled', 'unlabeled'):
            yield from dataset_configs(cfg[role], f'{key}.{role}')
    elif isinstance(cfg.get('datasets'), (list, tuple)):
        for i, part in enumerate(cfg['datasets']):
            yield from dataset_configs(part, f'{key}.datasets[{i}]')
    elif isinstance(cfg.get('dataset'), dict):
        yield from dataset_configs(cfg['dataset'], f'{key}.dataset')
    else:
        yield key, cfg


def loader_dataset_configs(
        cfg, phases: Sequence[str] = PHASES) -> Iterator[Tuple[str, dict]]:
    """:func:`dataset_configs` of the ``<phase>_dataloader`` of a config
    (phases without a loader are skipped)."""
    for phase in phases:
        loader = cfg.get(f'{phase}_dataloader')
        if loader and loader.get('dataset'):
            yield from dataset_configs(loader['dataset'],
                                       f'{phase}_dataloader.dataset')


def resolve_path(cfg: dict, path: Optional[str]) -> Optional[str]:
    """``path`` of a dataset config as mmseg resolves it: relative paths
    are joined to ``data_root`` (when there is one)."""
    root = cfg.get('data_root')
    if path and root and not osp.isabs(path):
        return osp.join(root, path)
    return path or None


def resolve_ann_file(cfg: dict) -> Optional[str]:
    """The split list (``ann_file``) of a dataset config, resolved."""
    return resolve_path(cfg, cfg.get('ann_file'))


def read_ids(path: str) -> List[str]:
    """The ids of a split list: one a line, blank lines skipped."""
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]


def read_split_list(path: str, key: str) -> List[str]:
    """The ids of a split list a config names, or an error that names it.

    Args:
        path (str): The resolved ``ann_file``.
        key (str): Its config key, for the message.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        ValueError: ``path`` lists no image.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{key}: split file {path} does not exist (write it with '
            'tools/make_splits.py)')
    ids = read_ids(path)
    if not ids:
        raise ValueError(f'{key}: split file {path} is empty: it lists no '
                         'image')
    return ids
