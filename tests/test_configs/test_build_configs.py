# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Every config under configs/{cwbass,baselines,demo,custom}: it loads, the
grid is complete (each CW-BASS row has its supervised and Mean Teacher
baseline), the iterations follow the reference arithmetic, crop/lr/
architecture follow the protocol per dataset, what reaches the runner is
unchanged, and every model builds (backbones shrunk)."""
import copy
import glob
import hashlib
import json
import math
import os.path as osp
import re

import mmengine.config.config as mmengine_config
import mmseg
import pytest
from mmengine.config import Config
from mmseg.registry import MODELS

import mmseg_cwbass  # noqa: F401  (registers the plugin's components)
from mmseg_cwbass.datasets import split_lists

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')
MMSEG_CONFIGS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs')

VOC_SPLITS = ('1-16', '1-8', '1-4', '92', '183', '366', '732', '1464')
CS_SPLITS = ('1-30', '1-16', '1-8', '1-4', '1-2')
MIXED = ('deeplabv3plus_r18_voc_1-8', 'deeplabv3plus_mobilenetv2_voc_1-8',
         'segformer_mit-b0_voc_1-8')
GRID = sorted(
    [f'deeplabv3plus_{b}_voc_{s}' for b in ('r50', 'r101')
     for s in VOC_SPLITS] +
    [f'deeplabv3plus_{b}_cityscapes_{s}' for b in ('r50', 'r101')
     for s in CS_SPLITS] + list(MIXED))
# Reference protocol per dataset (method.md): train pool, epochs over the
# unlabeled set, crop, SGD lr of the backbone, classes, global batch.
PROTOCOL = {
    'voc': dict(dataset='pascal_voc', pool=10582, epochs=80, crop=(321, 321),
                lr=0.001, num_classes=21, batch=16, gpus=4),
    'cityscapes': dict(dataset='cityscapes', pool=2975, epochs=240,
                       crop=(721, 721), lr=0.004, num_classes=19, batch=16,
                       gpus=8),
}
NAME_RE = re.compile(r'^(?P<method>supervised_|mean_teacher_)?'
                     r'(?P<arch>.+)_(?P<ds>voc|cityscapes)_(?P<split>[\d-]+)$')


def _names(folder):
    """Configs of the reference protocol in ``folder``; the DINOv2 configs
    follow a protocol of their own (test_dinov2_configs.py)."""
    return sorted(
        osp.splitext(osp.basename(p))[0]
        for p in glob.glob(osp.join(CONFIGS, folder, '*.py'))
        if 'dinov2' not in osp.basename(p))


CWBASS = _names('cwbass')
BASELINES = _names('baselines')
DEMO = _names('demo')
BENCHMARK = [('cwbass', n) for n in CWBASS] + \
    [('baselines', n) for n in BASELINES]
ALL = BENCHMARK + [('demo', n) for n in DEMO] + \
    [('custom', n) for n in _names('custom')]


def path_of(folder, name):
    return osp.join(CONFIGS, folder, name + '.py')


@pytest.fixture(scope='module')
def load():
    """Load configs once per module.

    mmengine re-parses mmseg's 50-odd metafile.yaml files for every
    ``mmseg::`` base (~0.5 s each); the answers are memoised here (errors
    included, which mean "a base config, not a model name").
    """
    original = mmengine_config._get_external_cfg_path
    memo = {}

    def cached(package_path, cfg_file):
        key = (package_path, cfg_file)
        if key not in memo:
            try:
                memo[key] = (original(package_path, cfg_file), None)
            except ValueError as e:
                memo[key] = (None, e)
        path, error = memo[key]
        if error is not None:
            raise error
        return path

    loaded = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mmengine_config, '_get_external_cfg_path', cached)

        def get(folder, name):
            key = (folder, name)
            if key not in loaded:
                loaded[key] = Config.fromfile(path_of(folder, name))
            return loaded[key]

        yield get


def parse_name(name):
    match = NAME_RE.match(name)
    assert match, f'{name} does not follow <method_><arch>_<dataset>_<split>'
    method = (match['method'] or 'cwbass_').rstrip('_')
    return method, match['arch'], match['ds'], match['split']


def segmentor_of(cfg):
    model = cfg.model
    return model.segmentor if 'segmentor' in model else model


def readme_iteration_row(dataset, split):
    """The row of the iteration table (docs/training.md, linked from the
    README) that names the split base."""
    with open(osp.join(REPO, 'docs', 'training.md'), encoding='utf-8') as f:
        rows = [
            line for line in f
            if line.startswith('|') and
            f'configs/_base_/splits/{dataset}_{split}.py' in line
        ]
    assert len(rows) == 1, (dataset, split, rows)
    return rows[0]


def expected_iterations(protocols, ds, split):
    proto = PROTOCOL[ds]
    labeled = protocols[proto['dataset']][split].reference_count
    unlabeled = proto['pool'] - labeled
    per_epoch = math.ceil(max(labeled, unlabeled) / proto['batch'])
    return labeled, unlabeled, per_epoch, proto['epochs'] * per_epoch


# --------------------------------------------------------------------------
# grid
# --------------------------------------------------------------------------
def test_cwbass_grid_is_complete():
    assert 'deeplabv3plus_r101_voc_1-8' in CWBASS
    assert CWBASS == GRID


def test_every_cwbass_config_has_both_baselines():
    expected = sorted([f'supervised_{n}' for n in CWBASS] +
                      [f'mean_teacher_{n}' for n in CWBASS])
    assert BASELINES == expected


# --------------------------------------------------------------------------
# per config: arithmetic and protocol
# --------------------------------------------------------------------------
@pytest.mark.parametrize('folder,name', BENCHMARK, ids=lambda x: x)
def test_iterations_follow_the_epoch_arithmetic(load, folder, name):
    cfg = load(folder, name)
    method, _, ds, split = parse_name(name)
    # The split tool's protocol table.
    protocols = split_lists.PROTOCOLS
    labeled, unlabeled, per_epoch, max_iters = expected_iterations(
        protocols, ds, split)
    proto = PROTOCOL[ds]
    assert cfg.split == split
    assert (cfg.num_labeled, cfg.num_unlabeled) == (labeled, unlabeled)
    assert cfg.iters_per_epoch == per_epoch
    assert cfg.train_cfg.max_iters == cfg.max_iters == max_iters
    assert cfg.epochs == proto['epochs']
    # Ten evaluations, the last one at the end of training.
    interval = proto['epochs'] // 10 * per_epoch
    assert cfg.train_cfg.val_interval == interval
    assert cfg.default_hooks.checkpoint.interval == interval
    assert max_iters % interval == 0
    # The global batch the arithmetic assumes is what the loaders give.
    loader = cfg.train_dataloader
    if method == 'supervised':
        per_gpu = loader.batch_size
    else:
        ratio = loader.sampler.source_ratio
        assert loader.sampler.batch_size == loader.batch_size == sum(ratio)
        assert ratio[0] == ratio[1]
        per_gpu = ratio[1]
        assert cfg.model.semi_train_cfg.rampup_iters == 5 * per_epoch
    assert cfg.num_gpus == proto['gpus']
    assert cfg.num_gpus * per_gpu == cfg.global_unlabeled_batch == \
        proto['batch']
    # Poly decay ends at max_iters (no ``end``: mmengine's default).
    for scheduler in cfg.param_scheduler:
        if scheduler.type == 'PolyLR':
            assert scheduler.get('end', max_iters) == max_iters
    # The iteration table of docs/training.md shows the same arithmetic;
    # the leaf's one-line docstring points there instead of restating the
    # protocol.
    with open(path_of(folder, name)) as f:
        text = f.read()
    assert 'docs/training.md' in text.split('"""')[1], name
    doc = readme_iteration_row(proto['dataset'], split)
    for number in (f'{unlabeled:,}', f'{per_epoch:,}', f'{max_iters:,}',
                   f'{interval:,}'):
        assert number in doc, (name, number)
    gpus = proto['gpus']
    assert f'{gpus} GPUs x' in doc
    assert f'ceil({unlabeled:,} / {proto["batch"]})' in doc
    base = re.search(r'configs/_base_/splits/\S+?\.py', doc)
    assert base and osp.isfile(osp.join(REPO, base.group(0)))


