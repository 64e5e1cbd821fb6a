"""Exponential moving average teacher (Tarvainen & Valpola, 2017).

After every optimizer step: ``teacher <- (1 - m) * teacher + m * student``
with ``m = 0.001`` (``method.md`` step 9). Buffers (BN running statistics) are
copied from the student by default, as the CW-BASS reference code does. The
role mirrors MMDetection 3.x's ``MeanTeacherHook``.
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS
from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors
from torch.autograd.profiler import record_function

from ...utils.config_keys import reject_unknown_args

BUFFER_POLICIES = ('copy', 'ema', 'skip')
MOMENTUM_SCHEDULES = ('constant', 'inverse')


def broadcast_coalesced(tensors: List[torch.Tensor], src: int = 0) -> int:
    """Broadcast tensors from ``src`` with one collective per dtype.

    The tensors of each dtype and device are flattened into one buffer,
    broadcast, and copied back: the DeepLabv3+ ResNet-101 teacher has 362
    buffers (242 float BN statistics, 120 integer counters), i.e. 362
    collectives per step one at a time and 2 this way.

    Args:
        tensors (list[Tensor]): Dense tensors, updated in place.
        src (int): Rank whose values every rank receives. Defaults to 0.

    Returns:
        int: Number of collectives issued.
    """
    groups: Dict[str, List[torch.Tensor]] = {}
    for tensor in tensors:
        groups.setdefault(tensor.type(), []).append(tensor)
    for group in groups.values():
        flat = _flatten_dense_tensors(group)
        dist.broadcast(flat, src=src)
        torch._foreach_copy_(group, _unflatten_dense_tensors(flat, group))
    return len(groups)


@HOOKS.register_module()
@reject_unknown_args
class MeanTeacherHook(Hook):
    """Update the teacher as an EMA of the student after each step.

    Args:
        momentum (float): Weight of the student in the update, in (0, 1].
            Defaults to 0.001.
        interval (int): Update every ``interval`` iterations. Defaults to 1.
        buffer_policy (str): ``'copy'`` the student's buffers (reference),
            ``'ema'`` of floating-point buffers (integer ones are copied), or
            ``'skip'`` (buffers keep their initial values). Defaults to
            ``'copy'``.
        momentum_schedule (str): ``'constant'``: ``momentum`` at every
            update. ``'inverse'``: ``max(1 / (t + 1), momentum)`` at the
            update after iteration ``t`` (0-based), i.e. UniMatch V2's
            decay ``min(1 - 1 / (t + 1), 0.996)`` with ``momentum=0.004``:
            the teacher is the mean of the students so far until the
            decay reaches its cap. Defaults to ``'constant'``.
    """

    priority = 'NORMAL'

    def __init__(self,
                 momentum: float = 0.001,
                 interval: int = 1,
                 buffer_policy: str = 'copy',
                 momentum_schedule: str = 'constant') -> None:
        if not 0.0 < momentum <= 1.0:
            raise ValueError(f'momentum must be in (0, 1], got {momentum}')
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        if buffer_policy not in BUFFER_POLICIES:
            raise ValueError(f'buffer_policy must be one of '
                             f'{BUFFER_POLICIES}, got {buffer_policy!r}')
        if momentum_schedule not in MOMENTUM_SCHEDULES:
            raise ValueError(f'momentum_schedule must be one of '
                             f'{MOMENTUM_SCHEDULES}, got '
                             f'{momentum_schedule!r}')
        self.momentum = momentum
        self.momentum_schedule = momentum_schedule
        self.interval = interval
        self.buffer_policy = buffer_policy
        self._pairs: Optional[Tuple[List[torch.Tensor], ...]] = None

    @staticmethod
    def _unwrap(model: nn.Module) -> nn.Module:
        model = model.module if is_model_wrapper(model) else model
        if not (hasattr(model, 'teacher') and hasattr(model, 'student')):
            raise TypeError(
                f'MeanTeacherHook needs a model with .teacher and .student '
                f'(e.g. CWBASSSegmentor), got {type(model).__name__}')
        return model

    def _tensor_pairs(self, model: nn.Module) -> Tuple[List[torch.Tensor], ...]:
        """Matching teacher/student tensors, cached after the first call."""
        if self._pairs is None:
            student_params = dict(model.student.named_parameters())
            teacher_params = dict(model.teacher.named_parameters())
            student_buffers = dict(model.student.named_buffers())
            teacher_buffers = dict(model.teacher.named_buffers())
            if student_params.keys() != teacher_params.keys() or \
                    student_buffers.keys() != teacher_buffers.keys():
                raise RuntimeError('teacher and student differ in structure')
            names = list(student_params)
            buffer_names = list(student_buffers)
            self._pairs = (
                [teacher_params[n].data for n in names],
                [student_params[n].data for n in names],
                [teacher_buffers[n] for n in buffer_names],
                [student_buffers[n] for n in buffer_names],
            )
        return self._pairs

    def momentum_at(self, iteration: int) -> float:
        """Weight of the student in the update after ``iteration``."""
        if self.momentum_schedule == 'inverse':
            return max(1.0 / (iteration + 1), self.momentum)
        return self.momentum

    @torch.no_grad()
    def momentum_update(self, model: nn.Module, momentum: float) -> None:
        """``teacher <- (1 - momentum) * teacher + momentum * student``.

        Args:
            model (nn.Module): The (unwrapped) teacher/student model.
            momentum (float): Weight of the student; 1 copies it.
        """
        t_params, s_params, t_buffers, s_buffers = self._tensor_pairs(model)
        if momentum >= 1.0:
            torch._foreach_copy_(t_params, s_params)
        else:
            torch._foreach_lerp_(t_params, s_params, momentum)
        policy = 'copy' if momentum >= 1.0 else self.buffer_policy
        if policy == 'skip':
            return
        if policy == 'ema':
            # Floating-point buffers (BN statistics) follow the EMA; integer
            # ones (num_batches_tracked) are copied.
            pairs = [(t, s) for t, s in zip(t_buffers, s_buffers)
                     if t.is_floating_point()]
            if pairs:
                torch._foreach_lerp_([t for t, _ in pairs],
                                     [s for _, s in pairs], momentum)
            pairs = [(t, s) for t, s in zip(t_buffers, s_buffers)
                     if not t.is_floating_point()]
        else:
            pairs = list(zip(t_buffers, s_buffers))
        if pairs:
            # One fused call instead of a copy_ launch per buffer.
            torch._foreach_copy_([t for t, _ in pairs], [s for _, s in pairs])
        # Student buffers may differ per rank (local BN statistics): rank 0's
        # win, as with DDP's broadcast_buffers, so teachers stay identical.
        if dist.is_available() and dist.is_initialized() and \
                dist.get_world_size() > 1:
            broadcast_coalesced(t_buffers, src=0)

    def before_train(self, runner) -> None:
        """Start the teacher as a copy of the student on a fresh run.

        On resume (``runner.iter > 0``) the teacher comes from the checkpoint.
        """
        model = self._unwrap(runner.model)
        self._pairs = None
        if runner.iter == 0:
            self.momentum_update(model, 1.0)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """EMA update after the optimizer step of this iteration."""
        if (runner.iter + 1) % self.interval != 0:
            return
        with record_function('semi:ema_update'):
            self.momentum_update(
                self._unwrap(runner.model), self.momentum_at(runner.iter))
