import copy

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmseg.registry import MODELS

HEAD = dict(
    in_channels=16,
    in_index=1,
    channels=8,
    dilations=(1, 2),
    c1_in_channels=4,
    c1_channels=4,
    num_classes=3,
    norm_cfg=dict(type='BN'),
    align_corners=False,
    loss_decode=dict(type='CrossEntropyLoss'))


def feats():
    torch.manual_seed(0)
    return [torch.randn(2, 4, 16, 16), torch.randn(2, 16, 8, 8)]


def samples(label):
    out = []
    for i in range(label.shape[0]):
        s = SegDataSample(metainfo=dict(img_shape=label.shape[-2:]))
        s.gt_sem_seg = PixelData(data=label[i:i + 1])
        out.append(s)
    return out


def test_inference_identical_to_stock_head():
    stock = MODELS.build(dict(type='DepthwiseSeparableASPPHead', **HEAD))
    ours = MODELS.build(
        dict(type='BoundaryAwareASPPHead', boundary_branch=dict(channels=4),
             **HEAD))
    missing, unexpected = ours.load_state_dict(stock.state_dict(),
                                               strict=False)
    assert all(k.startswith('boundary_branch') for k in missing)
    assert not unexpected
    stock.eval()
    ours.eval()
    x = feats()
    assert torch.equal(stock(x), ours(x))
    metas = [dict(img_shape=(32, 32), pad_shape=(32, 32))] * 2
    assert torch.equal(
        stock.predict(x, metas, dict()), ours.predict(x, metas, dict()))


def test_labeled_boundary_terms_by_hand():
    cfg = copy.deepcopy(HEAD)
    cfg['loss_decode'] = [
        dict(type='CrossEntropyLoss'),
        dict(type='BoundaryCELoss', loss_weight=0.5, padding='replicate')
    ]
    head = MODELS.build(dict(type='BoundaryAwareASPPHead', **cfg))
    label = torch.zeros(2, 32, 32, dtype=torch.long)
    label[:, :, 16:] = 2
    losses = head.loss(feats(), samples(label), dict())
    assert {'loss_ce', 'loss_boundary', 'acc_seg'} <= set(losses)
    logits = torch.nn.functional.interpolate(
        head(feats()), size=(32, 32), mode='bilinear', align_corners=False)
    ce = torch.nn.functional.cross_entropy(logits, label, reduction='none')
    expected = 0.5 * ce[:, :, 15:17].mean()
    assert losses['loss_boundary'].item() == pytest.approx(expected.item(),
                                                           rel=1e-5)


def test_reference_default_has_no_labeled_boundary_term():
    head = MODELS.build(dict(type='BoundaryAwareASPPHead', **HEAD))
    losses = head.loss(feats(), samples(torch.zeros(2, 32, 32).long()),
                       dict())
    assert 'loss_boundary' not in losses
    assert 'loss_boundary_branch' not in losses


def test_bad_options():
    with pytest.raises(ValueError, match='boundary_on'):
        MODELS.build(
            dict(type='BoundaryAwareASPPHead', boundary_on=('val', ),
                 **HEAD))
    cfg = copy.deepcopy(HEAD)
    cfg['c1_in_channels'] = 0
    with pytest.raises(ValueError, match='c1_in_channels'):
        MODELS.build(
            dict(type='BoundaryAwareASPPHead', boundary_branch=dict(),
                 **cfg))


def padded_samples(label, right):
    """Samples of crops padded on the right by ``right`` columns (255)."""
    out = samples(label)
    for s in out:
        s.set_metainfo(dict(padding_size=(0, right, 0, 0)))
    return out


@pytest.mark.parametrize('padding', ['zero', 'replicate'])
def test_padding_junction_behaves_like_the_crop_border(padding):
    # Real crop 32x24 padded to 32x32 with 255 (mmseg's seg_pad_val); one
    # vertical edge at column 12. The band CE must equal the one of the
    # unpadded crop: the junction at column 24 is a crop border.
    cfg = copy.deepcopy(HEAD)
    cfg['loss_decode'] = [
        dict(type='BoundaryCELoss', loss_weight=1.0, padding=padding)
    ]
    head = MODELS.build(dict(type='BoundaryAwareASPPHead', **cfg))
    label = torch.zeros(2, 32, 32, dtype=torch.long)
    label[:, :, 12:] = 1
    label[:, :, 24:] = 255
    losses = head.loss(feats(), padded_samples(label, 8), dict())
    logits = torch.nn.functional.interpolate(
        head(feats()), size=(32, 32), mode='bilinear', align_corners=False)
    ce = torch.nn.functional.cross_entropy(
        logits, label, reduction='none', ignore_index=255)
    band = torch.zeros(32, 32, dtype=torch.bool)
    band[:, 11:13] = True  # the label change
    if padding == 'zero':  # the crop border, all four sides
        band[[0, -1], :24] = True
        band[:, [0, 23]] = True
    expected = ce[:, band].mean()
    assert losses['loss_boundary'].item() == pytest.approx(expected.item(),
                                                           rel=1e-5)


def test_branch_learns_the_ground_truth_band():
    head = MODELS.build(
        dict(type='BoundaryAwareASPPHead',
             boundary_branch=dict(channels=4, loss_weight=2.0), **HEAD))
    label = torch.zeros(2, 32, 32, dtype=torch.long)
    label[:, 16:] = 1
    losses = head.loss(feats(), samples(label), dict())
    logits = torch.nn.functional.interpolate(
        head.boundary_branch(feats()[0]), size=(32, 32), mode='bilinear',
        align_corners=False)[:, 0]
    target = torch.zeros(2, 32, 32)
    target[:, 15:17] = 1  # replicate padding: only the label change
    expected = 2.0 * torch.nn.functional.binary_cross_entropy_with_logits(
        logits, target)
    assert losses['loss_boundary_branch'].item() == pytest.approx(
        expected.item(), rel=1e-5)
    with pytest.raises(ValueError, match="did you mean 'channels'"):
        MODELS.build(
            dict(type='BoundaryAwareASPPHead',
                 boundary_branch=dict(chanels=4), **HEAD))
