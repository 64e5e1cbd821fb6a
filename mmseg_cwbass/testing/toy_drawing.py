# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Drawing primitives of the toy scenes: shapes, textures, shading, noise.

Pure functions of their arguments and of the generator state they are
given, shared by :mod:`.toy_voc` and :mod:`.toy_cityscapes`.
"""
from __future__ import annotations

from typing import Tuple

import cv2
import numpy as np

__all__ = [
    'pixel_grid', 'polygon_mask', 'ellipse_mask', 'shape_mask', 'texture_fill',
    'smooth_field', 'finish_image'
]


def pixel_grid(h: int, w: int) -> Tuple[np.ndarray, np.ndarray]:
    """``(xs, ys)``: float32 pixel coordinates of an ``h x w`` image."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return xs, ys


def polygon_mask(h: int, w: int, pts: np.ndarray) -> np.ndarray:
    """Boolean mask of the polygon ``pts`` (``(N, 2)`` x, y) in an image."""
    canvas = np.zeros((h, w), np.uint8)
    # Fixed-point coordinates (shift=4) keep small shapes smooth.
    cv2.fillPoly(
        canvas, [np.round(pts * 16).astype(np.int32)],
        1,
        lineType=cv2.LINE_8,
        shift=4)
    return canvas.astype(bool)


def ellipse_mask(h: int, w: int, cx: float, cy: float, ax: float, ay: float,
                 angle: float) -> np.ndarray:
    """Boolean mask of an ellipse with semi-axes ``ax``, ``ay``, rotated by
    ``angle`` radians around ``(cx, cy)``."""
    xs, ys = pixel_grid(h, w)
    c, s = np.cos(angle), np.sin(angle)
    u = ((xs - cx) * c + (ys - cy) * s) / max(ax, 0.5)
    v = (-(xs - cx) * s + (ys - cy) * c) / max(ay, 0.5)
    return u * u + v * v <= 1.0


def shape_mask(shape: str, rng: np.random.Generator, h: int, w: int, cx: float,
               cy: float, r: float) -> np.ndarray:
    """Rasterise one shape of radius ``r`` centred at ``(cx, cy)``."""
    angle = rng.uniform(0, np.pi)
    if shape == 'ellipse':
        return ellipse_mask(h, w, cx, cy, r, r * rng.uniform(0.45, 0.85),
                            angle)
    if shape == 'ring':
        aspect = rng.uniform(0.75, 1.0)
        inner = rng.uniform(0.45, 0.62)
        outer = ellipse_mask(h, w, cx, cy, r, r * aspect, angle)
        hole = ellipse_mask(h, w, cx, cy, r * inner, r * aspect * inner, angle)
        return outer & ~hole
    if shape == 'star':
        tips = int(rng.integers(4, 8))
        inner = rng.uniform(0.35, 0.55)
        t = angle + np.arange(2 * tips) * np.pi / tips
        rad = np.where(np.arange(2 * tips) % 2 == 0, r, r * inner)
        pts = np.stack([cx + rad * np.cos(t), cy + rad * np.sin(t)], 1)
        return polygon_mask(h, w, pts)
    if shape == 'polygon':
        n = int(rng.integers(3, 7))
        # Spread vertices so the polygon is not a sliver.
        t = angle + np.linspace(0, 2 * np.pi, n, endpoint=False) + \
            rng.uniform(-0.35, 0.35, n) * np.pi / n
        rad = r * rng.uniform(0.75, 1.0, n)
        pts = np.stack([cx + rad * np.cos(t), cy + rad * np.sin(t)], 1)
        return polygon_mask(h, w, pts)
    if shape == 'capsule':
        half = r
        width = r * rng.uniform(0.28, 0.42)
        d = np.array([np.cos(angle), np.sin(angle)], np.float32)
        p0 = np.array([cx, cy]) - d * (half - width)
        p1 = np.array([cx, cy]) + d * (half - width)
        xs, ys = pixel_grid(h, w)
        # Distance to the segment p0-p1: a stadium with rounded ends.
        seg = p1 - p0
        tt = ((xs - p0[0]) * seg[0] +
              (ys - p0[1]) * seg[1]) / max(float(seg @ seg), 1e-6)
        tt = np.clip(tt, 0, 1)
        dx = xs - (p0[0] + tt * seg[0])
        dy = ys - (p0[1] + tt * seg[1])
        return dx * dx + dy * dy <= width * width
    if shape == 'rect':
        ax, ay = r, r * rng.uniform(0.4, 1.0)
        c, s = np.cos(angle), np.sin(angle)
        corners = np.array([[-ax, -ay], [ax, -ay], [ax, ay], [-ax, ay]])
        rot = np.array([[c, -s], [s, c]])
        return polygon_mask(h, w, corners @ rot.T + [cx, cy])
    if shape == 'bar':
        length, thick = r * 1.6, rng.uniform(1.5, 3.5)
        c, s = np.cos(angle), np.sin(angle)
        corners = np.array([[-length, -thick], [length, -thick],
                            [length, thick], [-length, thick]])
        rot = np.array([[c, -s], [s, c]])
        return polygon_mask(h, w, corners @ rot.T + [cx, cy])
    if shape == 'cross':
        thick = r * rng.uniform(0.18, 0.3)
        c, s = np.cos(angle), np.sin(angle)
        rot = np.array([[c, -s], [s, c]])
        arm1 = np.array([[-r, -thick], [r, -thick], [r, thick], [-r, thick]])
        arm2 = arm1[:, ::-1]
        return polygon_mask(h, w, arm1 @ rot.T + [cx, cy]) | polygon_mask(
            h, w, arm2 @ rot.T + [cx, cy])
    raise ValueError(f'unknown shape {shape!r}')


def texture_fill(kind: str, rng: np.random.Generator, h: int, w: int,
                 c1: np.ndarray, c2: np.ndarray, period: float) -> np.ndarray:
    """Return an ``(h, w, 3)`` float32 texture mixing colours c1 and c2."""
    xs, ys = pixel_grid(h, w)
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
        return (c1 * (1 - t[..., None]) + c2 * t[..., None]).astype(np.float32)
    elif kind == 'solid':
        return np.broadcast_to(c1, (h, w, 3)).astype(np.float32)
    else:
        raise ValueError(f'unknown texture {kind!r}')
    return np.where(m[..., None], c1, c2).astype(np.float32)


def smooth_field(rng: np.random.Generator,
                 h: int,
                 w: int,
                 cell: int,
                 channels: int = 3) -> np.ndarray:
    """Low-frequency noise in [-1, 1] (bicubic upsampling of a coarse grid)."""
    gh, gw = h // cell + 3, w // cell + 3
    coarse = rng.uniform(-1, 1, (gh, gw, channels)).astype(np.float32)
    big = cv2.resize(
        coarse, (gw * cell, gh * cell), interpolation=cv2.INTER_CUBIC)
    if big.ndim == 2:
        big = big[..., None]
    return big[cell:cell + h, cell:cell + w]


def finish_image(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Global photometric variation and sensor noise, then quantise."""
    h, w = img.shape[:2]
    gain = rng.uniform(0.8, 1.15)
    bias = rng.uniform(-15, 15)
    shade = 1.0 + 0.15 * smooth_field(rng, h, w, max(h, w) // 2, 1)
    img = img * gain * shade + bias
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (3, 3), rng.uniform(0.4, 0.8))
    img = img + rng.normal(0, rng.uniform(2, 7), img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)
