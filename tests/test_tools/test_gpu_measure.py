"""The GPU measurement command and the offline bundle, on CPU.

The whole command is dry-run by hand (docs/benchmark.md, a few minutes on a
CPU); these tests check its pieces: the dry-run config shrinking, how a
benchmark result becomes a summary and a table row, the training-log
summary, the projection against hand-computed hours, and the bundle
installer's refusal of a corrupted bundle.
"""
import json
import os
import os.path as osp
import subprocess
import sys

from types import SimpleNamespace

import pytest
from mmengine.config import Config

from mmseg_cwbass.testing.tiny_options import merge_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def gpu_measure(load_tool):
    return load_tool('analysis_tools/gpu_measure')


def merged(path, options):
    """The config with ``options`` merged as the tools' --cfg-options
    parse them."""
    return merge_options(Config.fromfile(osp.join(REPO, path)), options)


@pytest.mark.parametrize('config', ['CWBASS', 'SUPERVISED'])
def test_dry_run_options_shrink_model_crop_and_batch(gpu_measure, config):
    path = getattr(gpu_measure, config)
    options = gpu_measure.shrink_options(path, dry_run=True)
    cfg = merged(path, options)
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
        resizes = [t for t in pipeline if t['type'] == 'RandomResize']
        assert [r['scale'] for r in resizes] == [(80, 80)]
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
    cfg = merged(path, gpu_measure.shrink_options(path, dry_run=True))
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


@pytest.mark.slow
def test_training_step_of_a_dry_run_trains_on_generated_data(gpu_measure,
                                                              tmp_path):
    """The command's AMP training step (here on CPU, shrunk): the R101 VOC
    config pointed at generated images, 3 iterations, both models
    evaluated on the generated val set."""
    args = SimpleNamespace(out_dir=str(tmp_path / 'out'), dry_run=True,
                           device='cpu', train_iters=3, quiet=True,
                           budget_s=0)
    m = gpu_measure.Measure(args)
    os.rmdir(m.tmp)  # its scratch folder inside the test's
    m.tmp = str(tmp_path / 'scratch')
    os.makedirs(m.tmp)
    try:
        gpu_measure.train_run(
            m, gpu_measure.shrink_options(gpu_measure.CWBASS, dry_run=True))
    finally:
        m.log_file.close()
    step = m.summary['steps']['train_amp']
    log = (tmp_path / 'out' / 'gpu_measure.log').read_text()
    assert step['rc'] == 0, log[-3000:]
    assert step['amp'] is False and step['images'] == dict(train=16, val=4)
    assert step['logged_iters'] == [3] and step['all_losses_finite']
    assert set(step['evaluation']) >= {'teacher/mIoU', 'student/mIoU'}
    # 4 labeled and 12 unlabeled generated images; val: the generated 4.
    config = Config.fromfile(osp.join(m.tmp, 'train_config.py'))
    for role, count in (('labeled', 4), ('unlabeled', 12)):
        dataset = config.train_dataloader.dataset[role]
        assert dataset.data_prefix.img_path.startswith(m.tmp)
        with open(dataset.ann_file) as f:
            assert len(f.read().split()) == count
    assert config.val_dataloader.dataset.data_root.startswith(m.tmp)


def measure(gpu_measure, tmp_path, steps, best_variant=''):
    m = gpu_measure.Measure.__new__(gpu_measure.Measure)
    m.out = str(tmp_path)
    m.start = 0.0
    m.summary = dict(best_variant=best_variant, steps=steps)
    return m


def test_projection_in_hours(gpu_measure, tmp_path):
    # Hand-computed: 46,320 iterations; evaluation 10 x 2 models x 1,449
    # images x 1.8 = 52,164 crop-size images.
    m = measure(gpu_measure, tmp_path, best_variant='bench_amp_fp16', steps={
        'bench_amp_fp16': dict(cwbass_step=100.0, inference=200.0),
        'bench_best_16+16': dict(cwbass_step=300.0, inference=None),
    })
    gpu_measure.projection(m)
    one, four = (m.summary['projection'][k]
                 for k in ('one_gpu_16+16', 'four_gpus_4+4'))
    # 16+16 on one GPU: 46,320 x 0.3 s = 13,896 s = 3.86 h of training;
    # no inference rate of its own, so the 4+4 run's 200 img/s: 260.82 s.
    assert one['train_hours'] == pytest.approx(3.86)
    assert one['eval_hours'] == pytest.approx(0.07245)
    assert one['wall_hours'] == pytest.approx(3.93245)
    assert one['gpu_hours'] == pytest.approx(3.93245)
    assert one['within_4_hours'] is True
    assert one['vs_community_gpu_hours'] == pytest.approx(
        [0.0819260, 0.0468149], rel=1e-5)
    # 4+4 on four GPUs: 4,632 s = 1.28667 h; 800 img/s: 65.205 s.
    assert four['train_hours'] == pytest.approx(1.286667, rel=1e-6)
    assert four['eval_hours'] == pytest.approx(0.0181125)
    assert four['gpu_hours'] == pytest.approx(5.219117, rel=1e-6)
    assert four['vs_community_gpu_hours'] == pytest.approx(
        [0.1087316, 0.0621323], rel=1e-5)
    saved = json.loads((tmp_path / 'gpu_measure.json').read_text())
    assert saved['projection']['one_gpu_16+16']['wall_hours'] == \
        pytest.approx(3.93245)


