# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The DINOv2 configs (configs/{cwbass,baselines}/*dinov2-*): the grid is
complete, they follow the DINOv2 protocol (UniMatch V2's recipe beside the
reference protocol pinned in test_build_configs.py), a row differs only in
the method, and every model builds (the backbone shrunk; one real ViT-B)."""
import copy
import glob
import math
import os.path as osp

import pytest
from mmengine.config import Config
from mmseg.registry import MODELS

import mmseg_cwbass  # noqa: F401  (registers the plugin's components)
from mmseg_cwbass.datasets import split_lists

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')

VOC_SPLITS = ('1-16', '1-8', '1-4', '92', '183', '366', '732', '1464')
CS_SPLITS = ('1-30', '1-16', '1-8', '1-4', '1-2')
ROWS = [f'dinov2-b_dpt_voc_{s}' for s in VOC_SPLITS] + \
    [f'dinov2-b_dpt_cityscapes_{s}' for s in CS_SPLITS] + \
    ['dinov2-s_dpt_voc_1-8', 'dinov2-l_dpt_voc_1-8']
METHODS = {'cwbass': ('cwbass', ''),
           'mean_teacher': ('baselines', 'mean_teacher_'),
           'supervised': ('baselines', 'supervised_')}
ALL = [(m, row) for row in ROWS for m in METHODS]
# The DINOv2 protocol (configs/_base_/benchmarks/protocol_dinov2_*.py).
PROTOCOL = {
    'voc': dict(dataset='pascal_voc', pool=10582, epochs=60, crop=(518, 518),
                num_classes=21, batch=16, gpus=4, scale=400, test='whole'),
    'cityscapes': dict(dataset='cityscapes', pool=2975, epochs=180,
                       crop=(798, 798), num_classes=19, batch=16, gpus=8,
                       scale=2048, test='slide'),
}
# UniMatch V2's sizes: width, blocks returned, DPT fusion and reassembled
# channels.
SIZES = {
    's': (384, (2, 5, 8, 11), 64, [48, 96, 192, 384]),
    'b': (768, (2, 5, 8, 11), 128, [96, 192, 384, 768]),
    'l': (1024, (4, 11, 17, 23), 256, [256, 512, 1024, 1024]),
}


def path_of(method, row):
    folder, prefix = METHODS[method]
    return osp.join(CONFIGS, folder, f'{prefix}{row}.py')


def parse(row):
    size = row[len('dinov2-')]
    ds = 'voc' if '_voc_' in row else 'cityscapes'
    return size, ds, row.rsplit('_', 1)[1]


@pytest.fixture(scope='module')
def load():
    loaded = {}

    def get(method, row):
        if (method, row) not in loaded:
            loaded[method, row] = Config.fromfile(path_of(method, row))
        return loaded[method, row]

    return get


def segmentor_of(cfg):
    return cfg.model.get('segmentor', cfg.model)


def test_grid_is_complete():
    found = sorted(
        osp.relpath(p, CONFIGS)
        for folder in ('cwbass', 'baselines')
        for p in glob.glob(osp.join(CONFIGS, folder, '*dinov2*.py')))
    expected = sorted(
        osp.relpath(path_of(m, row), CONFIGS) for m, row in ALL)
    assert found == expected
    assert len(found) == 45


@pytest.mark.parametrize('method,row', ALL, ids=lambda x: x)
def test_dinov2_protocol(load, method, row):
    cfg = load(method, row)
    size, ds, split = parse(row)
    proto = PROTOCOL[ds]
    seg = segmentor_of(cfg)
    # Iterations: the protocol's epochs over the unlabeled set.
    protocols = split_lists.PROTOCOLS
    labeled = protocols[proto['dataset']][split].reference_count
    unlabeled = proto['pool'] - labeled
    per_epoch = math.ceil(max(labeled, unlabeled) / proto['batch'])
    interval = proto['epochs'] // 10 * per_epoch
    assert cfg.epochs == proto['epochs']
    assert cfg.train_cfg.max_iters == cfg.max_iters == \
        proto['epochs'] * per_epoch
    assert cfg.train_cfg.val_interval == interval
    assert cfg.default_hooks.checkpoint.interval == interval
    assert cfg.num_gpus == proto['gpus']
    # Data: the split's lists at the DINOv2 crop.
    dataset = cfg.train_dataloader.dataset
    parts = {'labeled': dataset} if method == 'supervised' else {
        'labeled': dataset.labeled, 'unlabeled': dataset.unlabeled}
    for role, part in parts.items():
        assert part.ann_file == \
            f'data/splits/{proto["dataset"]}/{split}/{role}.txt'
        assert [t.crop_size for t in part.pipeline
                if t.type == 'RandomCrop'] == [proto['crop']]
        [resize] = [t for t in part.pipeline if t.type == 'RandomResize']
        assert max(resize.scale) == proto['scale']
        assert resize.ratio_range == (0.5, 2.0)
    if method != 'supervised':
        assert cfg.model.semi_train_cfg.rampup_iters == 5 * per_epoch
        ratio = cfg.train_dataloader.sampler.source_ratio
        assert cfg.num_gpus * ratio[1] == proto['batch']
    else:
        assert cfg.num_gpus * cfg.train_dataloader.batch_size == \
            proto['batch']
    assert seg.data_preprocessor.size == proto['crop']
    assert seg.test_cfg.mode == proto['test']
    if proto['test'] == 'slide':
        assert seg.test_cfg.crop_size == (798, 798)
        assert seg.test_cfg.stride == (532, 532)
    # UniMatch V2's optimizer recipe.
    wrapper = cfg.optim_wrapper
    assert wrapper.type == 'OptimWrapper'
    assert wrapper.optimizer.to_dict() == dict(
        type='AdamW', lr=5e-6, betas=(0.9, 0.999), weight_decay=0.01)
    assert wrapper.paramwise_cfg.custom_keys.to_dict() == {
        'decode_head': dict(lr_mult=40.0)}
    [poly] = cfg.param_scheduler
    assert (poly.type, poly.power, poly.eta_min, poly.get('end')) == (
        'PolyLR', 0.9, 0.0, None)
    # Model: DINOv2 of the row's size + DPT, class token ignored.
    width, outs, channels, post = SIZES[size]
    assert seg.backbone.type == 'DINOv2' and seg.backbone.arch == size
    assert seg.backbone.out_indices == outs
    assert seg.backbone.num_register_tokens == 0
    assert seg.backbone.init_cfg == dict(
        type='Pretrained',
        checkpoint=f'pretrained/dinov2_vit{size}14_mmseg.pth')
    head = seg.decode_head
    assert head.type == 'DPTHead' and head.readout_type == 'ignore'
    assert tuple(head.in_channels) == (width, ) * 4
    assert head.embed_dims == width
    assert head.channels == channels
    assert list(head.post_process_channels) == post
    assert head.num_classes == proto['num_classes']
    assert head.loss_decode.type == 'GlobalCrossEntropyLoss'


@pytest.mark.parametrize('method,row', ALL, ids=lambda x: x)
def test_method_structure(load, method, row):
    cfg = load(method, row)
    if method == 'supervised':
        assert cfg.model.type == 'EncoderDecoder'
        assert cfg.train_cfg.type == 'IterBasedTrainLoop'
        assert cfg.val_cfg.type == 'ValLoop'
        assert cfg.default_hooks.checkpoint.save_best == 'mIoU'
        return
    assert cfg.val_cfg.type == 'TeacherStudentValLoop'
    assert cfg.default_hooks.checkpoint.save_best == 'teacher/mIoU'
    assert cfg.model.semi_train_cfg.concat_student_forward is False
    assert any(h.type == 'MeanTeacherHook' for h in cfg.custom_hooks)
    if method == 'mean_teacher':
        assert cfg.model.type == 'MeanTeacherSegmentor'
        assert cfg.model.pseudo_threshold == 0.95
        return
    reference = Config.fromfile(
        osp.join(CONFIGS, '_base_', 'models',
                 'cwbass_deeplabv3plus_r50-d8.py')).model
    assert cfg.model.type == 'CWBASSSegmentor'
    assert cfg.model.threshold == reference.threshold
    assert cfg.model.unsup_loss == reference.unsup_loss
    assert cfg.model.boundary_loss.to_dict() == dict(
        type='BoundaryCELoss', loss_weight=0.5, padding='zero')
    assert {'DynamicThresholdHook', 'ConfidenceDecayHook'} <= {
        h.type for h in cfg.custom_hooks}


@pytest.mark.parametrize('row', ROWS)
def test_row_shares_data_schedule_and_model(load, row):
    def facts(cfg):
        seg = segmentor_of(cfg)
        dataset = cfg.train_dataloader.dataset
        labeled = dataset.get('labeled', dataset)
        return dict(
            train_cfg=dict(max_iters=cfg.train_cfg.max_iters,
                           val_interval=cfg.train_cfg.val_interval),
            optim=cfg.optim_wrapper.to_dict(),
            schedulers=[s.to_dict() for s in cfg.param_scheduler],
            labeled=labeled.ann_file,
            pipeline=[t.to_dict() for t in labeled.pipeline
                      if t.type not in ('MultiBranch', 'PackSegInputs')],
            val=cfg.val_dataloader.dataset.to_dict(),
            backbone=seg.backbone.to_dict(),
            head=seg.decode_head.to_dict(),
            test_cfg=seg.test_cfg.to_dict())

    reference = facts(load('cwbass', row))
    for method in ('supervised', 'mean_teacher'):
        assert facts(load(method, row)) == reference, method


def test_protocol_docstrings_name_the_recipe():
    with open(osp.join(CONFIGS, '_base_', 'benchmarks',
                       'protocol_dinov2_semi_voc.py')) as f:
        notes = f.read().split('"""')[1]
    for topic in ('UniMatch V2', '518', '60 epochs', 'AdamW', '5e-6', '40x',
                  'weight decay', 'bf16', 'AmpOptimWrapper'):
        assert topic in notes, topic
    with open(osp.join(CONFIGS, '_base_', 'benchmarks',
                       'protocol_dinov2_semi_cityscapes.py')) as f:
        notes = f.read().split('"""')[1]
    for topic in ('798', '180 epochs', 'sliding-window'):
        assert topic in notes, topic


