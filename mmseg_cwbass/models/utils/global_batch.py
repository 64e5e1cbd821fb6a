"""Normalise losses over the global batch of all ranks.

The CW-BASS reference computes its losses on the whole 16-image batch
(``DataParallel`` gathers every GPU's output on one device): a mean over the
non-ignored, kept or band pixels of that batch. Under DDP each rank only
sees its share. With ``divisor = max(N_global, 1) / world_size``, the loss
``sum_rank / divisor`` of every rank, after DDP averages the gradients over
the ranks, gives exactly the gradient of ``sum_all / max(N_global, 1)``: one
process on the global batch.
"""
from typing import Optional

import torch
import torch.distributed as dist
from torch import Tensor


def world_size() -> int:
    """Number of ranks of the default process group (1 if none)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def all_reduce_sum(tensor: Tensor) -> Tensor:
    """Sum ``tensor`` over ranks in place (no-op on one process)."""
    if world_size() > 1:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def global_mean_divisor(count: Tensor,
                        avg_factor: Optional[Tensor] = None) -> Tensor:
    """Divisor of a rank's loss sum for a mean over the global batch.

    Args:
        count (Tensor): The rank's count of pixels the mean runs over.
        avg_factor (Tensor, optional): A divisor computed by the caller
            (e.g. for several micro-batches at once); returned unchanged.

    Returns:
        Tensor: ``max(sum of count over ranks, 1) / world_size`` (detached).
    """
    if avg_factor is not None:
        return avg_factor
    total = count.detach().to(torch.float32).reshape(1).clone()
    ranks = world_size()
    if ranks > 1:
        all_reduce_sum(total)
    return total[0].clamp(min=1.0) / ranks


def all_ranks_finite(value: Tensor) -> bool:
    """Whether ``value`` is finite on every rank (one small all-reduce).

    All ranks must take the same decision about a step, or DDP's gradient
    all-reduce would wait forever for the rank that skipped it.
    """
    finite = torch.isfinite(value.detach()).all().to(torch.int32).reshape(1)
    if world_size() > 1:
        dist.all_reduce(finite, op=dist.ReduceOp.MIN)
    return bool(finite.item())
