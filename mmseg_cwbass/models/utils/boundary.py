"""Bands around label changes: the CW-BASS Sobel band and the distance band.

The boundary-aware loss of CW-BASS (Sec. III-D of the paper, ``method.md``
step 3) is evaluated on a band around every label change: the label map is
one-hot encoded, filtered with 3x3 Sobel kernels in x and y on every class
channel, and a pixel belongs to the band where the gradient magnitude summed
over the channels is non-zero. This gives a band two pixels wide.

Padding that the data preprocessor added to a crop is not a label: with a
``valid`` mask the padding junction behaves exactly like the crop border
under the chosen padding mode.

The distance band (:func:`label_change_band`) serves the Boundary IoU
metric and the void band of the generated VOC-style masks.
"""
from typing import Optional

import torch
import torch.nn.functional as F

BOUNDARY_PADDINGS = ('zero', 'replicate')


def _replicate_into_padding(label: torch.Tensor,
                            valid: torch.Tensor) -> torch.Tensor:
    """Fill each sample's padding by replicating its valid rectangle's edge.

    mmseg pads a crop on its sides (``padding_size``), so the valid pixels of
    a sample form a rectangle; clamping row and column indices into it is
    exactly replicate padding of that rectangle.
    """
    height, width = label.shape[-2:]
    filled = label.clone()
    rows_any = valid.any(dim=2)
    cols_any = valid.any(dim=1)
    for i in range(label.shape[0]):
        rows = rows_any[i].nonzero()
        cols = cols_any[i].nonzero()
        if rows.numel() == 0 or (rows.numel() == height
                                 and cols.numel() == width):
            continue
        row_idx = torch.arange(height, device=label.device).clamp(
            int(rows[0]), int(rows[-1]))
        col_idx = torch.arange(width, device=label.device).clamp(
            int(cols[0]), int(cols[-1]))
        filled[i] = label[i][row_idx][:, col_idx]
    return filled


