"""Smoke test of the step benchmark (``tools/benchmark.py``, issue 7).

Runs the library on a very small CW-BASS model for one round of one
iteration, with the export/inference path, the memory variant and the real
two-source dataloader on generated toy data, and checks the JSON result.
"""
import json
import math
import os.path as osp
import subprocess
import sys

import torch

from mmseg_cwbass.utils.benchmark import (STAGES, BenchmarkOptions,
                                          StageTimer, format_markdown,
                                          load_config, run_benchmark)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')
# A ResNet-18-D8 at 1/8 width, 32x32 crops, 2 labeled + 2 unlabeled images
# (the ASPP image pool's BN needs 2 images per head call).
TINY = {
    'model.segmentor.data_preprocessor.size': (32, 32),
    'model.segmentor.backbone.stem_channels': 8,
    'model.segmentor.backbone.base_channels': 8,
    'model.segmentor.decode_head.in_channels': 64,
    'model.segmentor.decode_head.channels': 8,
    'model.segmentor.decode_head.c1_in_channels': 8,
    'model.segmentor.decode_head.c1_channels': 4,
    'train_dataloader.batch_size': 4,
    'train_dataloader.sampler.batch_size': 4,
    'train_dataloader.sampler.source_ratio': [2, 2],
}


def _finite_positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(
        value, bool) and math.isfinite(value) and value > 0


def test_benchmark_smoke():
    threads_before = torch.get_num_threads()
    cfg = load_config(CONFIG, TINY)
    options = BenchmarkOptions(
        iters=1,
        warmup=0,
        repeats=1,
        device='cpu',
        data='toy',
        data_batches=2,
        data_warmup=1,
        toy_image_size=(40, 48),
        toy_images=6,
        # One thread: two OpenMP threads crawl when another job holds a
        # core, which a shared test machine often has.
        threads=1)
    result = run_benchmark(cfg, options, log=lambda message: None)
    # JSON-able as written by --out.
    result = json.loads(json.dumps(result))

    timings = result['timings_ms']
    for key in ('cwbass_step', 'cwbass_train_step', 'ema', 'supervised_step',
                'teacher_forward', 'cwbass_step_instrumented',
                'supervised_step_instrumented'):
        assert _finite_positive(timings[key]['median']), key
        assert len(timings[key]['rounds']) == 1
    assert _finite_positive(result['ratio_R'])
    assert _finite_positive(result['cpu_time']['ratio_R'])
    assert set(result['stages_ms']) == set(STAGES)
    for name, stage in result['stages_ms'].items():
        assert math.isfinite(stage['ms']) and stage['ms'] >= 0, name
    # Every stage method of the CW-BASS model was reached.
    for name in ('data_preprocessor', 'teacher_forward', 'pseudo_label',
                 'student_backbone', 'student_sup_head_loss',
                 'student_unsup_head', 'threshold', 'band', 'cw_loss',
                 'boundary_loss', 'pseudo_label_stats', 'backward',
                 'optimizer_step', 'ema'):
        assert _finite_positive(result['stages_ms'][name]['ms']), name
    assert 0 < result['cwbass_specific_share'] < 1
    assert _finite_positive(result['cwbass_specific_ms'])
    for name in ('backbone', 'decode_head_loss', 'backward'):
        assert _finite_positive(result['supervised_stages_ms'][name]), name

    memory = result['memory']
    for key in ('cwbass_step_peak', 'supervised_step_peak',
                'teacher_forward_peak', 'cwbass_step_teacher_with_grad_peak',
                'teacher_activations_autograd_would_keep'):
        assert _finite_positive(memory[key]), key
    assert math.isfinite(memory['saved_by_no_grad_teacher'])

    inference = result['inference']
    assert _finite_positive(inference['predict_img_per_s'])
    assert _finite_positive(inference['forward_img_per_s'])
    assert inference['path'].startswith('export_semi_checkpoint')

    data = result['data']
    assert data['status'] == 'ok', data
    for key in ('per_batch_ms', 'img_per_s_per_worker', 'workers_needed'):
        assert _finite_positive(data[key]), key
    assert isinstance(data['keeps_up'], bool)

    ops = result['op_counts']
    assert ops['cwbass_step'] > ops['supervised_step'] > ops[
        'teacher_forward'] > 0 and ops['ema'] > 0

    meta = result['meta']
    assert meta['torch_threads'] == 1
    assert torch.get_num_threads() == threads_before
    assert meta['batch'] == dict(labeled=2, unlabeled=2, student_view=False)
    assert meta['crop_size'] == [32, 32]
    assert meta['concat_student_forward'] is True
    report = format_markdown(result)
    assert 'R = a / (b + c)' in report and 'Train dataloader' in report


def test_stage_timer_restores_methods():

    class Net(torch.nn.Module):

        def forward(self, x):
            return self.inner(x) + 1

        def inner(self, x):
            return x * 2

    net = Net()
    timer = StageTimer(lambda: None)
    assert timer.wrap(net, 'forward', 'outer')
    assert timer.wrap(net, 'inner', 'inner')
    assert not timer.wrap(None, 'forward', 'missing')
    assert net(torch.ones(1)).item() == 3
    assert set(timer.totals) == {'outer', 'inner'}
    assert timer.calls['outer'] == 1 and timer.calls['inner'] == 1
    timer.restore()
    assert 'forward' not in vars(net) and 'inner' not in vars(net)
    assert net(torch.ones(1)).item() == 3


def test_cli_help():
    proc = subprocess.run(
        [sys.executable,
         osp.join(REPO, 'tools', 'benchmark.py'), '--help'],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for flag in ('--iters', '--warmup', '--amp', '--channels-last',
                 '--device', '--out', '--cfg-options'):
        assert flag in proc.stdout
