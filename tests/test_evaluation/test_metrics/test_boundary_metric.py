# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""Boundary IoU against masks whose values are computed by hand.

Scene used throughout (10 x 10 image, ``d`` = boundary width):
class 1 is a 4 x 4 square at rows 2-5, cols 2-5 in the ground truth and the
same square shifted one pixel right (cols 3-6) in the prediction; class 0 is
everything else.

Class 1, d = 1: each square's boundary is its 12-pixel ring; the rings share
rows 2 and 5 at cols 3-5 (6 px) -> 6 / (12 + 12 - 6) = 1/3.
Class 1, d = 2: a 4 x 4 square erodes to nothing, so the band is the whole
square (16 px); the squares overlap on 4 x 3 = 12 px -> 12 / 20 = 0.6.
Class 0, d = 1, border is boundary: 36-px image frame + 20-px ring around
each square; the rings share rows 1 and 6 at cols 2-6 (10 px)
-> (36 + 10) / (56 + 56 - 46) = 46/66.
Class 0, d = 1, border not boundary: only the rings -> 10 / 30 = 1/3.
"""
import math

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

import mmseg_cwbass.evaluation  # noqa: F401  (registers the metric)
from mmseg_cwbass.evaluation import (BoundaryIoUMetric,
                                     boundary_intersect_and_union,
                                     boundary_width)
from mmseg_cwbass.models.utils import label_change_band as label_map_boundary


def mask_boundary(masks: torch.Tensor,
                  width: int,
                  border_is_boundary: bool = True) -> torch.Tensor:
    """Literal per-mask erosion: the oracle the fast band is checked against.

    The mask minus its erosion by ``width`` (chessboard), as separable
    max-pools over the inverted mask; outside the image counts as outside
    the mask when ``border_is_boundary``.
    """
    if width < 1:
        raise ValueError(f'boundary width must be >= 1 pixel, got {width}')
    masks = masks.bool()
    shape = masks.shape
    outside = (~masks).reshape(-1, 1, *shape[-2:]).float()
    outside = torch.nn.functional.pad(
        outside, (width, width, width, width),
        value=1.0 if border_is_boundary else 0.0)
    kernel = 2 * width + 1
    near = torch.nn.functional.max_pool2d(
        outside, kernel_size=(1, kernel), stride=1)
    near = torch.nn.functional.max_pool2d(
        near, kernel_size=(kernel, 1), stride=1)
    return masks & (near.reshape(shape) > 0.5)


def _scene():
    gt = torch.zeros(10, 10, dtype=torch.long)
    gt[2:6, 2:6] = 1
    pred = torch.zeros(10, 10, dtype=torch.long)
    pred[2:6, 3:7] = 1
    return pred, gt


def _sample(pred: torch.Tensor, gt: torch.Tensor) -> dict:
    """The dict form the evaluator hands to ``process``."""
    sample = SegDataSample()
    sample.pred_sem_seg = PixelData(data=pred[None])
    sample.gt_sem_seg = PixelData(data=gt[None])
    return sample.to_dict()


def _metric(classes=('background', 'square'), **kwargs) -> BoundaryIoUMetric:
    metric = METRICS.build(dict(type='BoundaryIoUMetric', **kwargs))
    metric.dataset_meta = dict(classes=classes)
    return metric


def _biou(pred, gt, num_classes=2, **kwargs):
    inter, union = boundary_intersect_and_union(pred, gt, num_classes,
                                                **kwargs)
    return inter.double() / union.double()


def test_mask_boundary_ring_and_border():
    mask = torch.zeros(6, 6, dtype=torch.bool)
    mask[1:5, 1:5] = True
    ring = mask_boundary(mask, 1)
    assert ring.sum() == 12 and not ring[2:4, 2:4].any()

    full = torch.ones(5, 5, dtype=torch.bool)
    # Zero padding (reference): the image frame is boundary.
    frame = mask_boundary(full, 1, border_is_boundary=True)
    assert frame.sum() == 16 and not frame[1:4, 1:4].any()
    assert not mask_boundary(full, 1, border_is_boundary=False).any()
    # Chessboard distance: d = 2 covers the whole 5 x 5 but its centre.
    assert mask_boundary(full, 2).sum() == 24
    with pytest.raises(ValueError):
        mask_boundary(full, 0)


def test_mask_boundary_matches_iterated_3x3_erosion():
    """Same result as the reference's d-fold 3x3 erosion of a 0-padded mask."""
    rng = np.random.default_rng(0)
    masks = torch.from_numpy(rng.random((3, 17, 13)) > 0.4)
    for d in (1, 2, 3):
        eroded = torch.nn.functional.pad(masks.float(), (1, 1, 1, 1))
        for _ in range(d):
            # min-pool; outside the padded frame counts as foreground (cv2)
            eroded = -torch.nn.functional.max_pool2d(
                torch.nn.functional.pad(-eroded, (1, 1, 1, 1), value=-1.0),
                3, stride=1)
        expected = masks & ~(eroded[:, 1:-1, 1:-1] > 0.5)
        assert torch.equal(mask_boundary(masks, d), expected)


