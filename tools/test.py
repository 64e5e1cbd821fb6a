"""Test a (semi-supervised) segmentor checkpoint.

Same command line as MMSegmentation's ``tools/test.py``, plus
``--predict-on teacher|student`` for teacher/student models.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmseg_cwbass  # noqa: F401  (registers the plugin's components)
from mmseg_cwbass.datasets import DataConfigError, check_data_config
from mmseg_cwbass.engine.launch import init_cpu_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument('--out', help='folder to save the raw predictions')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir', help='folder to save painted predictions')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='show interval (s)')
    parser.add_argument(
        '--predict-on',
        choices=['teacher', 'student'],
        help='model of a teacher/student checkpoint to evaluate')
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
    parser.add_argument(
        '--tta', action='store_true', help='test time augmentation')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_visualization(cfg: Config, args: argparse.Namespace) -> None:
    """Make the visualization hook draw (and show or save) predictions."""
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise RuntimeError('--show/--show-dir need a visualization hook in '
                           'default_hooks')
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir


def main() -> int:
    args = parse_args()
    for path, what in ((args.config, 'config'), (args.checkpoint,
                                                 'checkpoint')):
        if not osp.isfile(path):
            print(f'error: {what} file {path} does not exist',
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
    cfg.load_from = args.checkpoint
    if args.predict_on is not None:
        if 'semi_test_cfg' not in cfg.model and 'segmentor' not in cfg.model:
            print('error: --predict-on needs a teacher/student model config',
                  file=sys.stderr)
            return 2
        cfg.model.setdefault('semi_test_cfg', {})
        cfg.model.semi_test_cfg['predict_on'] = args.predict_on
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    try:
        check_data_config(cfg, phases=('test', ))
    except DataConfigError as error:
        print(f'error: {args.config}: {error}', file=sys.stderr)
        return 2
    init_cpu_distributed(args.launcher)
    runner = Runner.from_cfg(cfg)
    runner.test()
    return 0


if __name__ == '__main__':
    sys.exit(main())
