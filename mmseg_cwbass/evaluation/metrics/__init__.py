# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""Evaluation metrics; importing registers them in mmseg's ``METRICS``."""
from .boundary_metric import (DEFAULT_TOLERANCE, BoundaryIoUMetric,
                              boundary_intersect_and_union, boundary_width)
from .classwise_iou_metric import ClasswiseIoUMetric

__all__ = [
    'BoundaryIoUMetric', 'ClasswiseIoUMetric', 'DEFAULT_TOLERANCE',
    'boundary_intersect_and_union', 'boundary_width'
]