@pytest.mark.parametrize('border_is_boundary', [True, False])
def test_fast_path_matches_per_class_erosion(border_is_boundary):
    """One max/min pass over the label map == one erosion per class."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        h, w = rng.integers(1, 24, size=2)
        num_classes, d = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        gt = torch.from_numpy(rng.integers(0, num_classes, size=(h, w)))
        gt[torch.from_numpy(rng.random((h, w)) < 0.1)] = 255
        pred = torch.from_numpy(rng.integers(0, num_classes, size=(h, w)))
        valid = gt != 255
        inter, union = boundary_intersect_and_union(
            pred, gt, num_classes, width=d,
            border_is_boundary=border_is_boundary)
        any_band = torch.zeros(h, w, dtype=torch.bool)
        for c in range(num_classes):
            g_band = mask_boundary(gt == c, d, border_is_boundary) & valid
            p_band = mask_boundary(pred == c, d, border_is_boundary) & valid
            assert inter[c] == (g_band & p_band).sum()
            assert union[c] == (g_band | p_band).sum()
            any_band |= mask_boundary(pred == c, d, border_is_boundary)
        assert torch.equal(
            label_map_boundary(pred, d, border_is_boundary), any_band)


def test_identical_masks_score_one():
    _, gt = _scene()
    metric = _metric(tolerance=1)
    metric.process({}, [_sample(gt.clone(), gt)])
    assert metric.compute_metrics(metric.results)['mBIoU'] == 100.0


def test_shifted_square_hand_values():
    pred, gt = _scene()
    biou = _biou(pred, gt, width=1)
    assert biou[1].item() == pytest.approx(1 / 3)
    assert biou[0].item() == pytest.approx(46 / 66)
    biou = _biou(pred, gt, width=1, border_is_boundary=False)
    assert biou.tolist() == pytest.approx([1 / 3, 1 / 3])

    metric = _metric(tolerance=1, classwise=True)
    metric.process({}, [_sample(pred, gt)])
    out = metric.compute_metrics(metric.results)
    assert out['mBIoU'] == pytest.approx(round((1 / 3 + 46 / 66) / 2 * 100,
                                               2))
    assert out['BIoU.square'] == pytest.approx(33.33)
    assert out['BIoU.background'] == pytest.approx(69.70)


def test_tolerance_widens_band():
    pred, gt = _scene()
    assert _biou(pred, gt, width=1)[1].item() == pytest.approx(1 / 3)
    assert _biou(pred, gt, width=2)[1].item() == pytest.approx(0.6)

    metric = _metric(tolerance=2, border_is_boundary=False, classwise=True)
    metric.process({}, [_sample(pred, gt)])
    assert metric.compute_metrics(metric.results)['BIoU.square'] == 60.0


def test_dilation_ratio_width():
    assert boundary_width(10, 10) == 2  # default tolerance
    assert boundary_width(10, 10, tolerance=3) == 3
    # round(0.02 * 1442.2) = 29 (the reference's 2 % of the diagonal)
    assert boundary_width(1000, 1038, dilation_ratio=0.02) == round(
        0.02 * math.hypot(1000, 1038))
    assert boundary_width(10, 10, dilation_ratio=0.001) == 1
    # ratio 0.07 on a 10 x 10 image -> round(0.99) = 1 px -> 1/3 again
    pred, gt = _scene()
    metric = _metric(dilation_ratio=0.07, classwise=True)
    metric.process({}, [_sample(pred, gt)])
    assert metric.compute_metrics(metric.results)['BIoU.square'] == 33.33
    with pytest.raises(ValueError):
        BoundaryIoUMetric(tolerance=2, dilation_ratio=0.02)
    with pytest.raises(ValueError):
        BoundaryIoUMetric(tolerance=0)


def test_absent_class_is_nan_and_excluded():
    pred, gt = _scene()
    metric = _metric(
        classes=('background', 'square', 'absent'),
        tolerance=1,
        border_is_boundary=False,
        classwise=True)
    metric.process({}, [_sample(pred, gt)])
    out = metric.compute_metrics(metric.results)
    assert math.isnan(out['BIoU.absent'])
    assert out['mBIoU'] == 33.33  # mean of the two present classes only

    metric = _metric(classes=('background', 'square', 'absent'),
                     tolerance=1, border_is_boundary=False, nan_to_num=0)
    metric.process({}, [_sample(pred, gt)])
    assert metric.compute_metrics(metric.results)['mBIoU'] == 22.22


def test_ignore_pixels_excluded():
    pred, gt = _scene()
    # Ignore the column where only the prediction's ring lies (col 6):
    # prediction ring 12 -> 8 px, intersection stays 6 -> 6 / (12 + 8 - 6).
    gt[2:6, 6] = 255
    assert _biou(pred, gt, width=1)[1].item() == pytest.approx(3 / 7)

    # A fully ignored image contributes nothing at all.
    inter, union = boundary_intersect_and_union(
        pred, torch.full_like(gt, 255), 2, width=1)
    assert inter.sum() == 0 and union.sum() == 0

    # Predictions that differ only on ignored pixels leave the score intact.
    _, gt = _scene()
    gt[0, :] = 255
    noisy = gt.clone()
    noisy[0, :] = 1
    metric = _metric(tolerance=1, border_is_boundary=False)
    metric.process({}, [_sample(noisy, gt)])
    out = metric.compute_metrics(metric.results)
    assert out['mBIoU'] == 100.0


def test_accumulates_over_images_and_reads_data_samples():
    pred, gt = _scene()
    metric = _metric(tolerance=1, classwise=True, border_is_boundary=False)
    # SegDataSample objects and their dict form are both accepted.
    sample = SegDataSample()
    sample.pred_sem_seg = PixelData(data=gt[None].clone())
    sample.gt_sem_seg = PixelData(data=gt[None])
    metric.process({}, [_sample(pred, gt), sample])
    out = metric.compute_metrics(metric.results)
    # square: (6 + 12) / (18 + 12); identical image adds its ring to both.
    assert out['BIoU.square'] == 60.0
    assert set(out) == {'mBIoU', 'BIoU.background', 'BIoU.square'}


def test_empty_and_format_only():
    metric = _metric()
    assert math.isnan(metric.compute_metrics([])['mBIoU'])
    metric = _metric(format_only=True)
    metric.process({}, [_sample(*_scene())])
    assert metric.results == []
    assert metric.compute_metrics([]) == {}


def test_next_to_iou_metric_in_evaluator():
    from mmengine.evaluator import Evaluator
    evaluator = Evaluator([
        dict(type='mmseg.IoUMetric', iou_metrics=['mIoU']),
        dict(type='mmseg.BoundaryIoUMetric', tolerance=1)
    ])
    evaluator.dataset_meta = dict(classes=('background', 'square'))
    pred, gt = _scene()
    sample = SegDataSample()
    sample.pred_sem_seg = PixelData(data=pred[None])
    sample.gt_sem_seg = PixelData(data=gt[None])
    evaluator.process([sample], {})
    out = evaluator.evaluate(1)
    assert {'aAcc', 'mIoU', 'mAcc', 'mBIoU'} <= set(out)
