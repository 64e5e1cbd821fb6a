# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Labeled/unlabeled split lists for semi-supervised segmentation.

A split is a folder ``<out>/<dataset>/<name>/`` with

* ``labeled.txt`` and ``unlabeled.txt``: one image id per line, in the
  format mmseg's ``BaseSegDataset`` reads as ``ann_file`` (it appends
  ``img_suffix``/``seg_map_suffix`` to each line and joins it with
  ``data_prefix``).  Pascal VOC: the bare id (``2007_000032``).  Cityscapes:
  the path relative to ``leftImg8bit/train`` without the suffix
  (``aachen/aachen_000000_000019``), to be used with ``img_suffix=
  '_leftImg8bit.png'`` and ``seg_map_suffix='_gtFine_labelTrainIds.png'``.
* Pascal VOC only: ``labeled_SegmentationClass.txt`` and
  ``labeled_SegmentationClassAug.txt``, the labeled ids partitioned by the
  folder that holds their mask (VOC "fine" masks are preferred over SBD
  ones), so that a config can build the labeled set as mmseg's
  ``pascal_voc12_aug.py`` does: a ``ConcatDataset`` of one dataset per mask
  folder.
* ``split_meta.json``: dataset, protocol, seed, source (generated or the
  converted file with its SHA-256), counts and the SHA-256 of every list, so
  that each result can name its exact split list.

Protocols (the paper's counts on the real datasets; on smaller data sets the
same fraction is taken, rounded up, at least one image):

* Pascal VOC "classic": ``92``/``183``/``366``/``732``/``1464`` labeled ids
  drawn from ``ImageSets/Segmentation/train.txt`` (1,464 fine masks), i.e.
  1/16, 1/8, 1/4, 1/2 and all of it; unlabeled = the rest of train_aug.
* Pascal VOC "blended": ``1-16``/``1-8``/``1-4`` of all train_aug ids
  (``train.txt`` + aug ids, minus val; 10,582): 662/1323/2646.
* Cityscapes: ``1-30``/``1-16``/``1-8``/``1-4``/``1-2`` of the 2,975 train
  images: 100/186/372/744/1488.

The rule that reproduces every published count is ``ceil(pool / k)``.
Generated splits of one pool are nested: every split takes a prefix of the
same seeded permutation, so 1/16 is inside 1/8 is inside 1/4 for one seed.

