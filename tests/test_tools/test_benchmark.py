"""The step benchmark (``tools/analysis_tools/benchmark.py``).

Runs the CLI like a user on a very small CW-BASS model (one round of one
iteration, with the export/inference path, the teacher-under-autograd memory
variant and the real two-source dataloader on generated toy data) and on a
plain supervised config, and checks the JSON; checks the attribution of
profiler ranges on hand-made events.
"""
import importlib
import json
import math
import os.path as osp
import subprocess
import sys
from types import SimpleNamespace

import pytest
from torch.autograd import DeviceType

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'analysis_tools', 'benchmark.py')
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')
SUPERVISED = osp.join(REPO, 'configs', 'demo',
                      'supervised_r18-tiny_toy-voc_1-8.py')
# A ResNet-18-D8 at 1/8 width, 32x32 crops, 2 labeled + 2 unlabeled images
# (the ASPP image pool's BN needs 2 images per head call).
TINY = [
    'model.segmentor.data_preprocessor.size=(32,32)',
    'model.segmentor.backbone.stem_channels=8',
    'model.segmentor.backbone.base_channels=8',
    'model.segmentor.decode_head.in_channels=64',
    'model.segmentor.decode_head.channels=8',
    'model.segmentor.decode_head.c1_in_channels=8',
    'model.segmentor.decode_head.c1_channels=4',
    'train_dataloader.batch_size=4',
    'train_dataloader.sampler.batch_size=4',
    'train_dataloader.sampler.source_ratio=[2,2]',
]
# One thread: two OpenMP threads crawl when another job holds a core, which
# a shared test machine often has.
FAST = ['--iters', '1', '--warmup', '0', '--repeats', '1', '--threads', '1']
# The ranges the model code opens in every CW-BASS step, and the tool's own.
RANGES = ('semi:pseudo_labels', 'semi:student_features', 'semi:sup_loss',
          'semi:unsup_loss', 'cwbass:threshold', 'cwbass:cw_loss',
          'semi:backward_and_step', 'semi:ema_update', 'bench:train_step',
          'bench:logging')


def _finite_positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(
        value, bool) and math.isfinite(value) and value > 0


