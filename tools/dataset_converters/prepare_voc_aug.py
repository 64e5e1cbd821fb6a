# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Put every Pascal VOC train_aug mask into ``SegmentationClassAug``.

mmseg's ``tools/dataset_converters/voc_aug.py`` writes the SBD masks (the
"aug" set) into ``VOC2012/SegmentationClassAug`` and the lists
``trainaug.txt``/``aug.txt``; the 1,464 fine masks of
``ImageSets/Segmentation/train.txt`` stay in ``SegmentationClass``. The
semi-supervised configs read the masks of a split from ONE folder, so this
tool links (or copies) the fine train masks into ``SegmentationClassAug``
and then checks that all 10,582 train_aug ids have a mask there.

A fine mask replaces an SBD mask of the same id (VOC's own annotation, with
its 255 boundary band, is the one the classic splits and the split checker
of ``tools/make_splits.py`` use); ``--keep-existing`` keeps SBD masks
instead. Val masks are not touched (the configs read them from
``SegmentationClass``).

Examples::

    python tools/dataset_converters/prepare_voc_aug.py data/VOCdevkit/VOC2012
    python tools/dataset_converters/prepare_voc_aug.py \\
        data/VOCdevkit/VOC2012 --mode copy
    python tools/dataset_converters/prepare_voc_aug.py \\
        data/VOCdevkit/VOC2012 --check-only

