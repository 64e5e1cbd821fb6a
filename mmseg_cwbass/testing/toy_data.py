# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Seeded toy segmentation datasets in the Pascal VOC and Cityscapes layouts.

No real benchmark data can be fetched where this plugin is tested, so the
tests and the CPU demo run on synthetic data written in exactly the layouts
that mmseg's own ``PascalVOCDataset`` and ``CityscapesDataset`` read.

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

Layouts written by :func:`generate_toy_voc` (``<root>/VOCdevkit/VOC2012``):

* ``JPEGImages/<id>.jpg`` for train, val and aug ids;
* ``SegmentationClass/<id>.png``: palette ('P') PNGs with the VOC palette,
  pixel value = class index, 255 = ignore band, for train and val ids (the
  VOC "fine" set);
* ``SegmentationClassAug/<id>.png``: plain 8-bit PNGs without an ignore band,
  like the SBD masks converted by mmseg's ``voc_aug.py``, for aug and train
  ids (the widely distributed ``SegmentationClassAug`` archive also covers
  the VOC train ids);
* ``ImageSets/Segmentation/{train,val,trainval}.txt`` and, when ``num_aug >
  0``, ``aug.txt`` (aug ids only) and ``trainaug.txt`` (train + aug, the name
  mmseg's converter writes) plus ``train_aug.txt`` (same content, the name
  community code uses).

