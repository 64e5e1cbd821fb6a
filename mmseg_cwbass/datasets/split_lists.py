# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Labeled/unlabeled split lists: protocols, checks, conversion, writing.

The library of ``tools/make_splits.py`` and
``tools/dataset_converters/prepare_voc_aug.py``.

A split is a folder (by default ``data/splits/<dataset>/<name>/``) with
``labeled.txt`` and ``unlabeled.txt`` (one image id per line, the format
mmseg's ``BaseSegDataset`` reads as ``ann_file``: the image path relative to
``data_prefix.img_path`` without ``img_suffix``), for Pascal VOC also
``labeled_SegmentationClass.txt`` and ``labeled_SegmentationClassAug.txt``
(the labeled ids by the folder of their mask, VOC's fine masks first, for a
labeled set built as mmseg's ``pascal_voc12_aug.py`` builds one), and
``split_meta.json`` (dataset, protocol, seed, source, counts and the SHA-256
of every list, so that each result can name its exact split list).

Protocols: Pascal VOC "classic" ``92``/``183``/``366``/``732``/``1464``
(1/16 ... all of the 1,464 ids of ``train.txt``; unlabeled = the rest of
train_aug), VOC "blended" ``1-16``/``1-8``/``1-4`` of the 10,582 train_aug
ids (662/1323/2646), Cityscapes ``1-30``/``1-16``/``1-8``/``1-4``/``1-2`` of
the 2,975 train images (100/186/372/744/1488). ``ceil(pool / k)`` gives every
published count; on smaller data the same fraction is taken. Draws of one
pool and seed are prefixes of one permutation: 1/16 is inside 1/8.

Every split is checked before it is written: overlapping lists, val ids,
ids without an image and labeled ids without a mask raise
:class:`SplitError`.
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

from .dataset_configs import read_ids

SPLIT_FORMAT_VERSION = 1
SPLIT_META_FILE = 'split_meta.json'
GENERATOR = 'tools/make_splits.py'
DATASETS = ('pascal_voc', 'cityscapes')
# Searched in this order: VOC's own fine masks win over converted SBD ones.
VOC_MASK_DIRS = ('SegmentationClass', 'SegmentationClassAug')
CS_IMG_SUFFIX = '_leftImg8bit.png'
CS_MASK_SUFFIX = '_gtFine_labelTrainIds.png'
_MAX_LISTED = 10
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')


class SplitError(ValueError):
    """A split that must not be written (overlap, val ids, missing files)."""


@dataclass
class Layout:
    """Where the image and the mask of an id are.

    The image is ``<img_dir>/<id><img_suffix>``; the mask is ``masks[id]``
    if given (the path a dataset lists), else the first
    ``<mask_dir>/<id><mask_suffix>`` of ``mask_dirs`` that exists. ``hint``
    is added to the message about missing masks.
    """
    img_dir: str
    img_suffix: str
    mask_dirs: Tuple[str, ...]
    mask_suffix: str
    masks: Dict[str, str] = field(default_factory=dict)
    hint: str = ''

    def image_path(self, img_id: str) -> str:
        """Path of the image of ``img_id``."""
        return osp.join(self.img_dir, img_id + self.img_suffix)

    def find_mask(self, img_id: str) -> Optional[str]:
        """Path of the mask of ``img_id`` on disk, or None."""
        if img_id in self.masks:
            path = self.masks[img_id]
            return path if osp.isfile(path) else None
        for folder in self.mask_dirs:
            path = osp.join(folder, img_id + self.mask_suffix)
            if osp.isfile(path):
                return path
        return None

    def mask_patterns(self) -> str:
        """The mask files looked for, for messages."""
        return ' and '.join(
            osp.join(d, '<id>' + self.mask_suffix) for d in self.mask_dirs)


def voc_layout(voc_root: str) -> Layout:
    """Layout of a ``VOC2012`` folder (masks in both VOC mask folders)."""
    return Layout(
        osp.join(voc_root, 'JPEGImages'), '.jpg',
        tuple(osp.join(voc_root, d) for d in VOC_MASK_DIRS), '.png')


def cityscapes_layout(data_root: str, subset: str = 'train') -> Layout:
    """Layout of one subset of a Cityscapes root (train-id masks)."""
    return Layout(
        osp.join(data_root, 'leftImg8bit', subset), CS_IMG_SUFFIX,
        (osp.join(data_root, 'gtFine', subset), ), CS_MASK_SUFFIX,
        hint="mmseg's tools/dataset_converters/cityscapes.py creates "
        '*labelTrainIds')


@dataclass(frozen=True)
class SplitProtocol:
    """One labeled-fraction protocol of a benchmark.

    ``name`` is also the folder name (``'1-8'``, ``'92'``); ``family`` is
    ``'classic'``, ``'blended'`` or ``'cityscapes'``; labeled ids are drawn
    from ``pool``: ``'fine'`` (VOC train.txt), ``'train_aug'`` (VOC train +
    aug - val) or ``'train'`` (Cityscapes); the fraction is
    ``1 / denominator``; ``reference_*`` are the real dataset's numbers.
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
    """``ceil(pool_size / denominator)``, at least 1 (0 for an empty pool).

    ``ceil`` is the one rounding that gives every published count (10,582/16
    = 661.4 -> 662, 2,975/30 = 99.2 -> 100, 1,464/16 = 91.5 -> 92).
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

    ``dataset`` and ``name`` name the folder; ``labeled`` and
    ``unlabeled`` are sorted ids; ``meta`` is the content of
    ``split_meta.json`` without the list hashes; ``mask_paths`` maps each
    labeled id to its mask.
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
def voc_id_pools(voc_root: str) -> Dict[str, List[str]]:
    """Sorted id lists of a ``VOC2012`` folder's ``ImageSets/Segmentation``:
    ``'fine'`` (train.txt minus val), ``'val'``, ``'aug'`` (extra SBD ids of
    ``aug.txt``, ``trainaug.txt`` or ``train_aug.txt``) and ``'train_aug'``
    (fine + aug - val).

    Raises:
        SplitError: If ``train.txt`` or ``val.txt`` is missing.
    """
    sets = osp.join(voc_root, 'ImageSets', 'Segmentation')
    for name in ('train.txt', 'val.txt'):
        if not osp.isfile(osp.join(sets, name)):
            raise SplitError(
                f'{osp.join(sets, name)} not found: is {voc_root!r} a '
                'Pascal VOC 2012 folder (VOCdevkit/VOC2012)?')
    val = set(read_ids(osp.join(sets, 'val.txt')))
    fine = set(read_ids(osp.join(sets, 'train.txt'))) - val
    aug: set = set()
    for name in ('aug.txt', 'trainaug.txt', 'train_aug.txt'):
        if osp.isfile(osp.join(sets, name)):
            aug |= set(read_ids(osp.join(sets, name)))
    aug -= val | fine
    return dict(
        fine=sorted(fine),
        val=sorted(val),
        aug=sorted(aug),
        train_aug=sorted(fine | aug))


def cityscapes_id_pools(data_root: str) -> Dict[str, List[str]]:
    """Return ``{'train': [...], 'val': [...]}`` Cityscapes ids (``city/name``
    relative to ``leftImg8bit/<subset>``, sorted).

    Raises:
        SplitError: If ``leftImg8bit/train`` holds no image.
    """
    pools = {}
    for subset in ('train', 'val'):
        base = osp.join(data_root, 'leftImg8bit', subset)
        ids = []
        for dirpath, _, files in os.walk(base):
            rel = osp.relpath(dirpath, base)
            for f in files:
                if f.endswith(CS_IMG_SUFFIX):
                    stem = f[:-len(CS_IMG_SUFFIX)]
                    ids.append(stem if rel == '.' else
                               f'{rel}/{stem}'.replace(os.sep, '/'))
        pools[subset] = sorted(ids)
    if not pools['train']:
        raise SplitError(
            f'no *{CS_IMG_SUFFIX} under '
            f'{osp.join(data_root, "leftImg8bit", "train")}: is '
            f'{data_root!r} a Cityscapes root?')
    return pools


def _dataset_functions(dataset: str) -> tuple:
    if dataset == 'pascal_voc':
        return voc_id_pools, voc_layout
    if dataset == 'cityscapes':
        return cityscapes_id_pools, cityscapes_layout
    raise SplitError(f'unknown dataset {dataset!r}; choose from {DATASETS}')


def id_pools(dataset: str, data_root: str) -> Dict[str, List[str]]:
    """Pool name -> sorted ids of ``dataset`` (always has ``'val'``)."""
    return _dataset_functions(dataset)[0](data_root)


def dataset_layout(dataset: str, data_root: str) -> Layout:
    """:func:`voc_layout` or :func:`cityscapes_layout` of ``dataset``."""
    return _dataset_functions(dataset)[1](data_root)


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------
def _fmt_ids(ids: Sequence[str], limit: int = _MAX_LISTED) -> str:
    shown = ', '.join(ids[:limit])
    more = len(ids) - limit
    return shown + (f' ... (+{more} more)' if more > 0 else '')


def check_masks(layout: Layout, ids: Iterable[str]) -> Dict[str, str]:
    """Find the mask of every id.

    Returns:
        Id -> mask path.

    Raises:
        SplitError: If some ids have no mask; the message names the files
            looked for and at most 10 ids, plus a count.
    """
    found, missing = {}, []
    for img_id in ids:
        path = layout.find_mask(img_id)
        if path is None:
            missing.append(img_id)
        else:
            found[img_id] = path
    if missing:
        hint = f'; {layout.hint}' if layout.hint else ''
        raise SplitError(
            f'no mask for {len(missing)} ids (looked for '
            f'{layout.mask_patterns()}{hint}): {_fmt_ids(missing)}')
    return found


def _duplicates(ids: Sequence[str]) -> List[str]:
    seen, dup = set(), []
    for i in ids:
        if i in seen and i not in dup:
            dup.append(i)
        seen.add(i)
    return dup


def check_lists(layout: Layout,
                labeled: Sequence[str],
                unlabeled: Sequence[str],
                *,
                val_ids: Iterable[str] = (),
                labeled_source: str = 'labeled list',
                unlabeled_source: str = 'unlabeled list',
                flagged_val: Sequence[str] = (),
                split_name: Optional[str] = None) -> Dict[str, str]:
    """Check a split and collect every problem into one error.

    Labeled ids need an image and a mask, unlabeled ids an image only.
    ``flagged_val`` are ids whose line in a converted file pointed into a
    non-train folder (``leftImg8bit/val``); the ``*_source`` names and
    ``split_name`` (``dataset/name``) are used in the message.

    Returns:
        Labeled id -> mask path.

    Raises:
        SplitError: Naming the offending file(s) and ids when labeled and
            unlabeled overlap, a list repeats ids or holds val ids, an id has
            no image, or a labeled id has no mask.
    """
    val, flagged = set(val_ids), set(flagged_val)
    lists = ((labeled_source, labeled), (unlabeled_source, unlabeled))
    problems = []
    for src, ids in lists:
        dup = _duplicates(ids)
        if dup:
            problems.append(f'{src} repeats {len(dup)} ids: {_fmt_ids(dup)}')
    overlap = sorted(set(labeled) & set(unlabeled))
    if overlap:
        problems.append(f'{labeled_source} and {unlabeled_source} overlap '
                        f'in {len(overlap)} ids: {_fmt_ids(overlap)}')
    for src, ids in lists:
        bad = sorted({i for i in ids if i in val or i in flagged})
        if bad:
            problems.append(f'{src} contains {len(bad)} validation ids: '
                            f'{_fmt_ids(bad)}')
    for src, ids in lists:
        missing = sorted({
            i for i in ids
            if i not in flagged and not osp.isfile(layout.image_path(i))
        })
        if missing:
            problems.append(
                f'{src} has {len(missing)} ids with no image on disk '
                f'(looked for {layout.image_path("<id>")}): '
                f'{_fmt_ids(missing)}')
    masks: Dict[str, str] = {}
    try:
        masks = check_masks(
            layout, [i for i in dict.fromkeys(labeled) if i not in flagged])
    except SplitError as e:
        problems.append(f'{labeled_source}: {e}')
    if problems:
        header = f'refusing to write split {split_name}:' if split_name \
            else 'refusing to write this split:'
        raise SplitError('\n  - '.join([header] + problems))
    return masks


def validate_split(dataset: str,
                   data_root: str,
                   labeled: Sequence[str],
                   unlabeled: Sequence[str],
                   *,
                   val_ids: Optional[Iterable[str]] = None,
                   **kwargs) -> Dict[str, str]:
    """:func:`check_lists` on a ``'pascal_voc'`` (VOC2012 folder) or
    ``'cityscapes'`` tree; ``val_ids`` are read from it when None, and
    ``kwargs`` are the message arguments of :func:`check_lists`."""
    if val_ids is None:
        val_ids = id_pools(dataset, data_root)['val']
    return check_lists(
        dataset_layout(dataset, data_root), labeled, unlabeled,
        val_ids=val_ids, **kwargs)


def seeded_draw(pool: Sequence[str], count: int, seed: int) -> List[str]:
    """The first ``count`` ids of ``random.Random(seed)``'s shuffle of the
    sorted pool, sorted: draws of one pool and seed are nested."""
    order = sorted(pool)
    random.Random(seed).shuffle(order)
    return sorted(order[:count])


def check_name(name: str) -> None:
    """Refuse a split name that is not a plain folder name."""
    if not _NAME_RE.match(name):
        raise SplitError(f'invalid split name {name!r}: use letters, digits, '
                         '".", "_" and "-"')


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

    Returns:
        For one line of a ``dataset`` file: None for a blank or ``#``
        comment line, else ``(id, subset)`` where
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


def parse_split_file(
        path: str,
        dataset: str) -> Tuple[List[Tuple[str, Optional[str]]], str]:
    """Parse a community split file with :func:`parse_split_line`.

    Returns:
        ``(id, subset)`` pairs in file order, and the file's SHA-256.

    Raises:
        SplitError: If the file does not exist or holds no id.
    """
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
    meta['generator'] = GENERATOR
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


def write_split_to(split: Split,
                   target: str,
                   force: bool = False,
                   dry_run: bool = False) -> WriteResult:
    """Write a split's files into ``target`` atomically (temporary file +
    ``os.replace`` each, ``split_meta.json`` last).

    ``force`` replaces an existing split with different content;
    ``dry_run`` only checks (and reports) what would happen.

    Returns:
        :class:`WriteResult` with the folder and ``'written'``,
        ``'unchanged'`` (an identical split is already there; nothing is
        touched) or ``'overwritten'``.

    Raises:
        SplitError: If a different split exists there and ``force`` is
            False.
    """
    check_name(split.name)
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


def write_split(split: Split,
                out_root: str,
                force: bool = False,
                dry_run: bool = False) -> WriteResult:
    """:func:`write_split_to` the folder ``<out_root>/<dataset>/<name>``."""
    return write_split_to(split, split_dir(out_root, split.dataset,
                                           split.name), force, dry_run)


def read_split(path: str) -> Tuple[List[str], List[str]]:
    """``(labeled_ids, unlabeled_ids)`` of a split folder."""
    return (read_ids(osp.join(path, 'labeled.txt')),
            read_ids(osp.join(path, 'unlabeled.txt')))
