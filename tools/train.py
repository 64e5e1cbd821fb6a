"""Train a (semi-supervised) segmentor with mmengine's runner.

Same command line as MMSegmentation's ``tools/train.py``; ``--resume`` also
takes a checkpoint path (without one it resumes from the latest checkpoint in
the work dir).
"""
import argparse
import logging
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmseg_cwbass  # noqa: F401  (registers the plugin's components)
from mmseg_cwbass.datasets import DataConfigError, check_data_config
from mmseg_cwbass.engine.launch import init_cpu_distributed
from mmseg.registry import RUNNERS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
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
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> int:
    args = parse_args()
    if not osp.isfile(args.config):
        print(f'error: config file {args.config} does not exist',
              file=sys.stderr)
        return 2
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper_type == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in the config.',
                      logger='current', level=logging.WARNING)
        elif wrapper_type != 'OptimWrapper':
            print(f'error: --amp needs optim_wrapper.type OptimWrapper, got '
                  f'{wrapper_type}', file=sys.stderr)
            return 2
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            print(f'error: --resume checkpoint {args.resume} does not exist',
                  file=sys.stderr)
            return 2
        cfg.resume = True
        cfg.load_from = args.resume

    try:
        check_data_config(cfg, phases=('train', 'val'))
    except DataConfigError as error:
        print(f'error: {args.config}: {error}', file=sys.stderr)
        return 2
    init_cpu_distributed(args.launcher)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else \
        RUNNERS.build(cfg)
    runner.train()
    return 0


if __name__ == '__main__':
    sys.exit(main())
