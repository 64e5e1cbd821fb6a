"""Sobel boundary band of a label map (CW-BASS, Tarubinga et al., IJCNN 2025).

The boundary-aware loss of CW-BASS (Sec. III-D of the paper, ``method.md``
step 3) is evaluated on a band around every label change: the label map is
one-hot encoded, filtered with 3x3 Sobel kernels in x and y on every class
channel, and a pixel belongs to the band where the gradient magnitude summed
over the channels is non-zero.  This gives a band two pixels wide.
"""
from typing import Dict, Tuple

import torch
import torch.nn.functional as F

BOUNDARY_PADDINGS = ('zero', 'replicate')

_SOBEL_CACHE: Dict[Tuple[torch.device, torch.dtype, int], torch.Tensor] = {}


def _sobel_weight(num_classes: int, device: torch.device,
                  dtype: torch.dtype) -> torch.Tensor:
    """Depthwise conv weight (2 * C, 1, 3, 3): Sobel-x then Sobel-y per class."""
    key = (device, dtype, num_classes)
    weight = _SOBEL_CACHE.get(key)
    if weight is None:
        sobel_x = torch.tensor([[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]])
        pair = torch.stack([sobel_x, sobel_x.t()]).unsqueeze(1)  # (2,1,3,3)
        weight = pair.repeat(num_classes, 1, 1, 1).to(device, dtype)
        _SOBEL_CACHE[key] = weight
    return weight


def sobel_boundary_band(label: torch.Tensor,
                        num_classes: int,
                        ignore_index: int = 255,
                        padding: str = 'zero') -> torch.Tensor:
    """Boundary band of a label map from 3x3 Sobel filters on its one-hot map.

    Args:
        label (Tensor): Integer label map of shape (N, H, W) or (H, W).
        num_classes (int): Number of classes C; values outside ``[0, C)``
            (such as ``ignore_index``) are one-hot encoded as all zeros, so an
            edge between a class and an ignored region is part of the band.
        ignore_index (int): Label value that stands for "no label".
            Defaults to 255.
        padding (str): How the map is extended beyond the crop: ``'zero'``
            (the reference code: every crop border is marked as boundary) or
            ``'replicate'`` (only real label changes are marked).
            Defaults to ``'zero'``.

    Returns:
        Tensor: Boolean band of the same shape as ``label``.
    """
    if padding not in BOUNDARY_PADDINGS:
        raise ValueError(f'padding must be one of {BOUNDARY_PADDINGS}, '
                         f'got {padding!r}')
    squeeze = label.dim() == 2
    if squeeze:
        label = label.unsqueeze(0)
    if label.dim() != 3:
        raise ValueError('label must have shape (N, H, W) or (H, W), got '
                         f'{tuple(label.shape)}')
    label = label.long()
    valid = (label >= 0) & (label < num_classes) & (label != ignore_index)
    # One extra channel swallows ignored pixels and is then dropped, so that
    # they one-hot encode to all zeros.
    safe = torch.where(valid, label, torch.full_like(label, num_classes))
    one_hot = F.one_hot(safe, num_classes + 1)[..., :num_classes]
    one_hot = one_hot.permute(0, 3, 1, 2).float()
    mode = 'constant' if padding == 'zero' else 'replicate'
    one_hot = F.pad(one_hot, (1, 1, 1, 1), mode=mode)
    grad = F.conv2d(
        one_hot,
        _sobel_weight(num_classes, one_hot.device, one_hot.dtype),
        groups=num_classes)
    # Sobel responses of a one-hot map are small integers, so the summed
    # magnitude is > 0 exactly where any response is non-zero.
    band = grad.abs().amax(dim=1) > 0
    return band[0] if squeeze else band
