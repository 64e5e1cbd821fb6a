"""Refuse weights of another architecture instead of half-loading them."""
from typing import Mapping

import torch.nn as nn


def check_state_dict_fits(model: nn.Module, state_dict: Mapping,
                          prefix: str) -> None:
    """Raise if ``state_dict`` does not fit ``model`` (found under ``prefix``).

    mmengine loads checkpoints non-strictly and only warns about missing keys
    and size mismatches, which would silently train or evaluate a mostly
    random model. Extra modules (e.g. a boundary branch) may be missing, but
    no shape may differ and most weights must be found.

    Args:
        model (nn.Module): The module the weights are for.
        state_dict (Mapping): The checkpoint's state dict.
        prefix (str): Key prefix of ``model``'s entries in ``state_dict``.

    Raises:
        RuntimeError: Naming the counts and a few mismatched keys.
    """
    expected = {
        prefix + k: v.shape
        for k, v in model.state_dict().items()
    }
    mismatched = [
        f'{k[len(prefix):]}: checkpoint {tuple(state_dict[k].shape)} vs '
        f'model {tuple(shape)}' for k, shape in expected.items()
        if k in state_dict and hasattr(state_dict[k], 'shape')
        and tuple(state_dict[k].shape) != tuple(shape)
    ]
    found = sum(k in state_dict for k in expected)
    if mismatched or found < len(expected) / 2:
        raise RuntimeError(
            'the checkpoint does not fit this model (another '
            f'architecture or class count?): {found} of {len(expected)} '
            f'student weights found, {len(mismatched)} with another '
            f'shape, e.g. {mismatched[:3]}')
