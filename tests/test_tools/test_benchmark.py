"""The step benchmark (``tools/analysis_tools/benchmark.py``).

Runs the CLI like a user on a very small CW-BASS model (one round of one
iteration, with the export/inference path, the teacher-under-autograd memory
variant and the real two-source dataloader on generated toy data) and on a
plain supervised config, and checks the JSON against what the test knows or
measures apart (the model's parameters, the profiled times, the report);
checks the attribution of profiler ranges on hand-made events.
"""
import json
import math
import os
import os.path as osp
import re
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch.autograd import DeviceType

import mmseg
from mmseg.registry import MODELS

from mmseg_cwbass.testing.tiny_options import merge_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')
SUPERVISED = osp.join(REPO, 'configs', 'demo',
                      'supervised_r18-tiny_toy-voc_1-8.py')
# One thread: two OpenMP threads crawl when another job holds a core, which
# a shared test machine often has. One warm-up iteration: the first call of
# a model pays one-time set-up (about 3x a step); the median of 3 timed
# iterations: one slow spell of a loaded machine does not make the timed and
# the profiled step disagree.
FAST = ['--iters', '3', '--warmup', '1', '--repeats', '1', '--threads', '1']
# The ranges the model code opens in every CW-BASS step, and the tool's own.
RANGES = ('semi:pseudo_labels', 'semi:student_features', 'semi:sup_loss',
          'semi:unsup_loss', 'cwbass:threshold', 'cwbass:cw_loss',
          'semi:backward_and_step', 'semi:ema_update', 'bench:train_step',
          'bench:logging')


def _finite_positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(
        value, bool) and math.isfinite(value) and value > 0


def _tiny(path, tiny_run_options):
    """The config at ``path`` shrunk as the CLI tests shrink it: the
    ``--cfg-options`` and the merged config."""
    cfg = Config.fromfile(path)
    options = tiny_run_options(cfg)
    return options, merge_options(cfg, options)


def _params_m(model_cfg) -> float:
    """Millions of parameters of a model built here, apart from the tool."""
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(model_cfg)
    return sum(p.numel() for p in model.parameters()) / 1e6


def _agree(x: float, y: float, factor: float) -> bool:
    return y / factor <= x <= y * factor


@pytest.fixture(scope='module')
def tools(load_tool):
    """The benchmark's modules, imported as ``benchmark.py`` imports them
    (its siblings first)."""
    return SimpleNamespace(**{
        name: load_tool(f'analysis_tools/{name}')
        for name in ('profiler_ranges', 'benchmark_report', 'step_benchmark',
                     'benchmark')
    })


