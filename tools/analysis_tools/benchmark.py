"""Time a CW-BASS training step against the compute it needs.

Example (the CPU target of ``docs/benchmark.md``)::

    python tools/analysis_tools/benchmark.py \\
        configs/benchmark/cwbass_r18_128x128_2+2.py --threads 1 \\
        --iters 10 --warmup 3 --repeats 3 --out work_dirs/benchmark.json

Prints a markdown report on stdout (progress on stderr): (a) the CW-BASS
step (train_step, logging, EMA), (b) a plain mmseg step of the segmentor on
``B_l + B_u`` labeled images, (c) the teacher forward on ``B_u`` images,
``R = a / (b + c)``, the stage breakdown of (a) from ``torch.profiler``
ranges, operator counts, peak memory, inference images/s and the train
dataloader's ms per batch. A plain (supervised) config gets (b), memory,
inference and loader. ``--out`` writes every number as JSON.
"""
import argparse
import json
import os
import os.path as osp
import resource
import sys
import time
import warnings

import torch
from mmengine.config import DictAction
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from benchmark_report import format_markdown
from mmseg_cwbass.engine.cli import read_config
from mmseg_cwbass.utils.collect_env import collect_env
from step_benchmark import StepBench, dataloader, inference, median


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description='Benchmark a CW-BASS training step (docs/benchmark.md)')
    p.add_argument('config', help='semi-supervised (or plain) config file')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override settings of the config, key=value pairs')
    p.add_argument('--iters', type=int, default=20,
                   help='timed iterations per variant and round')
    p.add_argument('--warmup', type=int, default=3,
                   help='untimed iterations of each variant first')
    p.add_argument('--repeats', type=int, default=3,
                   help='rounds; times are medians of rounds')
    p.add_argument('--profile-iters', type=int, default=2,
                   help='profiled iterations for the stage breakdown')
    p.add_argument('--device', default='auto',
                   help="'auto' (CUDA if available), 'cpu', 'cuda', 'cuda:N'")
    p.add_argument('--amp', action='store_true',
                   help='mixed precision: AmpOptimWrapper on CUDA, autocast '
                   'on CPU')
    p.add_argument('--amp-dtype', choices=('float16', 'bfloat16'),
                   help='default float16 on CUDA, bfloat16 on CPU')
    p.add_argument('--channels-last', action='store_true',
                   help='weights (hence activations) in channels_last')
    p.add_argument('--cudnn-benchmark', choices=('on', 'off'),
                   help='default: env_cfg.cudnn_benchmark of the config')
    p.add_argument('--no-memory-variant', action='store_true',
                   help='skip the teacher forward under autograd')
    p.add_argument('--no-inference', action='store_true')
    p.add_argument('--infer-batch', type=int, default=0,
                   help='inference batch (default B_l + B_u)')
    p.add_argument('--data', choices=('auto', 'config', 'toy', 'none'),
                   default='auto', help="dataloader data: 'auto' = the "
                   "config's, or generated toy VOC data when it is missing")
    p.add_argument('--data-batches', type=int, default=20)
    p.add_argument('--toy-image-size', type=int, nargs=2, default=(375, 500),
                   metavar=('H', 'W'), help='default: a typical VOC photo')
    p.add_argument('--toy-images', type=int, default=24)
    p.add_argument('--profile-dir',
                   help='write the profiler trace and op table here')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, help='torch.set_num_threads')
    p.add_argument('--out', help='write the result as JSON to this file')
    p.add_argument('--quiet', action='store_true', help='no progress lines')
    args = p.parse_args(argv)
    if min(args.iters, args.repeats, args.profile_iters) < 1 or \
            args.warmup < 0:
        p.error('need --iters, --repeats, --profile-iters >= 1 and '
                '--warmup >= 0')
    return args


def summarise(rounds: dict) -> dict:
    """Medians over rounds and R."""
    timings = {k: dict(median=median(v), rounds=v) for k, v in rounds.items()}
    out = dict(timings_ms=timings)
    if 'cwbass_step' in rounds:
        a, b, c = (rounds[k] for k in ('cwbass_step', 'supervised_step',
                                       'teacher_forward'))
        out['ratio_R_rounds'] = [x / (y + z) for x, y, z in zip(a, b, c)]
        out['ratio_R'] = timings['cwbass_step']['median'] / (
            timings['supervised_step']['median'] +
            timings['teacher_forward']['median'])
    return out


def stage_summary(prof: dict) -> dict:
    """Shares of the profiled (a) and the CW-BASS-specific total."""
    stages = prof['stages']
    total = sum(s['ms'] for s in stages.values())
    device_total = sum(s['device_ms'] for s in stages.values())
    groups: dict = {}
    for stage in stages.values():
        stage['share'] = stage['ms'] / total if total else float('nan')
        stage['device_share'] = (stage['device_ms'] / device_total
                                 if device_total else None)
        groups[stage['group']] = groups.get(stage['group'], 0) + stage['ms']
    specific = [s for s in stages.values() if s['group'] == 'cwbass']
    teacher = prof['variant_ms'].get('teacher_forward', 0.0)
    return dict(
        stages_ms=stages, stage_groups_ms=groups, profiled_step_ms=total,
        cwbass_specific_ms=sum(s['ms'] for s in specific),
        cwbass_specific_share=sum(s['ms'] for s in specific) / total,
        cwbass_specific_device_share=(sum(s['device_ms'] for s in specific) /
                                      device_total if device_total else None),
        # Pseudo-labelling has no range of its own inside
        # semi:pseudo_labels: what the range takes beyond a profiled (c).
        # The operator difference is exact; the time difference of two
        # short profiled samples is noisy on a shared machine.
        pseudo_label_overhead_ms=stages.get('semi:pseudo_labels', {}).get(
            'ms', 0.0) - teacher,
        pseudo_label_extra_ops=stages.get('semi:pseudo_labels', {}).get(
            'ops', 0.0) - prof['op_counts'].get('teacher_forward', 0.0))


