import copy

import pytest
import torch
from mmseg.registry import MODELS


def build(segmentor_cfg, type_='MeanTeacherSegmentor', **kwargs):
    cfg = dict(type=type_, segmentor=segmentor_cfg)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_teacher_frozen_and_always_eval(tiny_segmentor_cfg):
    model = build(tiny_segmentor_cfg)
    model.train()
    assert model.student.training
    assert not model.teacher.training
    assert not any(p.requires_grad for p in model.teacher.parameters())
    assert all(p.requires_grad for p in model.student.parameters())


def test_predict_and_tensor_dispatch(tiny_segmentor_cfg):
    model = build(tiny_segmentor_cfg)
    with torch.no_grad():
        for p in model.teacher.parameters():
            p.add_(0.01 * torch.randn_like(p))
    model.eval()
    inputs = torch.randn(1, 3, 32, 32)
    from mmseg.structures import SegDataSample
    metas = dict(img_shape=(32, 32), ori_shape=(32, 32), pad_shape=(32, 32),
                 padding_size=[0, 0, 0, 0])
    for branch in ('teacher', 'student'):
        model.semi_test_cfg['predict_on'] = branch
        expected = getattr(model, branch)._forward(inputs)
        assert torch.equal(model._forward(inputs), expected)
        assert torch.equal(model(inputs, mode='tensor'), expected)
        pred = model.predict(inputs, [SegDataSample(metainfo=metas)])
        ref = getattr(model, branch).predict(inputs,
                                             [SegDataSample(metainfo=metas)])
        assert torch.equal(pred[0].seg_logits.data, ref[0].seg_logits.data)
    assert not torch.equal(model.teacher._forward(inputs),
                           model.student._forward(inputs))
    with pytest.raises(ValueError, match='predict_on'):
        build(tiny_segmentor_cfg, semi_test_cfg=dict(predict_on='both'))


def test_plain_mmseg_checkpoint_initialises_both(tiny_segmentor_cfg):
    plain = MODELS.build(copy.deepcopy(tiny_segmentor_cfg))
    model = build(tiny_segmentor_cfg)
    missing, unexpected = model.load_state_dict(plain.state_dict(),
                                                strict=False)
    assert not unexpected
    for key, value in plain.state_dict().items():
        assert torch.equal(model.student.state_dict()[key], value)
        assert torch.equal(model.teacher.state_dict()[key], value)
    # and a wrapper checkpoint loads as is
    other = build(tiny_segmentor_cfg)
    other.load_state_dict(model.state_dict())


def test_pseudo_labels_at_padded_resolution_with_padding_ignored(
        tiny_segmentor_cfg, make_semi_batch):
    model = build(tiny_segmentor_cfg)
    inputs, samples = make_semi_batch()
    samples['unsup_teacher'][0].set_metainfo(dict(padding_size=(0, 5, 0, 3)))
    pseudo = model.get_pseudo_labels(inputs['unsup_teacher'],
                                     samples['unsup_teacher'])
    assert pseudo.label.shape == (2, 32, 32)
    assert (pseudo.label[0, :, 27:] == 255).all()
    assert (pseudo.label[0, 29:, :] == 255).all()
    assert (pseudo.label[0, :29, :27] != 255).all()
    assert (pseudo.confidence[0, 29:] == 0).all()
    assert (pseudo.label[1] != 255).all()
    assert ((pseudo.confidence[1] > 0) & (pseudo.confidence[1] <= 1)).all()


def test_mean_teacher_losses_and_threshold(tiny_segmentor_cfg,
                                           make_semi_batch):
    model = build(tiny_segmentor_cfg, pseudo_threshold=0.0)
    losses = model.loss(*make_semi_batch())
    assert {'sup.decode.loss_ce', 'unsup.decode.loss_ce',
            'unsup.kept_ratio'} <= set(losses)
    assert losses['unsup.kept_ratio'].item() == 1.0
    strict = build(tiny_segmentor_cfg, pseudo_threshold=0.999)
    assert strict.loss(*make_semi_batch())['unsup.kept_ratio'].item() < 1.0
    with pytest.raises(ValueError, match='pseudo_threshold'):
        build(tiny_segmentor_cfg, pseudo_threshold=1.5)


def test_concat_forward_equals_separate_forward_in_eval(
        tiny_segmentor_cfg, make_semi_batch):
    concat = build(tiny_segmentor_cfg, pseudo_threshold=0.0)
    separate = build(
        tiny_segmentor_cfg,
        pseudo_threshold=0.0,
        semi_train_cfg=dict(concat_student_forward=False))
    separate.load_state_dict(concat.state_dict())
    concat.eval()
    separate.eval()
    a = concat.loss(*make_semi_batch())
    b = separate.loss(*make_semi_batch())
    for key in a:
        assert torch.allclose(a[key], b[key], atol=1e-5), key


def test_bad_batches_and_configs(tiny_segmentor_cfg, make_semi_batch):
    model = build(tiny_segmentor_cfg)
    inputs, samples = make_semi_batch()
    with pytest.raises(KeyError, match='unsup_teacher'):
        model.loss(dict(sup=inputs['sup']), dict(sup=samples['sup']))
    inputs['unsup_student'] = torch.randn(2, 3, 16, 16)
    samples['unsup_student'] = samples['unsup_teacher']
    with pytest.raises(ValueError, match='pixel-aligned'):
        model.loss(inputs, samples)
    no_pre = copy.deepcopy(tiny_segmentor_cfg)
    no_pre.pop('data_preprocessor')
    with pytest.raises(ValueError, match='data_preprocessor'):
        build(no_pre)


def test_cutmix_option_trains(tiny_segmentor_cfg, make_semi_batch):
    model = build(tiny_segmentor_cfg,
                  semi_train_cfg=dict(cutmix_prob=1.0))
    off = build(tiny_segmentor_cfg)
    assert off.semi_train_cfg['cutmix_prob'] == 0.0
    losses = model.loss(*make_semi_batch())
    assert torch.isfinite(losses['unsup.decode.loss_ce'])
