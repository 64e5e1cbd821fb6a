"""LayerDecayOptimWrapperConstructor: the lr and weight decay it gives each
parameter of a teacher/student wrapper and of a plain segmentor, checked
against the BEiT rule written out by hand."""
import pytest
from mmengine.optim import build_optim_wrapper
from mmseg.registry import MODELS

from mmseg_cwbass.engine.optimizers import LayerDecayOptimWrapperConstructor

NUM_LAYERS = 4
SEGMENTOR = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[0.0] * 3, std=[1.0] * 3,
        size=(28, 28)),
    backbone=dict(
        type='DINOv2', arch=dict(embed_dims=24, num_layers=NUM_LAYERS,
                                 num_heads=2), out_indices=(0, 1, 2, 3),
        num_register_tokens=4),
    decode_head=dict(
        type='DPTHead', in_channels=(24, ) * 4, embed_dims=24, channels=8,
        post_process_channels=[8, 8, 8, 8], readout_type='ignore',
        in_index=(0, 1, 2, 3), input_transform='multiple_select',
        num_classes=3, norm_cfg=dict(type='BN')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
OPTIM = dict(
    constructor='LayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.01),
    paramwise_cfg=dict(
        layer_decay_rate=0.5,
        custom_keys={'decode_head': dict(lr_mult=40.0)}))


def groups_by_name(model, cfg=OPTIM):
    wrapper = build_optim_wrapper(model, dict(cfg))
    return {g['name']: g for g in wrapper.optimizer.param_groups}


def expected_lr(name, prefix):
    """The BEiT rule: block i -> 0.5 ** (L - i), embeddings ->
    0.5 ** (L + 1), the rest 1; the head x40 on top."""
    rest = name[len(prefix):]
    if rest.startswith('backbone.layers.'):
        scale = 0.5**(NUM_LAYERS - int(rest.split('.')[2]))
    elif rest.split('.')[1] in ('cls_token', 'pos_embed', 'register_tokens',
                                'patch_embed'):
        scale = 0.5**(NUM_LAYERS + 1)
    else:
        scale = 1.0
    if rest.startswith('decode_head.'):
        scale *= 40.0
    return scale


def test_wrapper_student_gets_decay_teacher_nothing():
    model = MODELS.build(dict(type='MeanTeacherSegmentor',
                              segmentor=SEGMENTOR))
    groups = groups_by_name(model)
    student = {n for n, p in model.named_parameters()
               if n.startswith('student.')}
    # The frozen teacher is silently left out; every student parameter
    # has exactly one group.
    assert set(groups) == student
    assert all(len(g['params']) == 1 for g in groups.values())
    # Spot values by hand.
    g = groups['student.backbone.layers.3.attn.qkv.weight']
    assert (g['lr'], g['weight_decay']) == (0.5, 0.01)
    g = groups['student.backbone.layers.0.mlp.fc1.weight']
    assert g['lr'] == 0.5**4
    assert groups['student.backbone.cls_token']['lr'] == 0.5**5
    assert groups['student.backbone.pos_embed']['weight_decay'] == 0.0
    assert groups['student.backbone.patch_embed.proj.weight'][
        'weight_decay'] == 0.01
    assert groups['student.backbone.norm.weight']['lr'] == 1.0
    assert groups['student.decode_head.conv_seg.weight']['lr'] == 40.0
    assert groups['student.decode_head.conv_seg.bias'][
        'weight_decay'] == 0.0
    for name, group in groups.items():
        assert group['lr'] == pytest.approx(expected_lr(name, 'student.'))
        # no weight decay on biases, norms, LayerScale and the tokens
        if group['params'][0].ndim > 1 and not name.endswith(
                ('cls_token', 'pos_embed', 'register_tokens')):
            assert group['weight_decay'] == 0.01, name
        else:
            assert group['weight_decay'] == 0.0, name


def test_plain_segmentor_and_explicit_depth():
    model = MODELS.build(SEGMENTOR)
    groups = groups_by_name(model)
    assert groups['backbone.layers.1.ls1.gamma']['lr'] == 0.5**3
    cfg = dict(OPTIM, paramwise_cfg=dict(OPTIM['paramwise_cfg'],
                                         num_layers=6))
    groups = groups_by_name(model, cfg)
    assert groups['backbone.layers.1.ls1.gamma']['lr'] == 0.5**5


def test_bad_paramwise_cfg():
    with pytest.raises(ValueError, match="did you mean 'layer_decay_rate'"):
        LayerDecayOptimWrapperConstructor(
            dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1.)),
            dict(layer_decay_rat=0.9))
    with pytest.raises(ValueError, match='layer_decay_rate is required'):
        LayerDecayOptimWrapperConstructor(
            dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1.)),
            dict())
    with pytest.raises(ValueError, match=r'must be in \(0, 1\]'):
        LayerDecayOptimWrapperConstructor(
            dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1.)),
            dict(layer_decay_rate=1.5))
