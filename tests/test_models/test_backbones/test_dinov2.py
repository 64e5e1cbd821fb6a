"""DINOv2 backbone: output form, input-size rules, position embeddings,
activation checkpointing and the build-time crop check (tiny widths; the
exactness against an independent implementation is in
test_dinov2_exactness.py)."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from mmseg_cwbass.models.backbones import DINOv2
from mmseg_cwbass.models.backbones.dinov2 import (ARCH_ZOO, check_crop_size,
                                                  nearest_valid_sizes)

TINY = dict(embed_dims=24, num_layers=3, num_heads=2)


def tiny(**kwargs):
    torch.manual_seed(0)
    model = DINOv2(arch=dict(TINY), **kwargs)
    model.init_weights()
    # Non-trivial tokens, norms and LayerScale so every part matters.
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    return model


@pytest.mark.parametrize('registers', [0, 4])
def test_output_pairs_and_shapes(registers):
    model = tiny(num_register_tokens=registers, out_indices=(0, 2)).eval()
    outs = model(torch.randn(2, 3, 28, 42))
    assert len(outs) == 2
    for feature, cls_token in outs:
        assert feature.shape == (2, 24, 2, 3)
        assert cls_token.shape == (2, 24)
    # Each output went through the final LayerNorm (weight/bias applied on
    # normalised tokens): un-applying the affine part gives zero mean and
    # unit variance over channels.
    feature, cls_token = outs[1]
    tokens = feature.flatten(2).transpose(1, 2)
    raw = (tokens - model.norm.bias) / model.norm.weight
    assert torch.allclose(raw.mean(-1), torch.zeros(2, 6), atol=1e-5)
    assert torch.allclose(raw.var(-1, unbiased=False), torch.ones(2, 6),
                          atol=1e-3)


def test_registry_and_arch_defaults():
    with torch.device('meta'):
        for arch, dims, depth, heads, outs in [
                ('s', 384, 12, 6, (2, 5, 8, 11)),
                ('b', 768, 12, 12, (2, 5, 8, 11)),
                ('l', 1024, 24, 16, (4, 11, 17, 23))]:
            model = MODELS.build(dict(type='DINOv2', arch=arch))
            assert (model.embed_dims, model.num_layers) == (dims, depth)
            assert model.layers[0].attn.num_heads == heads
            assert model.out_indices == outs
            assert model.pos_embed.shape == (1, 1 + 37 * 37, dims)
            assert ARCH_ZOO[arch]['embed_dims'] == dims


def test_interpolation_defaults_follow_checkpoint_type():
    plain, reg = tiny(), tiny(num_register_tokens=4)
    assert (plain.interpolate_offset, plain.interpolate_antialias) == (0.1,
                                                                      False)
    assert (reg.interpolate_offset, reg.interpolate_antialias) == (0.0, True)
    assert reg.register_tokens.shape == (1, 4, 24)
    assert plain.register_tokens is None


def test_no_interpolation_at_518():
    model = tiny()
    assert torch.equal(model.pos_embed_for((37, 37)), model.pos_embed)


def test_registers_change_the_output():
    model = tiny(num_register_tokens=4).eval()
    x = torch.randn(1, 3, 28, 28)
    before = model(x)[-1][0]
    with torch.no_grad():
        # (a constant shift would vanish in the pre-norm)
        model.register_tokens.add_(torch.randn_like(model.register_tokens))
    assert not torch.allclose(before, model(x)[-1][0])


def test_unknown_args_and_bad_arch():
    with pytest.raises(ValueError, match='out_indice'):
        DINOv2(arch=dict(TINY), out_indice=(0, ))
    with pytest.raises(ValueError, match="one of \\['b', 'l', 's'\\]"):
        DINOv2(arch='g')
    with pytest.raises(ValueError, match='outside 0..2'):
        DINOv2(arch=dict(TINY), out_indices=(3, ))


def test_training_crop_not_multiple_of_14_is_refused():
    model = tiny().train()
    with pytest.raises(ValueError) as err:
        model(torch.randn(1, 3, 30, 28))
    assert '(30, 28)' in str(err.value)
    assert '30 -> 28 or 42' in str(err.value)
    assert nearest_valid_sizes(513) == (504, 518)
    with pytest.raises(ValueError, match='512 -> 504 or 518'):
        check_crop_size((512, 512), 'crop_size')
    check_crop_size(518, 'crop_size')


def test_inference_resizes_to_a_multiple_of_14():
    model = tiny().eval()
    x = torch.randn(1, 3, 30, 45)
    feature, _ = model(x)[-1]
    # round(30 / 14) = 2, round(45 / 14) = 3
    assert feature.shape[-2:] == (2, 3)
    resized = F.interpolate(x, size=(28, 42), mode='bilinear',
                            align_corners=False)
    assert torch.allclose(model(resized)[-1][0], feature)


def test_with_cp_same_values_and_gradients():
    model = tiny(out_indices=(1, 2)).train()
    cp_model = copy.deepcopy(model)
    cp_model.with_cp = True
    x = torch.randn(2, 3, 28, 28)
    grads = []
    for m in (model, cp_model):
        out = m(x)
        loss = sum(f.square().mean() + c.sum() for f, c in out)
        loss.backward()
        grads.append([p.grad.clone() for p in m.parameters()])
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-6)


def test_semi_segmentor_refuses_bad_crop_at_build(tiny_segmentor_cfg):
    seg = tiny_segmentor_cfg
    seg['data_preprocessor']['size'] = (64, 64)
    seg['backbone'] = dict(type='DINOv2', arch=dict(TINY), out_indices=(2, ))
    seg['decode_head'] = dict(
        type='FCNHead', in_channels=24, in_index=0, channels=8, num_convs=1,
        num_classes=4, input_transform=None)
    with pytest.raises(ValueError, match=r'data_preprocessor.size .*'
                       r'\(64, 64\).*64 -> 56 or 70'):
        MODELS.build(dict(type='MeanTeacherSegmentor', segmentor=seg))


def tiny_dpt_segmentor(tiny_segmentor_cfg, size=(28, 28)):
    seg = tiny_segmentor_cfg
    seg['data_preprocessor']['size'] = size
    seg['backbone'] = dict(type='DINOv2', arch=dict(TINY, num_layers=4),
                           out_indices=(0, 1, 2, 3), num_register_tokens=4)
    seg['decode_head'] = dict(
        type='DPTHead', in_channels=(24, ) * 4, embed_dims=24, channels=8,
        post_process_channels=[8, 8, 8, 8], readout_type='ignore',
        in_index=(0, 1, 2, 3), input_transform='multiple_select',
        num_classes=4, norm_cfg=dict(type='BN'))
    return seg


def test_concat_student_forward_splits_feature_cls_pairs(
        tiny_segmentor_cfg, make_semi_batch):
    """One student pass over labeled + unlabeled images gives each part its
    own [feature, cls_token] pairs: the same losses as two passes."""
    seg = tiny_dpt_segmentor(tiny_segmentor_cfg)
    concat = MODELS.build(dict(type='MeanTeacherSegmentor', segmentor=seg,
                               pseudo_threshold=0.0))
    separate = MODELS.build(dict(
        type='MeanTeacherSegmentor', segmentor=seg, pseudo_threshold=0.0,
        semi_train_cfg=dict(concat_student_forward=False)))
    separate.load_state_dict(concat.state_dict())
    concat.eval()
    separate.eval()
    batch = dict(size=(28, 28), num_sup=2, num_unsup=3)
    a = concat.loss(*make_semi_batch(**batch))
    b = separate.loss(*make_semi_batch(**batch))
    for key in a:
        assert torch.allclose(a[key], b[key], atol=1e-5), key


def test_micro_batches_equal_one_batch_with_dinov2():
    """semi_train_cfg.micro_batches works unchanged with DINOv2 + DPT:
    two micro-batches give the weights of one whole batch (GroupNorm head
    without dropout, inputs padded to 42x42)."""
    import importlib.util
    import os.path as osp

    from mmengine.optim import OptimWrapper
    path = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                    'test_segmentors', '_global_batch_worker.py')
    spec = importlib.util.spec_from_file_location('_gb_worker_dinov2', path)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    seg = copy.deepcopy(worker.SEGMENTOR)
    seg['data_preprocessor']['size'] = (42, 42)
    seg['backbone'] = dict(type='DINOv2', arch=dict(TINY, num_layers=4),
                           out_indices=(0, 1, 2, 3))
    seg['decode_head'] = dict(
        type='DPTHead', in_channels=(24, ) * 4, embed_dims=24, channels=8,
        post_process_channels=[8, 8, 8, 8], readout_type='ignore',
        in_index=(0, 1, 2, 3), input_transform='multiple_select',
        num_classes=4, norm_cfg=worker.GN, dropout_ratio=0.0,
        loss_decode=dict(type='GlobalCrossEntropyLoss'))
    states = []
    for micro in (1, 2):
        torch.manual_seed(0)
        model = MODELS.build(dict(
            type='CWBASSSegmentor', segmentor=copy.deepcopy(seg),
            semi_train_cfg=dict(micro_batches=micro)))
        model.train()
        optim = OptimWrapper(torch.optim.SGD(
            [p for p in model.parameters() if p.requires_grad], lr=0.01))
        for step in range(2):
            images, labels = worker.full_batch(step)
            model.train_step(
                worker.shard(images, labels, [0, 1, 2, 3], [0, 1, 2, 3]),
                optim)
        states.append(model.student.state_dict())
    for name, value in states[0].items():
        assert torch.allclose(states[1][name], value, atol=1e-6), name
    assert not torch.equal(states[0]['backbone.layers.0.attn.qkv.weight'],
                           model.teacher.backbone.layers[0].attn.qkv.weight)
