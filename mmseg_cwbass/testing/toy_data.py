# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Seeded toy segmentation datasets in the Pascal VOC and Cityscapes layouts.

No real benchmark data can be fetched where this plugin is tested, so the
tests and the CPU demo run on synthetic data written in exactly the layouts
that mmseg's own ``PascalVOCDataset`` and ``CityscapesDataset`` read.

The scenes are drawn by :mod:`.toy_voc` (six VOC classes on cluttered
backgrounds; its docstring says how the classes are made hard to tell
apart) and :mod:`.toy_cityscapes` (street scenes); this module writes them
to disk.

Layouts written by :func:`generate_toy_voc` (``<root>/VOCdevkit/VOC2012``):

* ``JPEGImages/<id>.jpg`` for train, val and aug ids;
* ``SegmentationClass/<id>.png``: palette ('P') PNGs with the VOC palette,
  pixel value = class index, 255 = ignore band, for train and val ids (the
  VOC "fine" set);
* ``SegmentationClassAug/<id>.png``: plain 8-bit PNGs without an ignore band,
  like the SBD masks converted by mmseg's ``voc_aug.py``, for aug and train
  ids (the widely distributed ``SegmentationClassAug`` archive also covers
  the VOC train ids);
* ``ImageSets/Segmentation/{train,val,trainval}.txt`` and, when ``num_aug >
  0``, ``aug.txt`` (aug ids only) and ``trainaug.txt`` (train + aug, the name
  mmseg's converter writes) plus ``train_aug.txt`` (same content, the name
  community code uses).

