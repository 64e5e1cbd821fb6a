# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""mmseg's ``IoUMetric`` that also returns its per-class values."""
from typing import Dict, Optional

import numpy as np
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class ClasswiseIoUMetric(IoUMetric):
    """``IoUMetric`` whose per-class table is returned, not only logged.

    mmseg's ``IoUMetric`` prints one table row per class (``IoU`` and
    ``Acc`` for ``mIoU``; ``Dice``, ``Fscore``, ``Precision``, ``Recall``
    for the other options) but returns only the means. This metric returns
    the same values as ``<column>.<class name>`` (percent, rounded as in the
    table; NaN for a class absent from both prediction and ground truth),
    next to the unchanged means, so a caller of the val loop (and the
    ``scalars.json`` log) gets them. It takes ``IoUMetric``'s arguments.

    Example::

        val_evaluator = dict(type='ClasswiseIoUMetric', iou_metrics=['mIoU'])
        # -> aAcc, mIoU, mAcc, IoU.<class>..., Acc.<class>...

    The names have no prefix (``default_prefix=''``), as ``IoUMetric``'s
    (the val loop adds ``teacher/`` and ``student/``), without mmengine's
    "prefix is not set" warning; ``prefix='x'`` gives ``x/mIoU``.
    """

    default_prefix: Optional[str] = ''

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the means of ``IoUMetric`` and the per-class values.

        Args:
            results (list): Per-image ``(intersect, union, pred, label)``
                areas from :meth:`process`.

        Returns:
            dict[str, float]: ``IoUMetric``'s metrics plus
            ``<column>.<class>`` for every per-class column.
        """
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        areas = [sum(result[i] for result in results) for i in range(4)]
        per_class = self.total_area_to_metrics(*areas, self.metrics,
                                               self.nan_to_num, self.beta)
        per_class.pop('aAcc')
        classes = self.dataset_meta['classes']
        for column, values in per_class.items():
            # float64 first: float32 percentages round to 66.66999816...
            values = np.round(np.asarray(values, np.float64) * 100, 2)
            for name, value in zip(classes, values):
                metrics[f'{column}.{name}'] = float(value)
        return metrics
