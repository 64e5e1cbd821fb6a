"""Batch CutMix of a student view with its pseudo-labels (strong view).

Off in the paper configs (the CW-BASS reference feeds teacher and student
the same weak view); offered for ablations through
``semi_train_cfg.cutmix_prob``. It mixes after the teacher has labelled the
batch, so the teacher's labels and confidences move with the pixels.
"""
from typing import Sequence, Tuple

import torch
from torch import Tensor


@torch.no_grad()
def cutmix_batch(images: Tensor, maps: Sequence[Tensor],
                 prob: float) -> Tuple[Tensor, Tuple[Tensor, ...]]:
    """Paste a random box of the next image into each image of a batch.

    Each image is mixed with probability ``prob``; the box covers a
    uniformly drawn 10-50 % of the area. Every tensor of ``maps`` (N, H, W)
    follows the pixels.

    Args:
        images (Tensor): Student view (N, 3, H, W).
        maps (Sequence[Tensor]): Per-pixel maps of the batch (N, H, W).
        prob (float): Probability of mixing each image.

    Returns:
        tuple[Tensor, tuple[Tensor, ...]]: Mixed images and maps.
    """
    num, _, height, width = images.shape
    if num < 2:
        return images, tuple(maps)
    source = torch.roll(torch.arange(num, device=images.device), 1)
    box = torch.zeros((num, height, width), dtype=torch.bool,
                      device=images.device)
    mixed = torch.rand(num) < prob
    areas = torch.empty(num).uniform_(0.1, 0.5)
    centres = torch.rand(num, 2)
    for i in range(num):
        if not mixed[i]:
            continue
        box_h = max(1, int(round(height * areas[i].sqrt().item())))
        box_w = max(1, int(round(width * areas[i].sqrt().item())))
        top = int(centres[i, 0].item() * (height - box_h + 1))
        left = int(centres[i, 1].item() * (width - box_w + 1))
        box[i, top:top + box_h, left:left + box_w] = True

    def mix(tensor: Tensor) -> Tensor:
        mask = box if tensor.dim() == 3 else box[:, None]
        return torch.where(mask, tensor[source], tensor)

    return mix(images), tuple(mix(m) for m in maps)
