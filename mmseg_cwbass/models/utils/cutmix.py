"""CutMix of a student view with its pseudo-labels (strong views).

One implementation of the box and of the mix, used two ways:

* as a data transform (:class:`~mmseg_cwbass.datasets.transforms.
  RandomCutMixBox`): each strong view draws its box in the loader, as
  UniMatch V2's ``obtain_cutmix_box`` does, and the segmentor pastes the
  partner image's pixels (:func:`cutmix_with_boxes`);
* inside the segmentor (``semi_train_cfg.cutmix_prob``, the plugin's older
  strong-view option): :func:`cutmix_batch` draws the boxes there.

The mix runs after the teacher has labelled the weak view, so the teacher's
labels, confidences and valid masks move with the pixels. The partner of
image ``i`` is ``N - 1 - i`` (``'reverse'``, UniMatch V2's ``flip(0)``) or
``i - 1`` (``'roll'``, the plugin's earlier choice), within the batch the
segmentor prepares (the whole per-GPU batch, before any micro-batch split).
"""
import math
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

CUTMIX_PARTNERS = ('reverse', 'roll')
Box = Tuple[int, int, int, int]


def sample_cutmix_box(height: int,
                      width: int,
                      area: Sequence[float] = (0.02, 0.4),
                      aspect: Sequence[float] = (0.3, 1 / 0.3),
                      rng: Optional[np.random.Generator] = None,
                      max_tries: int = 1000) -> Box:
    """One CutMix box ``(top, left, box_h, box_w)`` inside an image.

    As UniMatch V2's ``obtain_cutmix_box``: a size of ``U(area) * H * W``
    pixels and a ratio ``r ~ U(aspect)`` give ``box_w = int(sqrt(size /
    r))`` and ``box_h = int(sqrt(size * r))``; a corner is drawn uniformly
    and the draw (ratio and corner) is repeated until the box fits. On a
    non-square image the ratio is taken relative to the image's, so
    ``aspect=(1, 1)`` is a box of the image's shape.

    Args:
        height (int): Image height.
        width (int): Image width.
        area (Sequence[float]): Range of the box area as a fraction.
        aspect (Sequence[float]): Range of the ratio ``r``.
        rng (np.random.Generator, optional): Source of randomness; numpy's
            global RNG (seeded per worker by mmengine) by default.
        max_tries (int): Give up (clip the box) after this many draws.

    Returns:
        tuple[int, int, int, int]: Top, left, height, width.
    """
    uniform = rng.uniform if rng is not None else np.random.uniform
    integers = rng.integers if rng is not None else np.random.randint
    size = uniform(area[0], area[1]) * height * width
    scale = height / width
    for _ in range(max_tries):
        ratio = uniform(aspect[0], aspect[1]) * scale
        box_w = int(math.sqrt(size / ratio))
        box_h = int(math.sqrt(size * ratio))
        left = int(integers(0, width))
        top = int(integers(0, height))
        if left + box_w <= width and top + box_h <= height:
            return top, left, box_h, box_w
    return top, left, min(box_h, height - top), min(box_w, width - left)


def box_masks(boxes: Sequence[Optional[Box]], shape: Tuple[int, int],
              device: torch.device,
              offsets: Optional[Sequence[Tuple[int, int]]] = None) -> Tensor:
    """Boolean masks (N, H, W) of the boxes (None: no box).

    Args:
        boxes (Sequence): ``(top, left, box_h, box_w)`` or None per image.
        shape (tuple[int, int]): Padded (H, W) of the batch.
        device (torch.device): Device of the masks.
        offsets (Sequence[tuple[int, int]], optional): (top, left) where
            each crop starts in the padded batch.

    Returns:
        Tensor: Masks of the pasted pixels.
    """
    masks = torch.zeros((len(boxes), *shape), dtype=torch.bool,
                        device=device)
    for i, box in enumerate(boxes):
        if box is None:
            continue
        top, left, box_h, box_w = (int(v) for v in box)
        if offsets is not None:
            top, left = top + offsets[i][0], left + offsets[i][1]
        masks[i, top:top + box_h, left:left + box_w] = True
    return masks


def partner_index(num: int, partner: str, device: torch.device) -> Tensor:
    """Index of the image each image takes its box from."""
    if partner not in CUTMIX_PARTNERS:
        raise ValueError(f'cutmix partner must be one of {CUTMIX_PARTNERS}, '
                         f'got {partner!r}')
    index = torch.arange(num, device=device)
    return index.flip(0) if partner == 'reverse' else torch.roll(index, 1)


@torch.no_grad()
def cutmix_with_boxes(images: Tensor, maps: Sequence[Tensor], boxes: Tensor,
                      partner: str = 'reverse'
                      ) -> Tuple[Tensor, Tuple[Tensor, ...]]:
    """Paste the partner's pixels inside each image's box.

    Args:
        images (Tensor): Student view (N, 3, H, W).
        maps (Sequence[Tensor]): Per-pixel maps (N, H, W) that follow the
            pixels (pseudo-label, confidence, valid mask, ...).
        boxes (Tensor): Boolean masks (N, H, W) of the pasted pixels.
        partner (str): ``'reverse'`` or ``'roll'``.

    Returns:
        tuple[Tensor, tuple[Tensor, ...]]: Mixed images and maps.
    """
    source = partner_index(images.shape[0], partner, images.device)

    def mix(tensor: Tensor) -> Tensor:
        mask = boxes if tensor.dim() == 3 else boxes[:, None]
        return torch.where(mask, tensor[source], tensor)

    return mix(images), tuple(mix(m) for m in maps)


@torch.no_grad()
def cutmix_batch(images: Tensor,
                 maps: Sequence[Tensor],
                 prob: float,
                 area: Sequence[float] = (0.1, 0.5),
                 aspect: Sequence[float] = (1.0, 1.0),
                 partner: str = 'roll') -> Tuple[Tensor, Tuple[Tensor, ...]]:
    """Draw the boxes here and mix (``semi_train_cfg.cutmix_prob``).

    Each image is mixed with probability ``prob`` with a box of
    :func:`sample_cutmix_box`; the defaults are the plugin's earlier strong
    view (10-50 % of the area, the image's shape, the previous image).

    Args:
        images (Tensor): Student view (N, 3, H, W).
        maps (Sequence[Tensor]): Per-pixel maps of the batch (N, H, W).
        prob (float): Probability of mixing each image.
        area (Sequence[float]): Range of the box area as a fraction.
        aspect (Sequence[float]): Range of the box ratio.
        partner (str): ``'reverse'`` or ``'roll'``.

    Returns:
        tuple[Tensor, tuple[Tensor, ...]]: Mixed images and maps.
    """
    num, _, height, width = images.shape
    if num < 2:
        return images, tuple(maps)
    # torch's RNG: the segmentor's draws follow torch.manual_seed.
    rng = np.random.default_rng(int(torch.randint(2**31, (1, )).item()))
    boxes = [
        sample_cutmix_box(height, width, area, aspect, rng)
        if rng.uniform() < prob else None for _ in range(num)
    ]
    return cutmix_with_boxes(images, maps,
                             box_masks(boxes, (height, width), images.device),
                             partner)