def run(args: argparse.Namespace, log) -> dict:
    """Every measurement of the report; a JSON-able dict."""
    cfg = read_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if args.threads:
        torch.set_num_threads(args.threads)
    name = args.device
    if name == 'auto':
        name = 'cuda' if torch.cuda.is_available() else 'cpu'
    device = torch.device(name)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('error: --device cuda but CUDA is not available')
    cudnn = (args.cudnn_benchmark == 'on' if args.cudnn_benchmark else bool(
        (cfg.get('env_cfg') or {}).get('cudnn_benchmark', False)))
    torch.backends.cudnn.benchmark = cudnn
    amp_dtype = None
    if args.amp:
        amp_dtype = getattr(torch, args.amp_dtype or (
            'float16' if device.type == 'cuda' else 'bfloat16'))
    bench = StepBench(cfg, device, amp_dtype, args.channels_last, args.seed)
    layout = bench.layout
    log(f'{device}: batch {layout["labeled"]}+{layout["unlabeled"]} at '
        f'{layout["crop_size"]}, {args.repeats} rounds x {args.iters} iters')
    timed = bench.time_rounds(args.iters, args.warmup, args.repeats, log)
    result = dict(meta=meta(args, cfg, bench, device, cudnn, amp_dtype),
                  **summarise(timed['wall']))
    if device.type == 'cpu':
        # Process CPU time leaves out what the scheduler gave other jobs.
        result['cpu_time'] = summarise(timed['cpu'])
    if args.profile_dir:
        os.makedirs(args.profile_dir, exist_ok=True)
    log('profiler: stages and operator counts')
    prof = bench.profile_steps(args.profile_iters, args.profile_dir)
    result['op_counts'] = prof['op_counts']
    result['profiled_variant_ms'] = prof['variant_ms']
    if bench.semi is not None:
        result.update(stage_summary(prof))
        if device.type == 'cuda':
            result['syncs_in_train_step'] = bench.find_syncs()
    if args.profile_dir:
        result['profile'] = dict(trace=prof['trace'], table=prof['table'])
    if not args.no_inference:
        log('inference')
        result['inference'] = inference(bench, args.iters, args.warmup,
                                        args.repeats, args.infer_batch)
    step = result['timings_ms'].get('cwbass_step') or \
        result['timings_ms']['supervised_step']
    log('dataloader')
    result['data'] = dataloader(cfg, args.data, args.data_batches,
                                args.toy_images, args.toy_image_size,
                                step['median'], args.seed, log)
    log('memory')
    memory = bench.measure_memory(not args.no_memory_variant)
    # Linux: KiB. The whole process's lifetime peak, all sections.
    memory['process_peak_rss_mib'] = resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024
    result['memory'] = memory
    return result


def meta(args, cfg, bench: StepBench, device, cudnn, amp_dtype) -> dict:
    env = collect_env()
    layout = bench.layout
    model = bench.semi if bench.semi is not None else bench.plain
    student = bench.semi.student if bench.semi is not None else bench.plain
    return dict(
        config=cfg.filename, model=type(model).__name__,
        segmentor=type(bench.plain).__name__, device=str(device),
        device_name=(torch.cuda.get_device_name(device)
                     if device.type == 'cuda' else
                     f"CPU ({env['CPU cores']} cores, {env['CPU']})"),
        env=env, amp=args.amp,
        amp_dtype=str(amp_dtype).replace('torch.', '') if amp_dtype else None,
        channels_last=args.channels_last,
        cudnn_benchmark=cudnn if device.type == 'cuda' else None,
        iters=args.iters, warmup=args.warmup, repeats=args.repeats,
        profile_iters=args.profile_iters,
        batch=dict(labeled=layout['labeled'], unlabeled=layout['unlabeled'],
                   student_view=layout['student_view']),
        # each strong view is one more student batch in (b)
        student_views=layout['student_views'],
        crop_size=list(layout['crop_size']), num_classes=bench.num_classes,
        diagnostic_masks=layout['diagnostic_masks'],
        concat_student_forward=bool(bench.semi.semi_train_cfg.get(
            'concat_student_forward')) if bench.semi is not None else None,
        student_params_m=sum(p.numel() for p in student.parameters()) / 1e6,
        command=' '.join(sys.argv),
        timestamp=time.strftime('%Y-%m-%dT%H:%M:%S%z'))


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        print(f'error: config file {args.config} does not exist',
              file=sys.stderr)
        return 2
    # Build details at INFO and deprecation notes would bury the report.
    MMLogger.get_instance('mmseg_cwbass_benchmark', log_level='WARNING')
    warnings.filterwarnings('ignore', category=UserWarning)

    def log(message: str) -> None:
        if not args.quiet:
            print(f'[benchmark] {message}', file=sys.stderr, flush=True)

    result = run(args, log)
    print(format_markdown(result))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        log(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
