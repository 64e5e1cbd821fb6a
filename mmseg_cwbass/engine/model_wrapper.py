"""DistributedDataParallel wrapper for teacher/student models.

mmengine's ``MMDistributedDataParallel.train_step`` parses and applies the
loss itself; this subclass routes it through the wrapped model's guarded step
(NaN/Inf check agreed by all ranks, see ``SemiBaseSegmentor``), and accepts
CPU modules (gloo), for which DDP needs ``device_ids=None``. The teacher has
no trainable parameter, so DDP never synchronises gradients for it.
"""
from typing import Dict

import torch
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper
from mmseg.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class SemiDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for :class:`SemiBaseSegmentor`.

    Args:
        module (nn.Module): The teacher/student model.
        **kwargs: Arguments of ``MMDistributedDataParallel``.
    """

    def __init__(self, module, **kwargs) -> None:
        first = next(module.parameters(), None)
        if first is not None and first.device.type == 'cpu':
            kwargs['device_ids'] = None
            kwargs.pop('output_device', None)
        super().__init__(module=module, **kwargs)

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """Guarded step of the wrapped model, forwarding through DDP."""
        if hasattr(self.module, 'guarded_train_step'):
            return self.module.guarded_train_step(self, data, optim_wrapper)
        return super().train_step(data, optim_wrapper)
