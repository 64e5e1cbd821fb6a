"""FixMatch and UniMatch V2: one step's losses against a re-computation
written from UniMatch V2's ``fixmatch.py`` / ``unimatch_v2.py`` (teacher on
the weak view, CutMix with ``flip(0)``, CE over confident pixels divided by
the count of valid pixels, the published totals)."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

SIZE = (32, 32)
# (top, left, h, w) per image and view; None = no box (p 0.5 missed)
BOXES = [[(3, 5, 10, 14), None, (20, 0, 12, 9)],
         [(0, 0, 16, 16), (8, 12, 20, 6), None]]
# the first unlabeled image is padded: a 26x28 crop in a 32x32 batch
PADDING = [(0, 4, 0, 6), (0, 0, 0, 0), (0, 0, 0, 0)]


def sample(padding=(0, 0, 0, 0), label=None, box=None):
    s = SegDataSample(metainfo=dict(
        img_shape=SIZE, ori_shape=SIZE, pad_shape=SIZE,
        padding_size=padding))
    if label is not None:
        s.gt_sem_seg = PixelData(data=label[None])
    if box is not None:
        s.set_metainfo(dict(cutmix_box=box))
    return s


def make_batch(views, seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 4, (2, *SIZE), generator=g)
    inputs = dict(sup=torch.randn(2, 3, *SIZE, generator=g),
                  unsup_teacher=torch.randn(3, 3, *SIZE, generator=g))
    samples = dict(sup=[sample(label=lab) for lab in labels],
                   unsup_teacher=[sample(p) for p in PADDING])
    for v in range(views):
        branch = 'unsup_student' + ('' if v == 0 else str(v + 1))
        # a photometric change of the weak view, zero on the padding
        inputs[branch] = inputs['unsup_teacher'] * (0.5 + 0.25 * v) + 0.1
        inputs[branch][0, :, 26:] = 0
        inputs[branch][0, :, :, 28:] = 0
        samples[branch] = [
            sample(p, box=b) for p, b in zip(PADDING, BOXES[v])
        ]
    return inputs, samples, labels


# ---------------------------------------------------------------------------
# re-computation from the published code
# ---------------------------------------------------------------------------
def logits_of(model, feats, size):
    out = model.decode_head.forward(feats)
    return F.interpolate(out, size, mode='bilinear', align_corners=False)


def box_mask(boxes):
    mask = torch.zeros(len(boxes), *SIZE)
    for i, box in enumerate(boxes):
        if box is not None:
            t, l, h, w = box
            mask[i, t:t + h, l:l + w] = 1
    return mask


def ignore_mask():
    mask = torch.zeros(3, *SIZE, dtype=torch.long)
    mask[0, 26:] = 255
    mask[0, :, 28:] = 255
    return mask


def cutmix(img, mask_u, conf_u, ign, box):
    img, mask_u, conf_u, ign = (t.clone() for t in (img, mask_u, conf_u, ign))
    big = box.unsqueeze(1).expand(img.shape) == 1
    img[big] = img.flip(0)[big]
    mask_u[box == 1] = mask_u.flip(0)[box == 1]
    conf_u[box == 1] = conf_u.flip(0)[box == 1]
    ign[box == 1] = ign.flip(0)[box == 1]
    return img, mask_u, conf_u, ign


def view_loss(pred, mask_u, conf_u, ign, thresh):
    loss = F.cross_entropy(pred, mask_u, reduction='none')
    loss = loss * ((conf_u >= thresh) & (ign != 255))
    return loss.sum() / (ign != 255).sum().item()


def teacher_output(model, img_w):
    with torch.no_grad():
        pred_w = logits_of(model.teacher, model.teacher.extract_feat(img_w),
                           SIZE)
        return pred_w.softmax(dim=1).max(dim=1)


def reference_fixmatch(model, inputs, labels, thresh):
    conf_u, mask_u = teacher_output(model, inputs['unsup_teacher'])
    img_s, mask_c, conf_c, ign_c = cutmix(inputs['unsup_student'], mask_u,
                                          conf_u, ignore_mask(),
                                          box_mask(BOXES[0]))
    student = model.student
    feats = student.extract_feat(torch.cat([inputs['sup'], img_s]))
    pred_x, pred_s = logits_of(student, feats, SIZE).split([2, 3])
    loss_x = F.cross_entropy(pred_x, labels, ignore_index=255)
    loss_u = view_loss(pred_s, mask_c, conf_c, ign_c, thresh)
    return loss_x, loss_u, (loss_x + loss_u) / 2.0


def reference_unimatch_v2(model, inputs, labels, thresh, masks):
    conf_u, mask_u = teacher_output(model, inputs['unsup_teacher'])
    mixed = [
        cutmix(inputs[b], mask_u, conf_u, ignore_mask(), box_mask(BOXES[v]))
        for v, b in enumerate(['unsup_student', 'unsup_student2'])
    ]
    student = model.student
    pred_x = logits_of(student, student.extract_feat(inputs['sup']), SIZE)
    feats = student.extract_feat(torch.cat([mixed[0][0], mixed[1][0]]))
    feats = [f * masks[:, :f.shape[1], None, None] for f in feats]
    pred_s1, pred_s2 = logits_of(student, feats, SIZE).chunk(2)
    loss_x = F.cross_entropy(pred_x, labels, ignore_index=255)
    loss_s1 = view_loss(pred_s1, *mixed[0][1:], thresh)
    loss_s2 = view_loss(pred_s2, *mixed[1][1:], thresh)
    loss_s = (loss_s1 + loss_s2) / 2.0
    return loss_x, loss_s1, loss_s2, (loss_x + loss_s) / 2.0


def build(cfg, method, **kwargs):
    model = MODELS.build(dict(type=method, segmentor=copy.deepcopy(cfg),
                              **kwargs))
    # a teacher that differs from the student
    with torch.no_grad():
        for p in model.teacher.parameters():
            p.add_(0.05 * torch.randn_like(p))
    model.eval()  # BN running statistics: one forward == the other
    return model


def threshold_of(model, inputs, threshold_near_median):
    conf, _ = teacher_output(model, inputs['unsup_teacher'])
    return threshold_near_median(
        conf[torch.from_numpy(ignore_mask().numpy()) != 255])


def total(losses):
    return sum(v for k, v in losses.items() if 'loss' in k)


def test_fixmatch_step_matches_the_published_definition(
        tiny_segmentor_cfg, threshold_near_median):
    torch.manual_seed(0)
    model = build(tiny_segmentor_cfg, 'FixMatchSegmentor')
    assert model.pseudo_threshold == 0.95
    inputs, samples, labels = make_batch(views=1)
    # a threshold inside the random teacher's confidences
    model.pseudo_threshold = threshold_of(model, inputs,
                                         threshold_near_median)
    losses = model.loss(copy.deepcopy(inputs), samples)
    loss_x, loss_u, loss = reference_fixmatch(model, inputs, labels,
                                              model.pseudo_threshold)
    assert 0.2 < losses['unsup.kept_ratio'].item() < 0.8
    assert losses['sup.decode.loss_ce'].item() == pytest.approx(
        loss_x.item() / 2, abs=1e-6)
    assert losses['unsup.loss_u'].item() == pytest.approx(
        loss_u.item() / 2, abs=1e-6)
    assert total(losses).item() == pytest.approx(loss.item(), abs=1e-6)


def test_unimatch_v2_step_matches_the_published_definition(
        tiny_segmentor_cfg, threshold_near_median):
    torch.manual_seed(0)
    model = build(tiny_segmentor_cfg, 'UniMatchV2Segmentor')
    assert model.semi_train_cfg['concat_student_forward'] is False
    inputs, samples, labels = make_batch(views=2)
    model.pseudo_threshold = threshold_of(model, inputs,
                                         threshold_near_median)
    batch = model.prepare_batch(copy.deepcopy(inputs), samples)
    masks = batch.pseudo_labels.channel_mask
    losses = model.loss(batch)
    loss_x, loss_s1, loss_s2, loss = reference_unimatch_v2(
        model, inputs, labels, model.pseudo_threshold, masks)
    # the views' valid counts differ (CutMix moves the padding)
    valid = batch.pseudo_labels.valid.flatten(1).sum(1)
    assert valid[:3].sum() != valid[3:].sum()
    assert losses['sup.decode.loss_ce'].item() == pytest.approx(
        loss_x.item() / 2, abs=1e-6)
    assert losses['unsup.loss_s1'].item() == pytest.approx(
        loss_s1.item() / 4, abs=1e-6)
    assert losses['unsup.loss_s2'].item() == pytest.approx(
        loss_s2.item() / 4, abs=1e-6)
    assert total(losses).item() == pytest.approx(loss.item(), abs=1e-6)


def test_complementary_channel_masks(tiny_segmentor_cfg):
    torch.manual_seed(1)
    model = build(tiny_segmentor_cfg, 'UniMatchV2Segmentor')
    masks = model.complementary_channel_masks(8, torch.device('cpu'))
    # widest map the head takes: the ResNet's last stage (64 channels)
    assert masks.shape == (16, 64)
    first, second = masks[:8], masks[8:]
    assert torch.equal(first + second, torch.full_like(first, 2.0))
    unmasked = (first == 1).all(1)
    assert unmasked.sum() == 4 and torch.equal(unmasked, (second == 1).all(1))
    dropped = first[~unmasked]
    assert set(dropped.unique().tolist()) == {0.0, 2.0}
    # Bernoulli(0.5): about half the channels of a masked image are dropped
    assert 0.3 < (dropped == 0).float().mean().item() < 0.7


def test_strong_view_branches_and_options_are_checked(tiny_segmentor_cfg):
    model = build(tiny_segmentor_cfg, 'UniMatchV2Segmentor')
    inputs, samples, _ = make_batch(views=1)
    with pytest.raises(KeyError, match='unsup_student2'):
        model.loss(inputs, samples)
    with pytest.raises(ValueError, match='strong_views=2'):
        build(tiny_segmentor_cfg, 'FixMatchSegmentor',
              semi_train_cfg=dict(channel_dropout=True))
    with pytest.raises(ValueError, match='cutmix_partner'):
        build(tiny_segmentor_cfg, 'FixMatchSegmentor',
              semi_train_cfg=dict(cutmix_partner='next'))


def test_cwbass_on_two_strong_views_with_dropout(tiny_segmentor_cfg):
    # CW-BASS terms over both views stacked: the kept count of both.
    torch.manual_seed(0)
    model = build(tiny_segmentor_cfg, 'CWBASSSegmentor',
                  semi_train_cfg=dict(strong_views=2, channel_dropout=True,
                                      concat_student_forward=False))
    inputs, samples, _ = make_batch(views=2)
    batch = model.prepare_batch(copy.deepcopy(inputs), samples)
    assert batch.student_inputs.shape[0] == 6 and batch.num_views == 2
    assert batch.pseudo_labels.channel_mask.shape == (6, 64)
    losses = model.loss(batch)
    assert torch.isfinite(losses['unsup.loss_cw'])
    assert torch.isfinite(losses['unsup.loss_boundary'])