Every split is validated before it is written, and writing refuses (raises
:class:`SplitError`) when labeled and unlabeled ids overlap, when a list
holds val ids, ids without an image on disk or labeled ids without a mask.
This module only uses the standard library so the CLI starts fast.
"""
from __future__ import annotations

import hashlib
import json
import os
import os.path as osp
import random
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

__all__ = [
    'SplitError', 'SplitProtocol', 'Split', 'WriteResult', 'PROTOCOLS',
    'DATASETS', 'SPLIT_META_FILE', 'VOC_MASK_DIRS', 'labeled_count',
    'resolve_split_names', 'id_pools', 'voc_id_pools', 'cityscapes_id_pools',
    'list_cityscapes_ids', 'check_voc_masks', 'check_cityscapes_masks',
    'parse_split_line', 'parse_split_file', 'validate_split', 'make_split',
    'convert_split', 'write_split', 'read_split', 'split_dir'
]

SPLIT_FORMAT_VERSION = 1
SPLIT_META_FILE = 'split_meta.json'
DATASETS = ('pascal_voc', 'cityscapes')
# Searched in this order: VOC's own fine masks win over converted SBD ones.
VOC_MASK_DIRS = ('SegmentationClass', 'SegmentationClassAug')
VOC_IMG_DIR, VOC_IMG_SUFFIX, VOC_MASK_SUFFIX = 'JPEGImages', '.jpg', '.png'
CS_IMG_SUFFIX = '_leftImg8bit.png'
CS_MASK_SUFFIX = '_gtFine_labelTrainIds.png'
_MAX_LISTED = 10
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')


class SplitError(ValueError):
    """A split that must not be written (overlap, val ids, missing files)."""


@dataclass(frozen=True)
class SplitProtocol:
    """One labeled-fraction protocol of a benchmark.

    Args:
        name: Split name, also the folder name (``'1-8'``, ``'92'``).
        dataset: ``'pascal_voc'`` or ``'cityscapes'``.
        family: ``'classic'``, ``'blended'`` or ``'cityscapes'``.
        pool: Id pool the labeled ids are drawn from: ``'fine'`` (VOC
            train.txt), ``'train_aug'`` (VOC train + aug - val) or
            ``'train'`` (Cityscapes train folder).
        denominator: The labeled fraction is ``1 / denominator``.
        reference_pool_size: Pool size of the real dataset.
        reference_count: Labeled count the literature uses on the real
            dataset.
    """
    name: str
    dataset: str
    family: str
    pool: str
    denominator: int
    reference_pool_size: int
    reference_count: int

    def count(self, pool_size: int) -> int:
        """Labeled count for a pool of ``pool_size`` ids."""
        return labeled_count(pool_size, self.denominator)


def labeled_count(pool_size: int, denominator: int) -> int:
    """Number of labeled ids for a ``1 / denominator`` split.

    ``ceil`` is the one rounding that gives every published count (10,582/16
    = 661.4 -> 662, 2,975/30 = 99.2 -> 100, 1,464/16 = 91.5 -> 92).

    Args:
        pool_size: Number of ids in the pool.
        denominator: Fraction denominator (1 = the whole pool).

    Returns:
        ``ceil(pool_size / denominator)``, at least 1 (0 for an empty pool).
    """
    if pool_size <= 0:
        return 0
    return max(1, -(-pool_size // denominator))


def _protocols() -> Dict[str, Dict[str, SplitProtocol]]:
    voc: Dict[str, SplitProtocol] = {}
    for k, ref in ((16, 662), (8, 1323), (4, 2646)):
        voc[f'1-{k}'] = SplitProtocol(f'1-{k}', 'pascal_voc', 'blended',
                                      'train_aug', k, 10582, ref)
    for k, ref in ((16, 92), (8, 183), (4, 366), (2, 732), (1, 1464)):
        voc[str(ref)] = SplitProtocol(
            str(ref), 'pascal_voc', 'classic', 'fine', k, 1464, ref)
    cs: Dict[str, SplitProtocol] = {}
    for k, ref in ((30, 100), (16, 186), (8, 372), (4, 744), (2, 1488)):
        cs[f'1-{k}'] = SplitProtocol(f'1-{k}', 'cityscapes', 'cityscapes',
                                     'train', k, 2975, ref)
    table = dict(pascal_voc=voc, cityscapes=cs)
    for protos in table.values():
        for p in protos.values():
            # The counting rule must reproduce the literature exactly.
            assert p.count(p.reference_pool_size) == p.reference_count, p
    return table


PROTOCOLS: Dict[str, Dict[str, SplitProtocol]] = _protocols()


@dataclass
class Split:
    """A labeled/unlabeled partition ready to be written.

    Args:
        dataset: ``'pascal_voc'`` or ``'cityscapes'``.
        name: Split (folder) name.
        labeled: Labeled ids, sorted.
        unlabeled: Unlabeled ids, sorted.
        meta: Content of ``split_meta.json`` (without list hashes).
        mask_paths: Labeled id -> mask path found on disk.
    """
    dataset: str
    name: str
    labeled: List[str]
    unlabeled: List[str]
    meta: dict
    mask_paths: Dict[str, str] = field(default_factory=dict)


class WriteResult(NamedTuple):
    """Outcome of :func:`write_split`: folder and one of ``'written'``,
    ``'unchanged'`` or ``'overwritten'``."""
    path: str
    status: str


# --------------------------------------------------------------------------
# id pools
# --------------------------------------------------------------------------
def _read_ids(path: str) -> List[str]:
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]


def voc_id_pools(voc_root: str) -> Dict[str, List[str]]:
    """Read the Pascal VOC id sets of ``ImageSets/Segmentation``.

    Aug ids come from ``aug.txt`` and, when present, ``trainaug.txt`` (the
    name mmseg's ``voc_aug.py`` writes) or ``train_aug.txt``.

    Args:
        voc_root: The ``VOC2012`` folder.

    Returns:
        Sorted id lists: ``'fine'`` (train.txt minus val), ``'val'``,
        ``'aug'`` (extra SBD ids) and ``'train_aug'`` (fine + aug - val).

    Raises:
        SplitError: If ``train.txt`` or ``val.txt`` is missing.
    """
    sets = osp.join(voc_root, 'ImageSets', 'Segmentation')
    for name in ('train.txt', 'val.txt'):
        if not osp.isfile(osp.join(sets, name)):
            raise SplitError(
                f'{osp.join(sets, name)} not found: is {voc_root!r} a '
                'Pascal VOC 2012 folder (VOCdevkit/VOC2012)?')
    val = set(_read_ids(osp.join(sets, 'val.txt')))
    fine = set(_read_ids(osp.join(sets, 'train.txt'))) - val
    aug: set = set()
    for name in ('aug.txt', 'trainaug.txt', 'train_aug.txt'):
        if osp.isfile(osp.join(sets, name)):
            aug |= set(_read_ids(osp.join(sets, name)))
    aug -= val | fine
    return dict(
        fine=sorted(fine),
        val=sorted(val),
        aug=sorted(aug),
        train_aug=sorted(fine | aug))


def list_cityscapes_ids(data_root: str, subset: str = 'train') -> List[str]:
    """List Cityscapes ids (``city/name``) of one ``leftImg8bit`` subset.

    Args:
        data_root: Cityscapes root (holds ``leftImg8bit`` and ``gtFine``).
        subset: ``'train'`` or ``'val'``.

    Returns:
        Sorted ids relative to ``leftImg8bit/<subset>`` without suffix.
    """
    base = osp.join(data_root, 'leftImg8bit', subset)
    ids = []
    for dirpath, _, files in os.walk(base):
        rel = osp.relpath(dirpath, base)
        for f in files:
            if f.endswith(CS_IMG_SUFFIX):
                stem = f[:-len(CS_IMG_SUFFIX)]
                ids.append(stem if rel == '.' else
                           f'{rel}/{stem}'.replace(os.sep, '/'))
    return sorted(ids)


def cityscapes_id_pools(data_root: str) -> Dict[str, List[str]]:
    """Return ``{'train': [...], 'val': [...]}`` Cityscapes ids.

    Args:
        data_root: Cityscapes root.

    Returns:
        Sorted train and val ids.

    Raises:
        SplitError: If ``leftImg8bit/train`` holds no image.
    """
    train = list_cityscapes_ids(data_root, 'train')
    if not train:
        raise SplitError(
            f'no *{CS_IMG_SUFFIX} under '
            f'{osp.join(data_root, "leftImg8bit", "train")}: is '
            f'{data_root!r} a Cityscapes root?')
    return dict(train=train, val=list_cityscapes_ids(data_root, 'val'))


def id_pools(dataset: str, data_root: str) -> Dict[str, List[str]]:
    """Read the id pools of ``dataset`` (:func:`voc_id_pools` or
    :func:`cityscapes_id_pools`).

    Args:
        dataset: ``'pascal_voc'`` or ``'cityscapes'``.
        data_root: VOC2012 folder or Cityscapes root.

    Returns:
        Pool name -> sorted ids; always has ``'val'``.
    """
    if dataset == 'pascal_voc':
        return voc_id_pools(data_root)
    if dataset == 'cityscapes':
        return cityscapes_id_pools(data_root)
    raise SplitError(f'unknown dataset {dataset!r}; choose from {DATASETS}')


# --------------------------------------------------------------------------
# file checks
# --------------------------------------------------------------------------
def _fmt_ids(ids: Sequence[str], limit: int = _MAX_LISTED) -> str:
    shown = ', '.join(ids[:limit])
    more = len(ids) - limit
    return shown + (f' ... (+{more} more)' if more > 0 else '')


def _image_path(dataset: str, data_root: str, img_id: str) -> str:
    if dataset == 'pascal_voc':
        return osp.join(data_root, VOC_IMG_DIR, img_id + VOC_IMG_SUFFIX)
    return osp.join(data_root, 'leftImg8bit', 'train', img_id + CS_IMG_SUFFIX)


def _find_voc_masks(voc_root: str,
                    ids: Iterable[str]) -> Tuple[Dict[str, str], List[str]]:
    found, missing = {}, []
    for img_id in ids:
        for d in VOC_MASK_DIRS:
            path = osp.join(voc_root, d, img_id + VOC_MASK_SUFFIX)
            if osp.isfile(path):
                found[img_id] = path
                break
        else:
            missing.append(img_id)
    return found, missing


def check_voc_masks(voc_root: str, ids: Iterable[str]) -> Dict[str, str]:
    """Find the mask of every id in ``SegmentationClass`` or
    ``SegmentationClassAug`` (the former wins when both exist).

    Args:
        voc_root: The ``VOC2012`` folder.
        ids: Image ids.

    Returns:
        Id -> mask path.

    Raises:
        SplitError: If some ids have no mask; the message names the files
            that were looked for (at most 10 ids, plus a count).
    """
    found, missing = _find_voc_masks(voc_root, ids)
    if missing:
        raise SplitError(
            f'no mask for {len(missing)} ids (looked for '
            f'{osp.join(voc_root, VOC_MASK_DIRS[0], "<id>.png")} and '
            f'{osp.join(voc_root, VOC_MASK_DIRS[1], "<id>.png")}): '
            f'{_fmt_ids(missing)}')
    return found


def check_cityscapes_masks(data_root: str,
                           ids: Iterable[str],
                           subset: str = 'train') -> Dict[str, str]:
    """Find ``gtFine/<subset>/<id>_gtFine_labelTrainIds.png`` for every id.

    Args:
        data_root: Cityscapes root.
        ids: Ids relative to ``leftImg8bit/<subset>``.
        subset: ``'train'`` or ``'val'``.

    Returns:
        Id -> mask path.

    Raises:
        SplitError: If some masks are missing (named in the message).
    """
    found, missing = {}, []
    for img_id in ids:
        path = osp.join(data_root, 'gtFine', subset, img_id + CS_MASK_SUFFIX)
        if osp.isfile(path):
            found[img_id] = path
        else:
            missing.append(img_id)
    if missing:
        pattern = osp.join(data_root, 'gtFine', subset,
                           '<id>' + CS_MASK_SUFFIX)
        raise SplitError(
            f'no mask for {len(missing)} ids (looked for {pattern}; mmseg\'s '
            'tools/dataset_converters/cityscapes.py creates *labelTrainIds): '
            f'{_fmt_ids(missing)}')
    return found


def _duplicates(ids: Sequence[str]) -> List[str]:
    seen, dup = set(), []
    for i in ids:
        if i in seen and i not in dup:
            dup.append(i)
        seen.add(i)
    return dup


def validate_split(dataset: str,
                   data_root: str,
                   labeled: Sequence[str],
                   unlabeled: Sequence[str],
                   *,
                   labeled_source: str = 'labeled list',
                   unlabeled_source: str = 'unlabeled list',
                   val_ids: Optional[Iterable[str]] = None,
                   flagged_val: Sequence[str] = (),
                   split_name: Optional[str] = None) -> Dict[str, str]:
    """Check a split and collect every problem into one error.

    Args:
        dataset: ``'pascal_voc'`` or ``'cityscapes'``.
        data_root: VOC2012 folder or Cityscapes root.
        labeled: Labeled ids.
        unlabeled: Unlabeled ids.
        labeled_source: File name used in messages for the labeled list.
        unlabeled_source: File name used in messages for the unlabeled list.
        val_ids: Validation ids; read from ``data_root`` when None.
        flagged_val: Ids whose line in a converted file pointed into a
            non-train folder (e.g. ``leftImg8bit/val``).
        split_name: Named in the error message (``dataset/name``).

    Returns:
        Labeled id -> mask path.

    Raises:
        SplitError: Naming the offending file(s) and ids when labeled and
            unlabeled overlap, a list repeats ids or holds val ids, an id has
            no image, or a labeled id has no mask.
    """
    if val_ids is None:
        val_ids = id_pools(dataset, data_root)['val']
    val = set(val_ids)
    problems = []
    for src, ids in ((labeled_source, labeled),
                     (unlabeled_source, unlabeled)):
        dup = _duplicates(ids)
        if dup:
            problems.append(f'{src} repeats {len(dup)} ids: {_fmt_ids(dup)}')
    overlap = sorted(set(labeled) & set(unlabeled))
    if overlap:
        problems.append(f'{labeled_source} and {unlabeled_source} overlap '
                        f'in {len(overlap)} ids: {_fmt_ids(overlap)}')
    flagged = set(flagged_val)
    for src, ids in ((labeled_source, labeled),
                     (unlabeled_source, unlabeled)):
        bad = sorted({i for i in ids if i in val or i in flagged})
        if bad:
            problems.append(f'{src} contains {len(bad)} validation ids: '
                            f'{_fmt_ids(bad)}')
    for src, ids in ((labeled_source, labeled),
                     (unlabeled_source, unlabeled)):
        missing = sorted({
            i for i in ids if i not in flagged
            and not osp.isfile(_image_path(dataset, data_root, i))
        })
        if missing:
            problems.append(
                f'{src} has {len(missing)} ids with no image on disk '
                f'(looked for {_image_path(dataset, data_root, "<id>")}): '
                f'{_fmt_ids(missing)}')
    masks: Dict[str, str] = {}
    to_check = [i for i in dict.fromkeys(labeled) if i not in flagged]
    try:
        if dataset == 'pascal_voc':
            masks = check_voc_masks(data_root, to_check)
        else:
            masks = check_cityscapes_masks(data_root, to_check)
    except SplitError as e:
        problems.append(f'{labeled_source}: {e}')
    if problems:
        header = f'refusing to write split {split_name}:' if split_name \
            else 'refusing to write this split:'
        raise SplitError('\n  - '.join([header] + problems))
    return masks


# --------------------------------------------------------------------------
# community split files
# --------------------------------------------------------------------------
_CS_SUBSETS = ('train', 'val', 'test', 'train_extra')
_CS_SUFFIXES = (CS_IMG_SUFFIX, CS_MASK_SUFFIX, '_gtFine_labelIds.png',
                '_leftImg8bit', '.png', '.jpg')


def parse_split_line(line: str,
                     dataset: str) -> Optional[Tuple[str, Optional[str]]]:
    """Extract our id from one line of a community split file.

    Understood forms (the first whitespace-separated token is used):
    ``JPEGImages/x.jpg SegmentationClass[Aug]/x.png``, ``x.jpg``, ``x``;
    ``leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png
    gtFine/train/...``, ``train/aachen/..._leftImg8bit.png``,
    ``aachen/aachen_000000_000019``, ``aachen_000000_000019``.

    Args:
        line: One line of the file.
        dataset: ``'pascal_voc'`` or ``'cityscapes'``.

    Returns:
        None for a blank or ``#`` comment line, else ``(id, subset)`` where
        ``subset`` is the Cityscapes folder named by the line (``'train'``,
        ``'val'``...) or None when the line does not say.
    """
    text = line.strip()
    if not text or text.startswith('#'):
        return None
    token = text.split()[0].replace('\\', '/')
    while token.startswith('./') or token.startswith('/'):
        token = token[2:] if token.startswith('./') else token[1:]
    if dataset == 'pascal_voc':
        name = token.rsplit('/', 1)[-1]
        stem, ext = osp.splitext(name)
        return (stem if ext.lower() in ('.jpg', '.jpeg', '.png') else name,
                None)
    parts = [p for p in token.split('/') if p]
    subset = None
    if 'leftImg8bit' in parts[:-1] or 'gtFine' in parts[:-1]:
        idx = max(i for i, p in enumerate(parts[:-1])
                  if p in ('leftImg8bit', 'gtFine'))
        parts = parts[idx + 1:]
    if len(parts) > 1 and parts[0] in _CS_SUBSETS:
        subset, parts = parts[0], parts[1:]
    name = parts[-1]
    for suffix in _CS_SUFFIXES:
        if name.endswith(suffix):
            name = name[:-len(suffix)]
            break
    city = parts[-2] if len(parts) >= 2 else name.split('_')[0]
    return f'{city}/{name}', subset


def _load_split_file(
        path: str,
        dataset: str) -> Tuple[List[Tuple[str, Optional[str]]], str]:
    # Read once: the hash must describe exactly the bytes that were parsed
    # (and a pipe such as <(...) cannot be read twice).
    if not osp.exists(path) or osp.isdir(path):
        raise SplitError(f'split file {path} not found')
    with open(path, 'rb') as f:
        data = f.read()
    entries = []
    for line in data.decode('utf-8-sig').splitlines():
        parsed = parse_split_line(line, dataset)
        if parsed is not None:
            entries.append(parsed)
    if not entries:
        raise SplitError(f'split file {path} lists no image')
    return entries, hashlib.sha256(data).hexdigest()


def parse_split_file(path: str,
                     dataset: str) -> List[Tuple[str, Optional[str]]]:
    """Parse a community split file with :func:`parse_split_line`.

    Args:
        path: Text file, one image per line.
        dataset: ``'pascal_voc'`` or ``'cityscapes'``.

    Returns:
        ``(id, subset)`` pairs in file order.

    Raises:
        SplitError: If the file does not exist or holds no id.
    """
    return _load_split_file(path, dataset)[0]


def _sha256_lines(ids: Sequence[str]) -> str:
    return hashlib.sha256(''.join(i + '\n'
                                  for i in ids).encode('utf-8')).hexdigest()


# --------------------------------------------------------------------------
# making splits
# --------------------------------------------------------------------------
def resolve_split_names(dataset: str, names: Sequence[str]) -> List[str]:
    """Expand ``'all'`` and check protocol names for ``dataset``.

    Args:
        dataset: ``'pascal_voc'`` or ``'cityscapes'``.
        names: Split names, or ``['all']``.

    Returns:
        Protocol names in table order without repetition.

    Raises:
        SplitError: For an unknown dataset or split name.
    """
    if dataset not in PROTOCOLS:
        raise SplitError(
            f'unknown dataset {dataset!r}; choose from {DATASETS}')
    known = list(PROTOCOLS[dataset])
    if 'all' in names:
        return known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SplitError(f'unknown {dataset} split(s) {unknown}; choose from '
                         f'{known} or all')
    return [n for n in known if n in names]


def _voc_mask_counts(masks: Dict[str, str]) -> Dict[str, int]:
    counts = {d: 0 for d in VOC_MASK_DIRS}
    for path in masks.values():
        counts[osp.basename(osp.dirname(path))] += 1
    return counts


def make_split(dataset: str,
               data_root: str,
               name: str,
               seed: int = 0,
               pools: Optional[Dict[str, List[str]]] = None) -> Split:
    """Draw a seeded split of one protocol and validate it.

    Labeled ids are the first ``count`` ids of ``random.Random(seed)``'s
    shuffle of the sorted pool, so splits of one pool and seed are nested.
    Unlabeled ids are the rest of the unlabeled pool (VOC: train_aug;
    Cityscapes: train).

    Args:
        dataset: ``'pascal_voc'`` or ``'cityscapes'``.
        data_root: VOC2012 folder or Cityscapes root.
        name: Protocol name (see :data:`PROTOCOLS`).
        seed: Random seed.
        pools: Pre-read id pools (from :func:`voc_id_pools` or
            :func:`cityscapes_id_pools`) to avoid re-reading them.

    Returns:
        The validated :class:`Split`.

    Raises:
        SplitError: For an unknown name, an empty pool or a failed check.
    """
    (name, ) = resolve_split_names(dataset, [name])
    proto = PROTOCOLS[dataset][name]
    pools = pools if pools is not None else id_pools(dataset, data_root)
    pool = pools[proto.pool]
    if not pool:
        raise SplitError(f'{dataset} pool {proto.pool!r} under {data_root} '
                         'is empty')
    order = list(pool)
    random.Random(seed).shuffle(order)
    count = proto.count(len(pool))
    labeled = sorted(order[:count])
    chosen = set(labeled)
    unl_pool = pools['train_aug' if dataset == 'pascal_voc' else 'train']
    unlabeled = sorted(i for i in unl_pool if i not in chosen)
    out_name = osp.join(dataset, name)
    masks = validate_split(
        dataset,
        data_root,
        labeled,
        unlabeled,
        labeled_source=f'{out_name}/labeled.txt',
        unlabeled_source=f'{out_name}/unlabeled.txt',
        val_ids=pools['val'],
        split_name=out_name)
    meta = dict(
        dataset=dataset,
        name=name,
        protocol=dict(
            family=proto.family,
            pool=proto.pool,
            fraction=f'1/{proto.denominator}',
            reference_pool_size=proto.reference_pool_size,
            reference_count=proto.reference_count),
        seed=int(seed),
        source=dict(
            type='generated',
            method='random.Random(seed).shuffle(sorted(pool))[:count], '
            'count = ceil(len(pool) / denominator); nested across fractions'),
        counts=dict(
            labeled=len(labeled),
            unlabeled=len(unlabeled),
            pool=len(pool),
            val=len(pools['val'])),
        data_root=data_root)
    if dataset == 'pascal_voc':
        meta['mask_dirs'] = _voc_mask_counts(masks)
    return Split(dataset, name, labeled, unlabeled, meta, masks)


def _check_name(name: str) -> None:
    if not _NAME_RE.match(name):
        raise SplitError(f'invalid split name {name!r}: use letters, digits, '
                         '".", "_" and "-"')


def convert_split(dataset: str,
                  data_root: str,
                  labeled_file: str,
                  unlabeled_file: Optional[str] = None,
                  name: Optional[str] = None) -> Split:
    """Turn a published split file (and optional unlabeled file) into ours.

    Args:
        dataset: ``'pascal_voc'`` or ``'cityscapes'``.
        data_root: VOC2012 folder or Cityscapes root.
        labeled_file: Community labeled list (see :func:`parse_split_line`).
        unlabeled_file: Community unlabeled list; by default the unlabeled
            ids are the complement of the labeled ones within the train pool
            (VOC: train_aug; Cityscapes: train).
        name: Split name; defaults to the labeled file's stem.

    Returns:
        The validated :class:`Split`.

    Raises:
        SplitError: If a file cannot be read or a check fails; the message
            names the file and the offending ids.
    """
    pools = id_pools(dataset, data_root)
    name = name or osp.splitext(osp.basename(labeled_file))[0]
    _check_name(name)
    entries, digest = _load_split_file(labeled_file, dataset)
    labeled = [i for i, _ in entries]
    flagged = [i for i, s in entries if s not in (None, 'train')]
    source = dict(
        type='converted', labeled_file=labeled_file, labeled_sha256=digest)
    if unlabeled_file is not None:
        u_entries, u_digest = _load_split_file(unlabeled_file, dataset)
        unlabeled = [i for i, _ in u_entries]
        flagged += [i for i, s in u_entries if s not in (None, 'train')]
        source.update(
            unlabeled_file=unlabeled_file, unlabeled_sha256=u_digest)
        u_src = unlabeled_file
    else:
        pool_name = 'train_aug' if dataset == 'pascal_voc' else 'train'
        chosen = set(labeled)
        unlabeled = [i for i in pools[pool_name] if i not in chosen]
        source['unlabeled'] = f'complement of the labeled ids in {pool_name}'
        u_src = f'unlabeled complement in {pool_name}'
    masks = validate_split(
        dataset,
        data_root,
        labeled,
        unlabeled,
        labeled_source=labeled_file,
        unlabeled_source=u_src,
        val_ids=pools['val'],
        flagged_val=flagged,
        split_name=f'{dataset}/{name}')
    labeled, unlabeled = sorted(labeled), sorted(unlabeled)
    # Name the protocol(s) whose count the converted list matches, so a
    # result table can say "1/8 (U2PL list)".
    matches = [
        p.name for p in PROTOCOLS[dataset].values()
        if p.count(len(pools[p.pool])) == len(labeled)
        and (p.pool != 'fine' or set(labeled) <= set(pools['fine']))
    ]
    meta = dict(
        dataset=dataset,
        name=name,
        protocol=dict(family='converted', matches=matches),
        seed=None,
        source=source,
        counts=dict(
            labeled=len(labeled),
            unlabeled=len(unlabeled),
            pool=len(pools['train_aug' if dataset == 'pascal_voc' else
                           'train']),
            val=len(pools['val'])),
        data_root=data_root)
    if dataset == 'pascal_voc':
        meta['mask_dirs'] = _voc_mask_counts(masks)
    return Split(dataset, name, labeled, unlabeled, meta, masks)


# --------------------------------------------------------------------------
# writing / reading
# --------------------------------------------------------------------------
def split_dir(out_root: str, dataset: str, name: str) -> str:
    """Folder of split ``name``: ``<out_root>/<dataset>/<name>``."""
    return osp.join(out_root, dataset, name)


def _split_files(split: Split) -> Dict[str, str]:
    files = {
        'labeled.txt': ''.join(i + '\n' for i in split.labeled),
        'unlabeled.txt': ''.join(i + '\n' for i in split.unlabeled),
    }
    if split.dataset == 'pascal_voc':
        for d in VOC_MASK_DIRS:
            ids = [
                i for i in split.labeled if osp.basename(
                    osp.dirname(split.mask_paths.get(i, ''))) == d
            ]
            files[f'labeled_{d}.txt'] = ''.join(i + '\n' for i in ids)
    meta = dict(split.meta)
    meta['format_version'] = SPLIT_FORMAT_VERSION
    meta['generator'] = 'mmseg_cwbass.datasets.splits'
    meta['files'] = {
        k: hashlib.sha256(v.encode('utf-8')).hexdigest()
        for k, v in sorted(files.items())
    }
    files[SPLIT_META_FILE] = json.dumps(meta, indent=2, sort_keys=True) + '\n'
    return files


def _identity(files: Dict[str, str]) -> Optional[tuple]:
    """What makes two splits "the same": lists, protocol, seed and source
    hashes; not where the data root or the source file happened to be."""
    try:
        meta = json.loads(files[SPLIT_META_FILE])
    except (KeyError, ValueError):
        return None
    src = meta.get('source') or {}
    return (files.get('labeled.txt'), files.get('unlabeled.txt'),
            meta.get('dataset'), meta.get('name'),
            json.dumps(meta.get('protocol'), sort_keys=True), meta.get('seed'),
            src.get('type'), src.get('labeled_sha256'),
            src.get('unlabeled_sha256'), src.get('unlabeled'))


def _atomic_write(path: str, text: str) -> None:
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_split(split: Split,
                out_root: str,
                force: bool = False,
                dry_run: bool = False) -> WriteResult:
    """Write a split's files atomically (temporary file + ``os.replace``).

    Args:
        split: A split from :func:`make_split` or :func:`convert_split`.
        out_root: Root of all splits (default layout ``data/splits``).
        force: Replace an existing split with different content.
        dry_run: Only check (and report) what would happen; write nothing.

    Returns:
        :class:`WriteResult` with the folder and ``'written'``,
        ``'unchanged'`` (an identical split is already there; nothing is
        touched) or ``'overwritten'``.

    Raises:
        SplitError: If a different split exists there and ``force`` is
            False.
    """
    _check_name(split.name)
    target = split_dir(out_root, split.dataset, split.name)
    files = _split_files(split)
    existing = {}
    for fname in (*files, 'labeled.txt', 'unlabeled.txt', SPLIT_META_FILE):
        path = osp.join(target, fname)
        if osp.isfile(path):
            with open(path, encoding='utf-8') as f:
                existing[fname] = f.read()
    status = 'written'
    if existing:
        if _identity(existing) == _identity(files):
            return WriteResult(target, 'unchanged')
        if not force:
            old = _identity(existing)
            what = ('different ids' if old is None
                    or old[:2] != _identity(files)[:2] else
                    'the same ids but a different protocol/seed/source')
            raise SplitError(
                f'{target} already holds a split with {what}; refusing to '
                'overwrite it (pass --force / force=True to replace it, or '
                'choose another --name)')
        status = 'overwritten'
    if dry_run:
        return WriteResult(target, status)
    os.makedirs(target, exist_ok=True)
    # Lists first, meta last: the meta vouches for lists already in place.
    for fname in sorted(files, key=lambda f: f == SPLIT_META_FILE):
        _atomic_write(osp.join(target, fname), files[fname])
    return WriteResult(target, status)


def read_split(path: str) -> Tuple[List[str], List[str]]:
    """Read ``labeled.txt`` and ``unlabeled.txt`` of a split folder.

    Args:
        path: Split folder.

    Returns:
        ``(labeled_ids, unlabeled_ids)``.
    """
    return (_read_ids(osp.join(path, 'labeled.txt')),
            _read_ids(osp.join(path, 'unlabeled.txt')))
