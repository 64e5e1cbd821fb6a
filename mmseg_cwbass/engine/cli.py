"""Command-line pieces shared by the tools: ``read_config`` for every tool
that reads a config, the runner arguments of ``tools/train.py`` and
``tools/test.py``."""
import argparse
import os
import os.path as osp
import sys
from typing import Any, Dict, Optional

from mmengine.config import Config, DictAction
from mmengine.utils import import_modules_from_strings

from ..datasets.checks import (DataConfigError, check_data_config,
                               check_input_files)
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


def read_config(path: str,
                cfg_options: Optional[Dict[str, Any]] = None,
                import_custom_modules: bool = True) -> Config:
    """Read a config file and apply ``--cfg-options``: the one way the tools
    load a config.

    Args:
        path (str): Config file.
        cfg_options (dict, optional): ``key=value`` overrides (what
            ``DictAction`` parses from ``--cfg-options``).
        import_custom_modules (bool): Import the config's
            ``custom_imports`` (after the overrides, so an override of
            ``custom_imports`` counts). False reads values only, e.g. a
            config dumped by a run whose plugins are not installed here.

    Returns:
        Config: The merged config.

    Raises:
        FileNotFoundError: ``path`` is not a file (named in the message).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path} does not exist')
    cfg = Config.fromfile(path, import_custom_modules=False)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if import_custom_modules and cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    return cfg


def load_config(args: argparse.Namespace) -> Optional[Config]:
    """The config with ``--cfg-options``, launcher and work dir applied.

    Args:
        args (Namespace): Parsed arguments with ``config``, ``cfg_options``,
            ``launcher`` and ``work_dir``.

    Returns:
        Config | None: None (after printing why) if the file is missing.
    """
    try:
        cfg = read_config(args.config, args.cfg_options)
    except FileNotFoundError as error:
        fail(str(error))
        return None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def apply_micro_batches(cfg: Config, micro_batches: int) -> Optional[str]:
    """Load ``micro_batches`` times the per-GPU batch and split each step.

    The protocol's global batch and number of optimizer steps on
    ``1 / micro_batches`` of its GPUs (exact mode, docs/training.md,
    "Running on N GPUs"): the loader delivers ``micro_batches`` times the
    per-GPU batch of each source, and ``model.semi_train_cfg.micro_batches``
    runs the student on one part at a time.

    Args:
        cfg (Config): A teacher/student config (changed in place).
        micro_batches (int): The factor.

    Returns:
        str | None: Why it cannot be applied, or None.
    """
    if micro_batches < 1:
        return f'--micro-batches must be >= 1, got {micro_batches}'
    if 'segmentor' not in cfg.model:
        return ('--micro-batches needs a teacher/student config; for a '
                'supervised one raise train_dataloader.batch_size instead')
    loader = cfg.train_dataloader
    sampler = loader.sampler
    sampler.source_ratio = [r * micro_batches for r in sampler.source_ratio]
    sampler.batch_size *= micro_batches
    loader.batch_size *= micro_batches
    semi = cfg.model.setdefault('semi_train_cfg', {})
    semi['micro_batches'] = semi.get('micro_batches', 1) * micro_batches
    return None


def enable_auto_scale_lr(cfg: Config) -> Optional[str]:
    """Turn on mmengine's linear LR scaling (scaled mode).

    Returns:
        str | None: Why it cannot be enabled, or None.
    """
    scale = cfg.get('auto_scale_lr')
    if not scale or 'base_batch_size' not in scale:
        return ('--auto-scale-lr needs auto_scale_lr=dict(base_batch_size=...)'
                ' in the config (the protocol\'s images per iteration over '
                'all GPUs)')
    scale.enable = True
    return None


def prepare_run(cfg: Config, args: argparse.Namespace, phases) -> bool:
    """Check the data settings and scan the input files (headers), then
    join a CPU process group if needed (with ``env_cfg.dist_cfg``).

    Args:
        cfg (Config): The loaded config.
        args (Namespace): Parsed arguments (``config``, ``launcher``).
        phases (Sequence[str]): Dataloaders to check.

    Returns:
        bool: False (after printing why) if the data settings cannot work.
    """
    try:
        check_data_config(cfg, phases=phases)
        check_input_files(cfg, phases=phases)
    except DataConfigError as error:
        fail(f'{args.config}: {error}')
        return False
    try:
        init_cpu_distributed(args.launcher,
                             cfg.get('env_cfg', {}).get('dist_cfg'))
    except ValueError as error:
        fail(f'{args.config}: {error}')
        return False
    return True