@pytest.mark.parametrize('folder,name', BENCHMARK, ids=lambda x: x)
def test_protocol_per_dataset(load, folder, name):
    cfg = load(folder, name)
    method, arch, ds, split = parse_name(name)
    proto = PROTOCOL[ds]
    seg = segmentor_of(cfg)
    dataset = cfg.train_dataloader.dataset
    if method == 'supervised':
        parts = {'labeled': dataset}
    else:
        parts = {'labeled': dataset.labeled, 'unlabeled': dataset.unlabeled}
    split_dir = f'data/splits/{proto["dataset"]}/{split}/'
    for role, part in parts.items():
        assert part.ann_file == f'{split_dir}{role}.txt'
        crops = [
            t.crop_size for t in part.pipeline if t.type == 'RandomCrop'
        ]
        assert crops == [proto['crop']], (role, crops)
        checks = [
            t.num_classes for t in part.pipeline
            if t.type == 'CheckSegMapValues'
        ]
        assert checks == ([proto['num_classes']]
                          if role == 'labeled' else []), (role, checks)
        resize = [t for t in part.pipeline if t.type == 'RandomResize']
        assert len(resize) == 1 and resize[0].ratio_range == (0.5, 2.0)
        # Long side 400 (VOC) / 2048 (Cityscapes) x [0.5, 2.0].
        assert max(resize[0].scale) == (400 if ds == 'voc' else 2048)
        assert part.data_root is None
    assert seg.data_preprocessor.size == proto['crop']
    assert seg.decode_head.num_classes == proto['num_classes']
    assert seg.test_cfg.mode == 'whole'
    assert [t.type for t in cfg.val_dataloader.dataset.pipeline] == \
        ['LoadImageFromFile', 'LoadAnnotations', 'PackSegInputs']
    if ds == 'voc':
        # All train_aug masks in one folder (tools/prepare_voc_aug.py).
        assert parts['labeled'].data_prefix.seg_map_path.endswith(
            'SegmentationClassAug')

    optimizer = cfg.optim_wrapper.optimizer
    keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
    if arch.startswith('segformer'):
        assert optimizer.type == 'AdamW' and optimizer.lr == 6e-5
        assert keys.head.lr_mult == 10.0
    else:
        assert optimizer.type == 'SGD'
        assert (optimizer.lr, optimizer.momentum,
                optimizer.weight_decay) == (proto['lr'], 0.9, 1e-4)
        assert keys.decode_head.lr_mult == 10.0
        [poly] = cfg.param_scheduler
        assert (poly.type, poly.power, poly.eta_min,
                poly.by_epoch) == ('PolyLR', 0.9, 0.0, False)
        head = seg.decode_head
        # DeepLabv3+ at output stride 8: ASPP 12/24/36, low-level proj.
        assert head.dilations == (1, 12, 24, 36)
        assert head.c1_channels == (12 if arch.endswith('r18') else 48)
        if 'ResNet' in seg.backbone.type:
            assert seg.backbone.strides == (1, 2, 1, 1)
            assert seg.backbone.dilations == (1, 1, 2, 4)
            depth = int(re.search(r'_r(\d+)$', arch).group(1))
            assert seg.backbone.depth == depth
            assert seg.pretrained == f'open-mmlab://resnet{depth}_v1c'


