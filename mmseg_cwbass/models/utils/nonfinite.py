"""What a teacher/student step does with a NaN/Inf loss."""
import logging
from typing import Dict

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from torch import Tensor


def refuse_nonfinite_step(losses: Dict[str, Tensor],
                          log_vars: Dict[str, Tensor],
                          optim_wrapper: OptimWrapper, policy: str,
                          iteration: int) -> Dict[str, Tensor]:
    """Stop training or drop the step whose loss is not finite.

    Called before ``update_params``, so neither the weights nor any
    checkpoint has seen the bad step.

    Args:
        losses (dict[str, Tensor]): The step's loss dict.
        log_vars (dict[str, Tensor]): Parsed log variables.
        optim_wrapper (OptimWrapper): Its gradients are cleared on skip.
        policy (str): ``'stop'`` (raise) or ``'skip'``.
        iteration (int): 1-based iteration, for the message.

    Returns:
        dict[str, Tensor]: The finite log variables plus ``skipped_step``.

    Raises:
        FloatingPointError: With ``policy='stop'``, naming the terms.
    """
    bad_terms = {
        name: value.detach().float().mean().item()
        for name, value in losses.items()
        if not torch.isfinite(value.detach()).all()
    }
    where = f'iteration {iteration}'
    if policy == 'stop':
        raise FloatingPointError(
            f'non-finite loss at {where}: {bad_terms or "on another rank"}'
            '. Training stopped before the optimizer step, so the '
            'weights and the last checkpoint are intact. Lower the '
            'learning rate or set model.semi_train_cfg.nonfinite_loss='
            "'skip' to drop such steps.")
    print_log(
        f'skipped the step of {where}: non-finite loss '
        f'{bad_terms or "on another rank"}',
        logger='current',
        level=logging.WARNING)
    optim_wrapper.zero_grad()
    log_vars = {k: v for k, v in log_vars.items() if torch.isfinite(v).all()}
    log_vars['skipped_step'] = torch.tensor(1.0)
    return log_vars
