"""One optimizer step over several micro-batches, exactly as over one batch.

Running a protocol on fewer GPUs with the same global batch and the same
number of optimizer steps (``semi_train_cfg.micro_batches``): the loader
delivers the whole per-GPU batch; the teacher labels all of it and the
threshold sees all of it (so its statistic, its EMA update, the teacher EMA,
the confidence decay, the ramp and the LR schedule advance once per step);
only the student's forward/backward runs part by part. Each mean-type loss
term of a part is rescaled by that part's share of the whole batch's pixel
count, so the accumulated gradient is the whole batch's, on every rank and
with DDP. BatchNorm statistics are those of each micro-batch, as in the
reference's ``DataParallel``, where each GPU normalises its own chunk.
"""
import contextlib
from typing import Dict, List

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from torch import Tensor
from torch.autograd.profiler import record_function

from .global_batch import all_ranks_finite, all_reduce_sum
from .nonfinite import refuse_nonfinite_step


def _part_scales(model: nn.Module, parts: List, micro_batches: int
                 ) -> List[Dict[str, Tensor]]:
    """Each part's share of each normalised term's global pixel count."""
    per_part = [model.loss_normalisers(part) for part in parts]
    keys = sorted(per_part[0])
    if not keys:
        return [{} for _ in parts]
    counts = torch.stack([
        torch.stack([counts[key].sum().float() for key in keys])
        for counts in per_part
    ])  # (parts, terms), this rank
    all_reduce_sum(counts)
    shares = counts / counts.sum(0, keepdim=True).clamp(min=1.0)
    # A part's own loss already divides by its count over the ranks, which
    # its share turns into the whole batch's count.
    return [{key: shares[i, j]
             for j, key in enumerate(keys)} for i in range(micro_batches)]


def _merge_log_vars(log_vars: List[Dict[str, Tensor]]) -> Dict[str, Tensor]:
    """Losses add up over the parts; statistics are averaged."""
    merged = {}
    for key in log_vars[0]:
        values = torch.stack([torch.as_tensor(v[key]) for v in log_vars])
        merged[key] = values.sum() if 'loss' in key else values.mean()
    return merged


def micro_batch_step(model: nn.Module, forward_model: nn.Module, data: dict,
                     optim_wrapper: OptimWrapper,
                     micro_batches: int) -> Dict[str, Tensor]:
    """A teacher/student step over ``micro_batches`` parts of the batch.

    Args:
        model (nn.Module): The teacher/student segmentor.
        forward_model (nn.Module): ``model`` or its DDP wrapper (gradients
            are synchronised on the last part only).
        data (dict): The collated (not yet preprocessed) batch.
        optim_wrapper (OptimWrapper): Steps once, after the last part.
        micro_batches (int): Number of parts.

    Returns:
        dict[str, Tensor]: Log variables of the whole step.
    """
    with optim_wrapper.optim_context(forward_model):
        data = model.data_preprocessor(data, True)
        with torch.no_grad():
            batch = model.prepare_batch(data['inputs'],
                                        data['data_samples'])
    parts = batch.split(micro_batches)
    scales = _part_scales(model, parts, micro_batches)
    is_ddp = hasattr(forward_model, 'no_sync')
    log_vars = []
    for i, part in enumerate(parts):
        last = i == micro_batches - 1
        sync = contextlib.nullcontext() if last or not is_ddp else \
            forward_model.no_sync()
        with sync, optim_wrapper.optim_context(forward_model):
            losses = forward_model._run_forward(
                dict(inputs=part, data_samples=None), mode='loss')
            losses = {
                key: value * scales[i].get(key, 1.0 / micro_batches)
                if 'loss' in key else value
                for key, value in losses.items()
            }
        total, part_log_vars = model.parse_losses(losses)
        if not all_ranks_finite(total):
            return refuse_nonfinite_step(
                losses, part_log_vars, optim_wrapper,
                model.semi_train_cfg['nonfinite_loss'],
                model.current_iter() + 1)
        with record_function('semi:backward_and_step'):
            optim_wrapper.backward(total)
        log_vars.append(part_log_vars)
    with record_function('semi:backward_and_step'):
        optim_wrapper.step()
        optim_wrapper.zero_grad()
    return _merge_log_vars(log_vars)