@pytest.mark.parametrize('folder,name', BENCHMARK, ids=lambda x: x)
def test_method_structure(load, folder, name):
    cfg = load(folder, name)
    method, arch, _, _ = parse_name(name)
    seg = segmentor_of(cfg)
    checkpoint = cfg.default_hooks.checkpoint
    # The reference's supervised CE (mean over non-ignored pixels of the
    # global batch) in every method of a row.
    assert seg.decode_head.loss_decode.type == 'GlobalCrossEntropyLoss'
    if method == 'supervised':
        assert folder == 'baselines'
        assert cfg.model.type == 'EncoderDecoder'
        assert cfg.model.get('auxiliary_head') is None
        assert seg.decode_head.type == (
            'SegformerHead'
            if arch.startswith('segformer') else 'DepthwiseSeparableASPPHead')
        assert cfg.train_dataloader.sampler.type == 'InfiniteSampler'
        assert cfg.train_cfg.type == 'IterBasedTrainLoop'
        assert cfg.val_cfg.type == 'ValLoop'
        assert checkpoint.save_best == 'mIoU'
        assert not any(h.type == 'MeanTeacherHook'
                       for h in cfg.get('custom_hooks', []))
        return
    assert cfg.val_cfg.type == 'TeacherStudentValLoop'
    assert checkpoint.save_best == 'teacher/mIoU'
    # pseudo-labels drawn every 1,000 iterations (README, "Seeing the
    # pseudo-labels"); scaled mode on other GPU counts
    assert any(h.type == 'PseudoLabelVisualizationHook' and
               h.interval == 1000 for h in cfg.custom_hooks)
    assert cfg.auto_scale_lr.base_batch_size == 32
    # pseudo-label accuracy from the unlabeled images' masks (diagnostics)
    assert cfg.train_dataloader.dataset.diagnostic_masks is True
    assert any(t.type == 'LoadDiagnosticMask'
               for t in cfg.train_dataloader.dataset.unlabeled.pipeline)
    assert cfg.train_dataloader.sampler.type == 'MultiSourceSampler'
    assert any(h.type == 'MeanTeacherHook' for h in cfg.custom_hooks)
    assert seg.get('auxiliary_head') is None
    # Two student passes, as the reference code.
    assert cfg.model.semi_train_cfg.concat_student_forward is False
    if method == 'mean_teacher':
        assert folder == 'baselines'
        assert cfg.model.type == 'MeanTeacherSegmentor'
        assert cfg.model.pseudo_threshold == 0.95
        return
    assert folder == 'cwbass'
    assert cfg.model.type == 'CWBASSSegmentor'
    # One owner of the band CE on pseudo-labels, whatever the head.
    assert cfg.model.boundary_loss.type == 'BoundaryCELoss'
    assert cfg.model.boundary_loss.loss_weight == 0.5
    assert cfg.model.boundary_loss.padding == 'zero'
    # Both knobs of what evolves across iterations are visible.
    hooks = {h.type: h for h in cfg.custom_hooks}
    assert 'DynamicThresholdHook' in hooks
    assert hooks['ConfidenceDecayHook'].mode == 'none'


