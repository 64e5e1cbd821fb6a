"""Refuse masks whose values are neither a class index nor the ignore value.

A stray value (e.g. a palette colour saved as RGB, or 21 classes in a 19
class config) otherwise surfaces as an opaque device-side assertion inside
the cross-entropy; this check names the file and the values instead.
"""
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckSegMapValues(BaseTransform):
    """Check ``gt_seg_map`` right after ``LoadAnnotations``.

    Args:
        num_classes (int): Valid labels are ``0 .. num_classes - 1``.
        ignore_index (int): The ignore label. Defaults to 255.
    """

    def __init__(self, num_classes: int, ignore_index: int = 255) -> None:
        if num_classes < 1:
            raise ValueError(f'num_classes must be >= 1, got {num_classes}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        """Raise ``ValueError`` naming the mask file and bad values."""
        seg_map = results.get('gt_seg_map')
        if seg_map is None:
            return results
        values = np.unique(seg_map)
        bad = values[(values >= self.num_classes)
                     & (values != self.ignore_index)]
        bad = np.concatenate([bad, values[values < 0]])
        if bad.size:
            raise ValueError(
                f"mask {results.get('seg_map_path', '?')} has values "
                f'{bad.tolist()[:10]} that are neither a class index '
                f'(0..{self.num_classes - 1}) nor {self.ignore_index}: '
                'check the mask format (single-channel label PNG) and '
                'num_classes')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')