:func:`generate_toy_cityscapes` writes ``leftImg8bit/{train,val}/<city>/
<city>_<seq>_<frame>_leftImg8bit.png`` and the matching
``gtFine/.../*_gtFine_labelTrainIds.png`` (Cityscapes train ids 0..18, 255 =
void) of simple street scenes.

Both generators are deterministic (byte-identical files for the same
arguments on the same library versions) and skip regeneration when a
``toy_meta.json`` in the target records the same arguments.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import shutil
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from .toy_cityscapes import TOY_CITYSCAPES_LABELS, render_cityscapes_sample
from .toy_voc import TOY_CLASSES, render_voc_sample

__all__ = [
    'TOY_CLASSES', 'TOY_PALETTE', 'TOY_CITYSCAPES_LABELS', 'VOC_PALETTE_256',
    'META_FILE', 'voc_colormap', 'render_voc_sample',
    'render_cityscapes_sample', 'generate_toy_voc', 'generate_toy_cityscapes'
]

# Bumped whenever the rendering changes, so cached toy trees are rebuilt.
TOY_FORMAT_VERSION = 2
META_FILE = 'toy_meta.json'


def voc_colormap(num: int = 256) -> List[List[int]]:
    """Return the standard Pascal VOC colour map.

    Args:
        num: Number of entries.

    Returns:
        ``num`` ``[r, g, b]`` triples; entry 255 is VOC's ignore colour
        (224, 224, 192).
    """
    cmap = []
    for i in range(num):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        cmap.append([r, g, b])
    return cmap


VOC_PALETTE_256: List[List[int]] = voc_colormap(256)
TOY_PALETTE: List[List[int]] = [list(c) for c in VOC_PALETTE_256[:6]]
_VOC_PALETTE_FLAT: List[int] = [v for rgb in VOC_PALETTE_256 for v in rgb]
_SPLIT_CODES = {'train': 0, 'val': 1, 'aug': 2}


# --------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------
def _rng_for(seed: int, split: str, index: int) -> np.random.Generator:
    # One independent stream per image: an image depends only on (seed,
    # split, index), so growing a split leaves existing images unchanged.
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), _SPLIT_CODES[split],
                                int(index)]))


def _save_label_p(label: np.ndarray, path: str) -> None:
    # The 8-bit values are the palette indices themselves (no colour
    # quantisation), as in VOC's SegmentationClass files.
    img = Image.frombytes('P', (label.shape[1], label.shape[0]),
                          np.ascontiguousarray(label, np.uint8).tobytes())
    img.putpalette(_VOC_PALETTE_FLAT)
    img.save(path, format='PNG', compress_level=6)


def _save_label_l(label: np.ndarray, path: str) -> None:
    Image.fromarray(label.astype(np.uint8), mode='L').save(
        path, format='PNG', compress_level=6)


def _write_lines(path: str, lines: Sequence[str]) -> None:
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.writelines(line + '\n' for line in lines)


def _prepare_target(target: str, meta: dict,
                    owned: Sequence[str]) -> bool:
    """Decide whether ``target`` must be (re)generated.

    Returns False when a finished toy tree with identical arguments is
    already there.  Cleans up a previous toy tree with other arguments, and
    refuses to write into a non-empty directory that no generator created,
    because that could be a real dataset.
    """
    meta_path = osp.join(target, META_FILE)
    if osp.isfile(meta_path):
        with open(meta_path, encoding='utf-8') as f:
            try:
                old = json.load(f)
            except json.JSONDecodeError:
                old = None
        if old == meta:
            return False
        for name in owned:
            path = osp.join(target, name)
            if osp.isdir(path):
                shutil.rmtree(path)
        os.remove(meta_path)
    elif osp.isdir(target) and any(
            osp.exists(osp.join(target, name)) for name in owned):
        raise FileExistsError(
            f'{target} already holds data that was not written by the toy '
            f'generator (no {META_FILE}); refusing to overwrite it. Choose '
            'another root.')
    return True


def _write_meta(target: str, meta: dict) -> None:
    # Written last: a tree interrupted mid-way has no meta and is redone.
    tmp = osp.join(target, META_FILE + '.tmp')
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write('\n')
    os.replace(tmp, osp.join(target, META_FILE))


def _check_size(image_size: Sequence[int]) -> Tuple[int, int]:
    if len(image_size) != 2:
        raise ValueError(f'image_size must be (height, width), got '
                         f'{image_size!r}')
    h, w = int(image_size[0]), int(image_size[1])
    if h < 16 or w < 16:
        raise ValueError(f'image_size must be at least 16x16, got {h}x{w}')
    return h, w


def generate_toy_voc(root: str,
                     num_train: int = 200,
                     num_val: int = 50,
                     num_aug: int = 0,
                     image_size: Tuple[int, int] = (96, 128),
                     seed: int = 0,
                     *,
                     jpeg_quality: int = 90,
                     ignore_radius: int = 1,
                     max_objects: int = 6,
                     max_distractors: int = 4,
                     progress: Optional[Callable[[str], None]] = None) -> str:
    """Write a toy dataset in the Pascal VOC 2012 (+ SBD aug) layout.

    Image ids are ``train_000000``..., ``val_000000``... and
    ``aug_000000``...; an image depends only on ``(seed, split, index)``.

    Args:
        root: Folder that receives ``VOCdevkit/VOC2012``.
        num_train: Number of ids in ``train.txt`` (the "fine" train set,
            masks in ``SegmentationClass`` and ``SegmentationClassAug``).
        num_val: Number of ids in ``val.txt``.
        num_aug: Number of extra train ids with masks only in
            ``SegmentationClassAug`` (listed in ``aug.txt``).
        image_size: ``(height, width)`` of every image.
        seed: Random seed.
        jpeg_quality: JPEG quality of ``JPEGImages``.
        ignore_radius: Half width of the 255 band around contours in
            ``SegmentationClass`` masks.
        max_objects: Maximum labelled objects per image (each image has
            between ``max_objects // 2`` and ``max_objects``).
        max_distractors: Maximum background distractors per image
            (1..max); a difficulty knob.
        progress: Optional callable receiving one status line per split.

    Returns:
        Path of the ``VOC2012`` folder (the mmseg ``data_root``).
    """
    if min(num_train, num_val, num_aug) < 0 or num_train + num_aug < 1:
        raise ValueError('counts must be >= 0 with at least one train image')
    if max_objects < 1 or max_distractors < 1:
        raise ValueError('max_objects and max_distractors must be >= 1')
    h, w = _check_size(image_size)
    target = osp.join(root, 'VOCdevkit', 'VOC2012')
    meta = dict(
        generator='mmseg_cwbass.testing.toy_data.generate_toy_voc',
        format_version=TOY_FORMAT_VERSION,
        layout='voc',
        num_train=int(num_train),
        num_val=int(num_val),
        num_aug=int(num_aug),
        image_size=[h, w],
        seed=int(seed),
        jpeg_quality=int(jpeg_quality),
        ignore_radius=int(ignore_radius),
        max_objects=int(max_objects),
        max_distractors=int(max_distractors),
        classes=list(TOY_CLASSES))
    owned = ('JPEGImages', 'SegmentationClass', 'SegmentationClassAug',
             'ImageSets')
    if not _prepare_target(target, meta, owned):
        return target
    dirs = {name: osp.join(target, name) for name in owned}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    sets_dir = osp.join(dirs['ImageSets'], 'Segmentation')
    os.makedirs(sets_dir, exist_ok=True)

    ids: Dict[str, List[str]] = {}
    for split, count in (('train', num_train), ('val', num_val),
                         ('aug', num_aug)):
        ids[split] = [f'{split}_{i:06d}' for i in range(count)]
        for i, img_id in enumerate(ids[split]):
            image, fine, plain = render_voc_sample(
                _rng_for(seed, split, i), (h, w),
                max_objects=max_objects,
                max_distractors=max_distractors,
                ignore_radius=ignore_radius)
            Image.fromarray(image).save(
                osp.join(dirs['JPEGImages'], img_id + '.jpg'),
                format='JPEG', quality=int(jpeg_quality))
            if split in ('train', 'val'):
                _save_label_p(
                    fine, osp.join(dirs['SegmentationClass'],
                                   img_id + '.png'))
            if split in ('train', 'aug'):
                _save_label_l(
                    plain,
                    osp.join(dirs['SegmentationClassAug'], img_id + '.png'))
        if progress is not None:
            progress(f'{split}: {count} images')

    _write_lines(osp.join(sets_dir, 'train.txt'), ids['train'])
    _write_lines(osp.join(sets_dir, 'val.txt'), ids['val'])
    _write_lines(osp.join(sets_dir, 'trainval.txt'), ids['train'] + ids['val'])
    if num_aug > 0:
        _write_lines(osp.join(sets_dir, 'aug.txt'), ids['aug'])
        for name in ('trainaug.txt', 'train_aug.txt'):
            _write_lines(osp.join(sets_dir, name), ids['train'] + ids['aug'])
    _write_meta(target, meta)
    return target


_TRAIN_CITIES = ('aachen', 'bochum', 'bremen', 'cologne')
_VAL_CITIES = ('frankfurt', 'lindau', 'munster')


def generate_toy_cityscapes(root: str,
                            num_train: int = 120,
                            num_val: int = 30,
                            image_size: Tuple[int, int] = (64, 128),
                            seed: int = 0,
                            *,
                            progress: Optional[Callable[[str], None]] = None
                            ) -> str:
    """Write a toy dataset in the Cityscapes layout mmseg reads.

    Files: ``leftImg8bit/<split>/<city>/<city>_<seq>_000019_leftImg8bit.png``
    and ``gtFine/<split>/<city>/<city>_<seq>_000019_gtFine_labelTrainIds.png``
    with ``<split>`` in ``train``/``val`` and images spread over a few cities.

    Args:
        root: The Cityscapes ``data_root`` to create.
        num_train: Number of train images.
        num_val: Number of val images.
        image_size: ``(height, width)`` of every image.
        seed: Random seed.
        progress: Optional callable receiving one status line per split.

    Returns:
        ``root`` (the mmseg ``data_root``).
    """
    if min(num_train, num_val) < 0 or num_train < 1:
        raise ValueError('counts must be >= 0 with at least one train image')
    h, w = _check_size(image_size)
    meta = dict(
        generator='mmseg_cwbass.testing.toy_data.generate_toy_cityscapes',
        format_version=TOY_FORMAT_VERSION,
        layout='cityscapes',
        num_train=int(num_train),
        num_val=int(num_val),
        image_size=[h, w],
        seed=int(seed),
        labels=TOY_CITYSCAPES_LABELS)
    owned = ('leftImg8bit', 'gtFine')
    if not _prepare_target(root, meta, owned):
        return root
    for split, count, cities in (('train', num_train, _TRAIN_CITIES),
                                 ('val', num_val, _VAL_CITIES)):
        for i in range(count):
            city = cities[i % len(cities)]
            stem = f'{city}_{i // len(cities):06d}_000019'
            img_dir = osp.join(root, 'leftImg8bit', split, city)
            ann_dir = osp.join(root, 'gtFine', split, city)
            os.makedirs(img_dir, exist_ok=True)
            os.makedirs(ann_dir, exist_ok=True)
            image, label = render_cityscapes_sample(
                _rng_for(seed, split, i), (h, w))
            Image.fromarray(image).save(
                osp.join(img_dir, stem + '_leftImg8bit.png'), format='PNG',
                compress_level=6)
            _save_label_l(
                label, osp.join(ann_dir, stem + '_gtFine_labelTrainIds.png'))
        if progress is not None:
            progress(f'{split}: {count} images')
    _write_meta(root, meta)
    return root