@pytest.mark.parametrize('name', CWBASS)
def test_row_shares_split_and_schedule(load, name):
    """A CW-BASS config and its two baselines differ only in the method."""
    rows = {
        'cwbass': load('cwbass', name),
        'supervised': load('baselines', f'supervised_{name}'),
        'mean_teacher': load('baselines', f'mean_teacher_{name}'),
    }

    def facts(cfg):
        seg = segmentor_of(cfg)
        dataset = cfg.train_dataloader.dataset
        labeled = dataset.get('labeled', dataset)
        backbone = copy.deepcopy(seg.backbone.to_dict())
        return dict(
            max_iters=cfg.train_cfg.max_iters,
            val_interval=cfg.train_cfg.val_interval,
            optimizer=cfg.optim_wrapper.optimizer.to_dict(),
            schedulers=[s.to_dict() for s in cfg.param_scheduler],
            labeled=labeled.ann_file,
            labeled_pipeline=[
                t.to_dict() for t in labeled.pipeline
                if t.type != 'MultiBranch' and t.type != 'PackSegInputs'
            ],
            val=cfg.val_dataloader.dataset.to_dict(),
            backbone=backbone,
            pretrained=seg.get('pretrained'),
            labeled_per_iteration=cfg.num_gpus * (
                cfg.train_dataloader.sampler.source_ratio[0]
                if 'labeled' in dataset else cfg.train_dataloader.batch_size),
        )

    reference = facts(rows['cwbass'])
    for method in ('supervised', 'mean_teacher'):
        assert facts(rows[method]) == reference, method


def test_cwbass_options_are_the_same_everywhere(load):
    base = Config.fromfile(
        osp.join(CONFIGS, '_base_', 'models',
                 'cwbass_deeplabv3plus_r50-d8.py')).model
    for name in CWBASS:
        model = load('cwbass', name).model
        assert model.threshold == base.threshold, name
        assert model.unsup_loss == base.unsup_loss, name
        assert model.semi_test_cfg == base.semi_test_cfg, name
        assert model.semi_train_cfg.unsup_weight == 1.0