def run_tool(args, cwd):
    proc = subprocess.run([sys.executable, TOOL] + args, cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    return proc


def test_benchmark_cli_smoke(tmp_path):
    out = tmp_path / 'bench.json'
    proc = run_tool([CONFIG, '--cfg-options'] + TINY + FAST + [
        '--data', 'toy', '--data-batches', '2', '--toy-image-size', '40',
        '48', '--toy-images', '6', '--out', str(out)], str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())

    timings = result['timings_ms']
    for key in ('cwbass_step', 'cwbass_train_step', 'ema', 'supervised_step',
                'teacher_forward'):
        assert _finite_positive(timings[key]['median']), key
        assert len(timings[key]['rounds']) == 1
    assert math.isclose(
        timings['cwbass_step']['median'],
        timings['cwbass_train_step']['median'] + timings['ema']['median'])
    assert _finite_positive(result['ratio_R'])
    assert math.isclose(
        result['ratio_R'], timings['cwbass_step']['median'] /
        (timings['supervised_step']['median'] +
         timings['teacher_forward']['median']))
    assert _finite_positive(result['cpu_time']['ratio_R'])

    stages = result['stages_ms']
    for name in RANGES:
        assert _finite_positive(stages[name]['ms']), name
        assert stages[name]['ops'] > 0, name
    for name, stage in stages.items():
        assert math.isfinite(stage['ms']) and stage['ms'] >= 0, name
    # Exclusive times add up to the profiled step (a), minus only the gaps
    # between ranges.
    profiled = result['profiled_variant_ms']
    assert math.isclose(result['profiled_step_ms'],
                        sum(s['ms'] for s in stages.values()))
    assert 0.9 * profiled['cwbass_step'] <= result['profiled_step_ms'] <= \
        profiled['cwbass_step']
    assert math.isclose(sum(s['share'] for s in stages.values()), 1.0)
    assert 0 < result['cwbass_specific_share'] < 1
    assert _finite_positive(result['cwbass_specific_ms'])
    assert math.isfinite(result['pseudo_label_overhead_ms'])
    # Upsample, max, logsumexp, exp, valid mask, masked fills.
    assert result['pseudo_label_extra_ops'] == stages['semi:pseudo_labels'][
        'ops'] - result['op_counts']['teacher_forward'] > 0
    assert _finite_positive(profiled['supervised_step'])

    memory = result['memory']
    for key in ('cwbass_step_peak', 'supervised_step_peak',
                'teacher_forward_peak', 'teacher_forward_with_grad_peak',
                'teacher_activations_autograd_would_keep',
                'process_peak_rss_mib'):
        assert _finite_positive(memory[key]), key
    assert math.isfinite(memory['saved_by_no_grad_teacher'])
    assert memory['kind'] == 'cpu_profiler_tensor_peak_above_start'

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
    # Every operator of a step is inside one of its ranges.
    assert sum(s['ops'] for s in stages.values()) == ops['cwbass_step']

    meta = result['meta']
    assert meta['torch_threads'] == 1
    assert meta['batch'] == dict(labeled=2, unlabeled=2, student_view=False)
    assert meta['crop_size'] == [32, 32]
    assert meta['concat_student_forward'] is True
    assert 'R = a / (b + c)' in proc.stdout
    assert 'Train dataloader' in proc.stdout


def test_benchmark_cli_plain_config(tmp_path):
    out = tmp_path / 'bench.json'
    proc = run_tool([SUPERVISED, '--cfg-options',
                     'model.data_preprocessor.size=(32,32)'] + FAST + [
                         '--data', 'none', '--no-inference', '--out',
                         str(out)], str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert set(result['timings_ms']) == {'supervised_step'}
    assert _finite_positive(result['timings_ms']['supervised_step']['median'])
    assert 'ratio_R' not in result and 'stages_ms' not in result
    assert result['meta']['batch'] == dict(labeled=4, unlabeled=0,
                                           student_view=False)
    assert _finite_positive(result['memory']['supervised_step_peak'])
    assert result['data']['status'] == 'skipped'
    assert 'R = a / (b + c)' not in proc.stdout


def test_cli_help_and_bad_input(tmp_path):
    proc = run_tool(['--help'], str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    for flag in ('--iters', '--warmup', '--amp', '--amp-dtype',
                 '--channels-last', '--cudnn-benchmark', '--device',
                 '--threads', '--out', '--cfg-options', '--data'):
        assert flag in proc.stdout
    proc = run_tool([str(tmp_path / 'missing.py')], str(tmp_path))
    assert proc.returncode == 2
    assert 'missing.py does not exist' in proc.stderr
    proc = run_tool([CONFIG, '--iters', '0'], str(tmp_path))
    assert proc.returncode == 2 and '--iters' in proc.stderr


@pytest.fixture
def profiler_ranges():
    sys.path.insert(0, osp.dirname(TOOL))
    try:
        yield importlib.import_module('profiler_ranges')
    finally:
        sys.path.remove(osp.dirname(TOOL))


def event(name, start, end, thread=1, parent=None, device_us=0.0):
    return SimpleNamespace(
        name=name, thread=thread, cpu_parent=parent,
        device_time_total=device_us,
        time_range=SimpleNamespace(start=start, end=end,
                                   elapsed_us=lambda: end - start))


def test_ranges_exclusive_times_and_operator_attribution(profiler_ranges):
    step = event('bench:cwbass_step', 0, 1000)
    outer = event('semi:unsup_loss', 100, 600, parent=step)
    inner = event('cwbass:cw_loss', 200, 300, parent=outer)
    backward = event('semi:backward_and_step', 600, 900, parent=step)
    conv = event('aten::conv2d', 110, 190, parent=outer, device_us=40.0)
    nested = event('aten::convolution', 120, 180, parent=conv)
    loss = event('aten::mul', 210, 290, parent=inner, device_us=5.0)
    # A backward operator on the autograd engine's thread.
    grad = event('aten::mm', 700, 800, thread=2, device_us=30.0)
    # (b) logs in a bench:logging range too: not a stage of (a).
    sup = event('bench:supervised_step', 1000, 1500)
    sup_log = event('bench:logging', 1400, 1450, parent=sup)
    sup_op = event('aten::add', 1410, 1420, parent=sup_log)
    # On CUDA the profiler also lists kernels and each range again on the
    # GPU timeline: device events, ignored.
    gpu_range = event('semi:unsup_loss', 150, 650, thread=7)
    gpu_range.device_type = DeviceType.CUDA
    kernel = event('aten::fake_kernel_name', 150, 160, thread=7)
    kernel.device_type = DeviceType.CUDA
    events = [gpu_range, kernel, step, outer, inner, backward, conv, nested,
              loss, grad, sup, sup_log, sup_op]
    result = profiler_ranges.analyse_ranges(events, iters=2)
    stages = result['stages']
    assert list(stages) == ['semi:unsup_loss', 'cwbass:cw_loss',
                            'semi:backward_and_step']
    # (600 - 100 - (300 - 200)) us over 2 iterations, in ms.
    assert stages['semi:unsup_loss']['ms'] == pytest.approx(0.2)
    assert stages['cwbass:cw_loss']['ms'] == pytest.approx(0.05)
    assert stages['semi:backward_and_step']['ms'] == pytest.approx(0.15)
    assert stages['semi:unsup_loss']['ops'] == 0.5  # conv2d, not its child
    assert stages['cwbass:cw_loss']['device_ms'] == pytest.approx(0.0025)
    assert stages['semi:backward_and_step']['ops'] == 0.5
    assert stages['semi:backward_and_step']['device_ms'] == pytest.approx(
        0.015)
    assert stages['cwbass:cw_loss']['group'] == 'cwbass'
    assert result['op_counts'] == dict(cwbass_step=1.5, supervised_step=0.5)
    assert result['variant_ms'] == dict(cwbass_step=0.5, supervised_step=0.25)


def test_layout_counts_strong_views_as_student_batches(load_tool):
    from mmengine.config import Config
    sb = load_tool('analysis_tools/step_benchmark')
    layouts = {
        name: sb.batch_layout(Config.fromfile(
            osp.join(REPO, 'configs', 'benchmark',
                     f'{name}_r18_128x128_2+2.py')))
        for name in ('cwbass', 'fixmatch', 'unimatch_v2')
    }
    assert [layouts[n]['student_views'] for n in layouts] == [0, 1, 2]
    assert layouts['unimatch_v2']['cutmix']
    import torch
    images = [(torch.zeros(3, 8, 8, dtype=torch.uint8),
               torch.zeros(1, 8, 8, dtype=torch.long))] * 8
    layout = dict(layouts['unimatch_v2'], crop_size=(8, 8))
    batches = sb.toy_batches(layout, images)
    # (b): 2 labeled + 2 x 2 strong images, the student compute of (a)
    assert len(batches['sup']['inputs']) == 6
    semi = batches['semi']
    assert set(semi['inputs']) == {'sup', 'unsup_teacher', 'unsup_student',
                                   'unsup_student2'}
    boxes = [s.cutmix_box for s in semi['data_samples']['unsup_student2']
             if s is not None]
    assert boxes == [(0, 0, 4, 4)] * 2
