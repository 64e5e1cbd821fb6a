# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""Evaluation components; importing registers them in mmseg's registries."""
from .metrics import (DEFAULT_TOLERANCE, BoundaryIoUMetric,
                      ClasswiseIoUMetric, boundary_intersect_and_union,
                      boundary_width)

__all__ = [
    'BoundaryIoUMetric', 'ClasswiseIoUMetric', 'DEFAULT_TOLERANCE', 'boundary_intersect_and_union',
    'boundary_width'
]
