"""DINOv2 backbone == an independent implementation, weights converted.

transformers' ``Dinov2Model`` / ``Dinov2WithRegistersModel`` (the ``tests``
extra of setup.py, never a runtime dependency) with random weights is
exported here in the OFFICIAL key layout of the DINOv2 release (the mapping
below is written from the official ``DinoVisionTransformer`` names, not from
our converter), converted by ``tools/model_converters/dinov2_to_mmseg.py``
(ViT-S, through the CLI) or its package function (ViT-B, in memory), loaded
into ``DINOv2`` and compared layer by layer: every returned block after the
final LayerNorm, patches and class token, to 1e-5 in fp32.

Real ViT-S/14 and ViT-B/14 widths and depths (12 blocks: the converter
checks the full layout), batch 1; ViT-S compares blocks 2/5/8/11 (the
default outputs), ViT-B blocks 0-3 (both models stop after the last
returned block, to keep the test fast). Crops: 518x518 for all four models
(no interpolation there); the "-reg" models also at 322x322 and 266x434,
where transformers interpolates exactly like the official "-reg" code
(``size=grid``, bicubic, antialiased). transformers' plain ``Dinov2Model``
resizes without the official 0.1 offset, so the plain interpolation is
checked against the official formula written out below, at other crops.
"""
import math

import pytest
import torch
import torch.nn.functional as F
from transformers import (Dinov2Config, Dinov2Model,
                          Dinov2WithRegistersConfig,
                          Dinov2WithRegistersModel)

from mmseg_cwbass.models.backbones import DINOv2
from mmseg_cwbass.models.backbones.dinov2_convert import convert_dinov2_state

ARCHS = {'s': (384, 6), 'b': (768, 12)}


def hf_model(arch, registers, seed=0):
    width, heads = ARCHS[arch]
    common = dict(
        hidden_size=width, num_hidden_layers=12, num_attention_heads=heads,
        mlp_ratio=4, image_size=518, patch_size=14, layerscale_value=1.0,
        layer_norm_eps=1e-6, hidden_act='gelu', qkv_bias=True,
        use_swiglu_ffn=False, drop_path_rate=0.0, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0)
    torch.manual_seed(seed)
    if registers:
        model = Dinov2WithRegistersModel(
            Dinov2WithRegistersConfig(num_register_tokens=registers,
                                      **common))
    else:
        model = Dinov2Model(Dinov2Config(**common))
    # Every weight random and away from its init value (LayerScale, norms
    # and tokens matter too).
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.05)
    return model.eval()


def official_state_dict(model):
    """transformers' names -> the official DinoVisionTransformer names."""
    hf = model.state_dict()
    out = {
        'cls_token': hf['embeddings.cls_token'],
        'mask_token': hf['embeddings.mask_token'],
        'pos_embed': hf['embeddings.position_embeddings'],
        'patch_embed.proj.weight':
        hf['embeddings.patch_embeddings.projection.weight'],
        'patch_embed.proj.bias':
        hf['embeddings.patch_embeddings.projection.bias'],
    }
    if 'embeddings.register_tokens' in hf:
        out['register_tokens'] = hf['embeddings.register_tokens']
    for i in range(model.config.num_hidden_layers):
        h, o = f'encoder.layer.{i}.', f'blocks.{i}.'
        att = h + 'attention.'  # transformers 5 names
        for kind in ('weight', 'bias'):
            out[f'{o}norm1.{kind}'] = hf[f'{h}norm1.{kind}']
            # One fused projection in the official code: q, k, v stacked.
            out[f'{o}attn.qkv.{kind}'] = torch.cat([
                hf[f'{att}q_proj.{kind}'], hf[f'{att}k_proj.{kind}'],
                hf[f'{att}v_proj.{kind}']
            ])
            out[f'{o}attn.proj.{kind}'] = hf[f'{att}o_proj.{kind}']
            out[f'{o}norm2.{kind}'] = hf[f'{h}norm2.{kind}']
            out[f'{o}mlp.fc1.{kind}'] = hf[f'{h}mlp.fc1.{kind}']
            out[f'{o}mlp.fc2.{kind}'] = hf[f'{h}mlp.fc2.{kind}']
        out[f'{o}ls1.gamma'] = hf[f'{h}layer_scale1.lambda1']
        out[f'{o}ls2.gamma'] = hf[f'{h}layer_scale2.lambda1']
    out['norm.weight'] = hf['layernorm.weight']
    out['norm.bias'] = hf['layernorm.bias']
    return {k: v.clone() for k, v in out.items()}