def test_projection_falls_back_and_says_what_is_missing(gpu_measure,
                                                        tmp_path):
    # No rate on the 4+4 or 16+16 runs: the fastest rate measured anywhere
    # (500 img/s, not 100); no 16+16 run at all: not measured.
    m = measure(gpu_measure, tmp_path, best_variant='bench_cudnn', steps={
        'bench_fp32': dict(cwbass_step=400.0, inference=100.0),
        'bench_amp': dict(cwbass_step=350.0, inference=500.0),
        'bench_cudnn': dict(cwbass_step=320.0),
    })
    gpu_measure.projection(m)
    out = m.summary['projection']
    assert out['one_gpu_16+16'] == 'not measured'
    four = out['four_gpus_4+4']
    # 46,320 x 0.32 s = 14,822.4 s; 52,164 / 2,000 img/s = 26.082 s.
    assert four['train_hours'] == pytest.approx(4.1173333, rel=1e-6)
    assert four['eval_hours'] == pytest.approx(0.0072450)
    assert four['wall_hours'] == pytest.approx(4.1245783, rel=1e-6)
    assert four['within_4_hours'] is False


def test_a_benchmark_result_becomes_a_summary_and_a_table_row(
        gpu_measure, tmp_path, monkeypatch):
    result = dict(
        timings_ms=dict(cwbass_step=dict(median=100.0, mean=101.0),
                        supervised_step=dict(median=40.0),
                        teacher_forward=dict(median=12.34)),
        memory=dict(cwbass_step_peak=1234.4, supervised_step_peak=600.0,
                    cwbass_step_allocated=99.0),
        ratio_R=2.5, inference=dict(predict_img_per_s=321.0),
        syncs_in_train_step=dict(count=3),
        meta=dict(batch=dict(labeled=4, unlabeled=4),
                  device_name='Some GPU'))

    def fake_run(self, cmd, report=''):
        # What benchmark.py writes: the JSON at --out.
        out = cmd[cmd.index('--out') + 1]
        with open(out, 'w') as f:
            json.dump(result, f)
        return 0

    monkeypatch.setattr(gpu_measure.Measure, 'run', fake_run)
    m = measure(gpu_measure, tmp_path, steps={})
    m.args = SimpleNamespace(device='cuda', iters=15, warmup=5, repeats=2,
                             dry_run=False)
    flags = ['--amp', '--amp-dtype', 'bfloat16']
    step = gpu_measure.bench_step(m, 'amp_bf16', gpu_measure.CWBASS, flags,
                                  [])
    # 8 images in 100 ms: 80 img/s.
    assert step['img_per_s'] == pytest.approx(80.0)
    assert step['cwbass_step'] == 100.0 and step['R'] == 2.5
    assert step['peak_mib'] == dict(cwbass_step=1234.4, supervised_step=600.0)
    assert step['inference'] == 321.0 and step['syncs'] == 3
    assert m.summary['steps']['bench_amp_bf16'] is step
    header, align, row = gpu_measure.markdown(m.summary).splitlines()
    assert [c.strip() for c in row.strip('|').split('|')] == [
        'CW-BASS, R101', 'AMP bf16', '4+4', '100.0', '40.0', '12.3',
        '2.500', '80.0', '1234']
    # Names left, numbers right (prettytable's markdown alignment row).
    cells = [c.strip() for c in align.strip('|').split('|')]
    assert [c.startswith(':') for c in cells] == [True] * 3 + [False] * 6
    assert all(c.endswith(':') for c in cells[3:])
    assert 'peak MiB (a or b)' in header


def test_config_labels(gpu_measure):
    assert gpu_measure.config_label(gpu_measure.DINOV2['unimatch_v2']) == \
        'UniMatch V2, DINOv2-B'
    assert gpu_measure.config_label(gpu_measure.SUPERVISED) == \
        'supervised, R101'


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