def test_deviation_notes_name_the_differences():
    with open(osp.join(CONFIGS, '_base_', 'benchmarks',
                       'protocol_semi_voc.py')) as f:
        notes = f.read().split('"""')[1]
    for topic in ('ResNetV1c', 'open-mmlab://resnet', 'depthwise-separable',
                  'RandomResize', 'whole image', 'SyncBN',
                  'SegmentationClassAug', 'ceil'):
        assert topic in notes, topic
    with open(osp.join(CONFIGS, '_base_', 'benchmarks',
                       'protocol_semi_cityscapes.py')) as f:
        notes = f.read().split('"""')[1]
    assert '801' in notes and '721' in notes


# --------------------------------------------------------------------------
# what reaches the runner is frozen
# --------------------------------------------------------------------------
# The keys mmengine's Runner (and mmseg's test tool) read from a config.
RUNTIME_KEYS = (
    'auto_scale_lr', 'custom_hooks', 'custom_imports', 'data_preprocessor',
    'default_hooks', 'default_scope', 'env_cfg', 'experiment_name',
    'launcher', 'load_from', 'log_level', 'log_processor', 'model',
    'model_wrapper_cfg', 'optim_wrapper', 'param_scheduler', 'randomness',
    'resume', 'test_cfg', 'test_dataloader', 'test_evaluator', 'train_cfg',
    'train_dataloader', 'tta_model', 'tta_pipeline', 'val_cfg',
    'val_dataloader', 'val_evaluator', 'visualizer', 'work_dir')
DIGESTS = osp.join(osp.dirname(osp.abspath(__file__)), 'runtime_digests.json')