def hf_layers(model, x, out_indices, registers):
    """get_intermediate_layers(norm=True) of the transformers model."""
    hidden = model(pixel_values=x, output_hidden_states=True).hidden_states
    grid = (x.shape[-2] // 14, x.shape[-1] // 14)
    outs = []
    for i in out_indices:
        normed = model.layernorm(hidden[i + 1])
        patches = normed[:, 1 + registers:].reshape(x.shape[0], *grid, -1)
        outs.append((patches.permute(0, 3, 1, 2), normed[:, 0]))
    return outs


def ours_from(state, arch, registers, **kwargs):
    model = DINOv2(arch=arch, num_register_tokens=registers, **kwargs)
    missing, unexpected = model.load_state_dict(state, strict=True)
    assert not missing and not unexpected
    return model.eval()


def assert_same_layers(ours, hf, x, registers):
    with torch.no_grad():
        expected = hf_layers(hf, x, ours.out_indices, registers)
        got = ours(x)
    assert len(got) == len(expected) == 4
    for (feature, cls_token), (ref_feature, ref_cls) in zip(got, expected):
        assert feature.shape == ref_feature.shape
        torch.testing.assert_close(feature, ref_feature, rtol=0, atol=1e-5)
        torch.testing.assert_close(cls_token, ref_cls, rtol=0, atol=1e-5)


def images(height, width, seed=1):
    return torch.randn(1, 3, height, width,
                       generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize('registers', [0, 4])
def test_vit_s_through_the_cli(registers, tmp_path, run_cli):
    hf = hf_model('s', registers)
    src, dst = tmp_path / 'official.pth', tmp_path / 'ours.pth'
    torch.save(official_state_dict(hf), src)
    result = run_cli('model_converters/dinov2_to_mmseg', src, dst)
    assert result.returncode == 0, result.stderr
    assert f'{registers} register tokens' in result.stdout
    converted = torch.load(dst, map_location='cpu', weights_only=True)
    assert converted['meta']['arch'] == 's'
    assert converted['meta']['num_register_tokens'] == registers
    ours = ours_from(converted['state_dict'], 's', registers)
    crops = [(518, 518)] + ([(322, 322), (266, 434)] if registers else [])
    for height, width in crops:
        assert_same_layers(ours, hf, images(height, width), registers)


@pytest.mark.parametrize('registers', [0, 4])
def test_vit_b_through_the_converter(registers):
    """The full 12-block ViT-B checkpoint is converted; blocks 0-3 are
    compared (both models then stop there, which keeps the test fast)."""
    hf = hf_model('b', registers)
    state, meta = convert_dinov2_state(official_state_dict(hf), 'vit-b')
    assert (meta['arch'], meta['num_register_tokens']) == ('b', registers)
    ours = ours_from(state, 'b', registers, out_indices=(0, 1, 2, 3))
    hf.encoder.layer = hf.encoder.layer[:4]
    crops = [(518, 518)] + ([(322, 322), (266, 434)] if registers else [])
    for height, width in crops:
        assert_same_layers(ours, hf, images(height, width), registers)


def test_other_layers_of_vit_s_with_registers():
    hf = hf_model('s', 4, seed=3)
    state, _ = convert_dinov2_state(official_state_dict(hf))
    ours = ours_from(state, 's', 4, out_indices=(0, 1, 6, 11))
    assert_same_layers(ours, hf, images(322, 266), 4)


def official_interpolate_pos_encoding(pos_embed, height, width, offset,
                                      antialias, patch_size=14):
    """DinoVisionTransformer.interpolate_pos_encoding of the DINOv2 release
    (dinov2/models/vision_transformer.py), for a batch of height x width
    images: cls position kept, patch positions resized bicubically with
    ``scale_factor=(n + offset) / M`` if an offset is set, else to
    ``size=(h0, w0)``."""
    npatch = (height // patch_size) * (width // patch_size)
    num = pos_embed.shape[1] - 1
    if npatch == num and height == width:
        return pos_embed
    pos_embed = pos_embed.float()
    class_pos_embed = pos_embed[:, 0]
    patch_pos_embed = pos_embed[:, 1:]
    dim = pos_embed.shape[-1]
    h0, w0 = height // patch_size, width // patch_size
    side = int(math.sqrt(num))
    assert num == side * side
    kwargs = {}
    if offset:
        kwargs['scale_factor'] = (float(h0 + offset) / side,
                                  float(w0 + offset) / side)
    else:
        kwargs['size'] = (h0, w0)
    patch_pos_embed = F.interpolate(
        patch_pos_embed.reshape(1, side, side, dim).permute(0, 3, 1, 2),
        mode='bicubic', antialias=antialias, **kwargs)
    assert (h0, w0) == patch_pos_embed.shape[-2:]
    patch_pos_embed = patch_pos_embed.permute(0, 2, 3, 1).view(1, -1, dim)
    return torch.cat((class_pos_embed.unsqueeze(0), patch_pos_embed), dim=1)


@pytest.mark.parametrize('height,width', [(518, 518), (322, 322),
                                          (266, 434), (798, 798),
                                          (224, 224)])
@pytest.mark.parametrize('registers', [0, 4])
def test_pos_embed_interpolation_is_the_official_formula(
        registers, height, width):
    model = DINOv2(arch=dict(embed_dims=32, num_layers=1, num_heads=2),
                   num_register_tokens=registers)
    model.init_weights()
    offset, antialias = (0.0, True) if registers else (0.1, False)
    expected = official_interpolate_pos_encoding(
        model.pos_embed.detach(), height, width, offset, antialias)
    got = model.pos_embed_for((height // 14, width // 14)).detach()
    assert torch.equal(got, expected)
    if (height, width) != (518, 518):
        # The two checkpoint types really interpolate differently.
        other = official_interpolate_pos_encoding(
            model.pos_embed.detach(), height, width, 0.1 - offset,
            not antialias)
        assert not torch.allclose(got, other, atol=1e-6)


def test_plain_model_end_to_end_at_another_crop():
    """Plain ViT-S with the official (offset 0.1) interpolation patched into
    transformers' model: whole-model equality at 322x322 and 266x434."""
    hf = hf_model('s', 0, seed=5)
    state, _ = convert_dinov2_state(official_state_dict(hf))
    ours = ours_from(state, 's', 0)

    def official(embeddings, height, width):
        return official_interpolate_pos_encoding(
            hf.embeddings.position_embeddings, height, width, 0.1, False)

    hf.embeddings.interpolate_pos_encoding = lambda emb, h, w: official(
        emb, h, w)
    for height, width in [(322, 322), (266, 434)]:
        assert_same_layers(ours, hf, images(height, width), 0)
