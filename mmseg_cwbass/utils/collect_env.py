# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Where a measurement was taken: ``mmseg.utils.collect_env`` plus what it
lacks for the plugin's benchmarks (the GPU measurement and the CPU demo).

mmseg's tools print ``collect_env()`` at the top of a log; our measurement
tools store it in their JSON, so the values are made JSON-safe here.
"""
import os
import platform
import shutil
import subprocess
from typing import Any, Dict

#: nvidia-smi's fields that ``collect_env`` lacks (driver, memory, clocks).
NVIDIA_SMI_QUERY = 'name,driver_version,memory.total,clocks.max.sm,power.limit'


def _json_safe(value: Any) -> Any:
    # numpy integers (numpy_random_seed) and torch's TorchVersion.
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if hasattr(value, 'item'):
        return value.item()
    return str(value)


def collect_env() -> Dict[str, Any]:
    """``mmseg.utils.collect_env()`` with the plugin's additions.

    Added: the versions of mmcv and mmseg-cwbass, cuDNN, the CPU, its core
    count and the torch thread count (what a CPU timing depends on), the
    platform string and, where ``nvidia-smi`` exists, its driver, memory,
    clock and power line of every GPU.

    Returns:
        dict: mmseg's keys (``'Python'``, ``'PyTorch'``, ``'GPU 0'``, ...;
        ``'MMSegmentation'`` without the working directory's git hash)
        then ``'MMCV'``, ``'mmseg-cwbass'``, ``'cuDNN'``, ``'platform'``,
        ``'CPU'``, ``'CPU cores'``, ``'torch threads'`` and
        ``'nvidia-smi'`` (a list of CSV lines); every value is JSON-safe.
    """
    import torch
    from mmseg.utils import collect_env as mmseg_collect_env

    from mmseg_cwbass import __version__

    import mmseg

    env = {k: _json_safe(v) for k, v in mmseg_collect_env().items()}
    # mmseg appends `git rev-parse HEAD` of the working directory: in a
    # clone of this repository that is our commit, labelled as mmseg's.
    env['MMSegmentation'] = mmseg.__version__
    try:
        import mmcv
        env['MMCV'] = mmcv.__version__
    except ImportError as err:  # recorded: a broken install is a finding
        env['MMCV'] = f'not importable: {err}'
    env['mmseg-cwbass'] = __version__
    env['cuDNN'] = torch.backends.cudnn.version() \
        if torch.backends.cudnn.is_available() else None
    env['platform'] = platform.platform()
    env['CPU'] = platform.processor() or platform.machine()
    env['CPU cores'] = os.cpu_count()
    env['torch threads'] = torch.get_num_threads()
    if shutil.which('nvidia-smi'):
        query = subprocess.run(
            ['nvidia-smi', f'--query-gpu={NVIDIA_SMI_QUERY}',
             '--format=csv,noheader'], capture_output=True, text=True)
        env['nvidia-smi'] = query.stdout.strip().splitlines()
    return env