def runtime_digest(cfg):
    """SHA-256 (16 hex digits) of the runner's keys of a loaded config.

    Tuples stay distinct from lists. ``_scope_`` is left out: mmengine adds
    it to dicts inherited from an ``mmseg::`` base, and it names the scope
    the runner builds in anyway (``default_scope='mmseg'``, checked below).
    """

    def encode(node):
        if isinstance(node, dict):
            return {k: encode(v) for k, v in node.items() if k != '_scope_'}
        if isinstance(node, tuple):
            return {'__tuple__': [encode(v) for v in node]}
        if isinstance(node, list):
            return [encode(v) for v in node]
        return node

    as_dict = cfg.to_dict()
    runtime = {k: as_dict[k] for k in RUNTIME_KEYS if k in as_dict}
    text = json.dumps(encode(runtime), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.mark.parametrize('folder,name', BENCHMARK, ids=lambda x: x)
def test_runtime_keys_are_unchanged(load, folder, name):
    """Model, data, schedule, hooks and runtime of every benchmark config
    equal those frozen in runtime_digests.json (computed before the configs
    shared split bases, issue 11). A deliberate change rewrites the table:
    ``{path: runtime_digest(Config.fromfile(path))}`` for every config."""
    with open(DIGESTS) as f:
        frozen = json.load(f)
    assert sorted(frozen) == sorted(f'{f}/{n}.py' for f, n in BENCHMARK)
    cfg = load(folder, name)
    assert cfg.default_scope == 'mmseg'
    assert runtime_digest(cfg) == frozen[f'{folder}/{name}.py'], name


# --------------------------------------------------------------------------
# backbone mixing follows mmseg's own configs
# --------------------------------------------------------------------------
def test_mixed_backbones_use_mmseg_settings(load):
    mm_r18 = Config.fromfile(
        osp.join(MMSEG_CONFIGS, 'deeplabv3plus',
                 'deeplabv3plus_r18-d8_4xb2-80k_cityscapes-769x769.py'))
    mm_mnv2 = Config.fromfile(
        osp.join(
            MMSEG_CONFIGS, 'mobilenet_v2',
            'mobilenet-v2-d8_deeplabv3plus_4xb2-80k_cityscapes-512x1024.py'))
    mm_segformer = Config.fromfile(
        osp.join(MMSEG_CONFIGS, 'segformer',
                 'segformer_mit-b0_8xb2-160k_ade20k-512x512.py'))
    head_keys = ('in_channels', 'channels', 'c1_in_channels', 'c1_channels')
    for folder, prefix in (('cwbass', ''), ('baselines', 'supervised_'),
                           ('baselines', 'mean_teacher_')):
        r18 = segmentor_of(load(folder, f'{prefix}deeplabv3plus_r18_voc_1-8'))
        assert r18.pretrained == mm_r18.model.pretrained
        assert r18.backbone == mm_r18.model.backbone
        for key in head_keys:
            assert r18.decode_head[key] == mm_r18.model.decode_head[key]
        mnv2 = segmentor_of(
            load(folder, f'{prefix}deeplabv3plus_mobilenetv2_voc_1-8'))
        assert mnv2.pretrained == mm_mnv2.model.pretrained
        assert mnv2.backbone == mm_mnv2.model.backbone
        for key in head_keys:
            assert mnv2.decode_head[key] == mm_mnv2.model.decode_head[key]
        mit = segmentor_of(load(folder, f'{prefix}segformer_mit-b0_voc_1-8'))
        assert mit.backbone.init_cfg.checkpoint == mm_segformer.checkpoint
        assert mit.backbone.embed_dims == 32
        assert mit.decode_head.type == 'SegformerHead'


# --------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------
def _sync_bn_to_bn(node):
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
        for value in node.values():
            _sync_bn_to_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _sync_bn_to_bn(value)


def shrink(seg):
    """Small widths, same structure: ResNets at depth 18 and 1/8 width,
    MobileNetV2 at 1/4 width, MiT at half width; no pretrained weights."""
    seg['pretrained'] = None
    backbone, head = seg['backbone'], seg['decode_head']
    backbone['init_cfg'] = None
    kind = backbone['type']
    if 'ResNet' in kind:
        backbone.update(depth=18, stem_channels=8, base_channels=8)
        head.update(in_channels=64, c1_in_channels=8, channels=16,
                    c1_channels=4)
    elif kind == 'MobileNetV2':
        backbone['widen_factor'] = 0.25
        head.update(in_channels=80, c1_in_channels=8, channels=16,
                    c1_channels=4)
    elif kind == 'MixVisionTransformer':
        backbone['embed_dims'] = 16
        head.update(in_channels=[16, 32, 80, 128], channels=32)


@pytest.mark.parametrize('folder,name', ALL, ids=lambda x: x)
def test_model_builds(load, folder, name):
    model_cfg = load(folder, name).model.to_dict()
    _sync_bn_to_bn(model_cfg)
    seg = model_cfg.get('segmentor', model_cfg)
    shrink(seg)
    model = MODELS.build(model_cfg)
    expected = {
        'CWBASSSegmentor': 'CWBASSSegmentor',
        'MeanTeacherSegmentor': 'MeanTeacherSegmentor',
        'FixMatchSegmentor': 'FixMatchSegmentor',
        'UniMatchV2Segmentor': 'UniMatchV2Segmentor',
    }.get(model_cfg['type'], 'EncoderDecoder')
    assert type(model).__name__ == expected
    student = getattr(model, 'student', model)
    assert student.decode_head.num_classes == seg['decode_head'][
        'num_classes']


def test_full_resnet101_model_builds(load):
    """The real widths (2048-channel ASPP input, 256-channel low level)."""
    model_cfg = load('baselines',
                     'supervised_deeplabv3plus_r101_voc_1-8').model.to_dict()
    _sync_bn_to_bn(model_cfg)
    model_cfg['pretrained'] = None
    model = MODELS.build(model_cfg)
    params = sum(p.numel() for p in model.parameters())
    # DeepLabv3+ R101-D8 of mmseg: about 62.7 M parameters.
    assert 60e6 < params < 66e6, params
    assert model.backbone.layer3.__len__() == 23


# --------------------------------------------------------------------------
# every shipped training config survives the cluster (issue 19)
# --------------------------------------------------------------------------
SHIPPED = sorted(
    osp.relpath(p, CONFIGS)
    for p in glob.glob(osp.join(CONFIGS, '*', '*.py'))
    if not osp.relpath(p, CONFIGS).startswith('_base_'))


@pytest.mark.parametrize('path', SHIPPED)
def test_checkpoints_are_safe_and_preemption_is_handled(load, path):
    folder, name = osp.split(osp.splitext(path)[0])
    cfg = load(folder, name)
    checkpoint = cfg.default_hooks.checkpoint
    assert checkpoint.type == 'AtomicCheckpointHook'
    assert checkpoint.backend_args == dict(backend='atomic_local')
    assert not checkpoint.get('by_epoch', True)
    assert cfg.default_hooks.preemption.type == 'PreemptionHook'
    assert 'mmseg_cwbass' in cfg.custom_imports.imports