Exit status 0 when every train_aug id has its mask in
``SegmentationClassAug``, 1 otherwise (the message names the missing files).
"""
from __future__ import annotations

import argparse
import filecmp
import os
import os.path as osp
import shutil
import sys
from dataclasses import dataclass, field
from typing import List, Optional

from mmseg_cwbass.datasets import split_lists as S

FINE_DIR, AUG_DIR = S.VOC_MASK_DIRS
MASK_SUFFIX = '.png'
MODES = ('symlink', 'copy')
_MAX_LISTED = 10


class PrepareError(RuntimeError):
    """The VOC tree cannot be prepared (missing lists or masks)."""


@dataclass
class PrepareReport:
    """What :func:`prepare_voc_aug` did.

    Attributes:
        added: Fine ids whose mask was missing in the aug folder and added.
        replaced: Fine ids whose SBD mask was replaced by the fine mask.
        kept: Fine ids whose existing SBD mask was kept (``keep_existing``).
        unchanged: Fine ids already linked to / identical with the fine mask.
        num_train_aug: Number of train_aug ids checked.
    """
    added: List[str] = field(default_factory=list)
    replaced: List[str] = field(default_factory=list)
    kept: List[str] = field(default_factory=list)
    unchanged: List[str] = field(default_factory=list)
    num_train_aug: int = 0


def _fmt(paths: List[str]) -> str:
    shown = '\n    '.join(paths[:_MAX_LISTED])
    more = len(paths) - _MAX_LISTED
    return shown + (f'\n    ... (+{more} more)' if more > 0 else '')


def _is_link_to(path: str, target: str) -> bool:
    return osp.islink(path) and osp.exists(path) and osp.samefile(
        path, target)


def _is_same(path: str, target: str, mode: str) -> bool:
    """Whether ``path`` already provides exactly the fine mask ``target``."""
    if not osp.exists(path):
        return False
    if mode == 'symlink':
        return _is_link_to(path, target)
    # A copy: same bytes and not a link (a link would break if the fine
    # folder moves, which is what a user asking for copies wants to avoid).
    return not osp.islink(path) and filecmp.cmp(path, target, shallow=False)


def _place(src: str, dst: str, mode: str) -> None:
    """Create ``dst`` from ``src`` atomically (a temporary name, then
    ``os.replace``), so an interrupted run never leaves a half-written mask.
    """
    tmp = f'{dst}.tmp{os.getpid()}'
    if osp.lexists(tmp):
        os.remove(tmp)
    if mode == 'symlink':
        # Relative link: the VOC2012 tree stays valid when it is moved.
        os.symlink(osp.relpath(src, osp.dirname(dst)), tmp)
    else:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def check_train_aug_masks(voc_root: str,
                          ids: Optional[List[str]] = None) -> int:
    """Check that every train_aug id has ``SegmentationClassAug/<id>.png``.

    Args:
        voc_root: The ``VOC2012`` folder.
        ids: Ids to check; by default train_aug (train + aug - val) as read
            by :func:`split_lists.voc_id_pools`.

    Returns:
        The number of ids checked.

    Raises:
        PrepareError: Naming the missing (or dangling-link) mask files.
    """
    if ids is None:
        ids = S.voc_id_pools(voc_root)['train_aug']
    aug_dir = osp.join(voc_root, AUG_DIR)
    # osp.exists follows links: a dangling link counts as missing.
    missing = [
        osp.join(aug_dir, i + MASK_SUFFIX) for i in ids
        if not osp.exists(osp.join(aug_dir, i + MASK_SUFFIX))
    ]
    if missing:
        raise PrepareError(
            f'{len(missing)} of {len(ids)} train_aug masks are missing in '
            f'{aug_dir} (SBD masks come from mmseg\'s '
            'tools/dataset_converters/voc_aug.py; fine masks from '
            f'{FINE_DIR} are added by this tool):\n    {_fmt(missing)}')
    return len(ids)


def prepare_voc_aug(voc_root: str,
                    mode: str = 'symlink',
                    keep_existing: bool = False,
                    dry_run: bool = False) -> PrepareReport:
    """Link or copy the fine train masks into ``SegmentationClassAug``.

    Args:
        voc_root: The ``VOC2012`` folder (holds ``ImageSets/Segmentation``,
            ``SegmentationClass`` and ``SegmentationClassAug``).
        mode: ``'symlink'`` (relative links, default) or ``'copy'``.
        keep_existing: Keep an SBD mask that already exists for a fine id
            instead of replacing it with the fine mask.
        dry_run: Report what would change; write nothing and skip the final
            check.

    Returns:
        A :class:`PrepareReport`.

    Raises:
        PrepareError: If the id lists cannot be read, a fine train mask is
            missing, or (after the update) a train_aug mask is missing.
        ValueError: For an unknown ``mode``.
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    try:
        pools = S.voc_id_pools(voc_root)
    except S.SplitError as e:
        raise PrepareError(str(e)) from e
    fine_dir = osp.join(voc_root, FINE_DIR)
    aug_dir = osp.join(voc_root, AUG_DIR)
    missing_fine = [
        osp.join(fine_dir, i + MASK_SUFFIX) for i in pools['fine']
        if not osp.isfile(osp.join(fine_dir, i + MASK_SUFFIX))
    ]
    if missing_fine:
        raise PrepareError(
            f'{len(missing_fine)} fine masks of ImageSets/Segmentation/'
            f'train.txt are missing (is {voc_root!r} a complete VOC2012 '
            f'folder?):\n    {_fmt(missing_fine)}')
    if not dry_run:
        os.makedirs(aug_dir, exist_ok=True)
    report = PrepareReport()
    for img_id in pools['fine']:
        src = osp.join(fine_dir, img_id + MASK_SUFFIX)
        dst = osp.join(aug_dir, img_id + MASK_SUFFIX)
        if _is_same(dst, src, mode):
            report.unchanged.append(img_id)
            continue
        if osp.lexists(dst):
            if keep_existing and osp.exists(dst):
                report.kept.append(img_id)
                continue
            report.replaced.append(img_id)
        else:
            report.added.append(img_id)
        if not dry_run:
            _place(src, dst, mode)
    if not dry_run:
        report.num_train_aug = check_train_aug_masks(voc_root,
                                                     pools['train_aug'])
    else:
        report.num_train_aug = len(pools['train_aug'])
    return report


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(
        description='Put the fine VOC train masks into SegmentationClassAug '
        'so that all train_aug masks are in one folder.',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('voc_root', help='the VOCdevkit/VOC2012 folder')
    p.add_argument(
        '--mode',
        choices=MODES,
        default='symlink',
        help='relative symlinks (default) or copies')
    p.add_argument(
        '--keep-existing',
        action='store_true',
        help='keep an SBD mask that exists for a fine train id')
    p.add_argument(
        '--check-only',
        action='store_true',
        help='only check that every train_aug id has its mask')
    p.add_argument(
        '--dry-run', action='store_true', help='report, change nothing')
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool on ``argv`` (default ``sys.argv``).

    Exit status: 0 when every train_aug mask is in place, else 1.
    """
    args = build_parser().parse_args(argv)
    try:
        if args.check_only:
            n = check_train_aug_masks(args.voc_root)
            print(f'ok: all {n} train_aug masks found in '
                  f'{osp.join(args.voc_root, AUG_DIR)}')
            return 0
        report = prepare_voc_aug(args.voc_root, args.mode,
                                 args.keep_existing, args.dry_run)
    except (PrepareError, S.SplitError) as e:
        print(f'prepare_voc_aug: error: {e}', file=sys.stderr)
        return 1
    verb = 'would be ' if args.dry_run else ''
    print(f'fine train masks -> {AUG_DIR} ({args.mode}): '
          f'{len(report.added)} {verb}added, {len(report.replaced)} '
          f'{verb}replaced (SBD version), {len(report.kept)} kept, '
          f'{len(report.unchanged)} unchanged')
    if not args.dry_run:
        print(f'ok: all {report.num_train_aug} train_aug masks found in '
              f'{osp.join(args.voc_root, AUG_DIR)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
