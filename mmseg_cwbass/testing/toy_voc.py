# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Cluttered VOC-style toy scenes (six classes, an ignore band on contours).

The VOC-style data is built so that the semi-supervised question is real:
several classes with varied shape, scale, colour, texture and contrast,
occluding each other on cluttered backgrounds, and a 255 "ignore" band around
every object contour as in VOC's ``SegmentationClass`` masks.  A class is the
*conjunction* of a hue range and a texture; its shape is a third, non-local
cue.  Hue ranges of neighbouring classes overlap and each texture belongs to
two classes, so a model has to combine cues, and the appearance space is
large enough that 1/8 of the labels cover it sparsely (measured in
``docs/demo.md``: a tiny DeepLabv3+ trained on 25 labeled images stays about
10 mIoU below the same model trained on all 200).

Classes (VOC indices 0..5, so the VOC palette and class names apply):

======  ===========  ================  ==========  =====================
index   VOC name     shape             texture     hue range (degrees)
======  ===========  ================  ==========  =====================
0       background   clutter, anything not below
1       aeroplane    star (4-7 tips)   stripes     -15..22 (red, orange)
2       bicycle      ring (annulus)    checker     12..55 (orange, yellow)
3       bird         ellipse           stripes     172..215 (cyan)
4       boat         polygon (3-6)     dots        203..250 (blue)
5       bottle       capsule           checker     85..150 (green)
======  ===========  ================  ==========  =====================

Objects (between ``max_objects // 2`` and ``max_objects``, radius 14-36 % of
the short side) are two-tone: the class colour and a dark or pale shade of
it, with random texture period, phase and orientation.  Distractors
(labelled background) defeat each single cue: class colours with plain
textures (solid, gradient, blocky noise), class textures in colours no class
has (purple, magenta, grey), and class shapes painted plainly.  Every image
gets a random gain, bias, smooth shading, optional blur, sensor noise and
JPEG compression.