def _sync_bn_to_bn(node):
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
        for value in node.values():
            _sync_bn_to_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _sync_bn_to_bn(value)


@pytest.mark.parametrize('method,row', ALL, ids=lambda x: x)
def test_model_builds(load, method, row):
    """Same structure at small widths: 4 blocks of width 24, DPT 8."""
    model_cfg = load(method, row).model.to_dict()
    _sync_bn_to_bn(model_cfg)
    seg = model_cfg.get('segmentor', model_cfg)
    seg['backbone'].update(
        arch=dict(embed_dims=24, num_layers=4, num_heads=2),
        out_indices=(0, 1, 2, 3), init_cfg=None)
    seg['decode_head'].update(
        in_channels=(24, ) * 4, embed_dims=24, channels=8,
        post_process_channels=[8, 8, 8, 8])
    model = MODELS.build(model_cfg)
    student = getattr(model, 'student', model)
    assert type(student.backbone).__name__ == 'DINOv2'
    assert student.decode_head.num_classes == seg['decode_head'][
        'num_classes']


def test_full_dinov2_b_model_builds_and_refuses_a_bad_crop(load):
    cfg = load('cwbass', 'dinov2-b_dpt_voc_1-8').model.to_dict()
    _sync_bn_to_bn(cfg)
    cfg['segmentor']['backbone']['init_cfg'] = None
    model = MODELS.build(copy.deepcopy(cfg))
    backbone = sum(p.numel() for p in model.student.backbone.parameters())
    # DINOv2 ViT-B/14 without its mask token: 86.58 M - 768.
    assert backbone == 86_579_712, backbone
    cfg['segmentor']['data_preprocessor']['size'] = (512, 512)
    with pytest.raises(ValueError, match=r'\(512, 512\).*504 or 518'):
        MODELS.build(cfg)