:func:`generate_toy_cityscapes` writes ``leftImg8bit/{train,val}/<city>/
<city>_<seq>_<frame>_leftImg8bit.png`` and the matching
``gtFine/.../*_gtFine_labelTrainIds.png`` (Cityscapes train ids 0..18, 255 =
void) of simple street scenes.

Both generators are deterministic (byte-identical files for the same
arguments on the same library versions) and skip regeneration when a
``toy_meta.json`` in the target records the same arguments.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import shutil
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image

__all__ = [
    'TOY_CLASSES', 'TOY_PALETTE', 'TOY_CITYSCAPES_LABELS', 'VOC_PALETTE_256',
    'voc_colormap', 'render_voc_sample', 'render_cityscapes_sample',
    'generate_toy_voc', 'generate_toy_cityscapes'
]

# Bumped whenever the rendering changes, so cached toy trees are rebuilt.
TOY_FORMAT_VERSION = 2
META_FILE = 'toy_meta.json'

TOY_CLASSES: Tuple[str, ...] = ('background', 'aeroplane', 'bicycle', 'bird',
                                'boat', 'bottle')


def voc_colormap(num: int = 256) -> List[List[int]]:
    """Return the standard Pascal VOC colour map.

    Args:
        num: Number of entries.

    Returns:
        ``num`` ``[r, g, b]`` triples; entry 255 is VOC's ignore colour
        (224, 224, 192).
    """
    cmap = []
    for i in range(num):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        cmap.append([r, g, b])
    return cmap


VOC_PALETTE_256: List[List[int]] = voc_colormap(256)
TOY_PALETTE: List[List[int]] = [list(c) for c in VOC_PALETTE_256[:6]]
_VOC_PALETTE_FLAT: List[int] = [v for rgb in VOC_PALETTE_256 for v in rgb]

# Cityscapes train ids used by the toy street scenes (a subset of the 19).
TOY_CITYSCAPES_LABELS: Dict[str, int] = dict(
    road=0,
    sidewalk=1,
    building=2,
    pole=5,
    traffic_light=6,
    traffic_sign=7,
    vegetation=8,
    terrain=9,
    sky=10,
    person=11,
    car=13)

# Shared base colours (RGB).  Each class may use three of them, overlapping
# with its neighbours, so colour is only a weak cue.
_BASE_COLOURS = np.array(
    [
        [200, 40, 40],  # red
        [40, 170, 60],  # green
        [40, 80, 200],  # blue
        [220, 200, 40],  # yellow
        [40, 190, 200],  # cyan
        [190, 60, 190],  # magenta
    ],
    dtype=np.float32)
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
_CLASS_TEXTURE = {1: 'stripes', 2: 'checker', 3: 'stripes', 4: 'dots',
                  5: 'checker'}
_CLASS_SHAPE = {1: 'star', 2: 'ring', 3: 'ellipse', 4: 'polygon',
                5: 'capsule'}
_CLASS_TEXTURES = ('stripes', 'checker', 'dots')
_PLAIN_TEXTURES = ('solid', 'gradient', 'blocks')

_SPLIT_CODES = {'train': 0, 'val': 1, 'aug': 2}


# --------------------------------------------------------------------------
# drawing primitives
# --------------------------------------------------------------------------
def _grid(h: int, w: int) -> Tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return xs, ys


def _poly_mask(h: int, w: int, pts: np.ndarray) -> np.ndarray:
    canvas = np.zeros((h, w), np.uint8)
    # Fixed-point coordinates (shift=4) keep small shapes smooth.
    cv2.fillPoly(canvas, [np.round(pts * 16).astype(np.int32)], 1,
                 lineType=cv2.LINE_8, shift=4)
    return canvas.astype(bool)


def _ellipse_mask(h: int, w: int, cx: float, cy: float, ax: float, ay: float,
                  angle: float) -> np.ndarray:
    xs, ys = _grid(h, w)
    c, s = np.cos(angle), np.sin(angle)
    u = ((xs - cx) * c + (ys - cy) * s) / max(ax, 0.5)
    v = (-(xs - cx) * s + (ys - cy) * c) / max(ay, 0.5)
    return u * u + v * v <= 1.0


def _shape_mask(shape: str, rng: np.random.Generator, h: int, w: int,
                cx: float, cy: float, r: float) -> np.ndarray:
    """Rasterise one shape of radius ``r`` centred at ``(cx, cy)``."""
    angle = rng.uniform(0, np.pi)
    if shape == 'ellipse':
        return _ellipse_mask(h, w, cx, cy, r, r * rng.uniform(0.45, 0.85),
                             angle)
    if shape == 'ring':
        aspect = rng.uniform(0.75, 1.0)
        inner = rng.uniform(0.45, 0.62)
        outer = _ellipse_mask(h, w, cx, cy, r, r * aspect, angle)
        hole = _ellipse_mask(h, w, cx, cy, r * inner, r * aspect * inner,
                             angle)
        return outer & ~hole
    if shape == 'star':
        tips = int(rng.integers(4, 8))
        inner = rng.uniform(0.35, 0.55)
        t = angle + np.arange(2 * tips) * np.pi / tips
        rad = np.where(np.arange(2 * tips) % 2 == 0, r, r * inner)
        pts = np.stack([cx + rad * np.cos(t), cy + rad * np.sin(t)], 1)
        return _poly_mask(h, w, pts)
    if shape == 'polygon':
        n = int(rng.integers(3, 7))
        # Spread vertices so the polygon is not a sliver.
        t = angle + np.linspace(0, 2 * np.pi, n, endpoint=False) + \
            rng.uniform(-0.35, 0.35, n) * np.pi / n
        rad = r * rng.uniform(0.75, 1.0, n)
        pts = np.stack([cx + rad * np.cos(t), cy + rad * np.sin(t)], 1)
        return _poly_mask(h, w, pts)
    if shape == 'capsule':
        half = r
        width = r * rng.uniform(0.28, 0.42)
        d = np.array([np.cos(angle), np.sin(angle)], np.float32)
        p0 = np.array([cx, cy]) - d * (half - width)
        p1 = np.array([cx, cy]) + d * (half - width)
        xs, ys = _grid(h, w)
        # Distance to the segment p0-p1: a stadium with rounded ends.
        seg = p1 - p0
        tt = ((xs - p0[0]) * seg[0] + (ys - p0[1]) * seg[1]) / max(
            float(seg @ seg), 1e-6)
        tt = np.clip(tt, 0, 1)
        dx = xs - (p0[0] + tt * seg[0])
        dy = ys - (p0[1] + tt * seg[1])
        return dx * dx + dy * dy <= width * width
    if shape == 'rect':
        ax, ay = r, r * rng.uniform(0.4, 1.0)
        c, s = np.cos(angle), np.sin(angle)
        corners = np.array([[-ax, -ay], [ax, -ay], [ax, ay], [-ax, ay]])
        rot = np.array([[c, -s], [s, c]])
        return _poly_mask(h, w, corners @ rot.T + [cx, cy])
    if shape == 'bar':
        length, thick = r * 1.6, rng.uniform(1.5, 3.5)
        c, s = np.cos(angle), np.sin(angle)
        corners = np.array([[-length, -thick], [length, -thick],
                            [length, thick], [-length, thick]])
        rot = np.array([[c, -s], [s, c]])
        return _poly_mask(h, w, corners @ rot.T + [cx, cy])
    if shape == 'cross':
        thick = r * rng.uniform(0.18, 0.3)
        c, s = np.cos(angle), np.sin(angle)
        rot = np.array([[c, -s], [s, c]])
        arm1 = np.array([[-r, -thick], [r, -thick], [r, thick], [-r, thick]])
        arm2 = arm1[:, ::-1]
        return _poly_mask(h, w, arm1 @ rot.T + [cx, cy]) | _poly_mask(
            h, w, arm2 @ rot.T + [cx, cy])
    raise ValueError(f'unknown shape {shape!r}')


def _texture(kind: str, rng: np.random.Generator, h: int, w: int,
             c1: np.ndarray, c2: np.ndarray, period: float) -> np.ndarray:
    """Return an ``(h, w, 3)`` float32 texture mixing colours c1 and c2."""
    xs, ys = _grid(h, w)
    angle = rng.uniform(0, np.pi)
    c, s = np.cos(angle), np.sin(angle)
    ox, oy = rng.uniform(0, period, 2)
    u = ((xs + ox) * c + (ys + oy) * s) / period
    v = (-(xs + ox) * s + (ys + oy) * c) / period
    if kind == 'stripes':
        m = (u - np.floor(u)) < 0.5
    elif kind == 'checker':
        m = ((np.floor(u) + np.floor(v)) % 2) == 0
    elif kind == 'dots':
        du = u - np.floor(u) - 0.5
        dv = v - np.floor(v) - 0.5
        m = du * du + dv * dv > 0.32**2
    elif kind == 'blocks':
        # Blocky 2-px noise: survives downscaling better than pixel noise.
        cells = rng.random(((h + 1) // 2, (w + 1) // 2)) < 0.5
        m = np.repeat(np.repeat(cells, 2, 0), 2, 1)[:h, :w]
    elif kind == 'gradient':
        t = (u - u.min()) / max(float(u.max() - u.min()), 1e-6)
        return (c1 * (1 - t[..., None]) + c2 * t[..., None]).astype(
            np.float32)
    elif kind == 'solid':
        return np.broadcast_to(c1, (h, w, 3)).astype(np.float32)
    else:
        raise ValueError(f'unknown texture {kind!r}')
    return np.where(m[..., None], c1, c2).astype(np.float32)


def _smooth_field(rng: np.random.Generator, h: int, w: int, cell: int,
                  channels: int = 3) -> np.ndarray:
    """Low-frequency noise in [-1, 1] (bicubic upsampling of a coarse grid)."""
    gh, gw = h // cell + 3, w // cell + 3
    coarse = rng.uniform(-1, 1, (gh, gw, channels)).astype(np.float32)
    big = cv2.resize(coarse, (gw * cell, gh * cell),
                     interpolation=cv2.INTER_CUBIC)
    if big.ndim == 2:
        big = big[..., None]
    return big[cell:cell + h, cell:cell + w]


def _ignore_band(label: np.ndarray, radius: int) -> np.ndarray:
    """Mask of pixels within ``radius`` of a label change (VOC contours)."""
    if radius <= 0:
        return np.zeros(label.shape, bool)
    k = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    return cv2.dilate(label, k) != cv2.erode(label, k)


def _finish_image(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Global photometric variation and sensor noise, then quantise."""
    h, w = img.shape[:2]
    gain = rng.uniform(0.8, 1.15)
    bias = rng.uniform(-15, 15)
    shade = 1.0 + 0.15 * _smooth_field(rng, h, w, max(h, w) // 2, 1)
    img = img * gain * shade + bias
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (3, 3), rng.uniform(0.4, 0.8))
    img = img + rng.normal(0, rng.uniform(2, 7), img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------
# VOC-style scenes
# --------------------------------------------------------------------------
def _hsv_colour(rng: np.random.Generator, hue: Tuple[float, float],
                sat: Tuple[float, float] = (0.55, 1.0),
                val: Tuple[float, float] = (0.55, 1.0)) -> np.ndarray:
    """Draw an RGB colour (float32, 0..255) from an HSV box.

    Args:
        rng: Random generator.
        hue: Hue interval in degrees; may wrap (``(340, 380)``).
        sat: Saturation interval.
        val: Value (brightness) interval.

    Returns:
        ``(3,)`` RGB colour.
    """
    hsv = np.array([[[
        (rng.uniform(*hue) % 360.0) / 2.0,  # OpenCV 8-bit hue is 0..180
        rng.uniform(*sat) * 255.0,
        rng.uniform(*val) * 255.0
    ]]], np.float32)
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
        shape: Shape name of :func:`_shape_mask`.
        texture: Texture name of :func:`_texture`.
        colour: Main RGB colour.
        r: Radius in pixels.
    """
    h, w = label.shape
    cx = rng.uniform(0.1 * w, 0.9 * w)
    cy = rng.uniform(0.1 * h, 0.9 * h)
    mask = _shape_mask(shape, rng, h, w, cx, cy, r)
    if not mask.any():
        return
    # Texture period grows with the object but stays resolvable after the
    # 0.5x down-scaling of the training augmentation.
    period = float(np.clip(r * rng.uniform(0.3, 0.45), 5.0, 11.0))
    tex = _texture(texture, rng, h, w, colour, _partner_colour(rng, colour),
                   period)
    img[mask] = tex[mask]
    label[mask] = cls


def render_voc_sample(rng: np.random.Generator,
                      image_size: Tuple[int, int] = (96, 128),
                      max_objects: int = 6,
                      max_distractors: int = 4,
                      ignore_radius: int = 1) -> Tuple[np.ndarray, np.ndarray,
                                                       np.ndarray]:
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
    img = base + 40 * _smooth_field(rng, h, w, max(6, side // 6))
    if rng.random() < 0.5:
        kind = str(rng.choice(['gradient', 'blocks']))
        faint = _texture(kind, rng, h, w, np.full(3, 18, np.float32),
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
        items.append((0, shape, texture, colour,
                      rng.uniform(0.07, 0.25) * side))
    # Random paint order: later items occlude earlier ones, both ways.
    for idx in rng.permutation(len(items)):
        cls, shape, texture, colour, r = items[int(idx)]
        if shape == 'ring':
            r = max(r, 0.18 * side)  # keep the annulus thick enough
        _draw_item(rng, img, label, cls, shape, texture, colour, r)

    image = _finish_image(rng, img)
    fine = label.copy()
    fine[_ignore_band(label, ignore_radius)] = 255
    return image, fine, label


def _distractor_colour(rng: np.random.Generator) -> np.ndarray:
    """A colour outside every class hue family: magenta-purple or grey."""
    if rng.random() < 0.6:
        return _hsv_colour(rng, _DISTRACTOR_HUE)
    return _hsv_colour(rng, (0, 360), sat=(0.0, 0.15), val=(0.45, 0.95))


# --------------------------------------------------------------------------
# Cityscapes-style scenes
# --------------------------------------------------------------------------
def render_cityscapes_sample(
        rng: np.random.Generator,
        image_size: Tuple[int, int] = (64, 128)
) -> Tuple[np.ndarray, np.ndarray]:
    """Render one toy street scene with Cityscapes train ids.

    Args:
        rng: Random generator; the scene is a pure function of its state.
        image_size: ``(height, width)`` in pixels.

    Returns:
        ``(image, label)``: RGB uint8 image and uint8 train-id mask
        (values in :data:`TOY_CITYSCAPES_LABELS`, 255 = void/ego vehicle).
    """
    L = TOY_CITYSCAPES_LABELS
    h, w = image_size
    xs, ys = _grid(h, w)
    img = np.zeros((h, w, 3), np.float32)
    label = np.full((h, w), L['sky'], np.uint8)

    def paint(mask: np.ndarray, cls: int, tex: np.ndarray) -> None:
        img[mask] = tex[mask]
        label[mask] = cls

    horizon = rng.uniform(0.35, 0.5) * h
    sky_top = np.array([90, 140, 220], np.float32) + rng.uniform(-20, 20, 3)
    sky = _texture('gradient', rng, h, w, sky_top,
                   np.array([220, 225, 235], np.float32), 50.0)
    paint(np.ones((h, w), bool), L['sky'], sky)

    # Buildings: a skyline of rectangles with window grids.
    x = rng.uniform(-0.1, 0.05) * w
    while x < w:
        bw = rng.uniform(0.12, 0.3) * w
        top = rng.uniform(0.02, 0.8) * horizon
        wall = rng.uniform(90, 180) * np.array(
            [1.0, rng.uniform(0.85, 1.0), rng.uniform(0.7, 0.95)])
        tex = _texture('checker', rng, h, w, wall.astype(np.float32),
                       (wall * 0.45).astype(np.float32),
                       rng.uniform(3.0, 6.0))
        mask = (xs >= x) & (xs < x + bw) & (ys >= top) & (ys < horizon + 2)
        if rng.random() < 0.85:
            paint(mask, L['building'], tex)
        x += bw + rng.uniform(0, 0.08) * w

    # Road (trapezoid to the vanishing point) with sidewalks on the sides.
    vx = rng.uniform(0.35, 0.65) * w
    t = np.clip((ys - horizon) / max(h - horizon, 1), 0, 1)
    half_road = t * rng.uniform(0.55, 0.8) * w
    half_walk = half_road + t * rng.uniform(0.15, 0.35) * w
    below = ys >= horizon
    walk_tex = _texture('checker', rng, h, w,
                        np.array([175, 165, 160], np.float32),
                        np.array([140, 132, 130], np.float32), 3.0)
    paint(below, L['sidewalk'], walk_tex)
    terrain_tex = _texture('blocks', rng, h, w,
                           np.array([120, 140, 70], np.float32),
                           np.array([100, 110, 60], np.float32), 1.0)
    paint(below & (np.abs(xs - vx) > half_walk), L['terrain'], terrain_tex)
    road_tex = np.array([90, 88, 92], np.float32) + 10 * _smooth_field(
        rng, h, w, 4)
    road = below & (np.abs(xs - vx) <= half_road)
    # Lane markings are still road.
    lane = road & (np.abs(xs - vx) < 0.6 + t * 2) & (
        np.floor(ys / 4) % 2 == 0)
    road_tex[lane] = 235
    paint(road, L['road'], road_tex)

    # Vegetation blobs at the skyline and beside the road.
    for _ in range(int(rng.integers(1, 4))):
        cx = rng.uniform(0, w)
        cy = horizon - rng.uniform(0, 0.3) * h
        r = rng.uniform(0.06, 0.16) * w
        mask = _ellipse_mask(h, w, cx, cy, r, r * rng.uniform(0.6, 1.0),
                             0.0)
        tex = _texture('blocks', rng, h, w,
                       np.array([50, 120, 40], np.float32),
                       np.array([30, 80, 30], np.float32), 1.0)
        paint(mask, L['vegetation'], tex)

    # Poles, some carrying a sign or a traffic light.
    for _ in range(int(rng.integers(0, 4))):
        px = rng.uniform(0, w)
        foot = horizon + rng.uniform(0.1, 0.4) * (h - horizon)
        top = rng.uniform(0.05, 0.6) * horizon
        pw = rng.uniform(1.0, 2.2)
        grey = np.full((h, w, 3), rng.uniform(100, 150), np.float32)
        paint((np.abs(xs - px) <= pw / 2) & (ys >= top) & (ys <= foot),
              L['pole'], grey)
        kind = rng.random()
        if kind < 0.4:
            r = rng.uniform(2.5, 4.5)
            sign = _texture('solid', rng, h, w,
                            np.array([210, 40, 40], np.float32)
                            if rng.random() < 0.5 else np.array(
                                [40, 70, 200], np.float32), None, 1.0)
            paint(_ellipse_mask(h, w, px, top, r, r, 0.0),
                  L['traffic_sign'], sign)
        elif kind < 0.7:
            box = (np.abs(xs - px) <= 2) & (ys >= top) & (ys <= top + 7)
            light = np.full((h, w, 3), 35, np.float32)
            light[_ellipse_mask(h, w, px, top + 2, 1.5, 1.5, 0.0)] = (
                [230, 40, 40] if rng.random() < 0.5 else [40, 220, 80])
            paint(box, L['traffic_light'], light)

    # Cars on the road and persons on the sidewalks, far ones first so near
    # ones occlude them.
    agents = []
    for _ in range(int(rng.integers(1, 4))):
        agents.append(('car', rng.uniform(horizon + 4, h)))
    for _ in range(int(rng.integers(0, 4))):
        agents.append(('person', rng.uniform(horizon + 4, h)))
    agents.sort(key=lambda a: a[1])
    for kind, foot in agents:
        depth = (foot - horizon) / max(h - horizon, 1)
        tt = np.clip(depth, 0.05, 1)
        if kind == 'car':
            cw = (0.08 + 0.22 * tt) * w
            ch = cw * rng.uniform(0.4, 0.55)
            cx = vx + rng.uniform(-1, 1) * (0.55 + 0.8 * tt) * w * 0.4
            colour = _BASE_COLOURS[int(rng.integers(6))] * rng.uniform(
                0.6, 1.1)
            body = (np.abs(xs - cx) <= cw / 2) & (ys <= foot - ch * 0.15) & (
                ys >= foot - ch * 0.6)
            cabin = (np.abs(xs - cx) <= cw * 0.32) & (ys < foot - ch * 0.6) & (
                ys >= foot - ch)
            tex = _texture('solid', rng, h, w, colour.astype(np.float32),
                           None, 1.0)
            glass = cabin & (ys >= foot - ch * 0.9) & (np.abs(xs - cx) <=
                                                       cw * 0.26)
            tex[glass] = [60, 70, 90]
            wheels = np.zeros((h, w), bool)
            for off in (-0.3, 0.3):
                wheels |= _ellipse_mask(h, w, cx + off * cw,
                                        foot - ch * 0.15, ch * 0.16 + 0.5,
                                        ch * 0.16 + 0.5, 0.0)
            tex[wheels] = 20
            paint(body | cabin | wheels, L['car'], tex)
        else:
            ph = (0.12 + 0.35 * tt) * h
            side = 1 if rng.random() < 0.5 else -1
            px = vx + side * (float(np.interp(foot, ys[:, 0],
                                              half_road[:, 0])) + 1 +
                              rng.uniform(0, 0.1 * w))
            shirt = _BASE_COLOURS[int(rng.integers(6))]
            tex = _texture('solid', rng, h, w, shirt.astype(np.float32), None,
                           1.0)
            legs = (np.abs(xs - px) <= ph * 0.1) & (ys <= foot) & (
                ys > foot - ph * 0.45)
            torso = _ellipse_mask(h, w, px, foot - ph * 0.62, ph * 0.14,
                                  ph * 0.2, 0.0)
            head = _ellipse_mask(h, w, px, foot - ph * 0.9, ph * 0.09,
                                 ph * 0.1, 0.0)
            tex[legs] = [40, 40, 60]
            tex[head] = [205, 170, 140]
            paint(legs | torso | head, L['person'], tex)

    # Ego-vehicle bonnet at the bottom: void in Cityscapes.
    if rng.random() < 0.7:
        bonnet = ys >= h - rng.uniform(0.04, 0.1) * h - 4 * (
            (xs - w / 2) / w)**2 * h * 0.1
        img[bonnet] = [30, 30, 35]
        label[bonnet] = 255
    return _finish_image(rng, img), label


# --------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------
def _rng_for(seed: int, split: str, index: int) -> np.random.Generator:
    # One independent stream per image: an image depends only on (seed,
    # split, index), so growing a split leaves existing images unchanged.
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), _SPLIT_CODES[split],
                                int(index)]))


def _save_label_p(label: np.ndarray, path: str) -> None:
    # The 8-bit values are the palette indices themselves (no colour
    # quantisation), as in VOC's SegmentationClass files.
    img = Image.frombytes('P', (label.shape[1], label.shape[0]),
                          np.ascontiguousarray(label, np.uint8).tobytes())
    img.putpalette(_VOC_PALETTE_FLAT)
    img.save(path, format='PNG', compress_level=6)


def _save_label_l(label: np.ndarray, path: str) -> None:
    Image.fromarray(label.astype(np.uint8), mode='L').save(
        path, format='PNG', compress_level=6)


def _write_lines(path: str, lines: Sequence[str]) -> None:
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.writelines(line + '\n' for line in lines)


def _prepare_target(target: str, meta: dict,
                    owned: Sequence[str]) -> bool:
    """Decide whether ``target`` must be (re)generated.

    Returns False when a finished toy tree with identical arguments is
    already there.  Cleans up a previous toy tree with other arguments, and
    refuses to write into a non-empty directory that no generator created,
    because that could be a real dataset.
    """
    meta_path = osp.join(target, META_FILE)
    if osp.isfile(meta_path):
        with open(meta_path, encoding='utf-8') as f:
            try:
                old = json.load(f)
            except json.JSONDecodeError:
                old = None
        if old == meta:
            return False
        for name in owned:
            path = osp.join(target, name)
            if osp.isdir(path):
                shutil.rmtree(path)
        os.remove(meta_path)
    elif osp.isdir(target) and any(
            osp.exists(osp.join(target, name)) for name in owned):
        raise FileExistsError(
            f'{target} already holds data that was not written by the toy '
            f'generator (no {META_FILE}); refusing to overwrite it. Choose '
            'another root.')
    return True


def _write_meta(target: str, meta: dict) -> None:
    # Written last: a tree interrupted mid-way has no meta and is redone.
    tmp = osp.join(target, META_FILE + '.tmp')
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write('\n')
    os.replace(tmp, osp.join(target, META_FILE))


def _check_size(image_size: Sequence[int]) -> Tuple[int, int]:
    if len(image_size) != 2:
        raise ValueError(f'image_size must be (height, width), got '
                         f'{image_size!r}')
    h, w = int(image_size[0]), int(image_size[1])
    if h < 16 or w < 16:
        raise ValueError(f'image_size must be at least 16x16, got {h}x{w}')
    return h, w


def generate_toy_voc(root: str,
                     num_train: int = 200,
                     num_val: int = 50,
                     num_aug: int = 0,
                     image_size: Tuple[int, int] = (96, 128),
                     seed: int = 0,
                     *,
                     jpeg_quality: int = 90,
                     ignore_radius: int = 1,
                     max_objects: int = 6,
                     max_distractors: int = 4,
                     progress: Optional[Callable[[str], None]] = None) -> str:
    """Write a toy dataset in the Pascal VOC 2012 (+ SBD aug) layout.

    Image ids are ``train_000000``..., ``val_000000``... and
    ``aug_000000``...; an image depends only on ``(seed, split, index)``.

    Args:
        root: Folder that receives ``VOCdevkit/VOC2012``.
        num_train: Number of ids in ``train.txt`` (the "fine" train set,
            masks in ``SegmentationClass`` and ``SegmentationClassAug``).
        num_val: Number of ids in ``val.txt``.
        num_aug: Number of extra train ids with masks only in
            ``SegmentationClassAug`` (listed in ``aug.txt``).
        image_size: ``(height, width)`` of every image.
        seed: Random seed.
        jpeg_quality: JPEG quality of ``JPEGImages``.
        ignore_radius: Half width of the 255 band around contours in
            ``SegmentationClass`` masks.
        max_objects: Maximum labelled objects per image (each image has
            between ``max_objects // 2`` and ``max_objects``).
        max_distractors: Maximum background distractors per image
            (1..max); a difficulty knob.
        progress: Optional callable receiving one status line per split.

    Returns:
        Path of the ``VOC2012`` folder (the mmseg ``data_root``).
    """
    if min(num_train, num_val, num_aug) < 0 or num_train + num_aug < 1:
        raise ValueError('counts must be >= 0 with at least one train image')
    if max_objects < 1 or max_distractors < 1:
        raise ValueError('max_objects and max_distractors must be >= 1')
    h, w = _check_size(image_size)
    target = osp.join(root, 'VOCdevkit', 'VOC2012')
    meta = dict(
        generator='mmseg_cwbass.testing.toy_data.generate_toy_voc',
        format_version=TOY_FORMAT_VERSION,
        layout='voc',
        num_train=int(num_train),
        num_val=int(num_val),
        num_aug=int(num_aug),
        image_size=[h, w],
        seed=int(seed),
        jpeg_quality=int(jpeg_quality),
        ignore_radius=int(ignore_radius),
        max_objects=int(max_objects),
        max_distractors=int(max_distractors),
        classes=list(TOY_CLASSES))
    owned = ('JPEGImages', 'SegmentationClass', 'SegmentationClassAug',
             'ImageSets')
    if not _prepare_target(target, meta, owned):
        return target
    dirs = {name: osp.join(target, name) for name in owned}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    sets_dir = osp.join(dirs['ImageSets'], 'Segmentation')
    os.makedirs(sets_dir, exist_ok=True)

    ids: Dict[str, List[str]] = {}
    for split, count in (('train', num_train), ('val', num_val),
                         ('aug', num_aug)):
        ids[split] = [f'{split}_{i:06d}' for i in range(count)]
        for i, img_id in enumerate(ids[split]):
            image, fine, plain = render_voc_sample(
                _rng_for(seed, split, i), (h, w),
                max_objects=max_objects,
                max_distractors=max_distractors,
                ignore_radius=ignore_radius)
            Image.fromarray(image).save(
                osp.join(dirs['JPEGImages'], img_id + '.jpg'),
                format='JPEG', quality=int(jpeg_quality))
            if split in ('train', 'val'):
                _save_label_p(
                    fine, osp.join(dirs['SegmentationClass'],
                                   img_id + '.png'))
            if split in ('train', 'aug'):
                _save_label_l(
                    plain,
                    osp.join(dirs['SegmentationClassAug'], img_id + '.png'))
        if progress is not None:
            progress(f'{split}: {count} images')

    _write_lines(osp.join(sets_dir, 'train.txt'), ids['train'])
    _write_lines(osp.join(sets_dir, 'val.txt'), ids['val'])
    _write_lines(osp.join(sets_dir, 'trainval.txt'), ids['train'] + ids['val'])
    if num_aug > 0:
        _write_lines(osp.join(sets_dir, 'aug.txt'), ids['aug'])
        for name in ('trainaug.txt', 'train_aug.txt'):
            _write_lines(osp.join(sets_dir, name), ids['train'] + ids['aug'])
    _write_meta(target, meta)
    return target


_TRAIN_CITIES = ('aachen', 'bochum', 'bremen', 'cologne')
_VAL_CITIES = ('frankfurt', 'lindau', 'munster')


def generate_toy_cityscapes(root: str,
                            num_train: int = 120,
                            num_val: int = 30,
                            image_size: Tuple[int, int] = (64, 128),
                            seed: int = 0,
                            *,
                            progress: Optional[Callable[[str], None]] = None
                            ) -> str:
    """Write a toy dataset in the Cityscapes layout mmseg reads.

    Files: ``leftImg8bit/<split>/<city>/<city>_<seq>_000019_leftImg8bit.png``
    and ``gtFine/<split>/<city>/<city>_<seq>_000019_gtFine_labelTrainIds.png``
    with ``<split>`` in ``train``/``val`` and images spread over a few cities.

    Args:
        root: The Cityscapes ``data_root`` to create.
        num_train: Number of train images.
        num_val: Number of val images.
        image_size: ``(height, width)`` of every image.
        seed: Random seed.
        progress: Optional callable receiving one status line per split.

    Returns:
        ``root`` (the mmseg ``data_root``).
    """
    if min(num_train, num_val) < 0 or num_train < 1:
        raise ValueError('counts must be >= 0 with at least one train image')
    h, w = _check_size(image_size)
    meta = dict(
        generator='mmseg_cwbass.testing.toy_data.generate_toy_cityscapes',
        format_version=TOY_FORMAT_VERSION,
        layout='cityscapes',
        num_train=int(num_train),
        num_val=int(num_val),
        image_size=[h, w],
        seed=int(seed),
        labels=TOY_CITYSCAPES_LABELS)
    owned = ('leftImg8bit', 'gtFine')
    if not _prepare_target(root, meta, owned):
        return root
    for split, count, cities in (('train', num_train, _TRAIN_CITIES),
                                 ('val', num_val, _VAL_CITIES)):
        for i in range(count):
            city = cities[i % len(cities)]
            stem = f'{city}_{i // len(cities):06d}_000019'
            img_dir = osp.join(root, 'leftImg8bit', split, city)
            ann_dir = osp.join(root, 'gtFine', split, city)
            os.makedirs(img_dir, exist_ok=True)
            os.makedirs(ann_dir, exist_ok=True)
            image, label = render_cityscapes_sample(
                _rng_for(seed, split, i), (h, w))
            Image.fromarray(image).save(
                osp.join(img_dir, stem + '_leftImg8bit.png'), format='PNG',
                compress_level=6)
            _save_label_l(
                label, osp.join(ann_dir, stem + '_gtFine_labelTrainIds.png'))
        if progress is not None:
            progress(f'{split}: {count} images')
    _write_meta(root, meta)
    return root
