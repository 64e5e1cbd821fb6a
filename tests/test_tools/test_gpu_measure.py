"""The GPU measurement command and the offline bundle, on CPU.

The whole command is dry-run by hand (docs/benchmark.md, a few minutes on a
CPU); these tests check its pieces: the dry-run config shrinking, the
training-log summary, the projection arithmetic, and the bundle installer's
refusal of a corrupted bundle.
"""
import importlib
import json
import math
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config, DictAction

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools', 'analysis_tools')


@pytest.fixture
def gpu_measure():
    sys.path.insert(0, TOOLS)
    try:
        yield importlib.import_module('gpu_measure')
    finally:
        sys.path.remove(TOOLS)


@pytest.mark.parametrize('config', ['CWBASS', 'SUPERVISED'])
def test_dry_run_options_shrink_model_crop_and_batch(gpu_measure, config):
    path = getattr(gpu_measure, config)
    options = gpu_measure.shrink_options(path, dry_run=True)
    cfg = Config.fromfile(osp.join(REPO, path))
    # As the tools' --cfg-options parse them.
    cfg.merge_from_dict({
        key: DictAction._parse_iterable(value)
        for key, value in (o.split('=', 1) for o in options)
    })
    semi = config == 'CWBASS'
    model = cfg.model.segmentor if semi else cfg.model
    assert model.pretrained is None
    assert model.backbone.depth == 18
    dataset = cfg.train_dataloader.dataset
    pipelines = [dataset.labeled.pipeline, dataset.unlabeled.pipeline] \
        if semi else [dataset.pipeline]
    for pipeline in pipelines:
        crops = [t for t in pipeline if t['type'] == 'RandomCrop']
        assert [c['crop_size'] for c in crops] == [(64, 64)]
    if semi:
        assert cfg.train_dataloader.sampler.source_ratio == [2, 2]
    assert cfg.train_dataloader.batch_size == (4 if semi else 2)
    # The real run only drops the ImageNet weights.
    assert gpu_measure.shrink_options(path, dry_run=False) == [
        ('model.segmentor.' if semi else 'model.') + 'pretrained=None']


@pytest.mark.parametrize('method', ['cwbass', 'supervised', 'unimatch_v2'])
def test_dinov2_rows_shrink_to_a_tiny_vit_on_patch_multiples(
        gpu_measure, method):
    from mmseg.registry import MODELS
    path = gpu_measure.DINOV2[method]
    cfg = Config.fromfile(osp.join(REPO, path))
    options = gpu_measure.shrink_options(path, dry_run=True)
    cfg.merge_from_dict({
        key: DictAction._parse_iterable(value)
        for key, value in (o.split('=', 1) for o in options)
    })
    model = cfg.model.get('segmentor', cfg.model)
    assert model.backbone.init_cfg is None
    assert model.backbone.arch == dict(embed_dims=48, num_layers=4,
                                       num_heads=2)
    assert model.data_preprocessor.size == (56, 56)
    dataset = cfg.train_dataloader.dataset
    for part in ([dataset.labeled, dataset.unlabeled]
                 if method != 'supervised' else [dataset]):
        crops = [t['crop_size'] for t in part.pipeline
                 if t['type'] == 'RandomCrop']
        assert crops == [(56, 56)]
    # The tiny model builds (and takes the 56x56 crop: 4 x 14).
    model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    built = MODELS.build(cfg.model)
    assert type(built).__name__ == cfg.model.type
    # On the GPU: DINOv2-B at 518, random weights.
    real = gpu_measure.shrink_options(path, dry_run=False)
    assert any(o.endswith('backbone.init_cfg=None') for o in real)
    assert not any('arch' in o for o in real)


def test_training_log_summary(gpu_measure, tmp_path):
    path = tmp_path / 'scalars.json'
    records = [
        dict(iter=10, loss=2.5, **{'sup.loss_ce': 2.0, 'unsup.tau': 0.31,
                                   'unsup.kept_ratio': 0.9}),
        dict(iter=20, loss=float('nan'), **{'sup.loss_ce': 1.0,
                                            'unsup.tau': 0.32,
                                            'unsup.kept_ratio': 0.8}),
        {'teacher/mIoU': 3.5, 'student/mIoU': 4.0, 'step': 20},
    ]
    path.write_text('\n'.join(json.dumps(r) for r in records) + '\n')
    summary = gpu_measure.summarise_scalars(str(path))
    assert summary['logged_iters'] == [10, 20]
    assert summary['tau'] == [0.31, 0.32]
    assert summary['kept_ratio'] == [0.9, 0.8]
    assert not summary['all_losses_finite']
    assert summary['nonfinite'] == [(20, 'loss')]
    assert summary['evaluation'] == {'teacher/mIoU': 3.5,
                                     'student/mIoU': 4.0}


def test_projection_arithmetic(gpu_measure, tmp_path):
    m = gpu_measure.Measure.__new__(gpu_measure.Measure)
    m.out = str(tmp_path)
    m.start = 0.0
    m.summary = dict(best_variant='bench_amp_fp16', steps={
        'bench_amp_fp16': dict(cwbass_step=100.0, inference=200.0),
        'bench_best_16+16': dict(cwbass_step=300.0, inference=None),
    })
    gpu_measure.projection(m)
    one, four = (m.summary['projection'][k]
                 for k in ('one_gpu_16+16', 'four_gpus_4+4'))
    eval_images = 10 * 2 * 1449 * 1.8
    assert one['train_hours'] == pytest.approx(46320 * 0.3 / 3600)
    # No inference rate at 16+16: the 4+4 run's rate, on one GPU.
    assert one['eval_hours'] == pytest.approx(eval_images / 200 / 3600)
    assert four['train_hours'] == pytest.approx(46320 * 0.1 / 3600)
    assert four['eval_hours'] == pytest.approx(eval_images / 800 / 3600)
    assert four['gpu_hours'] == pytest.approx(4 * four['wall_hours'])
    assert four['vs_community_gpu_hours'] == pytest.approx(
        [four['gpu_hours'] / 48, four['gpu_hours'] / 84])
    assert one['within_4_hours'] is (one['wall_hours'] <= 4)
    saved = json.loads((tmp_path / 'gpu_measure.json').read_text())
    assert math.isclose(saved['projection']['one_gpu_16+16']['wall_hours'],
                        one['wall_hours'])


def test_variant_labels(gpu_measure):
    assert gpu_measure.variant_label([]) == 'fp32'
    assert gpu_measure.variant_label(
        ['--amp', '--amp-dtype', 'bfloat16', '--channels-last',
         '--cudnn-benchmark', 'on']) == 'AMP bf16, channels_last, ' \
        'cudnn.benchmark'


def test_bundle_install_refuses_a_corrupted_bundle(tmp_path):
    bundle = tmp_path / '.whl'
    bundle.mkdir()
    installer = osp.join(REPO, 'tools', 'misc', 'offline_bundle_install.sh')
    (bundle / 'install.sh').write_text(open(installer).read())
    (bundle / 'mmcv-2.1.0.tar.gz').write_bytes(b'not the archive')
    (bundle / 'SHA256SUMS').write_text('0' * 64 + '  mmcv-2.1.0.tar.gz\n')
    proc = subprocess.run(['bash', str(bundle / 'install.sh')],
                          capture_output=True, text=True, timeout=60,
                          env=dict(PATH='/usr/bin:/bin',
                                   PYTHON=sys.executable))
    assert proc.returncode != 0
    assert 'mmcv-2.1.0.tar.gz: FAILED' in proc.stdout + proc.stderr