def test_benchmark_config_builds():
    """The DINOv2-S row of tools/analysis_tools/benchmark.py."""
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'benchmark', 'cwbass_dinov2-s_112x112_2+2.py'))
    model_cfg = cfg.model.to_dict()
    seg = model_cfg['segmentor']
    assert seg['data_preprocessor']['size'] == (112, 112)
    assert seg['backbone']['arch'] == 's' and seg['backbone']['init_cfg'] \
        is None
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    model = MODELS.build(model_cfg)
    student = sum(p.numel() for p in model.student.parameters())
    assert 24e6 < student < 25.5e6, student


def test_layer_decay_option_of_the_recipe(load):
    """The documented option (schedules/dinov2_adamw.py: dinov2_layer_decay)
    merged into a DINOv2 config gives the student's blocks decayed lrs,
    the head its 40x and the teacher nothing."""
    from mmengine.optim import build_optim_wrapper
    cfg = copy.deepcopy(load('cwbass', 'dinov2-b_dpt_voc_1-8'))
    cfg.merge_from_dict(dict(optim_wrapper=cfg.dinov2_layer_decay))
    model_cfg = cfg.model.to_dict()
    _sync_bn_to_bn(model_cfg)
    seg = model_cfg['segmentor']
    seg['backbone'].update(
        arch=dict(embed_dims=24, num_layers=4, num_heads=2),
        out_indices=(0, 1, 2, 3), init_cfg=None)
    seg['decode_head'].update(
        in_channels=(24, ) * 4, embed_dims=24, channels=8,
        post_process_channels=[8, 8, 8, 8])
    model = MODELS.build(model_cfg)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = {g['name']: g['lr'] for g in wrapper.optimizer.param_groups}
    assert not any(name.startswith('teacher.') for name in lrs)
    assert lrs['student.backbone.layers.3.attn.qkv.weight'] == \
        pytest.approx(5e-6 * 0.9)
    assert lrs['student.backbone.pos_embed'] == pytest.approx(5e-6 * 0.9**5)
    assert lrs['student.decode_head.conv_seg.weight'] == \
        pytest.approx(5e-6 * 40)
