# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""mmseg_cwbass.apis.export and its CLI tools/model_converters/export_model.py:
a teacher/student checkpoint exported as a plain mmseg model.

The CW-BASS wrapper itself is not built here: the test writes a wrapper-style
config and a checkpoint by hand, with different random weights under the
``teacher.`` and ``student.`` prefixes, and checks the exported model against
the plain model carrying the same weights.
"""
import copy
import json
import subprocess
import sys
import textwrap
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope

from mmseg.apis import inference_model, init_model
from mmseg.models.decode_heads import FCNHead
from mmseg.registry import MODELS

from mmseg_cwbass.apis import (ExportError, convert_config,
                               export_semi_checkpoint)
from mmseg_cwbass.engine.checkpoint import (UntrustedCheckpointError,
                                            load_checkpoint_file)

REPO = Path(__file__).resolve().parents[2]
CLASSES = ('c0', 'c1', 'c2', 'c3', 'c4', 'c5')
PALETTE = [[i * 40, 255 - i * 40, i * 20] for i in range(6)]
INNER_PREPROCESSOR = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
SEGMENTOR = dict(
    type='EncoderDecoder',
    pretrained=None,
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=4,
        out_indices=(3, ),
        norm_cfg=dict(type='BN', requires_grad=True),
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://none')),
    decode_head=dict(
        type='FCNHead',
        in_channels=64,
        in_index=0,
        channels=16,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=len(CLASSES),
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
TEST_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 48), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]

WRAPPER_CONFIG = '''
custom_imports = dict(imports=['mmseg_cwbass'], allow_failed_imports=False)
default_scope = 'mmseg'
segmentor = {segmentor}
model = dict(
    type='CWBASSSegmentor',
    segmentor=segmentor,
    data_preprocessor=dict(
        type='MultiBranchDataPreprocessor',
        data_preprocessor={preprocessor}),
    semi_train_cfg=dict(conf_thresh=0.6, boundary_weight=0.5),
    semi_test_cfg=dict(predict_on='teacher'))
test_pipeline = {pipeline}
# a helper of the unlabeled branch, with a plugin-only transform
unlabeled_pipeline = [dict(type='LoadImageFromFile'),
                      dict(type='SomeCWBASSOnlyTransform')]
train_dataloader = dict(batch_size=2, dataset=dict(type='PascalVOCDataset'))
val_dataloader = dict(
    batch_size=1, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='PascalVOCDataset', data_root='data/voc',
                 data_prefix=dict(img_path='JPEGImages',
                                  seg_map_path='SegmentationClass'),
                 ann_file='val.txt', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU']),
                 dict(type='BoundaryIoUMetric', tolerance=2)]
test_evaluator = val_evaluator
train_cfg = dict(type='IterBasedTrainLoop', max_iters=10, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
param_scheduler = [dict(type='PolyLR', power=0.9, by_epoch=False)]
custom_hooks = [dict(type='CWBASSTeacherHook', momentum=0.999)]
default_hooks = dict(timer=dict(type='IterTimerHook'),
                     logger=dict(type='LoggerHook', interval=1))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends,
                  name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
'''


def _write_config(path: Path, segmentor: dict = SEGMENTOR) -> Path:
    path.write_text(
        WRAPPER_CONFIG.format(
            segmentor=repr(segmentor),
            preprocessor=repr(INNER_PREPROCESSOR),
            pipeline=repr(TEST_PIPELINE)))
    return path


def _random_state_dict(seed: int, segmentor: dict = SEGMENTOR) -> OrderedDict:
    """Weights and BN statistics that differ from one seed to another."""
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(copy.deepcopy(segmentor))
    state = model.state_dict()
    for key, value in state.items():
        if key.endswith('running_var'):
            value.uniform_(0.5, 1.5)
        elif key.endswith('running_mean'):
            value.normal_(0, 0.1)
    return state


def _write_checkpoint(path: Path, teacher: OrderedDict,
                      student: OrderedDict, **extra) -> Path:
    state_dict = OrderedDict()
    for prefix, state in (('teacher', teacher), ('student', student)):
        for key, value in state.items():
            state_dict[f'{prefix}.{key}'] = value.clone()
    state_dict['threshold.ema_confidence'] = torch.tensor(0.5)
    checkpoint = dict(
        meta=dict(
            dataset_meta=dict(classes=CLASSES, palette=PALETTE),
            epoch=0,
            iter=np.int64(10),
            cfg='model = dict(type="CWBASSSegmentor")'),
        state_dict=state_dict,
        # As mmengine's message_hub: numpy arrays make weights_only fail.
        message_hub=dict(runtime_info=dict(loss=np.array([0.1, 0.2]))))
    checkpoint.update(extra)
    torch.save(checkpoint, path)
    return path


def _plain_model(state: OrderedDict):
    """The plain mmseg model with ``state``, as inference_model expects."""
    cfg = ConfigDict(copy.deepcopy(SEGMENTOR))
    cfg.data_preprocessor = INNER_PREPROCESSOR
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg)
    model.load_state_dict(state, strict=True)
    model.cfg = Config(dict(test_pipeline=copy.deepcopy(TEST_PIPELINE)))
    return model.eval()


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('export')
    teacher, student = _random_state_dict(0), _random_state_dict(1)
    config = _write_config(root / 'cwbass_tiny.py')
    checkpoint = _write_checkpoint(root / 'iter_10.pth', teacher, student)
    image = np.random.default_rng(0).integers(
        0, 256, size=(40, 56, 3), dtype=np.uint8)
    exported = {
        branch: export_semi_checkpoint(
            str(config), str(checkpoint), str(root / 'out'), branch=branch,
            trust=True)
        for branch in ('teacher', 'student')
    }
    return dict(root=root, teacher=teacher, student=student, config=config,
                checkpoint=checkpoint, image=image, exported=exported)


def test_exported_files(setup):
    cfg_path, ckpt_path = setup['exported']['teacher']
    assert Path(cfg_path).name == 'cwbass_tiny_teacher.py'
    assert Path(ckpt_path).name == 'cwbass_tiny_teacher.pth'
    cfg = Config.fromfile(cfg_path)
    assert cfg.model.type == 'EncoderDecoder'
    assert cfg.model.data_preprocessor == INNER_PREPROCESSOR
    assert cfg.model.backbone.init_cfg is None
    for key in ('custom_imports', 'train_dataloader', 'train_cfg',
                'optim_wrapper', 'param_scheduler', 'custom_hooks',
                'unlabeled_pipeline'):
        assert key not in cfg, key
    assert 'CWBASS' not in Path(cfg_path).read_text().split('\n', 2)[2]
    assert [m['type'] for m in cfg.val_evaluator] == ['IoUMetric']
    assert cfg.test_pipeline == TEST_PIPELINE
    assert cfg.default_scope == 'mmseg' and cfg.load_from is None

    # Loadable the way mmengine 0.10.7 loads it under torch >= 2.6.
    ckpt = torch.load(ckpt_path, map_location='cpu', weights_only=True)
    assert set(ckpt) == {'meta', 'state_dict'}
    assert ckpt['meta']['dataset_meta'] == dict(
        classes=CLASSES, palette=PALETTE)
    assert ckpt['meta']['iter'] == 10 and 'cfg' not in ckpt['meta']
    assert set(ckpt['state_dict']) == set(setup['teacher'])
    for key, value in setup['teacher'].items():
        assert torch.equal(ckpt['state_dict'][key], value), key


@pytest.mark.parametrize('branch', ['teacher', 'student'])
def test_predictions_match_branch(setup, branch):
    cfg_path, ckpt_path = setup['exported'][branch]
    model = init_model(cfg_path, ckpt_path, device='cpu')
    assert model.dataset_meta['classes'] == CLASSES
    got = inference_model(model, setup['image'])
    ref = inference_model(
        _plain_model(setup[branch]), setup['image'])
    assert got.pred_sem_seg.data.shape[-2:] == (40, 56)
    assert torch.equal(got.pred_sem_seg.data, ref.pred_sem_seg.data)
    torch.testing.assert_close(got.seg_logits.data, ref.seg_logits.data)


def test_teacher_and_student_differ(setup):
    logits = {}
    for branch in ('teacher', 'student'):
        model = init_model(*setup['exported'][branch], device='cpu')
        logits[branch] = inference_model(model, setup['image']).seg_logits.data
    assert not torch.allclose(logits['teacher'], logits['student'])


def test_loads_without_plugin(setup):
    """Fresh interpreter: mmseg alone, mmseg_cwbass never imported."""
    cfg_path, ckpt_path = setup['exported']['teacher']
    image_path = setup['root'] / 'image.npy'
    np.save(image_path, setup['image'])
    script = textwrap.dedent(f'''
        import json, sys
        import numpy as np
        from mmseg.apis import MMSegInferencer, inference_model, init_model
        image = np.load({str(image_path)!r})
        model = init_model({cfg_path!r}, {ckpt_path!r}, device='cpu')
        pred = inference_model(model, image).pred_sem_seg.data[0].numpy()
        inferencer = MMSegInferencer({cfg_path!r}, {ckpt_path!r},
                                     device='cpu')
        pred2 = inferencer(image, show=False)['predictions']
        assert 'mmseg_cwbass' not in sys.modules, 'plugin was imported'
        print(json.dumps(dict(pred=pred.tolist(), pred2=pred2.tolist(),
                              classes=list(model.dataset_meta['classes']))))
    ''')
    proc = subprocess.run([sys.executable, '-c', script],
                          capture_output=True, text=True, timeout=300,
                          cwd=str(setup['root']))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    ref = inference_model(
        _plain_model(setup['teacher']),
        setup['image']).pred_sem_seg.data[0].numpy()
    np.testing.assert_array_equal(np.array(out['pred']), ref)
    np.testing.assert_array_equal(np.array(out['pred2']), ref)
    assert out['classes'] == list(CLASSES)


def test_refuses_untrusted_checkpoint(setup):
    with pytest.raises(UntrustedCheckpointError) as err:
        export_semi_checkpoint(
            str(setup['config']), str(setup['checkpoint']),
            str(setup['root'] / 'untrusted'))
    assert str(setup['checkpoint']) in str(err.value)
    assert '--trust-checkpoint' in str(err.value)
    assert not (setup['root'] / 'untrusted').exists()
    # A weights-only-safe file loads without trust.
    safe = setup['root'] / 'safe.pth'
    torch.save(dict(state_dict={'a': torch.zeros(1)}), safe)
    assert 'state_dict' in load_checkpoint_file(safe)


def test_refuses_missing_branch(setup):
    only_student = OrderedDict(
        (f'student.{k}', v) for k, v in setup['student'].items())
    path = setup['root'] / 'student_only.pth'
    torch.save(dict(state_dict=only_student, meta={}), path)
    with pytest.raises(ExportError,
                       match=r"no 'teacher\.\*' weights") as err:
        export_semi_checkpoint(
            str(setup['config']), str(path), str(setup['root'] / 'x'))
    assert str(path) in str(err.value) and "['student']" in str(err.value)
    # The student branch of the same file exports fine.
    export_semi_checkpoint(
        str(setup['config']), str(path), str(setup['root'] / 'x'),
        branch='student')


def test_refuses_config_without_segmentor(setup):
    plain = setup['root'] / 'plain.py'
    plain.write_text(f'model = {SEGMENTOR!r}\n')
    with pytest.raises(ExportError, match="no 'segmentor' key") as err:
        convert_config(str(plain))
    assert str(plain) in str(err.value)


def test_refuses_plugin_only_model_types(setup):
    segmentor = copy.deepcopy(SEGMENTOR)
    segmentor['decode_head']['type'] = 'NotAnMMSegHead'
    config = _write_config(setup['root'] / 'plugin_head.py', segmentor)
    with pytest.raises(ExportError, match='model.decode_head') as err:
        convert_config(str(config))
    assert 'NotAnMMSegHead' in str(err.value)
    cfg, notes, _ = convert_config(str(config), allow_plugin_types=True)
    assert any(n.startswith('WARNING: kept custom_imports for '
                            "model.decode_head (type='NotAnMMSegHead')")
               for n in notes), notes
    assert cfg.custom_imports == dict(
        imports=['mmseg_cwbass'], allow_failed_imports=False)


class _EdgeFCNHead(FCNHead):
    """A plugin-style head: FCN plus an extra branch, with an export hook."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.edge = torch.nn.Conv2d(self.channels, 1, 1)

    @classmethod
    def export_plain_cfg(cls, cfg: dict) -> dict:
        cfg['type'] = 'FCNHead'
        return cfg


