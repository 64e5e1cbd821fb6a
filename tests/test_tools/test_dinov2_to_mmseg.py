"""tools/model_converters/dinov2_to_mmseg.py refuses what is not an official
DINOv2 ViT-S/B/L-14 checkpoint, names the file and the first key that does
not fit, and writes nothing (the conversion itself is checked against an
independent implementation in tests/test_models/test_backbones/
test_dinov2_exactness.py).

The checkpoints here are synthetic ViT-S/14 state dicts in the official
layout, written from the release's shapes by hand (not from our backbone).
Most cases call the package function the CLI wraps (a CLI start costs
seconds of imports); the CLI itself runs on a truncated file here and on
real conversions in the exactness tests.
"""
import pytest
import torch

from mmseg_cwbass.models.backbones.dinov2_convert import (
    DINOv2ConversionError, convert_dinov2_file)

TOOL = 'model_converters/dinov2_to_mmseg'
WIDTH, DEPTH = 384, 12


def official_vit_s(registers=0):
    """Official key -> tensor of the shape DINOv2 ViT-S/14 stores."""
    c = WIDTH
    shapes = {
        'cls_token': (1, 1, c),
        'pos_embed': (1, 1 + 37 * 37, c),
        'mask_token': (1, c),
        'patch_embed.proj.weight': (c, 3, 14, 14),
        'patch_embed.proj.bias': (c, ),
    }
    if registers:
        shapes['register_tokens'] = (1, registers, c)
    for i in range(DEPTH):
        b = f'blocks.{i}.'
        shapes.update({
            b + 'norm1.weight': (c, ), b + 'norm1.bias': (c, ),
            b + 'attn.qkv.weight': (3 * c, c), b + 'attn.qkv.bias': (3 * c, ),
            b + 'attn.proj.weight': (c, c), b + 'attn.proj.bias': (c, ),
            b + 'ls1.gamma': (c, ),
            b + 'norm2.weight': (c, ), b + 'norm2.bias': (c, ),
            b + 'mlp.fc1.weight': (4 * c, c), b + 'mlp.fc1.bias': (4 * c, ),
            b + 'mlp.fc2.weight': (c, 4 * c), b + 'mlp.fc2.bias': (c, ),
            b + 'ls2.gamma': (c, ),
        })
    shapes.update({'norm.weight': (c, ), 'norm.bias': (c, )})
    gen = torch.Generator().manual_seed(0)
    return {k: torch.randn(s, generator=gen) for k, s in shapes.items()}


def convert(run_cli, tmp_path, state=None, raw=None, cli=False):
    """Run the CLI (cli=True) or the package function it wraps; returns
    (exit status, error text, src, dst)."""
    src, dst = tmp_path / 'src.pth', tmp_path / 'out' / 'dst.pth'
    if raw is not None:
        src.write_bytes(raw)
    else:
        torch.save(state, src)
    if cli:
        result = run_cli(TOOL, src, dst)
        return result.returncode, result.stderr, src, dst
    try:
        convert_dinov2_file(str(src), str(dst))
    except DINOv2ConversionError as err:
        return 1, str(err), src, dst
    return 0, '', src, dst


def assert_refused(result, src, dst, *fragments):
    status, error = result
    assert status == 1
    assert str(src) in error
    for fragment in fragments:
        assert fragment in error, (fragment, error)
    assert not dst.exists()
    # no temporary file left behind either
    assert not dst.parent.exists() or not list(dst.parent.iterdir())


@pytest.mark.parametrize('registers', [0, 4])
def test_converts_and_renames_blocks(run_cli, tmp_path, registers):
    state = official_vit_s(registers)
    status, error, _, dst = convert(run_cli, tmp_path, state)
    assert status == 0, error
    out = torch.load(dst, weights_only=True)
    assert out['meta'] == dict(arch='s', num_register_tokens=registers,
                               source='src.pth')
    ours = out['state_dict']
    assert 'mask_token' not in ours
    assert torch.equal(ours['layers.11.attn.qkv.weight'],
                       state['blocks.11.attn.qkv.weight'])
    assert torch.equal(ours['layers.3.ls2.gamma'], state['blocks.3.ls2.gamma'])
    assert torch.equal(ours['pos_embed'], state['pos_embed'])
    assert len(ours) == len(state) - 1


