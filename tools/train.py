"""Train a (semi-supervised) segmentor with mmengine's runner.

Same command line as MMSegmentation's ``tools/train.py``; ``--resume`` also
takes a checkpoint path (without one it resumes from the latest complete
checkpoint in the work dir). Exit status: 0 done, 75 stopped by a
preemption signal after a checkpoint (PreemptionHook), 1 a checkpoint could
not be written (full disk...), 2 bad arguments, config or data
(docs/cluster.md).
"""
import argparse
import logging
import os.path as osp
import sys

from mmengine.logging import print_log
from mmengine.runner import Runner

import mmseg_cwbass  # noqa: F401  (registers the plugin's components)
from mmseg.registry import RUNNERS
from mmseg_cwbass.engine.checkpoint import (CheckpointResumeError,
                                            CheckpointWriteError,
                                            find_resume_checkpoint)
from mmseg_cwbass.engine.cli import (add_runner_args, apply_micro_batches,
                                     enable_auto_scale_lr, fail, load_config,
                                     parse_runner_args, prepare_run)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or from the latest one in the '
        'work dir when no path is given')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--micro-batches',
        type=int,
        default=1,
        metavar='K',
        help='exact mode on fewer GPUs: load K times the per-GPU batch and '
        'split each step into K micro-batches (the same global batch and '
        'optimizer steps on 1/K of the GPUs; docs/training.md)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scaled mode: scale the learning rate linearly with the real '
        'batch (mmengine auto_scale_lr, as in mmdet)')
    add_runner_args(parser)
    return parse_runner_args(parser)


def main() -> int:
    args = parse_args()
    cfg = load_config(args)
    if cfg is None:
        return 2
    if args.amp:
        wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper_type == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in the config.',
                      logger='current', level=logging.WARNING)
        elif wrapper_type != 'OptimWrapper':
            return fail('--amp needs optim_wrapper.type OptimWrapper, got '
                        f'{wrapper_type}')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    problem = None
    if args.micro_batches != 1:
        problem = apply_micro_batches(cfg, args.micro_batches)
    if problem is None and args.auto_scale_lr:
        problem = enable_auto_scale_lr(cfg)
    if problem:
        return fail(problem)

    if args.resume == 'auto':
        # The pointer's checkpoint, or the newest complete one if that is
        # truncated or unreadable (the log names what was skipped).
        try:
            found = find_resume_checkpoint(cfg.work_dir)
        except CheckpointResumeError as error:
            return fail(str(error))
        cfg.resume = found is not None
        cfg.load_from = found
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            return fail(f'--resume checkpoint {args.resume} does not exist')
        cfg.resume = True
        cfg.load_from = args.resume

    if not prepare_run(cfg, args, phases=('train', 'val')):
        return 2
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else \
        RUNNERS.build(cfg)
    try:
        runner.train()
    except CheckpointWriteError as error:
        # Full disk, quota, read-only folder: the previous checkpoint and
        # last_checkpoint are intact. (A preemption exits with 75 from
        # PreemptionHook.)
        print(f'error: {error}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