def sobel_boundary_band(label: torch.Tensor,
                        num_classes: int,
                        ignore_index: int = 255,
                        padding: str = 'zero',
                        valid: Optional[torch.Tensor] = None) -> torch.Tensor:
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
        valid (Tensor, optional): Boolean mask (same shape as ``label``) of
            the real pixels of padded crops; each sample's valid pixels form
            a rectangle. The edge of that rectangle is then treated like the
            crop border (marked with ``'zero'``, not with ``'replicate'``),
            and no padding pixel is part of the band. Defaults to None (every
            pixel is real).

    Returns:
        Tensor: Boolean band of the same shape as ``label``.
    """
    if padding not in BOUNDARY_PADDINGS:
        raise ValueError(f'padding must be one of {BOUNDARY_PADDINGS}, '
                         f'got {padding!r}')
    squeeze = label.dim() == 2
    if squeeze:
        label = label.unsqueeze(0)
        valid = None if valid is None else valid.unsqueeze(0)
    if label.dim() != 3:
        raise ValueError('label must have shape (N, H, W) or (H, W), got '
                         f'{tuple(label.shape)}')
    if valid is not None and valid.shape != label.shape:
        raise ValueError(f'valid has shape {tuple(valid.shape)}, label '
                         f'{tuple(label.shape)}')
    label = label.long()
    if 0 <= ignore_index < num_classes:
        label = label.masked_fill(label == ignore_index, -1)
    if valid is not None:
        label = label.masked_fill(~valid, -1)
        if padding == 'replicate':
            label = _replicate_into_padding(label, valid)
    # Extend the map by one pixel; -1 matches no class, so zero padding and
    # ignored pixels both one-hot encode to all zeros.
    if padding == 'zero':
        label = F.pad(label, (1, 1, 1, 1), value=-1)
    else:
        label = F.pad(label.unsqueeze(1).float(), (1, 1, 1, 1),
                      mode='replicate').squeeze(1).long()
    classes = torch.arange(num_classes, device=label.device)
    # int8 one-hot (N, C, H+2, W+2): the smoothed values below lie in
    # [0, 4], so int8 is exact, 8x smaller than F.one_hot's int64, and no
    # float copy is needed.
    one_hot = (label.unsqueeze(1) == classes.view(1, -1, 1, 1)).to(
        torch.int8)
    # Sobel = [1, 2, 1] smoothing along one axis, [-1, 0, 1] difference along
    # the other; a response is non-zero exactly where the two smoothed
    # neighbours differ. Shifted adds and compares replace the depthwise
    # convolution of a float one-hot map.
    smooth_y = one_hot[:, :, :-2] + 2 * one_hot[:, :, 1:-1] + \
        one_hot[:, :, 2:]
    band = (smooth_y[..., 2:] != smooth_y[..., :-2]).any(dim=1)
    del smooth_y
    smooth_x = one_hot[..., :-2] + 2 * one_hot[..., 1:-1] + one_hot[..., 2:]
    band |= (smooth_x[:, :, 2:] != smooth_x[:, :, :-2]).any(dim=1)
    if valid is not None:
        band &= valid
    return band[0] if squeeze else band


def _window_max(x: torch.Tensor, width: int, dim: int) -> torch.Tensor:
    """Running maximum over ``[i - width, i + width]`` along ``dim``.

    ``x`` must already be padded by ``width`` on both sides of ``dim``; the
    result is ``2 * width`` shorter. Windows are built by doubling (van
    Herk style, ``O(log width)`` full-tensor maxima) because max_pool2d's
    CPU kernel costs ``O(width)`` per pixel, which the paper's 2 % of the
    diagonal (46 px on Cityscapes) makes slow.
    """
    length = 2 * width + 1
    out_len = x.shape[dim] - 2 * width
    span = 1
    while span * 2 <= length:
        # Invariant: x[i] = max of the original over [i, i + span).
        n = x.shape[dim] - span
        x = torch.maximum(x.narrow(dim, 0, n), x.narrow(dim, span, n))
        span *= 2
    # Two overlapping spans cover the window exactly.
    return torch.maximum(
        x.narrow(dim, 0, out_len), x.narrow(dim, length - span, out_len))


def label_change_band(label_map: torch.Tensor,
                      width: int,
                      border_is_boundary: bool = True) -> torch.Tensor:
    """Pixels of a label map within ``width`` of a pixel of another label.

    The distance band of Boundary IoU (Cheng et al., CVPR 2021) and of the
    void band VOC draws around its objects: for every class ``c`` it equals,
    on the pixels of ``c``, the mask of ``c`` minus its erosion by ``width``
    (chessboard distance). A pixel is in it iff its window holds another
    label, i.e. iff the window's maximum and minimum differ, so one running
    maximum and minimum handle all classes at once. (The CW-BASS training
    band is the Sobel filter's, :func:`sobel_boundary_band`, which the paper
    defines; it agrees with ``width=1`` except where symmetric neighbours
    cancel.)

    Args:
        label_map (torch.Tensor): Integer label map of shape ``(..., H, W)``.
            Values must fit a float32 exactly (any label id < 2**24).
        width (int): Boundary band width ``d`` in pixels (chessboard), >= 1.
        border_is_boundary (bool): If True, pixels outside the image count as
            another label (zero padding, as the Boundary IoU reference), so
            the image border is a contour. If False only real label changes
            count.

    Returns:
        torch.Tensor: Boolean map of the shape of ``label_map``.
    """
    if width < 1:
        raise ValueError(f'boundary width must be >= 1 pixel, got {width}')
    if label_map.numel() == 0:
        return torch.zeros_like(label_map, dtype=torch.bool)
    shape = label_map.shape
    x = label_map.float().reshape(-1, *shape[-2:])
    pad = (width, width, width, width)

    def window_max(t: torch.Tensor, pad_value: float) -> torch.Tensor:
        t = F.pad(t, pad, value=pad_value)
        return _window_max(_window_max(t, width, 2), width, 1)

    if border_is_boundary:
        # Outside = a label no pixel has, so it differs from every class.
        outside = float(x.min()) - 1.0
        high = window_max(x, outside)
        low = -window_max(-x, -outside)
    else:
        # Outside = -inf for the maximum and +inf for the minimum: never
        # the extreme, so it never makes a window non-uniform.
        high = window_max(x, float('-inf'))
        low = -window_max(-x, float('-inf'))
    return (high != low).reshape(shape)
