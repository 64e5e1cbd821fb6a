# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The optimizer of a teacher/student model: the student's parameters only.

mmengine's ``DefaultOptimWrapperConstructor`` walks every parameter of the
model to apply ``paramwise_cfg`` and logs one warning per parameter that
does not require gradients. The frozen EMA teacher of
:class:`SemiBaseSegmentor` (Tarvainen and Valpola, "Mean teachers are better
role models", NeurIPS 2017) is such a parameter set: 110 to 360+ warnings
before the first useful line of a run. This constructor leaves a sub-module
whose parameters are all frozen out of the walk with one log line, and logs
the parameter groups as one line per distinct setting instead of mmengine's
line per tensor and option. The parameter groups are exactly mmengine's: a
frozen parameter was skipped there too, so checkpoints' optimizer states
load either way.
"""
import logging
from collections import Counter
from typing import List, Optional, Union

import torch.nn as nn
from mmengine.logging import MMLogger, print_log
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS

# What mmengine logs per tensor and option in ``add_params``.
PER_TENSOR_LINE = 'paramwise_options -- '


class _DropPerTensorLines(logging.Filter):

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(PER_TENSOR_LINE)


def _fmt(value) -> str:
    return f'{value:g}' if isinstance(value, float) else str(value)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SemiOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` that skips frozen sub-modules.

    ``paramwise_cfg`` keys match the full parameter names as before
    (``student.decode_head.conv_seg.weight`` matches ``'decode_head'``).
    Set it in a schedule::

        optim_wrapper = dict(
            type='OptimWrapper',
            constructor='SemiOptimWrapperConstructor',
            optimizer=dict(type='SGD', lr=0.001, momentum=0.9),
            paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.)}))

    A subclass that sets its own parameter groups (e.g. layer-wise decay)
    overrides :meth:`add_params` and calls :meth:`is_frozen` (or this
    class's ``add_params``) to leave the teacher out the same way.
    """

    @staticmethod
    def is_frozen(module: nn.Module) -> bool:
        """Whether ``module`` has parameters and none of them is trained."""
        flags = [p.requires_grad for p in module.parameters()]
        return bool(flags) and not any(flags)

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   is_dcn_module: Optional[Union[int, float]] = None) -> None:
        """Add the trainable parameters of ``module`` to ``params``.

        A sub-module (never the model itself) whose parameters are all
        frozen is left out with one log line instead of one warning per
        tensor; everything else is mmengine's walk.

        Args:
            params (list[dict]): Parameter groups, extended in place.
            module (nn.Module): The module to walk.
            prefix (str): Its name in the model.
            is_dcn_module (int | float, optional): As in mmengine.
        """
        if prefix and self.is_frozen(module):
            count = sum(1 for _ in module.parameters())
            print_log(
                f'{prefix}: its {count} parameters are frozen '
                '(requires_grad=False) and left out of the optimizer',
                logger='current',
                level=logging.INFO)
            return
        super().add_params(params, module, prefix, is_dcn_module)

    def __call__(self, model: nn.Module) -> OptimWrapper:
        """Build the optimizer wrapper; log one line per group setting.

        Args:
            model (nn.Module): The model (or a wrapper with ``.module``).

        Returns:
            OptimWrapper: As mmengine's constructor builds it.
        """
        logger = MMLogger.get_current_instance()
        quiet = _DropPerTensorLines()
        logger.addFilter(quiet)
        try:
            wrapper = super().__call__(model)
        finally:
            logger.removeFilter(quiet)
        optimizer = wrapper.optimizer
        settings = Counter()
        for group in optimizer.param_groups:
            # 'name': one group per tensor in subclasses (layer decay).
            setting = tuple(
                (k, v) for k, v in sorted(group.items())
                if k not in ('params', 'name')
                and v != optimizer.defaults.get(k, object()))
            settings[setting] += len(group['params'])
        for setting, count in settings.items():
            what = ', '.join(f'{k}={_fmt(v)}' for k, v in setting)
            print_log(
                f'optimizer: {count} parameter tensors with '
                f'{what or "the optimizer defaults"}',
                logger='current',
                level=logging.INFO)
        return wrapper
