"""Process-group set-up that mmengine's launcher lacks on CPU-only torch."""
import datetime
import os
import subprocess
from typing import Optional

import torch
import torch.distributed as dist


def init_cpu_distributed(launcher: str,
                         dist_cfg: Optional[dict] = None) -> bool:
    """Join the process group with gloo when torch has no CUDA.

    mmengine's ``pytorch`` and ``slurm`` launchers call
    ``torch.cuda.set_device``, which a CPU-only torch does not have.
    Initialising the group first makes the Runner use it as is, so this
    function applies ``env_cfg.dist_cfg``
    itself, as mmengine's ``init_dist`` would: ``timeout`` (seconds) is how
    long a collective waits for a rank that died or hangs before it fails
    (torch's default: 30 minutes for gloo); other keys go to
    ``init_process_group``. The backend is gloo whatever ``backend`` says
    (NCCL needs CUDA).

    Args:
        launcher (str): ``--launcher`` of the tool.
        dist_cfg (dict, optional): ``env_cfg.dist_cfg`` of the config.

    Returns:
        bool: Whether this function initialised the group.
    """
    if launcher not in ('pytorch', 'slurm') or torch.cuda.is_available() \
            or dist.is_initialized():
        return False
    if launcher == 'slurm':
        _export_slurm_env()
    kwargs = dict(dist_cfg or {})
    kwargs.pop('backend', None)
    timeout = kwargs.pop('timeout', None)
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout,
                                                       (int, float)):
            raise ValueError('env_cfg.dist_cfg.timeout must be a number of '
                            f'seconds, got {timeout!r}')
        kwargs['timeout'] = datetime.timedelta(seconds=timeout)
    dist.init_process_group(backend='gloo', **kwargs)
    return True


def _export_slurm_env() -> None:
    """torch's rank variables from slurm's, as mmengine's slurm launcher
    sets them (rank 0's host is the master; ``MASTER_PORT`` or 29500)."""
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        hosts = subprocess.run(
            ['scontrol', 'show', 'hostnames', os.environ['SLURM_NODELIST']],
            capture_output=True, text=True, check=True).stdout.split()
        os.environ['MASTER_ADDR'] = hosts[0]