def test_export_hook_and_extra_weights_dropped(setup):
    MODELS.register_module(name='_TestEdgeFCNHead', module=_EdgeFCNHead,
                           force=True)
    segmentor = copy.deepcopy(SEGMENTOR)
    segmentor['decode_head']['type'] = '_TestEdgeFCNHead'
    state = _random_state_dict(2, segmentor)
    assert 'decode_head.edge.weight' in state
    config = _write_config(setup['root'] / 'edge.py', segmentor)
    checkpoint = _write_checkpoint(setup['root'] / 'edge.pth', state, state)
    cfg_path, ckpt_path = export_semi_checkpoint(
        str(config), str(checkpoint), str(setup['root'] / 'edge_out'),
        trust=True, name='edge')
    assert Config.fromfile(cfg_path).model.decode_head.type == 'FCNHead'
    exported = torch.load(ckpt_path, weights_only=True)['state_dict']
    assert not any(k.startswith('decode_head.edge') for k in exported)
    model = init_model(cfg_path, ckpt_path, device='cpu')
    assert torch.equal(model.decode_head.conv_seg.weight,
                       state['decode_head.conv_seg.weight'])


class _TrainOnlyFCNHead(FCNHead):
    """Plugin-style head without hook: extra argument and training branch."""

    def __init__(self, edge_weight: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.edge_weight = edge_weight
        self.edge = torch.nn.Conv2d(self.channels, 1, 1)


class _ScaledFCNHead(FCNHead):
    """Plugin-style head that changes inference: must not be converted."""

    def __init__(self, scale: float = 2.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def forward(self, inputs):
        return super().forward(inputs) * self.scale


def _export_with_head(setup, head_cls, name, **head_kwargs):
    MODELS.register_module(name=name, module=head_cls, force=True)
    segmentor = copy.deepcopy(SEGMENTOR)
    segmentor['decode_head'].update(type=name, **head_kwargs)
    state = _random_state_dict(3, segmentor)
    config = _write_config(setup['root'] / f'{name}.py', segmentor)
    checkpoint = _write_checkpoint(setup['root'] / f'{name}.pth', state, state)
    return state, lambda: export_semi_checkpoint(
        str(config), str(checkpoint), str(setup['root'] / f'{name}_out'),
        trust=True)


def test_plugin_subclass_falls_back_to_mmseg_base(setup):
    state, export = _export_with_head(setup, _TrainOnlyFCNHead,
                                      '_TestTrainOnlyFCNHead',
                                      edge_weight=0.5)
    cfg_path, ckpt_path = export()
    head = Config.fromfile(cfg_path).model.decode_head
    assert head.type == 'FCNHead' and 'edge_weight' not in head
    model = init_model(cfg_path, ckpt_path, device='cpu')
    plain_state = {k: v for k, v in state.items() if '.edge.' not in k}
    got = inference_model(model, setup['image']).seg_logits.data
    ref = inference_model(_plain_model(plain_state), setup['image'])
    torch.testing.assert_close(got, ref.seg_logits.data)


def test_refuses_conversion_that_changes_predictions(setup):
    _, export = _export_with_head(setup, _ScaledFCNHead,
                                  '_TestScaledFCNHead', scale=3.0)
    with pytest.raises(ExportError, match='predicts differently') as err:
        export()
    assert '--keep-plugin-imports' in str(err.value)


REAL_CONFIG = REPO / 'configs' / 'demo' / 'cwbass_r18-tiny_toy-voc_1-8.py'


@pytest.mark.skipif(not REAL_CONFIG.is_file(), reason='no demo config')
def test_real_cwbass_config(tmp_path):
    """The plugin's own wrapper and boundary-aware head export cleanly."""
    cfg = Config.fromfile(str(REAL_CONFIG))
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):
        wrapper = MODELS.build(cfg.model)
    checkpoint = tmp_path / 'iter_1.pth'
    meta = dict(dataset_meta=dict(cfg.metainfo)) if 'metainfo' in cfg else {}
    torch.save(
        dict(
            meta=meta,
            state_dict=wrapper.state_dict(),
            message_hub=dict(x=np.zeros(1))), checkpoint)
    cfg_path, ckpt_path = export_semi_checkpoint(
        str(REAL_CONFIG), str(checkpoint), str(tmp_path), trust=True)
    plain = Config.fromfile(cfg_path)
    assert 'custom_imports' not in plain
    model = init_model(cfg_path, ckpt_path, device='cpu')
    image = np.random.default_rng(0).integers(0, 256, (50, 70, 3), np.uint8)
    got = inference_model(model, image).seg_logits.data
    teacher = wrapper.teacher.eval()
    teacher.cfg = plain
    want = inference_model(teacher, image).seg_logits.data
    torch.testing.assert_close(got, want)


def test_cli(setup, capsys, load_tool, run_cli):
    cli = load_tool('model_converters/export_model')
    out_dir = setup['root'] / 'cli'
    args = [str(setup['config']), str(setup['checkpoint']), str(out_dir)]
    assert cli.main(args) == 1
    assert '--trust-checkpoint' in capsys.readouterr().err

    assert cli.main(args + [
        '--branch', 'student', '--trust-checkpoint', '--name', 'tiny',
        '--cfg-options', 'model.segmentor.test_cfg.mode=slide',
        'model.segmentor.test_cfg.crop_size=(32,32)',
        'model.segmentor.test_cfg.stride=(16,16)'
    ]) == 0
    cfg = Config.fromfile(str(out_dir / 'tiny.py'))
    assert cfg.model.test_cfg.mode == 'slide'
    state = torch.load(out_dir / 'tiny.pth', weights_only=True)['state_dict']
    assert torch.equal(state['decode_head.conv_seg.weight'],
                       setup['student']['decode_head.conv_seg.weight'])
    # As a user runs it (the module beside the script is found).
    proc = run_cli('model_converters/export_model',
                   setup['root'] / 'nope.py', *args[1:])
    assert proc.returncode == 1
    assert f"config file {setup['root'] / 'nope.py'} does not exist" in \
        proc.stderr


def test_refuses_weights_that_do_not_fit(setup):
    segmentor = copy.deepcopy(SEGMENTOR)
    segmentor['decode_head']['num_classes'] = 5
    config = _write_config(setup['root'] / 'five_classes.py', segmentor)
    with pytest.raises(ExportError, match='do not fit') as err:
        export_semi_checkpoint(
            str(config), str(setup['checkpoint']),
            str(setup['root'] / 'five'), trust=True)
    assert 'decode_head.conv_seg.weight' in str(err.value)
    assert str(setup['checkpoint']) in str(err.value)
