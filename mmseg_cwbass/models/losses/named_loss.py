"""Base of the plugin's losses: mmseg's ``loss_name`` convention."""
import torch.nn as nn


class NamedLoss(nn.Module):
    """A loss with a weight and the ``loss_name`` mmseg heads key it by.

    mmengine sums every loss-dict entry whose key contains ``loss``; the name
    must start with ``loss_`` so that the term counts.

    Args:
        loss_weight (float): Weight of the loss.
        loss_name (str): Name of the loss item in the loss dict.
    """

    def __init__(self, loss_weight: float, loss_name: str) -> None:
        super().__init__()
        if not loss_name.startswith('loss_'):
            raise ValueError(
                f"loss_name must start with 'loss_', got {loss_name!r}")
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """Name of the loss item in the loss dict."""
        return self._loss_name
