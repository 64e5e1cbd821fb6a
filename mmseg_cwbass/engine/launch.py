"""Process-group set-up that mmengine's launcher lacks on CPU-only torch."""
import datetime
from typing import Optional

import torch
import torch.distributed as dist


def init_cpu_distributed(launcher: str,
                         dist_cfg: Optional[dict] = None) -> bool:
    """Join the process group with gloo when torch has no CUDA.

    mmengine's ``pytorch`` launcher calls ``torch.cuda.set_device``, which a
    CPU-only torch does not have. Initialising the group first makes the
    Runner use it as is, so this function applies ``env_cfg.dist_cfg``
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
    if launcher != 'pytorch' or torch.cuda.is_available() or \
            dist.is_initialized():
        return False
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