def test_another_architecture_is_refused(run_cli, tmp_path):
    # SwiGLU MLP (the ViT-g/14 block layout) at ViT-S width.
    state = official_vit_s()
    state['blocks.0.mlp.w12.weight'] = state.pop('blocks.0.mlp.fc1.weight')
    *result, src, dst = convert(run_cli, tmp_path, state)
    assert_refused(result, src, dst, "'blocks.0.mlp.w12.weight'",
                   'does not fit DINOv2 ViT-S/14')


def test_a_resnet_is_refused(run_cli, tmp_path):
    state = {'conv1.weight': torch.zeros(64, 3, 7, 7),
             'bn1.weight': torch.zeros(64)}
    *result, src, dst = convert(run_cli, tmp_path, state)
    assert_refused(result, src, dst, "'cls_token'", "'conv1.weight'")


def test_vit_g_width_is_refused(run_cli, tmp_path):
    state = {'cls_token': torch.zeros(1, 1, 1536),
             'pos_embed': torch.zeros(1, 1370, 1536)}
    *result, src, dst = convert(run_cli, tmp_path, state)
    assert_refused(result, src, dst, "'cls_token'", 'width 1536')


def test_wrong_size_is_refused(run_cli, tmp_path):
    state = official_vit_s()
    state['pos_embed'] = torch.zeros(1, 1 + 16 * 16, WIDTH)
    *result, src, dst = convert(run_cli, tmp_path, state)
    assert_refused(result, src, dst, "'pos_embed'", '(1, 257, 384)',
                   '(1, 1370, 384)')


def test_missing_blocks_are_refused(run_cli, tmp_path):
    state = {k: v for k, v in official_vit_s().items()
             if not k.startswith('blocks.11.')}
    *result, src, dst = convert(run_cli, tmp_path, state)
    assert_refused(result, src, dst, "'blocks.11.norm1.weight'",
                   '14 missing')


def test_cli_refuses_a_truncated_file_and_overwrites_nothing(
        run_cli, tmp_path):
    good = tmp_path / 'good.pth'
    torch.save(official_vit_s(), good)
    data = good.read_bytes()
    src, dst = tmp_path / 'src.pth', tmp_path / 'out' / 'dst.pth'
    dst.parent.mkdir()
    dst.write_bytes(b'an earlier conversion')
    src.write_bytes(data[:len(data) // 2])
    result = run_cli(TOOL, src, dst)
    assert result.returncode == 1
    assert result.stderr.startswith('dinov2_to_mmseg: error: ')
    assert str(src) in result.stderr and 'cannot be read' in result.stderr
    # the existing output is untouched and no temporary file is left
    assert dst.read_bytes() == b'an earlier conversion'
    assert [p.name for p in dst.parent.iterdir()] == ['dst.pth']


def test_converted_file_loads_through_init_cfg_and_must_fit(run_cli,
                                                            tmp_path):
    """init_cfg=dict(type='Pretrained') loads the conversion exactly; a
    "-reg" file in a backbone without registers is refused by name."""
    from mmseg_cwbass.models.backbones import DINOv2
    state = official_vit_s(registers=4)
    status, error, _, dst = convert(run_cli, tmp_path, state)
    assert status == 0, error
    pretrained = dict(type='Pretrained', checkpoint=str(dst))
    model = DINOv2(arch='s', num_register_tokens=4, init_cfg=pretrained)
    model.init_weights()
    assert torch.equal(model.layers[7].mlp.fc2.weight,
                       state['blocks.7.mlp.fc2.weight'])
    assert torch.equal(model.register_tokens, state['register_tokens'])
    plain = DINOv2(arch='s', init_cfg=pretrained)
    with pytest.raises(ValueError,
                       match=r"dst.pth does not fit .*'register_tokens' "
                       r'unexpected'):
        plain.init_weights()
