import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.models.utils import resize
from mmseg.structures import SegDataSample

from mmseg.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def half_ignored_label(num_classes=21, size=(2, 24, 20), seed=0):
    generator = torch.Generator().manual_seed(seed)
    label = torch.randint(0, num_classes, size, generator=generator)
    label[:, :, size[-1] // 2:] = 255  # VOC borders / crop padding
    return label


def test_mean_over_non_ignored_pixels():
    logits = torch.randn(2, 5, 6, 8)
    label = half_ignored_label(5, (2, 6, 8))
    loss = MODELS.build(dict(type='GlobalCrossEntropyLoss'))
    expected = F.cross_entropy(logits, label, ignore_index=255)
    assert torch.allclose(loss(logits, label), expected, rtol=1e-6)
    assert loss.loss_name == 'loss_ce'
    # mmseg's default divides by every pixel, ignored ones included
    stock = MODELS.build(dict(type='CrossEntropyLoss'))
    assert stock(logits, label, ignore_index=255).item() == pytest.approx(
        expected.item() * 0.5, rel=1e-5)
    # an all-ignored batch gives 0 with a finite gradient
    logits.requires_grad_(True)
    value = loss(logits, torch.full_like(label, 255))
    value.backward()
    assert value.item() == 0.0 and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize('config', [
    'cwbass/deeplabv3plus_r101_voc_1-8',
    'baselines/supervised_deeplabv3plus_r101_voc_1-8',
    'baselines/mean_teacher_deeplabv3plus_r101_voc_1-8',
])
def test_main_configs_supervised_loss_is_the_reference_ce(config):
    """The shipped configs' supervised term on a label map half at 255."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', config + '.py'))
    segmentor = cfg.model.get('segmentor', cfg.model)
    head_cfg = segmentor.decode_head.copy()
    head_cfg.norm_cfg = dict(type='BN', requires_grad=True)  # no SyncBN
    head = MODELS.build(head_cfg).eval()  # no dropout: one forward twice
    torch.manual_seed(0)
    feats = [torch.randn(2, 256, 12, 10), torch.randn(2, 512, 6, 5),
             torch.randn(2, 1024, 6, 5), torch.randn(2, 2048, 6, 5)]
    label = half_ignored_label()
    samples = []
    for i in range(2):
        sample = SegDataSample(metainfo=dict(img_shape=(24, 20)))
        sample.gt_sem_seg = PixelData(data=label[i:i + 1])
        samples.append(sample)
    losses = head.loss(feats, samples, dict())
    logits = resize(head(feats), size=(24, 20), mode='bilinear',
                    align_corners=head.align_corners)
    expected = F.cross_entropy(logits, label, ignore_index=255)
    assert losses['loss_ce'].item() == pytest.approx(expected.item(),
                                                     rel=1e-5)
