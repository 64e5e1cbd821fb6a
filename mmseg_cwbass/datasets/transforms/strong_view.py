"""Transforms of a strong student view (FixMatch, UniMatch V2, ablations).

UniMatch V2 (Yang et al., "UniMatch V2: Pushing the Limit of
Semi-Supervised Semantic Segmentation", TPAMI 2025; its ``dataset/semi.py``)
builds each strong view of an unlabeled crop as: colour jitter (0.5, 0.5,
0.5, 0.25) with p 0.8 (:class:`RandomColorJitter`), greyscale p 0.2 (mmcv's
``RandomGrayscale`` with ``keep_channels=True``), Gaussian blur p 0.5
(:class:`RandomGaussianBlur`) and a CutMix box with p 0.5
(:class:`RandomCutMixBox`; the segmentor pastes the partner's pixels after
the teacher has labelled the weak view). They run in a ``MultiBranch``
student branch after the shared geometric transforms, so every view stays
pixel-aligned with the teacher's. The plugin's earlier strong view (mmseg's
``PhotoMetricDistortion``, blur, CutMix with the previous image over 10-50 %)
is a configuration of the same transforms (``configs/demo``).
"""
from typing import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ...models.utils.cutmix import sample_cutmix_box
from ...utils.config_keys import reject_unknown_args

CUTMIX_BOX_KEY = 'cutmix_box'


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


@TRANSFORMS.register_module()
@reject_unknown_args
class RandomColorJitter(BaseTransform):
    """Random brightness, contrast, saturation and hue, in random order.

    The factors and their order follow torchvision's ``ColorJitter`` (the
    transform UniMatch V2 uses): brightness scales the image by
    ``b ~ U(1 - brightness, 1 + brightness)``; contrast blends it with the
    mean of its grey image; saturation blends it with its grey image; hue
    rotates the HSV hue by ``U(-hue, hue)`` turns. Values are clipped to
    [0, 255] after each step, as on 8-bit images.

    Args:
        brightness (float): Defaults to 0.5.
        contrast (float): Defaults to 0.5.
        saturation (float): Defaults to 0.5.
        hue (float): In [0, 0.5]. Defaults to 0.25.
        prob (float): Probability of jittering at all. Defaults to 0.8.
    """

    def __init__(self,
                 brightness: float = 0.5,
                 contrast: float = 0.5,
                 saturation: float = 0.5,
                 hue: float = 0.25,
                 prob: float = 0.8) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if not 0.0 <= hue <= 0.5:
            raise ValueError(f'hue must be in [0, 0.5], got {hue}')
        for name, value in (('brightness', brightness),
                            ('contrast', contrast),
                            ('saturation', saturation)):
            if value < 0:
                raise ValueError(f'{name} must be >= 0, got {value}')
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.hue = hue
        self.prob = prob

    @staticmethod
    def _grey(img: np.ndarray) -> np.ndarray:
        """Luma of a BGR float image (ITU-R 601, as PIL's ``L`` mode)."""
        return img[..., 0] * 0.114 + img[..., 1] * 0.587 + \
            img[..., 2] * 0.299

    def transform(self, results: dict) -> dict:
        """Jitter ``results['img']`` (BGR, 8-bit range)."""
        if np.random.rand() >= self.prob:
            return results
        img = results['img'].astype(np.float32)
        for step in np.random.permutation(4):
            if step == 0 and self.brightness > 0:
                factor = np.random.uniform(
                    max(0.0, 1 - self.brightness), 1 + self.brightness)
                img = img * factor
            elif step == 1 and self.contrast > 0:
                factor = np.random.uniform(
                    max(0.0, 1 - self.contrast), 1 + self.contrast)
                img = img * factor + self._grey(img).mean() * (1 - factor)
            elif step == 2 and self.saturation > 0:
                factor = np.random.uniform(
                    max(0.0, 1 - self.saturation), 1 + self.saturation)
                img = img * factor + \
                    self._grey(img)[..., None] * (1 - factor)
            elif step == 3 and self.hue > 0:
                shift = np.random.uniform(-self.hue, self.hue) * 360.0
                hsv = cv2.cvtColor(img / 255.0, cv2.COLOR_BGR2HSV)
                hsv[..., 0] = np.mod(hsv[..., 0] + shift, 360.0)
                img = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR) * 255.0
            img = np.clip(img, 0.0, 255.0)
        results['img'] = img.astype(results['img'].dtype)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(brightness={self.brightness}, '
                f'contrast={self.contrast}, saturation={self.saturation}, '
                f'hue={self.hue}, prob={self.prob})')


@TRANSFORMS.register_module()
@reject_unknown_args
class RandomCutMixBox(BaseTransform):
    """Draw this view's CutMix box; the segmentor pastes the partner into it.

    Stores ``results['cutmix_box'] = (top, left, box_h, box_w)`` or None
    (:class:`PackSemiSegInputs` puts it in the sample's metainfo). The box
    is drawn by :func:`~mmseg_cwbass.models.utils.cutmix.sample_cutmix_box`
    (UniMatch V2's ``obtain_cutmix_box``); the image is not changed here,
    because its partner (another image of the batch) and the teacher's
    labels of that partner are only known in the segmentor.

    Args:
        prob (float): Probability of a box. Defaults to 0.5.
        area (Sequence[float]): Box area as a fraction of the crop.
            Defaults to (0.02, 0.4).
        aspect (Sequence[float]): Range of the ratio of the box; (1, 1)
            gives a box of the crop's shape. Defaults to (0.3, 1 / 0.3).
    """

    def __init__(self,
                 prob: float = 0.5,
                 area: Sequence[float] = (0.02, 0.4),
                 aspect: Sequence[float] = (0.3, 1 / 0.3)) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if len(area) != 2 or not 0 < area[0] <= area[1] <= 1:
            raise ValueError(f'area must be (low, high) in (0, 1], got {area}')
        if len(aspect) != 2 or not 0 < aspect[0] <= aspect[1]:
            raise ValueError(f'aspect must be (low, high) > 0, got {aspect}')
        self.prob = prob
        self.area = tuple(area)
        self.aspect = tuple(aspect)

    def transform(self, results: dict) -> dict:
        """Set ``results['cutmix_box']``."""
        height, width = results['img'].shape[:2]
        results[CUTMIX_BOX_KEY] = sample_cutmix_box(
            height, width, self.area, self.aspect) \
            if np.random.rand() < self.prob else None
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'area={self.area}, aspect={self.aspect})')
