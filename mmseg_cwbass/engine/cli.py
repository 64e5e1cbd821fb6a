"""Command-line pieces shared by ``tools/train.py`` and ``tools/test.py``."""
import argparse
import os
import os.path as osp
import sys
from typing import Optional

from mmengine.config import Config, DictAction

from ..datasets.checks import DataConfigError, check_data_config
from .launch import init_cpu_distributed


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
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


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse and export ``LOCAL_RANK`` as torch's launchers expect."""
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def fail(message: str) -> int:
    """Print an error for the user and return the exit status 2."""
    print(f'error: {message}', file=sys.stderr)
    return 2


def load_config(args: argparse.Namespace) -> Optional[Config]:
    """The config with ``--cfg-options``, launcher and work dir applied.

    Args:
        args (Namespace): Parsed arguments with ``config``, ``cfg_options``,
            ``launcher`` and ``work_dir``.

    Returns:
        Config | None: None (after printing why) if the file is missing.
    """
    if not osp.isfile(args.config):
        fail(f'config file {args.config} does not exist')
        return None
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def prepare_run(cfg: Config, args: argparse.Namespace, phases) -> bool:
    """Check the data settings, then join a CPU process group if needed.

    Args:
        cfg (Config): The loaded config.
        args (Namespace): Parsed arguments (``config``, ``launcher``).
        phases (Sequence[str]): Dataloaders to check.

    Returns:
        bool: False (after printing why) if the data settings cannot work.
    """
    try:
        check_data_config(cfg, phases=phases)
    except DataConfigError as error:
        fail(f'{args.config}: {error}')
        return False
    init_cpu_distributed(args.launcher)
    return True
