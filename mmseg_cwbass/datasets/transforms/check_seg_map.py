"""Refuse masks that do not fit their image or hold impossible values.

A stray value (e.g. a palette colour saved as RGB, or 21 classes in a 19
class config) otherwise surfaces as an opaque device-side assertion inside
the cross-entropy, and a mask of another size than its image trains on
misaligned labels without any error; this check names the files instead.
"""
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ...utils.config_keys import reject_unknown_args


def check_pair_size(results: dict, seg_map: np.ndarray) -> None:
    """Raise if a freshly loaded mask and its image differ in size.

    Args:
        results (dict): Results with the loaded ``img`` and the paths.
        seg_map (np.ndarray): The mask, before any geometric transform.

    Raises:
        ValueError: Naming both files and both sizes.
    """
    img = results.get('img')
    if img is not None and img.shape[:2] != seg_map.shape[:2]:
        raise ValueError(
            f"image {results.get('img_path', '?')} is "
            f'{img.shape[0]}x{img.shape[1]} but its mask '
            f"{results.get('seg_map_path', '?')} is "
            f'{seg_map.shape[0]}x{seg_map.shape[1]}: the pair is not aligned')


@TRANSFORMS.register_module()
@reject_unknown_args
class CheckSegMapValues(BaseTransform):
    """Check ``gt_seg_map`` right after ``LoadAnnotations``.

    Fails, naming the files, if the mask's size differs from its image's or
    if it holds a value that is neither a class index nor the ignore value.

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
        """Raise ``ValueError`` naming the files, sizes or bad values."""
        seg_map = results.get('gt_seg_map')
        if seg_map is None:
            return results
        check_pair_size(results, seg_map)
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
