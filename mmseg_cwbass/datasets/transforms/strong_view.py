"""Photometric transform for an optional strong student view.

The CW-BASS reference feeds teacher and student the same weak view; a strong
student view (colour jitter: mmseg's ``PhotoMetricDistortion``, grayscale:
mmcv's ``RandomGrayscale``, blur: this transform, CutMix: the segmentor's
``semi_train_cfg.cutmix_prob``) is offered for ablations, off in the paper
configs. Photometric only: the views stay pixel-aligned.
"""
from typing import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ...utils.config_keys import reject_unknown_args


@TRANSFORMS.register_module()
@reject_unknown_args
class RandomGaussianBlur(BaseTransform):
    """Blur the image with a Gaussian of random sigma, with a probability.

    Args:
        prob (float): Probability of blurring. Defaults to 0.5.
        sigma (Sequence[float]): Range of the sigma. Defaults to (0.1, 2.0).
    """

    def __init__(self,
                 prob: float = 0.5,
                 sigma: Sequence[float] = (0.1, 2.0)) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if len(sigma) != 2 or not 0 < sigma[0] <= sigma[1]:
            raise ValueError(f'sigma must be (low, high) > 0, got {sigma}')
        self.prob = prob
        self.sigma = tuple(sigma)

    def transform(self, results: dict) -> dict:
        """Blur ``results['img']`` in place of the original."""
        if np.random.rand() < self.prob:
            sigma = np.random.uniform(*self.sigma)
            results['img'] = cv2.GaussianBlur(results['img'], (0, 0), sigma)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'sigma={self.sigma})')
