"""Keep an unlabeled image's mask for diagnostics only.

VOC and Cityscapes unlabeled splits do have masks on disk. Loading them lets
the CW-BASS segmentor log the accuracy of its pseudo-labels; the mask is moved
out of ``gt_seg_map`` so that it is never packed as a training target.
"""
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class StashDiagnosticMask(BaseTransform):
    """Move ``gt_seg_map`` to ``diag_seg_map`` (after the geometric transforms).

    Place it after ``LoadAnnotations`` and the shared geometric transforms,
    before the branch split; pack with :class:`PackSemiSegInputs`.
    """

    def transform(self, results: dict) -> dict:
        """Rename the mask field and drop it from ``seg_fields``."""
        if 'gt_seg_map' in results:
            results['diag_seg_map'] = results.pop('gt_seg_map')
            results['seg_fields'] = [
                f for f in results.get('seg_fields', []) if f != 'gt_seg_map'
            ]
        return results


@TRANSFORMS.register_module()
class PackSemiSegInputs(PackSegInputs):
    """``PackSegInputs`` that also packs a stashed diagnostic mask.

    The mask lands in ``data_sample.diag_sem_seg``, a field no mmseg loss
    reads; without a stashed mask it behaves exactly like ``PackSegInputs``.
    """

    def transform(self, results: dict) -> dict:
        """Pack inputs, the data sample and the diagnostic mask if present."""
        packed = super().transform(results)
        if 'diag_seg_map' in results:
            mask = np.ascontiguousarray(results['diag_seg_map'])
            packed['data_samples'].diag_sem_seg = PixelData(
                data=torch.from_numpy(mask.astype(np.int64))[None])
        return packed
