"""Process-group set-up that mmengine's launcher lacks on CPU-only torch."""
import torch
import torch.distributed as dist


def init_cpu_distributed(launcher: str) -> bool:
    """Join the process group with gloo when torch has no CUDA.

    mmengine's ``pytorch`` launcher calls ``torch.cuda.set_device``, which a
    CPU-only torch does not have. Initialising the group first makes the
    Runner use it as is.

    Args:
        launcher (str): ``--launcher`` of the tool.

    Returns:
        bool: Whether this function initialised the group.
    """
    if launcher != 'pytorch' or torch.cuda.is_available() or \
            dist.is_initialized():
        return False
    dist.init_process_group(backend='gloo')
    return True
