# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""CPU demo: what CW-BASS buys over supervised-only training (``make demo``).

Generates a seeded toy dataset in the Pascal VOC layout (once; reused when
present), writes the 1/8 split, trains the same tiny DeepLabv3+ with the
same schedule and labeled images twice (supervised only, then CW-BASS with
the unlabeled images and a strong student view), evaluates both on val and
prints a table (mIoU, per-class IoU, boundary IoU). Outputs in
``work_dirs/demo``: summary.json, demo_grid.png (predictions, teacher
confidence, boundary band) and demo_curves.png (losses, tau, kept-pixel
ratio, val mIoU). ``--bench`` measures six runs over seeds (supervised 1/8,
Mean Teacher, CW-BASS as in the paper, CW-BASS + strong view, supervised on
all labels, CW-BASS with the reference's EMA and ramp-up): bench.md/json.

Examples::

    python tools/demo.py                  # the demo (~7 min on 2 cores)
    python tools/demo.py --reuse          # reuse finished identical runs
    python tools/demo.py --iters 500      # a quicker, rougher look
    # the bench over three seeds (~30 min on 2 cores, two runs at a time):
    # work_dirs/demo/bench.{md,json}
    python tools/demo.py --bench --seeds 0 1 2 --jobs 2
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

try:
    from mmseg_cwbass.apis import demo as D
except ImportError:  # running from a checkout without installing it
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    from mmseg_cwbass.apis import demo as D


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(
        description='CPU demo of CW-BASS on a generated toy VOC dataset: '
        'supervised-only vs CW-BASS, side by side (or, with --bench, four '
        'methods over several seeds).',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='work_dirs/demo',
                   help='output folder (default: work_dirs/demo)')
    p.add_argument('--data-dir', default='data',
                   help='data root: toy data in <dir>/toy, split in '
                   '<dir>/splits/toy_voc/1-8 (default: data)')
    p.add_argument('--iters', type=int, default=None,
                   help='training iterations of every run (default: the '
                   'configs\', 3000)')
    p.add_argument('--seed', type=int, default=0,
                   help='training seed of the demo runs (default: 0)')
    p.add_argument('--reuse', action='store_true',
                   help='reuse finished runs whose config, data, split, '
                   'iterations and seed are identical instead of '
                   'retraining')
    p.add_argument('--threads', type=int, default=1,
                   help='torch threads per run (default 1: the tiny model '
                   'gains nothing from more, and they contend for cores)')
    p.add_argument('--bench', action='store_true',
                   help='run the bench instead of the demo')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2],
                   help='bench: training seeds (default: 0 1 2)')
    p.add_argument('--methods', nargs='+', default=list(D.BENCH_RUNS),
                   choices=sorted(D.RUNS),
                   help='bench: runs to measure (default: all six)')
    p.add_argument('--jobs', type=int, default=None,
                   help='bench: runs at a time, one process each '
                   '(default: the number of CPU cores, at most 2)')
    p.add_argument('--num-train', type=int,
                   default=D.DEFAULT_DATA['num_train'],
                   help='toy data: train images (default: %(default)s)')
    p.add_argument('--num-val', type=int, default=D.DEFAULT_DATA['num_val'],
                   help='toy data: val images (default: %(default)s)')
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Run the demo or the bench.

    Args:
        argv: Arguments without the program name (default ``sys.argv``).

    Returns:
        Exit status.
    """
    args = build_parser().parse_args(argv)
    if args.threads < 1 or (args.iters is not None and args.iters < 1):
        print('demo: error: --threads and --iters must be >= 1',
              file=sys.stderr)
        return 2
    import torch
    torch.set_num_threads(args.threads)
    data_kwargs = dict(num_train=args.num_train, num_val=args.num_val)
    if args.bench:
        jobs = args.jobs or max(1, min(2, os.cpu_count() or 1))
        D.run_bench(
            out_dir=args.out,
            data_dir=args.data_dir,
            seeds=args.seeds,
            methods=args.methods,
            iters=args.iters,
            jobs=jobs,
            threads=args.threads,
            reuse=args.reuse,
            data_kwargs=data_kwargs)
    else:
        D.run_demo(
            out_dir=args.out,
            data_dir=args.data_dir,
            iters=args.iters,
            seed=args.seed,
            reuse=args.reuse,
            data_kwargs=data_kwargs)
    return 0


if __name__ == '__main__':
    sys.exit(main())