def test_benchmark_cli_cwbass(tmp_path, run_cli, tiny_run_options):
    options, cfg = _tiny(CONFIG, tiny_run_options)
    out = tmp_path / 'bench.json'
    proc = run_cli('analysis_tools/benchmark', CONFIG, '--cfg-options',
                   *options, *FAST, '--data', 'toy', '--data-batches', '2',
                   '--toy-image-size', '40', '48', '--toy-images', '6',
                   '--out', out, cwd=tmp_path, check=True)
    result = json.loads(out.read_text())

    meta = result['meta']
    # where it was measured: the package's collect_env, and the device
    assert meta['env']['torch threads'] == 1
    assert meta['env']['MMSegmentation'] == mmseg.__version__
    assert meta['device_name'] == \
        f"CPU ({os.cpu_count()} cores, {meta['env']['CPU']})"
    assert meta['batch'] == dict(labeled=2, unlabeled=2, student_view=False)
    assert meta['crop_size'] == list(cfg.model.segmentor.data_preprocessor
                                     .size)
    assert meta['concat_student_forward'] is True
    assert meta['num_classes'] == cfg.model.segmentor.decode_head.num_classes
    assert meta['student_params_m'] == pytest.approx(
        _params_m(cfg.model.segmentor))

    timings = result['timings_ms']
    for key in ('cwbass_step', 'cwbass_train_step', 'ema', 'supervised_step',
                'teacher_forward'):
        assert _finite_positive(timings[key]['median']), key
        assert len(timings[key]['rounds']) == 1
    # The EMA of a tiny model is a small part of the step.
    assert timings['ema']['median'] < timings['cwbass_train_step']['median']
    assert _finite_positive(result['ratio_R'])
    assert _finite_positive(result['cpu_time']['ratio_R'])
    # The profiler timed each variant again, apart from the timed rounds:
    # same work, so the same order of magnitude (a unit or bookkeeping
    # slip would be off by 1000x or by a whole variant).
    profiled = result['profiled_variant_ms']
    for key in ('cwbass_step', 'supervised_step', 'teacher_forward'):
        assert _agree(timings[key]['median'], profiled[key], 5), key
    # (a) runs the teacher forward and a student step on the same images
    # as (b): it cannot take less than (c), nor much less than (b).
    assert profiled['cwbass_step'] > profiled['teacher_forward']
    assert profiled['cwbass_step'] > 0.5 * profiled['supervised_step']

    stages = result['stages_ms']
    for name in RANGES:
        assert _finite_positive(stages[name]['ms']), name
        assert stages[name]['ops'] > 0, name
    for name, stage in stages.items():
        assert math.isfinite(stage['ms']) and stage['ms'] >= 0, name
    # Exclusive times add up to the profiled step (a), minus only the gaps
    # between ranges.
    assert 0.9 * profiled['cwbass_step'] <= result['profiled_step_ms'] <= \
        profiled['cwbass_step']
    assert 0 < result['cwbass_specific_share'] < 1
    assert math.isfinite(result['pseudo_label_overhead_ms'])
    ops = result['op_counts']
    # Upsample, max, logsumexp, exp, valid mask, masked fills: a few
    # operators beyond the teacher forward, far fewer than it has.
    assert 0 < result['pseudo_label_extra_ops'] < ops['teacher_forward']
    assert ops['cwbass_step'] > ops['supervised_step'] > ops[
        'teacher_forward'] > 0 and ops['ema'] > 0
    # Every operator of a step is inside one of its ranges.
    assert sum(s['ops'] for s in stages.values()) == ops['cwbass_step']

    memory = result['memory']
    assert memory['kind'] == 'cpu_profiler_tensor_peak_above_start'
    for key in ('cwbass_step_peak', 'supervised_step_peak',
                'teacher_forward_peak'):
        assert _finite_positive(memory[key]), key
    # Under autograd the teacher keeps its activations: more memory than
    # without.
    assert memory['teacher_forward_with_grad_peak'] > \
        memory['teacher_forward_peak']
    assert memory['saved_by_no_grad_teacher'] > 0
    assert memory['teacher_activations_autograd_would_keep'] > 0
    # A Python process with torch and mmseg loaded: hundreds of MiB (not
    # KiB, not bytes).
    assert 100 < memory['process_peak_rss_mib'] < 10000

    inference = result['inference']
    assert inference['path'].startswith('export_semi_checkpoint')
    assert inference['batch'] == 4
    # The exported teacher's forward against the teacher forward (c) timed
    # in the step variants: one network, the same order of images/s.
    teacher_img_per_s = 2 * 1000 / timings['teacher_forward']['median']
    assert _agree(inference['forward_img_per_s'], teacher_img_per_s, 10)
    assert _finite_positive(inference['predict_img_per_s'])

    data = result['data']
    assert data['status'] == 'ok', data
    assert data['source'] == 'toy VOC 40x48' and data['batch_size'] == 4
    assert _finite_positive(data['per_batch_ms'])
    # tiny_run_options sets no workers: the loader cannot keep up.
    assert data['config_num_workers'] == 0 and data['keeps_up'] is False

    # The report states what the JSON holds, with no acceptance target.
    assert re.search(r'\*\*R = a / \(b \+ c\)\*\* *\| *\*\*'
                     f"{result['ratio_R']:.3f}" + r'\*\*', proc.stdout)
    assert 'Train dataloader (toy VOC 40x48' in proc.stdout
    assert 'target' not in proc.stdout


