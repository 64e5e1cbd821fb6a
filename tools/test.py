"""Test a (semi-supervised) segmentor checkpoint.

Same command line as MMSegmentation's ``tools/test.py``, plus
``--predict-on teacher|student`` for teacher/student models.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.runner import Runner

import mmseg_cwbass  # noqa: F401  (registers the plugin's components)
from mmseg_cwbass.engine.cli import (add_runner_args, fail, load_config,
                                     parse_runner_args, prepare_run)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
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
        '--tta', action='store_true', help='test time augmentation')
    add_runner_args(parser)
    return parse_runner_args(parser)


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
    if not osp.isfile(args.checkpoint):
        return fail(f'checkpoint file {args.checkpoint} does not exist')
    cfg = load_config(args)
    if cfg is None:
        return 2
    cfg.load_from = args.checkpoint
    if args.predict_on is not None:
        if 'segmentor' not in cfg.model:
            return fail('--predict-on needs a teacher/student model config')
        cfg.model.setdefault('semi_test_cfg', {})
        cfg.model.semi_test_cfg['predict_on'] = args.predict_on
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        # With several metrics (e.g. IoU + Boundary IoU) the predictions are
        # written by the IoU metric, which owns that option.
        evaluators = cfg.test_evaluator if isinstance(
            cfg.test_evaluator, list) else [cfg.test_evaluator]
        writers = [e for e in evaluators if e.get('type') == 'IoUMetric']
        for evaluator in writers or evaluators[:1]:
            evaluator['output_dir'] = args.out
            evaluator['keep_results'] = True
    if not prepare_run(cfg, args, phases=('test', )):
        return 2
    runner = Runner.from_cfg(cfg)
    runner.test()
    return 0


if __name__ == '__main__':
    sys.exit(main())
