"""Strong-view transforms: UniMatch V2's defaults, the box hand-off."""
import numpy as np
import pytest
from mmseg.registry import TRANSFORMS


def image(seed=0):
    return np.random.default_rng(seed).integers(
        0, 256, (16, 20, 3)).astype(np.uint8)


def test_defaults_are_unimatch_v2s():
    jitter = TRANSFORMS.build(dict(type='RandomColorJitter'))
    assert (jitter.brightness, jitter.contrast, jitter.saturation,
            jitter.hue, jitter.prob) == (0.5, 0.5, 0.5, 0.25, 0.8)
    box = TRANSFORMS.build(dict(type='RandomCutMixBox'))
    assert (box.prob, box.area) == (0.5, (0.02, 0.4))
    assert box.aspect == pytest.approx((0.3, 1 / 0.3))
    blur = TRANSFORMS.build(dict(type='RandomGaussianBlur'))
    assert blur.prob == 0.5 and blur.sigma == (0.1, 2.0)


def test_color_jitter_single_factors_by_hand():
    img = image()
    np.random.seed(0)
    only_brightness = TRANSFORMS.build(
        dict(type='RandomColorJitter', contrast=0, saturation=0, hue=0,
             prob=1.0))
    out = only_brightness(dict(img=img.copy()))['img']
    ratio = out.astype(float)[img > 20] / img.astype(float)[img > 20]
    unclipped = out[img > 20] < 255
    # one factor for the whole image, within [0.5, 1.5]
    factor = np.median(ratio[unclipped])
    assert 0.5 <= factor <= 1.5
    assert np.allclose(ratio[unclipped], factor, atol=0.05)
    # saturation 0 on a grey image changes nothing; prob 0 never jitters
    grey = np.repeat(img[..., :1], 3, axis=2)
    sat = TRANSFORMS.build(
        dict(type='RandomColorJitter', brightness=0, contrast=0,
             saturation=0.5, hue=0, prob=1.0))
    assert np.abs(sat(dict(img=grey.copy()))['img'].astype(int) -
                  grey).max() <= 1
    never = TRANSFORMS.build(dict(type='RandomColorJitter', prob=0.0))
    assert np.array_equal(never(dict(img=img.copy()))['img'], img)


def test_hue_rotation_keeps_grey_and_moves_colour():
    np.random.seed(3)
    hue = TRANSFORMS.build(
        dict(type='RandomColorJitter', brightness=0, contrast=0,
             saturation=0, hue=0.5, prob=1.0))
    img = np.zeros((2, 2, 3), np.uint8)
    img[0, 0] = (0, 0, 255)  # red (BGR)
    img[1, 1] = (90, 90, 90)
    out = hue(dict(img=img.copy()))['img']
    assert np.abs(out[1, 1].astype(int) - 90).max() <= 1
    assert not np.array_equal(out[0, 0], img[0, 0])


def test_cutmix_box_is_packed_into_the_metainfo():
    np.random.seed(0)
    box = TRANSFORMS.build(dict(type='RandomCutMixBox', prob=1.0))
    pack = TRANSFORMS.build(dict(type='PackSemiSegInputs'))
    results = box(dict(img=image(), img_shape=(16, 20), ori_shape=(16, 20),
                       seg_fields=[]))
    top, left, h, w = results['cutmix_box']
    assert top + h <= 16 and left + w <= 20 and h * w > 0
    packed = pack(results)
    assert packed['data_samples'].cutmix_box == (top, left, h, w)
    never = TRANSFORMS.build(dict(type='RandomCutMixBox', prob=0.0))
    assert never(dict(img=image()))['cutmix_box'] is None
    with pytest.raises(ValueError, match='area'):
        TRANSFORMS.build(dict(type='RandomCutMixBox', area=(0.5, 0.1)))