def test_benchmark_cli_plain_config(tmp_path, run_cli, tiny_run_options):
    options, cfg = _tiny(SUPERVISED, tiny_run_options)
    out = tmp_path / 'bench.json'
    # cwd has no data/: --data config must skip and name what is missing.
    proc = run_cli('analysis_tools/benchmark', SUPERVISED, '--cfg-options',
                   *options, *FAST, '--data', 'config', '--out', out,
                   cwd=tmp_path, check=True)
    result = json.loads(out.read_text())
    assert set(result['timings_ms']) == {'supervised_step'}
    assert _agree(result['timings_ms']['supervised_step']['median'],
                  result['profiled_variant_ms']['supervised_step'], 5)
    assert 'ratio_R' not in result and 'stages_ms' not in result
    assert result['meta']['batch'] == dict(labeled=2, unlabeled=0,
                                           student_view=False)
    assert result['meta']['student_params_m'] == pytest.approx(
        _params_m(cfg.model))
    assert _finite_positive(result['memory']['supervised_step_peak'])
    assert result['inference']['path'] == 'the config model'
    data = result['data']
    assert data['status'] == 'skipped'
    assert data['reason'].startswith('data not found:')
    assert osp.basename(cfg.train_dataloader.dataset.ann_file) in \
        data['reason']
    assert 'R = a / (b + c)' not in proc.stdout
    assert 'Train dataloader: skipped (data not found' in proc.stdout


def test_cli_help_and_bad_input(tools, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        tools.benchmark.parse_args(['--help'])
    assert exit_.value.code == 0
    usage = capsys.readouterr().out
    for flag in ('--iters', '--warmup', '--amp', '--amp-dtype',
                 '--channels-last', '--cudnn-benchmark', '--device',
                 '--threads', '--out', '--cfg-options', '--data'):
        assert flag in usage
    missing = str(tmp_path / 'missing.py')
    assert tools.benchmark.main([missing]) == 2
    assert f'config file {missing} does not exist' in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        tools.benchmark.parse_args([CONFIG, '--iters', '0'])
    assert exit_.value.code == 2 and '--iters' in capsys.readouterr().err


def test_dataloader_none_and_plain_toy_data(tools, tiny_run_options):
    _, cfg = _tiny(SUPERVISED, tiny_run_options)
    dataloader = tools.step_benchmark.dataloader
    assert dataloader(cfg, 'none', 2, 4, [40, 48], 100.0) == dict(
        config_num_workers=0, status='skipped', reason='--data none')
    logs = []
    result = dataloader(cfg, 'toy', 2, 4, [40, 48], 100.0, log=logs.append)
    # A plain config: one labeled source reads every generated image.
    assert result['status'] == 'ok', result
    assert result['source'] == 'toy VOC 40x48' and result['batch_size'] == 2
    assert result['batches'] == 2 and _finite_positive(result['per_batch_ms'])
    assert logs == ['dataloader: generating 4 toy VOC images of 40x48']


def event(name, start, end, thread=1, parent=None, device_us=0.0):
    return SimpleNamespace(
        name=name, thread=thread, cpu_parent=parent,
        device_time_total=device_us,
        time_range=SimpleNamespace(start=start, end=end,
                                   elapsed_us=lambda: end - start))


def test_ranges_exclusive_times_and_operator_attribution(tools):
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
    result = tools.profiler_ranges.analyse_ranges(events, iters=2)
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


def test_layout_counts_strong_views_as_student_batches(tools):
    sb = tools.step_benchmark
    layouts = {
        name: sb.batch_layout(Config.fromfile(
            osp.join(REPO, 'configs', 'benchmark',
                     f'{name}_r18_128x128_2+2.py')))
        for name in ('cwbass', 'fixmatch', 'unimatch_v2')
    }
    assert [layouts[n]['student_views'] for n in layouts] == [0, 1, 2]
    assert layouts['unimatch_v2']['cutmix']
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
