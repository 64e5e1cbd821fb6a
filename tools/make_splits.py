# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Write seeded or converted labeled/unlabeled split lists.

Examples::

    # seeded splits of the protocols (Pascal blended 1/8 and 1/4)
    python tools/make_splits.py --dataset pascal_voc \\
        --data-root data/VOCdevkit/VOC2012 --splits 1-8 1-4 --out data/splits
    # every Cityscapes protocol
    python tools/make_splits.py --dataset cityscapes \\
        --data-root data/cityscapes --splits all
    # a published list (U2PL's 1/8) converted to our format
    python tools/make_splits.py --dataset pascal_voc \\
        --data-root data/VOCdevkit/VOC2012 \\
        --convert path/to/labeled.txt [--unlabeled path/to/unlabeled.txt] \\
        --name 1-8-u2pl

Splits land in ``<out>/<dataset>/<name>/{labeled,unlabeled}.txt`` with a
``split_meta.json``.  The tool exits with status 1 and a message naming the
file and the offending ids when a split is invalid (overlap, val ids, missing
images or masks) or when a different split already exists there and
``--force`` is not given.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from typing import List, Optional

try:
    from mmseg_cwbass.datasets import splits as S
except ImportError:  # running from a checkout without installing it
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    from mmseg_cwbass.datasets import splits as S


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(
        description='Write labeled/unlabeled split lists for '
        'semi-supervised segmentation.',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='Protocols: pascal_voc: ' +
        ' '.join(S.PROTOCOLS['pascal_voc']) + '; cityscapes: ' +
        ' '.join(S.PROTOCOLS['cityscapes']))
    p.add_argument('--dataset', required=True, choices=S.DATASETS)
    p.add_argument(
        '--data-root',
        required=True,
        help='VOCdevkit/VOC2012 folder, or the Cityscapes root')
    p.add_argument(
        '--splits',
        nargs='+',
        default=None,
        metavar='NAME',
        help='protocol names to generate, or "all"')
    p.add_argument(
        '--out',
        default='data/splits',
        help='root of the split folders (default: data/splits)')
    p.add_argument('--seed', type=int, default=0, help='random seed')
    p.add_argument(
        '--force',
        action='store_true',
        help='replace an existing split with different content')
    p.add_argument(
        '--convert',
        metavar='LABELED_TXT',
        help='convert a published labeled list instead of drawing one')
    p.add_argument(
        '--unlabeled',
        metavar='UNLABELED_TXT',
        help='with --convert: the published unlabeled list (default: the '
        'complement of the labeled ids in the train pool)')
    p.add_argument(
        '--name', help='with --convert: split name (default: file stem)')
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool.

    Args:
        argv: Arguments without the program name (default ``sys.argv``).

    Returns:
        Exit status: 0 on success, 1 when a split is refused.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.convert is None and not args.splits:
        parser.error('give --splits NAME... (or all), or --convert FILE')
    if args.convert is not None and args.splits:
        parser.error('--splits and --convert are exclusive')
    if args.convert is None and (args.unlabeled or args.name):
        parser.error('--unlabeled and --name only apply with --convert')
    try:
        if args.convert is not None:
            todo = [
                S.convert_split(args.dataset, args.data_root, args.convert,
                                args.unlabeled, args.name)
            ]
        else:
            names = S.resolve_split_names(args.dataset, args.splits)
            pools = S.id_pools(args.dataset, args.data_root)
            todo = [
                S.make_split(args.dataset, args.data_root, n, args.seed,
                             pools) for n in names
            ]
        # Check every split (validity and existing files) before writing
        # any, so a refusal leaves nothing half done.
        for split in todo:
            S.write_split(split, args.out, args.force, dry_run=True)
        results = []
        for split in todo:
            results.append((split, S.write_split(split, args.out,
                                                 args.force)))
    except S.SplitError as e:
        print(f'make_splits: error: {e}', file=sys.stderr)
        return 1
    for split, res in results:
        c = split.meta['counts']
        print(f'{res.status:>11}  {res.path}  labeled={c["labeled"]} '
              f'unlabeled={c["unlabeled"]} (pool {c["pool"]}, '
              f'seed {split.meta["seed"]})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
