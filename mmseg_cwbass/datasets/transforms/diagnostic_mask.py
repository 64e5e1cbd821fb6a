"""Keep an unlabeled image's mask for diagnostics only.

VOC (SBD) and Cityscapes (gtFine) unlabeled splits do have masks on disk.
Loading them lets the segmentor log the accuracy of its pseudo-labels
(``pseudo_acc``, ``pseudo_acc_kept``); the mask is kept out of
``gt_seg_map`` so that it is never packed as a training target. Data
without masks turns it off with one switch,
``SemiSegDataset(diagnostic_masks=False)``.
"""
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import LoadAnnotations, PackSegInputs
from mmseg.registry import TRANSFORMS

from ...utils.config_keys import reject_unknown_args
from .check_seg_map import check_pair_size

DIAG_KEY = 'diag_seg_map'


@TRANSFORMS.register_module()
@reject_unknown_args
class LoadDiagnosticMask(LoadAnnotations):
    """Load an unlabeled image's mask as ``diag_seg_map`` (never a target).

    Place it right after ``LoadImageFromFile``: the geometric transforms
    (``RandomResize``, ``RandomCrop``, ``RandomFlip``) move it with the image
    because it is listed in ``seg_fields``; pack with
    :class:`PackSemiSegInputs`. A mask whose size differs from its image's
    fails, naming both files.

    Args:
        **kwargs: Arguments of mmseg's ``LoadAnnotations``.
    """

    def transform(self, results: dict) -> dict:
        """Load the mask into ``diag_seg_map``."""
        self._load_seg_map(results)
        check_pair_size(results, results['gt_seg_map'])
        results[DIAG_KEY] = results.pop('gt_seg_map')
        results['seg_fields'] = [
            DIAG_KEY if f == 'gt_seg_map' else f
            for f in results['seg_fields']
        ]
        return results


@TRANSFORMS.register_module()
class PackSemiSegInputs(PackSegInputs):
    """``PackSegInputs`` that also packs a diagnostic mask and a CutMix box.

    The mask lands in ``data_sample.diag_sem_seg``, a field no mmseg loss
    reads; a strong view's box (``RandomCutMixBox``) in the metainfo key
    ``cutmix_box``. Without them it behaves exactly like ``PackSegInputs``.
    """

    def transform(self, results: dict) -> dict:
        """Pack inputs, the data sample and the diagnostic mask if present."""
        packed = super().transform(results)
        if 'cutmix_box' in results:  # RandomCutMixBox of a strong view
            packed['data_samples'].set_metainfo(
                dict(cutmix_box=results['cutmix_box']))
        if DIAG_KEY in results:
            mask = np.ascontiguousarray(results[DIAG_KEY])
            packed['data_samples'].diag_sem_seg = PixelData(
                data=torch.from_numpy(mask.astype(np.int64))[None])
        return packed
