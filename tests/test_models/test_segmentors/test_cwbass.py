import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper
from mmseg.models.utils import resize
from mmseg.registry import MODELS

LOSS_KEYS = {
    'sup.decode.loss_ce', 'unsup.loss_cw', 'unsup.loss_boundary'
}
STAT_KEYS = {
    'unsup.tau', 'unsup.kept_ratio', 'unsup.confidence', 'unsup.band_ratio',
    'unsup.decay', 'unsup.unsup_weight'
}


def build(segmentor_cfg, **kwargs):
    cfg = dict(type='CWBASSSegmentor', segmentor=segmentor_cfg)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def raw_batch(num_sup=2, num_unsup=2, size=(32, 32), seed=0):
    """A collated batch as the dataloader gives it (uint8 images)."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    generator = torch.Generator().manual_seed(seed)

    def image():
        return torch.randint(0, 256, (3, *size), generator=generator,
                             dtype=torch.uint8)

    def sample(with_gt):
        s = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size))
        if with_gt:
            s.gt_sem_seg = PixelData(
                data=torch.randint(0, 4, (1, *size), generator=generator))
        return s

    return dict(
        inputs=dict(
            sup=[image() for _ in range(num_sup)] + [None] * num_unsup,
            unsup_teacher=[None] * num_sup +
            [image() for _ in range(num_unsup)]),
        data_samples=dict(
            sup=[sample(True) for _ in range(num_sup)] + [None] * num_unsup,
            unsup_teacher=[None] * num_sup +
            [sample(False) for _ in range(num_unsup)]))


def test_train_step_losses_gradients_and_frozen_teacher(tiny_segmentor_cfg):
    torch.manual_seed(0)
    model = build(tiny_segmentor_cfg)
    model.teacher.load_state_dict(model.student.state_dict())
    model.train()
    assert not model.teacher.training
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    student_before = copy.deepcopy(model.student.state_dict())
    optim = OptimWrapper(
        torch.optim.SGD(
            [p for p in model.parameters() if p.requires_grad], lr=0.1))
    log_vars = model.train_step(raw_batch(), optim)
    assert LOSS_KEYS | STAT_KEYS <= set(log_vars)
    for key, value in log_vars.items():
        assert torch.isfinite(value).all(), key
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key
    changed = [k for k, v in model.student.state_dict().items()
               if not torch.equal(v, student_before[k])]
    assert changed


def test_gradients_reach_the_student_only(tiny_segmentor_cfg,
                                          make_semi_batch):
    model = build(tiny_segmentor_cfg)
    model.train()
    losses = model.loss(*make_semi_batch())
    total, _ = model.parse_losses(losses)
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.student.parameters())
    # the unsupervised term alone also reaches the student (a random
    # teacher's confidence is below tau: keep every pixel here)
    model = build(tiny_segmentor_cfg,
                  threshold=dict(type='DynamicThreshold', enabled=False))
    model.loss(*make_semi_batch())['unsup.loss_cw'].backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert model.student.backbone.stem[0].weight.grad.abs().sum() > 0


def test_degenerate_case_is_plain_ce_on_teacher_argmax(
        tiny_segmentor_cfg, make_semi_batch):
    torch.manual_seed(0)
    model = build(
        tiny_segmentor_cfg,
        threshold=dict(type='DynamicThreshold', enabled=False),
        unsup_loss=dict(type='ConfidenceWeightedLoss', gamma=0.0))
    model.eval()  # BN on running statistics: concat and split agree
    inputs, samples = make_semi_batch()
    losses = model.loss(inputs, samples)
    unsup = inputs['unsup_teacher']
    with torch.no_grad():
        teacher_logits = resize(
            model.teacher.decode_head(model.teacher.extract_feat(unsup)),
            size=unsup.shape[-2:], mode='bilinear', align_corners=False)
    student_logits = resize(
        model.student.decode_head(model.student.extract_feat(unsup)),
        size=unsup.shape[-2:], mode='bilinear', align_corners=False)
    expected = F.cross_entropy(student_logits, teacher_logits.argmax(1))
    assert losses['unsup.loss_cw'].item() == pytest.approx(
        expected.item(), rel=1e-5)
    assert losses['unsup.kept_ratio'].item() == 1.0


def test_threshold_and_weights_match_the_spec(tiny_segmentor_cfg,
                                              make_semi_batch):
    torch.manual_seed(1)
    model = build(tiny_segmentor_cfg)
    model.eval()
    inputs, samples = make_semi_batch()
    losses = model.loss(inputs, samples)
    unsup = inputs['unsup_teacher']
    with torch.no_grad():
        probs = resize(
            model.teacher.decode_head(model.teacher.extract_feat(unsup)),
            size=unsup.shape[-2:], mode='bilinear',
            align_corners=False).softmax(1)
        conf, label = probs.max(1)
        tau = min(0.8, max(0.3, 0.6 * torch.sigmoid(
            0.5 * (conf.mean() - 0.5)).item()))
        student_logits = resize(
            model.student.decode_head(model.student.extract_feat(unsup)),
            size=unsup.shape[-2:], mode='bilinear', align_corners=False)
    kept = conf > tau
    ce = F.cross_entropy(student_logits, label, reduction='none')
    expected = (conf * ce * kept).sum() / kept.sum().clamp(min=1)
    assert losses['unsup.tau'].item() == pytest.approx(tau, rel=1e-5)
    assert losses['unsup.loss_cw'].item() == pytest.approx(
        expected.item(), rel=1e-4)
    assert losses['unsup.kept_ratio'].item() == pytest.approx(
        kept.float().mean().item())


def test_rampup_and_unsup_weight(tiny_segmentor_cfg, make_semi_batch):
    from mmengine.logging import MessageHub
    model = build(
        tiny_segmentor_cfg,
        semi_train_cfg=dict(unsup_weight=2.0, rampup_iters=10))
    model.eval()
    hub = MessageHub.get_current_instance()
    inputs, samples = make_semi_batch()
    hub.update_info('iter', 10)
    full = model.loss(inputs, samples)
    hub.update_info('iter', 5)
    half = model.loss(*make_semi_batch())
    hub.update_info('iter', 0)
    assert full['unsup.unsup_weight'].item() == 2.0
    assert half['unsup.unsup_weight'].item() == 1.0
    assert half['unsup.loss_cw'].item() == pytest.approx(
        full['unsup.loss_cw'].item() / 2, rel=1e-5)


def test_decay_factor_scales_the_weighted_loss(tiny_segmentor_cfg,
                                               make_semi_batch):
    model = build(tiny_segmentor_cfg)
    model.eval()
    base = model.loss(*make_semi_batch())['unsup.loss_cw'].item()
    model.set_decay_factor(0.9)
    decayed = model.loss(*make_semi_batch())
    assert decayed['unsup.loss_cw'].item() == pytest.approx(0.9 * base,
                                                            rel=1e-5)
    assert decayed['unsup.decay'].item() == pytest.approx(0.9)
    assert 'decay_factor' in model.state_dict()


def test_boundary_term_switches(tiny_segmentor_cfg, make_semi_batch):
    # Ground-truth terms belong to the head (a BoundaryCELoss in its
    # loss_decode, the learned branch); the pseudo-label term to the
    # segmentor's boundary_loss, whatever the head.
    cfg = copy.deepcopy(tiny_segmentor_cfg)
    cfg['decode_head']['loss_decode'] = [
        dict(type='CrossEntropyLoss'), dict(type='BoundaryCELoss')
    ]
    cfg['decode_head']['boundary_branch'] = dict(channels=8)
    losses = build(cfg).loss(*make_semi_batch())
    assert {'sup.decode.loss_boundary', 'sup.decode.loss_boundary_branch',
            'unsup.loss_boundary'} <= set(losses)
    losses = build(tiny_segmentor_cfg,
                   boundary_loss=None).loss(*make_semi_batch())
    assert not any('boundary' in k for k in losses)
    # a stock mmseg head gets the same term from the segmentor
    stock = copy.deepcopy(tiny_segmentor_cfg)
    stock['decode_head']['type'] = 'DepthwiseSeparableASPPHead'
    losses = build(
        stock, boundary_loss=dict(type='BoundaryCELoss')).loss(
            *make_semi_batch())
    assert 'unsup.loss_boundary' in losses


def test_pseudo_label_accuracy_uses_diagnostic_masks_only(
        tiny_segmentor_cfg, make_semi_batch):
    from mmengine.structures import PixelData
    model = build(tiny_segmentor_cfg)
    model.eval()
    inputs, samples = make_semi_batch()
    pseudo = model.get_pseudo_labels(inputs['unsup_teacher'],
                                     samples['unsup_teacher'])
    for i, sample in enumerate(samples['unsup_teacher']):
        sample.diag_sem_seg = PixelData(data=pseudo.label[i:i + 1].clone())
    right = model.loss(inputs, samples)
    assert right['unsup.pseudo_acc'].item() == 1.0
    for i, sample in enumerate(samples['unsup_teacher']):
        sample.diag_sem_seg = PixelData(
            data=(pseudo.label[i:i + 1] + 1) % 4)
    wrong = model.loss(inputs, samples)
    assert wrong['unsup.pseudo_acc'].item() == 0.0
    # the masks change the diagnostic, never the loss
    assert wrong['unsup.loss_cw'].item() == right['unsup.loss_cw'].item()
    assert wrong['unsup.loss_boundary'].item() == \
        right['unsup.loss_boundary'].item()


@pytest.mark.parametrize('padding', ['zero', 'replicate'])
def test_padding_is_not_a_label_in_the_pseudo_label_band(tiny_segmentor_cfg,
                                                         make_semi_batch,
                                                         padding):
    model = build(tiny_segmentor_cfg,
                  boundary_loss=dict(type='BoundaryCELoss', padding=padding))
    inputs, samples = make_semi_batch()
    for sample in samples['unsup_teacher']:
        sample.set_metainfo(dict(padding_size=(0, 8, 0, 0)))  # 32x24 real
    pseudo = model.get_pseudo_labels(inputs['unsup_teacher'],
                                     samples['unsup_teacher'])
    label = torch.zeros_like(pseudo.label)
    label[:, :, 10:] = 1
    band = model.band(label, pseudo.valid)
    expected = torch.zeros(32, 32, dtype=torch.bool)
    expected[:, 9:11] = True
    if padding == 'zero':  # the real crop's border, junction included
        expected[[0, -1], :24] = True
        expected[:, [0, 23]] = True
    assert torch.equal(band, expected.expand_as(band))
    assert not pseudo.valid[:, :, 24:].any()
