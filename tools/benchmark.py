"""Time a CW-BASS step against the compute it needs (issue 7).

Example (the CPU target, ``docs/benchmark.md``)::

    python tools/benchmark.py configs/benchmark/cwbass_r18_128x128_2+2.py \
        --iters 20 --warmup 3 --repeats 3 --out work_dirs/benchmark.json

Prints a markdown report: (a) the CW-BASS step (train_step, logging, EMA),
(b) a plain mmseg supervised step of the same segmentor on ``B_l + B_u``
labeled images, (c) the teacher forward on ``B_u`` images, ``R = a / (b+c)``,
a stage breakdown of (a), peak memory, inference images/s of the exported
teacher and the train dataloader's images/s per worker. ``--out`` also writes
the result as JSON.
"""
import argparse
import json
import os
import os.path as osp
import sys
import warnings

from mmengine.config import DictAction
from mmengine.logging import MMLogger

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    # Runs from a checkout without installing the package.
    sys.path.insert(0, REPO)

from mmseg_cwbass.utils.benchmark import (  # noqa: E402
    BenchmarkOptions, format_markdown, load_config, run_benchmark)


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv``.

    Returns:
        argparse.Namespace: Parsed arguments.
    """
    p = argparse.ArgumentParser(
        description='Benchmark a CW-BASS training step (see '
        'docs/benchmark.md)')
    p.add_argument('config', help='semi-supervised config file')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs')
    p.add_argument('--iters', type=int, default=20,
                   help='timed iterations per variant and round')
    p.add_argument('--warmup', type=int, default=3,
                   help='untimed iterations of each variant first')
    p.add_argument('--repeats', type=int, default=3,
                   help='interleaved rounds; times are medians of rounds')
    p.add_argument('--device', default='auto',
                   help="'auto' (CUDA if available), 'cpu', 'cuda', "
                   "'cuda:N'")
    p.add_argument('--amp', action='store_true',
                   help='mixed precision (AmpOptimWrapper on CUDA, '
                   'bfloat16 autocast on CPU)')
    p.add_argument('--amp-dtype', choices=('float16', 'bfloat16'),
                   help='autocast dtype (default float16 on CUDA, '
                   'bfloat16 on CPU)')
    p.add_argument('--channels-last', action='store_true',
                   help='models and inputs in channels_last memory format')
    p.add_argument('--cudnn-benchmark', choices=('on', 'off'),
                   help='force torch.backends.cudnn.benchmark (default: '
                   'env_cfg.cudnn_benchmark of the config)')
    p.add_argument('--no-memory-variant', action='store_true',
                   help='skip the steps with the teacher under autograd')
    p.add_argument('--no-inference', action='store_true',
                   help='skip the inference measurement')
    p.add_argument('--infer-batch', type=int,
                   help='inference batch (default B_l + B_u)')
    p.add_argument('--data', choices=('auto', 'config', 'toy', 'none'),
                   default='auto',
                   help="train dataloader data: 'auto' = the config's, or "
                   'generated toy VOC data when it is missing')
    p.add_argument('--data-batches', type=int, default=20,
                   help='timed dataloader batches')
    p.add_argument('--toy-image-size', type=int, nargs=2,
                   metavar=('H', 'W'), default=(375, 500),
                   help='size of generated toy images (default: a typical '
                   'VOC photo)')
    p.add_argument('--toy-images', type=int, default=24,
                   help='number of generated toy images')
    p.add_argument('--profile-dir',
                   help='also profile a few CW-BASS steps with '
                   'torch.profiler and write the op table and trace here')
    p.add_argument('--profile-iters', type=int, default=3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int,
                   help='torch.set_num_threads (default: torch default)')
    p.add_argument('--out', help='write the result as JSON to this file')
    p.add_argument('--quiet', action='store_true',
                   help='no progress lines, only the report')
    return p.parse_args(argv)


def main(argv=None) -> int:
    """Run the benchmark; print the report; write JSON if asked."""
    args = parse_args(argv)
    if not osp.isfile(args.config):
        print(f'error: config file {args.config} does not exist',
              file=sys.stderr)
        return 2
    # mmengine and mmseg log build details at INFO and warn about the
    # deprecated pkg_resources: noise in a report.
    MMLogger.get_instance('mmseg_cwbass_benchmark', log_level='WARNING')
    warnings.filterwarnings('ignore', category=UserWarning)
    cfg = load_config(args.config, args.cfg_options)
    options = BenchmarkOptions(
        iters=args.iters,
        warmup=args.warmup,
        repeats=args.repeats,
        device=args.device,
        amp=args.amp,
        amp_dtype=args.amp_dtype,
        channels_last=args.channels_last,
        cudnn_benchmark=None if args.cudnn_benchmark is None else
        args.cudnn_benchmark == 'on',
        memory_variant=not args.no_memory_variant,
        inference=not args.no_inference,
        infer_batch=args.infer_batch,
        data=args.data,
        data_batches=args.data_batches,
        toy_image_size=tuple(args.toy_image_size),
        toy_images=args.toy_images,
        profile_dir=args.profile_dir,
        profile_iters=args.profile_iters,
        seed=args.seed,
        threads=args.threads)

    def log(message: str) -> None:
        if not args.quiet:
            print(f'[benchmark] {message}', file=sys.stderr, flush=True)

    result = run_benchmark(cfg, options, log=log)
    print(format_markdown(result))
    if args.out:
        out_dir = osp.dirname(osp.abspath(args.out))
        os.makedirs(out_dir, exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        log(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
