# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Toy street scenes with Cityscapes train ids (sky, buildings, road, cars...).

:func:`render_cityscapes_sample` draws one scene; the writers are in
:mod:`.toy_data`.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from .toy_drawing import (ellipse_mask, finish_image, pixel_grid, smooth_field,
                          texture_fill)

__all__ = ['TOY_CITYSCAPES_LABELS', 'render_cityscapes_sample']

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

# Base colours (RGB) of cars and clothes.
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


def render_cityscapes_sample(
    rng: np.random.Generator, image_size: Tuple[int, int] = (64, 128)
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
    xs, ys = pixel_grid(h, w)
    img = np.zeros((h, w, 3), np.float32)
    label = np.full((h, w), L['sky'], np.uint8)

    def paint(mask: np.ndarray, cls: int, tex: np.ndarray) -> None:
        img[mask] = tex[mask]
        label[mask] = cls

    horizon = rng.uniform(0.35, 0.5) * h
    sky_top = np.array([90, 140, 220], np.float32) + rng.uniform(-20, 20, 3)
    sky = texture_fill('gradient', rng, h, w, sky_top,
                       np.array([220, 225, 235], np.float32), 50.0)
    paint(np.ones((h, w), bool), L['sky'], sky)

    # Buildings: a skyline of rectangles with window grids.
    x = rng.uniform(-0.1, 0.05) * w
    while x < w:
        bw = rng.uniform(0.12, 0.3) * w
        top = rng.uniform(0.02, 0.8) * horizon
        wall = rng.uniform(90, 180) * np.array(
            [1.0, rng.uniform(0.85, 1.0),
             rng.uniform(0.7, 0.95)])
        tex = texture_fill('checker', rng, h, w, wall.astype(np.float32),
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
    walk_tex = texture_fill('checker', rng, h, w,
                            np.array([175, 165, 160], np.float32),
                            np.array([140, 132, 130], np.float32), 3.0)
    paint(below, L['sidewalk'], walk_tex)
    terrain_tex = texture_fill('blocks', rng, h, w,
                               np.array([120, 140, 70], np.float32),
                               np.array([100, 110, 60], np.float32), 1.0)
    paint(below & (np.abs(xs - vx) > half_walk), L['terrain'], terrain_tex)
    road_tex = np.array([90, 88, 92],
                        np.float32) + 10 * smooth_field(rng, h, w, 4)
    road = below & (np.abs(xs - vx) <= half_road)
    # Lane markings are still road.
    lane = road & (np.abs(xs - vx) < 0.6 + t * 2) & (np.floor(ys / 4) % 2 == 0)
    road_tex[lane] = 235
    paint(road, L['road'], road_tex)

    # Vegetation blobs at the skyline and beside the road.
    for _ in range(int(rng.integers(1, 4))):
        cx = rng.uniform(0, w)
        cy = horizon - rng.uniform(0, 0.3) * h
        r = rng.uniform(0.06, 0.16) * w
        mask = ellipse_mask(h, w, cx, cy, r, r * rng.uniform(0.6, 1.0), 0.0)
        tex = texture_fill('blocks', rng, h, w,
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
            sign = texture_fill(
                'solid', rng, h, w,
                np.array([210, 40, 40], np.float32) if rng.random() < 0.5 else
                np.array([40, 70, 200], np.float32), None, 1.0)
            paint(
                ellipse_mask(h, w, px, top, r, r, 0.0), L['traffic_sign'],
                sign)
        elif kind < 0.7:
            box = (np.abs(xs - px) <= 2) & (ys >= top) & (ys <= top + 7)
            light = np.full((h, w, 3), 35, np.float32)
            light[ellipse_mask(h, w, px, top + 2, 1.5, 1.5,
                               0.0)] = ([230, 40, 40] if rng.random() < 0.5
                                        else [40, 220, 80])
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
            tex = texture_fill('solid', rng, h, w, colour.astype(np.float32),
                               None, 1.0)
            glass = cabin & (ys >= foot - ch * 0.9) & (
                np.abs(xs - cx) <= cw * 0.26)
            tex[glass] = [60, 70, 90]
            wheels = np.zeros((h, w), bool)
            for off in (-0.3, 0.3):
                wheels |= ellipse_mask(h, w, cx + off * cw, foot - ch * 0.15,
                                       ch * 0.16 + 0.5, ch * 0.16 + 0.5, 0.0)
            tex[wheels] = 20
            paint(body | cabin | wheels, L['car'], tex)
        else:
            ph = (0.12 + 0.35 * tt) * h
            side = 1 if rng.random() < 0.5 else -1
            px = vx + side * (
                float(np.interp(foot, ys[:, 0], half_road[:, 0])) + 1 +
                rng.uniform(0, 0.1 * w))
            shirt = _BASE_COLOURS[int(rng.integers(6))]
            tex = texture_fill('solid', rng, h, w, shirt.astype(np.float32),
                               None, 1.0)
            legs = (np.abs(xs - px) <= ph * 0.1) & (ys <= foot) & (
                ys > foot - ph * 0.45)
            torso = ellipse_mask(h, w, px, foot - ph * 0.62, ph * 0.14,
                                 ph * 0.2, 0.0)
            head = ellipse_mask(h, w, px, foot - ph * 0.9, ph * 0.09, ph * 0.1,
                                0.0)
            tex[legs] = [40, 40, 60]
            tex[head] = [205, 170, 140]
            paint(legs | torso | head, L['person'], tex)

    # Ego-vehicle bonnet at the bottom: void in Cityscapes.
    if rng.random() < 0.7:
        bonnet = ys >= h - rng.uniform(0.04, 0.1) * h - 4 * (
            (xs - w / 2) / w)**2 * h * 0.1
        img[bonnet] = [30, 30, 35]
        label[bonnet] = 255
    return finish_image(rng, img), label
