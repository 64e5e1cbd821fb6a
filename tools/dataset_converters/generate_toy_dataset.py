# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Generate a seeded toy segmentation dataset in an mmseg layout.

Examples::

    # Pascal VOC layout: data/toy/VOCdevkit/VOC2012
    python tools/dataset_converters/generate_toy_dataset.py --out data/toy \\
        --layout voc --num-train 200 --num-val 50 --num-aug 100 --seed 0 \\
        --size 96 128
    # Cityscapes layout: data/toy_cityscapes/{leftImg8bit,gtFine}
    python tools/dataset_converters/generate_toy_dataset.py \\
        --out data/toy_cityscapes --layout cityscapes --num-train 120 \\
        --num-val 30 --size 64 128

Re-running with the same arguments returns at once (``toy_meta.json``
records them); other arguments rebuild the toy tree.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import List, Optional

from mmseg_cwbass.testing import toy_data


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(
        description='Generate a seeded toy dataset in the Pascal VOC or '
        'Cityscapes layout that mmseg reads.')
    p.add_argument(
        '--out',
        default='data/toy',
        help='root folder (VOC: receives VOCdevkit/VOC2012; Cityscapes: '
        'becomes the data root)')
    p.add_argument('--layout', choices=('voc', 'cityscapes'), default='voc')
    p.add_argument('--num-train', type=int, default=None,
                   help='train images (default 200 VOC, 120 Cityscapes)')
    p.add_argument('--num-val', type=int, default=None,
                   help='val images (default 50 VOC, 30 Cityscapes)')
    p.add_argument(
        '--num-aug',
        type=int,
        default=0,
        help='VOC only: extra train ids with SegmentationClassAug masks')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--max-distractors',
        type=int,
        default=5,
        help='VOC only: most background distractor shapes per image '
        '(difficulty knob)')
    p.add_argument(
        '--size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        default=None,
        help='image height and width (default 96 128 VOC, 64 128 '
        'Cityscapes)')
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool on ``argv`` (default ``sys.argv``).

    Exit status: 0, or 2 for bad arguments.
    """
    args = build_parser().parse_args(argv)
    t0 = time.perf_counter()
    log = lambda msg: print(f'  {msg}', flush=True)  # noqa: E731
    if args.layout == 'voc':
        path = toy_data.generate_toy_voc(
            args.out,
            num_train=200 if args.num_train is None else args.num_train,
            num_val=50 if args.num_val is None else args.num_val,
            num_aug=args.num_aug,
            image_size=tuple(args.size or (96, 128)),
            seed=args.seed,
            max_distractors=args.max_distractors,
            progress=log)
    else:
        if args.num_aug:
            print('generate_toy_dataset: error: --num-aug applies to the voc '
                  'layout only', file=sys.stderr)
            return 2
        path = toy_data.generate_toy_cityscapes(
            args.out,
            num_train=120 if args.num_train is None else args.num_train,
            num_val=30 if args.num_val is None else args.num_val,
            image_size=tuple(args.size or (64, 128)),
            seed=args.seed,
            progress=log)
    print(f'{args.layout} toy dataset ready at {path} '
          f'({time.perf_counter() - t0:.1f}s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