:func:`render_voc_sample` draws one scene; the writers are in
:mod:`.toy_data`.
"""
from __future__ import annotations

from typing import Dict, Tuple

import cv2
import numpy as np
import torch

from ..models.utils.boundary import label_change_band

from .toy_drawing import (finish_image, shape_mask, smooth_field,
                          texture_fill)

__all__ = ['TOY_CLASSES', 'render_voc_sample']

TOY_CLASSES: Tuple[str, ...] = ('background', 'aeroplane', 'bicycle', 'bird',
                                'boat', 'bottle')

# VOC toy classes: a class is a hue range AND a texture (both local cues,
# so a small CNN can learn them) plus a shape (a global cue that helps at
# contours). Neighbouring hue ranges overlap and every texture is shared by
# two classes and by distractors, so no single cue identifies a class.
_CLASS_HUE: Dict[int, Tuple[float, float]] = {
    1: (-15.0, 22.0),  # red .. orange
    2: (12.0, 55.0),  # orange .. yellow
    3: (172.0, 215.0),  # cyan .. sky blue
    4: (203.0, 250.0),  # sky blue .. blue
    5: (85.0, 150.0),  # green
}
_DISTRACTOR_HUE = (265.0, 330.0)  # purple .. magenta: no class uses it
_CLASS_TEXTURE = {
    1: 'stripes',
    2: 'checker',
    3: 'stripes',
    4: 'dots',
    5: 'checker'
}
_CLASS_SHAPE = {1: 'star', 2: 'ring', 3: 'ellipse', 4: 'polygon', 5: 'capsule'}
_CLASS_TEXTURES = ('stripes', 'checker', 'dots')
_PLAIN_TEXTURES = ('solid', 'gradient', 'blocks')


def _ignore_band(label: np.ndarray, radius: int) -> np.ndarray:
    """Mask of pixels within ``radius`` of a label change (VOC contours)."""
    if radius <= 0:
        return np.zeros(label.shape, bool)
    return label_change_band(
        torch.from_numpy(label), radius, border_is_boundary=False).numpy()


# --------------------------------------------------------------------------
# VOC-style scenes
# --------------------------------------------------------------------------
def _hsv_colour(
    rng: np.random.Generator,
    hue: Tuple[float, float],
    sat: Tuple[float, float] = (0.55, 1.0),
    val: Tuple[float, float] = (0.55, 1.0)
) -> np.ndarray:
    """Draw an RGB colour (float32, 0..255) from an HSV box.

    Args:
        rng: Random generator.
        hue: Hue interval in degrees; may wrap (``(340, 380)``).
        sat: Saturation interval.
        val: Value (brightness) interval.

    Returns:
        ``(3,)`` RGB colour.
    """
    hsv = np.array(
        [[[
            (rng.uniform(*hue) % 360.0) / 2.0,  # OpenCV 8-bit hue is 0..180
            rng.uniform(*sat) * 255.0,
            rng.uniform(*val) * 255.0
        ]]],
        np.float32)
    rgb = cv2.cvtColor(np.round(hsv).astype(np.uint8), cv2.COLOR_HSV2RGB)
    return rgb[0, 0].astype(np.float32)


def _partner_colour(rng: np.random.Generator, c1: np.ndarray) -> np.ndarray:
    """Second colour of a two-tone texture: a dark or a pale shade of c1.

    Both keep the hue of ``c1``, so the hue family is readable on every
    pixel of an object while the contrast varies.
    """
    if rng.random() < 0.6:
        return c1 * rng.uniform(0.25, 0.5)
    pale = rng.uniform(0.45, 0.7)
    return c1 * (1 - pale) + 235.0 * pale


def _draw_item(rng: np.random.Generator, img: np.ndarray, label: np.ndarray,
               cls: int, shape: str, texture: str, colour: np.ndarray,
               r: float) -> None:
    """Paint one shape on top of ``img``/``label`` (occluding what is under).

    Args:
        rng: Random generator.
        img: ``(H, W, 3)`` float32 canvas, modified in place.
        label: ``(H, W)`` uint8 class map, modified in place.
        cls: Class index written under the shape (0 = background).
        shape: Shape name of :func:`shape_mask`.
        texture: Texture name of :func:`texture_fill`.
        colour: Main RGB colour.
        r: Radius in pixels.
    """
    h, w = label.shape
    cx = rng.uniform(0.1 * w, 0.9 * w)
    cy = rng.uniform(0.1 * h, 0.9 * h)
    mask = shape_mask(shape, rng, h, w, cx, cy, r)
    if not mask.any():
        return
    # Texture period grows with the object but stays resolvable after the
    # 0.5x down-scaling of the training augmentation.
    period = float(np.clip(r * rng.uniform(0.3, 0.45), 5.0, 11.0))
    tex = texture_fill(texture, rng, h, w, colour,
                       _partner_colour(rng, colour), period)
    img[mask] = tex[mask]
    label[mask] = cls


def render_voc_sample(
        rng: np.random.Generator,
        image_size: Tuple[int, int] = (96, 128),
        max_objects: int = 6,
        max_distractors: int = 4,
        ignore_radius: int = 1) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render one cluttered VOC-style toy scene.

    A class is the conjunction of a hue family and a texture (see the
    module docstring); its shape is a third, non-local cue. Distractors
    (background) are built to defeat every single cue: class colours with
    plain textures, class textures in non-class colours, and class shapes
    with plain textures.

    Args:
        rng: Random generator; the scene is a pure function of its state.
        image_size: ``(height, width)`` in pixels.
        max_objects: Maximum number of labelled objects; an image has
            between ``max_objects // 2`` (at least one) and this many.
        max_distractors: Maximum number of background distractor shapes
            (at least one).
        ignore_radius: Half width in pixels of the 255 band around contours
            in the fine mask (0 disables it).

    Returns:
        ``(image, fine_mask, aug_mask)``: an RGB uint8 image ``(H, W, 3)``,
        the class-index mask with the ignore band, and the same mask without
        the band (SBD-style).
    """
    h, w = image_size
    side = min(h, w)
    # Cluttered background: a muted (low-saturation) base with
    # low-frequency blotches and, often, a faint large-scale plain texture.
    base = _hsv_colour(rng, (0, 360), sat=(0.0, 0.35), val=(0.3, 0.8))
    img = base + 40 * smooth_field(rng, h, w, max(6, side // 6))
    if rng.random() < 0.5:
        kind = str(rng.choice(['gradient', 'blocks']))
        faint = texture_fill(kind, rng, h, w, np.full(3, 18, np.float32),
                             np.full(3, -18, np.float32), rng.uniform(10, 20))
        img = img + faint * rng.uniform(0.3, 1.0)
    img = np.ascontiguousarray(img, np.float32)
    label = np.zeros((h, w), np.uint8)

    items = []
    # Between max/2 and max objects: foreground is about a third of the
    # pixels (VOC: about a quarter), so no class is a rare event.
    num_objects = int(rng.integers(max(1, max_objects // 2), max_objects + 1))
    for _ in range(num_objects):
        cls = int(rng.integers(1, len(TOY_CLASSES)))
        colour = _hsv_colour(rng, _CLASS_HUE[cls])
        items.append((cls, _CLASS_SHAPE[cls], _CLASS_TEXTURE[cls], colour,
                      rng.uniform(0.14, 0.36) * side))
    for _ in range(int(rng.integers(1, max_distractors + 1))):
        kind = rng.random()
        if kind < 0.45:
            # A class colour with a plain texture: colour is not enough.
            colour = _hsv_colour(
                rng, _CLASS_HUE[int(rng.integers(1, len(TOY_CLASSES)))])
            shape = str(rng.choice(['bar', 'cross', 'rect']))
            texture = str(rng.choice(_PLAIN_TEXTURES))
        elif kind < 0.8:
            # A class texture in a colour no class has: texture is not
            # enough.
            colour = _distractor_colour(rng)
            shape = str(rng.choice(['bar', 'cross', 'rect', 'ellipse']))
            texture = str(rng.choice(_CLASS_TEXTURES))
        else:
            # A class shape, painted plainly: shape is not enough.
            colour = _hsv_colour(
                rng, _CLASS_HUE[int(rng.integers(1, len(TOY_CLASSES)))])
            shape = _CLASS_SHAPE[int(rng.integers(1, len(TOY_CLASSES)))]
            texture = str(rng.choice(_PLAIN_TEXTURES))
        items.append(
            (0, shape, texture, colour, rng.uniform(0.07, 0.25) * side))
    # Random paint order: later items occlude earlier ones, both ways.
    for idx in rng.permutation(len(items)):
        cls, shape, texture, colour, r = items[int(idx)]
        if shape == 'ring':
            r = max(r, 0.18 * side)  # keep the annulus thick enough
        _draw_item(rng, img, label, cls, shape, texture, colour, r)

    image = finish_image(rng, img)
    fine = label.copy()
    fine[_ignore_band(label, ignore_radius)] = 255
    return image, fine, label


def _distractor_colour(rng: np.random.Generator) -> np.ndarray:
    """A colour outside every class hue family: magenta-purple or grey."""
    if rng.random() < 0.6:
        return _hsv_colour(rng, _DISTRACTOR_HUE)
    return _hsv_colour(rng, (0, 360), sat=(0.0, 0.15), val=(0.45, 0.95))
