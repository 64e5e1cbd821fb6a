# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""ClasswiseIoUMetric: per-class values computed by hand, means unchanged.

Image A (2 x 4, 255 = ignored)::

    ground truth   0 0 1 1        prediction   0 1 1 1
                   0 0 1 255                   0 0 0 2

7 valid pixels. Class 0: 4 in the ground truth, 4 predicted, 3 shared ->
IoU 3/5 = 60 %, Acc 3/4 = 75 %. Class 1: 3, 3, 2 shared -> IoU 2/4 = 50 %,
Acc 2/3 = 66.67 %. Class 2 is only predicted on the ignored pixel -> NaN.
aAcc 5/7 = 71.43 %, mIoU 55 %, mAcc 70.83 %.

Image B (2 x 2): ground truth all 2, prediction ``2 2 / 2 0``. Over A + B:
class 0 gains one predicted pixel (IoU 3/6 = 50 %), class 2 gets 3 shared of
4 + 3 (IoU 3/4 = 75 %, Acc 75 %); aAcc 8/11 = 72.73 %.
"""
import math

import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

import mmseg_cwbass.evaluation  # noqa: F401  (registers the metric)
from mmseg_cwbass.evaluation.metrics import ClasswiseIoUMetric

META = dict(classes=('sky', 'tree', 'road'))


def _sample(gt, pred):
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.tensor(gt)[None])
    sample.pred_sem_seg = PixelData(data=torch.tensor(pred)[None])
    return sample.to_dict()


IMAGE_A = _sample([[0, 0, 1, 1], [0, 0, 1, 255]], [[0, 1, 1, 1], [0, 0, 0, 2]])
IMAGE_B = _sample([[2, 2], [2, 2]], [[2, 2], [2, 0]])


def _evaluate(metric, samples):
    metric.dataset_meta = META
    for sample in samples:
        metric.process({}, [sample])
    return metric.evaluate(len(samples))


def test_per_class_values_of_one_image():
    metrics = _evaluate(ClasswiseIoUMetric(), [IMAGE_A])
    assert metrics['IoU.sky'] == 60.0 and metrics['IoU.tree'] == 50.0
    assert metrics['Acc.sky'] == 75.0 and metrics['Acc.tree'] == 66.67
    assert math.isnan(metrics['IoU.road']) and math.isnan(metrics['Acc.road'])
    assert metrics['aAcc'] == 71.43 and metrics['mIoU'] == 55.0
    assert metrics['mAcc'] == 70.83
    assert all(isinstance(v, float) for k, v in metrics.items() if '.' in k)


def test_areas_accumulate_over_images():
    metrics = _evaluate(ClasswiseIoUMetric(), [IMAGE_A, IMAGE_B])
    assert [metrics[f'IoU.{c}'] for c in META['classes']] == [50.0, 50.0, 75.0]
    assert metrics['Acc.road'] == 75.0
    assert metrics['mIoU'] == pytest.approx(58.33)
    assert metrics['aAcc'] == 72.73


def test_means_equal_mmseg_iou_metric():
    ours = _evaluate(ClasswiseIoUMetric(), [IMAGE_A, IMAGE_B])
    theirs = _evaluate(IoUMetric(), [IMAGE_A, IMAGE_B])
    assert {k: v for k, v in ours.items() if '.' not in k} == theirs


def test_other_iou_metrics_give_their_columns():
    metrics = _evaluate(ClasswiseIoUMetric(iou_metrics=['mDice']), [IMAGE_A])
    # Dice of class 0: 2 * 3 / (4 + 4).
    assert metrics['Dice.sky'] == 75.0 and 'IoU.sky' not in metrics
    assert metrics['mDice'] == pytest.approx((75.0 + 66.67) / 2, abs=0.01)


def test_built_from_the_registry_in_an_evaluator():
    evaluator = Evaluator(dict(type='ClasswiseIoUMetric', nan_to_num=0))
    evaluator.dataset_meta = META
    evaluator.process([IMAGE_A])
    metrics = evaluator.evaluate(1)
    assert isinstance(evaluator.metrics[0], ClasswiseIoUMetric)
    assert metrics['IoU.road'] == 0.0 and metrics['IoU.sky'] == 60.0
    assert METRICS.get('ClasswiseIoUMetric') is ClasswiseIoUMetric


def test_format_only_returns_nothing(tmp_path):
    metric = ClasswiseIoUMetric(format_only=True, output_dir=str(tmp_path))
    metric.dataset_meta = META
    sample = dict(IMAGE_A, img_path='a.jpg')
    metric.process({}, [sample])
    assert metric.evaluate(1) == {}
