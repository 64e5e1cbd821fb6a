"""Every GPU measurement of the VOC 1/8 protocol, in one command.

On a GPU node (after ``bash .whl/install.sh``, see docs/benchmark.md)::

    python tools/analysis_tools/gpu_measure.py --out-dir "$OUT"

Steps, each writing its JSON as soon as it ends (a run cut short keeps what
it finished):

1. ``env``: ``mmseg_cwbass.utils.collect_env`` (mmseg's, with the driver,
   cuDNN and package versions).
2. Step benchmark of the CW-BASS R101 VOC 1/8 config (random init, real
   321 crop, 4+4 per GPU, generated VOC-size images for the loader):
   fp32, AMP fp16, AMP bf16, the fastest of these with channels_last, then
   with cudnn.benchmark on.
3. AMP training: 300 iterations through ``tools/train.py --amp`` on
   generated VOC-size data (unsupervised ramp over the first 100), tau and
   the kept ratio logged every 10, teacher and student evaluated at the end;
   checks that every logged loss is finite.
4. The best variant at 16+16 images on one GPU (the reference's batch).
5. DINOv2-B + DPT at crop 518 in bf16 (the CW-BASS-v2 setting; random
   init, 4+4): CW-BASS first, then (after the R101 rows below) its
   supervised baseline and UniMatch V2 on the same backbone.
6. The R101 supervised baseline config: fp32 and the best variant.
7. Projection of the 46,320-iteration protocol on 1 GPU at 16+16 and on
   4 GPUs at 4+4, against the community's 48-84 GPU-hours.

The budget (``--budget-s``) drops steps from the end: the R101 AMP rows
and the 300-iteration AMP run come first, then DINOv2-B CW-BASS bf16, then
the rest.

``--dry-run`` shrinks model, crop, images and iterations so the whole
command runs on a CPU in minutes (AMP variants use CPU autocast; the
training run is fp32 there, as mmengine's AmpOptimWrapper needs a GPU).
Writes ``gpu_measure.json``, ``gpu_measure.md``, ``gpu_measure.log`` and the
JSON of every step under ``--out-dir`` (default ``$OUT``).
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time

from mmengine.config import Config

from mmseg_cwbass.datasets.dataset_configs import read_ids
from mmseg_cwbass.testing.tiny_options import (batch_options,
                                               random_init_options,
                                               tiny_model_options)
from mmseg_cwbass.testing.toy_configs import use_toy_voc
from mmseg_cwbass.utils.collect_env import collect_env
from mmseg_cwbass.utils.markdown import markdown_table

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH = osp.join(REPO, 'tools', 'analysis_tools', 'benchmark.py')
TRAIN = osp.join(REPO, 'tools', 'train.py')
CWBASS = 'configs/cwbass/deeplabv3plus_r101_voc_1-8.py'
SUPERVISED = 'configs/baselines/supervised_deeplabv3plus_r101_voc_1-8.py'
PROTOCOL_ITERS = 46320  # 80 epochs x 579 iterations (the config leaf)
EVALS, VAL_IMAGES = 10, 1449  # evaluations of the protocol, VOC val size
COMMUNITY_GPU_HOURS = (48, 84)
# DINOv2-B + DPT, VOC 1/8, crop 518 (docs/dinov2.md, docs/methods.md).
DINOV2 = dict(
    cwbass='configs/cwbass/dinov2-b_dpt_voc_1-8.py',
    supervised='configs/baselines/supervised_dinov2-b_dpt_voc_1-8.py',
    unimatch_v2='configs/unimatch_v2/dinov2-b_dpt_voc_1-8.py')
BF16 = ['--amp', '--amp-dtype', 'bfloat16']
# Variants after the first time the step and memory only: the loader and
# the exported-teacher inference do not depend on them.
QUICK = ['--data', 'none', '--no-inference']


class Measure:
    """Runs the steps, logs their output, keeps the summary."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out = args.out_dir
        os.makedirs(self.out, exist_ok=True)
        self.log_file = open(osp.join(self.out, 'gpu_measure.log'), 'a')
        self.start = time.time()
        self.summary = dict(command=' '.join(sys.argv), dry_run=args.dry_run,
                            steps={}, skipped={})
        self.tmp = tempfile.mkdtemp(prefix='gpu_measure_')

    def log(self, message: str) -> None:
        line = f'[gpu_measure {time.time() - self.start:7.1f}s] {message}'
        print(line, flush=True)
        self.log_file.write(line + '\n')
        self.log_file.flush()

    def save(self) -> None:
        self.summary['wall_s'] = time.time() - self.start
        with open(osp.join(self.out, 'gpu_measure.json'), 'w') as f:
            json.dump(self.summary, f, indent=2)

    def run(self, cmd, report: str = '') -> int:
        """A subprocess whose output goes to the log (and stdout); with
        ``report``, its stdout goes to that file instead."""
        self.log('$ ' + ' '.join(cmd))
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
        with open(report or os.devnull, 'w') as out:
            proc = subprocess.Popen(
                cmd, cwd=REPO, env=env, text=True,
                stdout=out if report else subprocess.PIPE,
                stderr=subprocess.PIPE if report else subprocess.STDOUT)
            for line in proc.stderr if report else proc.stdout:
                if 'is skipped since its requires_grad=False' in line:
                    continue  # hundreds of lines about the frozen teacher
                self.log_file.write(line)
                if not self.args.quiet:
                    sys.stdout.write(line)
            rc = proc.wait()
        self.log_file.flush()
        self.log(f'exit status {rc}')
        return rc

    def budget_allows(self, name: str, expected_s: float) -> bool:
        budget = self.args.budget_s
        used = time.time() - self.start
        if budget and used + expected_s > budget:
            self.summary['skipped'][name] = (
                f'budget: {used:.0f} s used, about {expected_s:.0f} s '
                f'needed, --budget-s {budget:.0f}')
            self.log(f'skip {name}: ' + self.summary['skipped'][name])
            self.save()
            return False
        return True


# -------------------------------------------------------------- options
def shrink_options(config: str, dry_run: bool) -> list:
    """``--cfg-options`` shared by every run of ``config``: random init
    and, for a dry run, the tests' tiny model (ResNet-18-D8 at 1/8 width,
    or a 4-block DINOv2) at 64x64 (DINOv2 56x56) with 2+2 images."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    if not dry_run:
        return random_init_options(cfg)
    semi = 'segmentor' in cfg.model
    return tiny_model_options(cfg, resize_scale=(80, 80)) + (
        batch_options(2, 2) if semi else batch_options(2))


# ---------------------------------------------------------------- steps
def env_step(m: Measure) -> None:
    import warnings
    warnings.filterwarnings('ignore', category=UserWarning)
    m.summary['env'] = collect_env()
    m.log(f"env: {m.summary['env']}")


def bench_step(m: Measure, name: str, config: str, flags: list,
               options: list) -> dict:
    """One benchmark variant; returns its key numbers (or the failure)."""
    a = m.args
    out = osp.join(m.out, f'bench_{name}.json')
    cmd = [sys.executable, BENCH, config, '--device', a.device, '--iters',
           str(a.iters), '--warmup', str(a.warmup), '--repeats',
           str(a.repeats), '--out', out, '--cfg-options'] + options + flags
    if a.dry_run:
        cmd += ['--toy-image-size', '48', '64', '--toy-images', '8',
                '--data-batches', '2', '--threads', '1']
    start = time.time()
    rc = m.run(cmd, report=osp.join(m.out, f'bench_{name}.md'))
    result = dict(rc=rc, seconds=time.time() - start, json=osp.basename(out),
                  flags=flags, config=config)
    if rc == 0 and osp.isfile(out):
        with open(out) as f:
            full = json.load(f)
        t, mem = full['timings_ms'], full['memory']
        result.update(
            {k: t[k]['median'] for k in t},
            R=full.get('ratio_R'),
            img_per_s=1000 * sum(full['meta']['batch'][k] for k in (
                'labeled', 'unlabeled')) / (t.get('cwbass_step') or
                                            t['supervised_step'])['median'],
            peak_mib={k[:-5]: v for k, v in mem.items()
                      if k.endswith('_peak')},
            op_counts=full.get('op_counts'),
            cwbass_specific_share=full.get('cwbass_specific_share'),
            syncs=(full.get('syncs_in_train_step') or {}).get('count'),
            inference=full.get('inference', {}).get('predict_img_per_s'),
            loader_ms_per_batch=full.get('data', {}).get('per_batch_ms'),
            batch=full['meta']['batch'],
            device_name=full['meta']['device_name'])
    m.summary['steps'][f'bench_{name}'] = result
    m.save()
    return result


def train_run(m: Measure, options: list) -> None:
    """AMP training on generated VOC-size data; teacher/student eval."""
    from mmseg_cwbass.testing.toy_data import generate_toy_voc
    a = m.args
    size = (48, 64) if a.dry_run else (375, 500)
    num_train, num_val = (16, 4) if a.dry_run else (40, 8)
    root = generate_toy_voc(osp.join(m.tmp, 'toy'), num_train=num_train,
                            num_val=num_val, image_size=size, seed=0)
    ids = read_ids(osp.join(root, 'ImageSets', 'Segmentation', 'train.txt'))
    split = osp.join(m.tmp, 'split')
    os.makedirs(split, exist_ok=True)
    ann_files = {}
    for role, part in (('labeled', ids[:num_train // 4]),
                       ('unlabeled', ids[num_train // 4:])):
        ann_files[role] = osp.join(split, f'{role}.txt')
        with open(ann_files[role], 'w') as f:
            f.write('\n'.join(part) + '\n')
    cfg = Config.fromfile(osp.join(REPO, CWBASS))
    use_toy_voc(cfg, root, ann_files)
    config = osp.join(m.tmp, 'train_config.py')
    cfg.dump(config)
    work_dir = osp.join(m.tmp, 'train')
    workers = 0 if a.dry_run else 4
    opts = options + [
        f'train_cfg.max_iters={a.train_iters}',
        f'train_cfg.val_interval={a.train_iters}',
        f'default_hooks.logger.interval={min(10, a.train_iters)}',
        'default_hooks.checkpoint.interval=1000000',
        'default_hooks.checkpoint.save_last=False',
        'default_hooks.checkpoint.save_best=None',
        f'model.semi_train_cfg.rampup_iters={a.train_iters // 3}',
        f'train_dataloader.num_workers={workers}',
        f'train_dataloader.persistent_workers={workers > 0}',
        f'val_dataloader.num_workers={min(workers, 2)}',
        f'val_dataloader.persistent_workers={workers > 0}',
    ]
    amp = a.device.startswith('cuda')
    cmd = [sys.executable, TRAIN, config, '--work-dir', work_dir] + (
        ['--amp'] if amp else []) + ['--cfg-options'] + opts
    start = time.time()
    rc = m.run(cmd)
    result = dict(rc=rc, seconds=time.time() - start, amp=amp,
                  iters=a.train_iters, image_size=list(size),
                  images=dict(train=num_train, val=num_val))
    scalars = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                        'scalars.json')))
    if scalars:
        dest = osp.join(m.out, 'train')
        os.makedirs(dest, exist_ok=True)
        shutil.copy(scalars[-1], osp.join(dest, 'scalars.json'))
        for log in glob.glob(osp.join(osp.dirname(osp.dirname(scalars[-1])),
                                      '*.log')):
            shutil.copy(log, osp.join(dest, 'train.log'))
        result.update(summarise_scalars(scalars[-1]))
    m.summary['steps']['train_amp'] = result
    m.save()


def summarise_scalars(path: str) -> dict:
    """Finite losses, tau, kept ratio and the final evaluation."""
    train, evaluation = [], {}
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if 'loss' in record:
                train.append(record)
            else:
                evaluation.update(record)
    losses = {k for r in train for k in r if 'loss' in k}
    nonfinite = [(r.get('iter'), k) for r in train for k in losses
                 if k in r and not math.isfinite(r[k])]
    series = {k: [r.get(k) for r in train]
              for k in ('unsup.tau', 'unsup.kept_ratio', 'loss')}
    return dict(logged_iters=[r.get('iter') for r in train],
                all_losses_finite=not nonfinite and bool(train),
                nonfinite=nonfinite, tau=series['unsup.tau'],
                kept_ratio=series['unsup.kept_ratio'], loss=series['loss'],
                evaluation={k: v for k, v in evaluation.items()
                            if k.startswith(('teacher/', 'student/'))})


def projection(m: Measure) -> None:
    """Wall time of the protocol from the measured step times."""
    steps = m.summary['steps']
    best = steps.get('bench_best_16+16', {})
    per_gpu = steps.get(m.summary.get('best_variant', ''), {})
    out = dict(iterations=PROTOCOL_ITERS,
               assumptions='step time (a) x iterations + 10 evaluations of '
               'teacher and student on 1,449 images at the measured '
               'inference rate (crop-size images; whole VOC images are '
               'about 1.8x the pixels, so evaluation is counted 1.8x); '
               '4 GPUs: the per-GPU 4+4 step, DDP gradient all-reduce and '
               'SyncBN traffic not included (lower bound); data loading '
               'assumed hidden by workers')
    for key, step, gpus in (('one_gpu_16+16', best, 1),
                            ('four_gpus_4+4', per_gpu, 4)):
        if not step.get('cwbass_step'):
            out[key] = 'not measured'
            continue
        train_h = PROTOCOL_ITERS * step['cwbass_step'] / 1000 / 3600
        # Inference runs in the fp32 and AMP variants only.
        rates = [s.get('inference') for s in steps.values()
                 if s.get('inference')]
        rate = (step.get('inference') or per_gpu.get('inference')
                or max(rates, default=0)) * gpus
        eval_h = (EVALS * 2 * VAL_IMAGES * 1.8 / rate / 3600) if rate else 0
        hours = train_h + eval_h
        out[key] = dict(train_hours=train_h, eval_hours=eval_h,
                        wall_hours=hours, gpu_hours=hours * gpus,
                        within_4_hours=hours <= 4,
                        vs_community_gpu_hours=[hours * gpus / c for c in
                                                COMMUNITY_GPU_HOURS])
    m.summary['projection'] = out
    m.save()


def variant_label(flags: list) -> str:
    """``--amp --amp-dtype float16 --channels-last`` -> ``fp16, NHWC``."""
    parts = []
    if '--amp' in flags:
        dtype = flags[flags.index('--amp-dtype') + 1]
        parts.append('AMP ' + {'float16': 'fp16', 'bfloat16': 'bf16'}[dtype])
    if '--channels-last' in flags:
        parts.append('channels_last')
    if '--cudnn-benchmark' in flags:
        parts.append('cudnn.benchmark')
    return ', '.join(parts) or 'fp32'


def config_label(config: str) -> str:
    """``configs/unimatch_v2/dinov2-b_dpt_voc_1-8.py`` ->
    ``UniMatch V2, DINOv2-B``."""
    method = {'cwbass': 'CW-BASS', 'unimatch_v2': 'UniMatch V2',
              'fixmatch': 'FixMatch'}.get(osp.basename(osp.dirname(config)))
    name = osp.basename(config)
    if method is None:  # configs/baselines/<method>_<model>...
        method = 'Mean Teacher' if name.startswith('mean_teacher') else \
            'supervised'
    return f"{method}, {'DINOv2-B' if 'dinov2-b' in name else 'R101'}"


def markdown(summary: dict) -> str:
    """A table of the variants for docs/benchmark.md."""

    def f(v, d=1):
        return '' if v is None else f'{v:.{d}f}'

    rows = []
    for name, s in summary['steps'].items():
        if not name.startswith('bench_') or 'batch' not in s:
            continue
        b = s['batch']
        peak = s['peak_mib'].get('cwbass_step',
                                 s['peak_mib'].get('supervised_step'))
        rows.append([
            config_label(s.get('config', '')), variant_label(s['flags']),
            f"{b['labeled']}+{b['unlabeled']}", f(s.get('cwbass_step')),
            f(s.get('supervised_step')), f(s.get('teacher_forward')),
            f(s.get('R'), 3), f(s['img_per_s']), f(peak, 0)])
    return markdown_table(
        ['config', 'variant', 'batch', '(a) ms', '(b) ms', '(c) ms', 'R',
         'img/s', 'peak MiB (a or b)'], rows, left=3) + '\n'


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out-dir', default=os.environ.get('OUT') or
                   'work_dirs/gpu_measure')
    p.add_argument('--dry-run', action='store_true',
                   help='tiny model, crop, images and iterations (CPU)')
    p.add_argument('--device', help="default: 'cuda', 'cpu' with --dry-run")
    p.add_argument('--iters', type=int, help='timed iterations (20)')
    p.add_argument('--warmup', type=int, help='warm-up iterations (5)')
    p.add_argument('--repeats', type=int, help='rounds (2)')
    p.add_argument('--train-iters', type=int, help='AMP training (300)')
    p.add_argument('--budget-s', type=float, default=0,
                   help='skip steps that would end after this many seconds')
    p.add_argument('--quiet', action='store_true',
                   help='output only to the log file')
    args = p.parse_args(argv)
    small = args.dry_run
    args.device = args.device or ('cpu' if small else 'cuda')
    args.iters = args.iters or (1 if small else 15)
    args.warmup = args.warmup if args.warmup is not None else (
        0 if small else 5)
    args.repeats = args.repeats or (1 if small else 2)
    args.train_iters = args.train_iters or (3 if small else 300)
    m = Measure(args)
    try:
        return measure(m)
    finally:
        m.save()
        shutil.rmtree(m.tmp, ignore_errors=True)
        m.log_file.close()


def dinov2_step(m: Measure, method: str, expected: float) -> None:
    """DINOv2-B + DPT VOC 1/8 at crop 518 in bf16 (random init, the
    config's 4+4): (a), (b), (c), R, img/s, peak memory."""
    config = DINOV2[method]
    name = f'dinov2_{method}_bf16'
    if not osp.isfile(osp.join(REPO, config)):
        m.summary['skipped'][f'bench_{name}'] = f'{config} does not exist'
        return
    if m.budget_allows(f'bench_{name}', 2 * expected):
        bench_step(m, name, config, BF16 + QUICK,
                   shrink_options(config, m.args.dry_run))


def measure(m: Measure) -> int:
    env_step(m)
    cw_opts = shrink_options(CWBASS, m.args.dry_run)
    sup_opts = shrink_options(SUPERVISED, m.args.dry_run)
    variants = {'fp32': [], 'amp_fp16': ['--amp', '--amp-dtype', 'float16'],
                'amp_bf16': ['--amp', '--amp-dtype', 'bfloat16']}
    expected = 90.0
    for i, (name, flags) in enumerate(variants.items()):
        # The first run also measures the loader; the three measure the
        # exported teacher's inference (the projection's evaluation rate).
        extra = [] if i == 0 else ['--data', 'none']
        if not m.budget_allows(f'bench_{name}', expected):
            continue
        result = bench_step(m, name, CWBASS, flags + extra, cw_opts)
        expected = max(30.0, result['seconds'])
    done = {k: v for k, v in m.summary['steps'].items()
            if v.get('cwbass_step')}
    if not done:
        m.log('no benchmark variant succeeded: stopping')
        return 1
    best_name = min(done, key=lambda k: done[k]['cwbass_step'])
    best = list(done[best_name]['flags'])
    best = [f for f in best if f not in ('--data', 'none')]
    if m.budget_allows('train_amp', 120.0 if not m.args.dry_run else 60):
        train_run(m, cw_opts)
    dinov2_step(m, 'cwbass', expected)
    if m.budget_allows('bench_channels_last', expected):
        r = bench_step(m, 'channels_last', CWBASS,
                       best + ['--channels-last'] + QUICK, cw_opts)
        if r.get('cwbass_step') and r['cwbass_step'] < \
                done[best_name]['cwbass_step']:
            best_name, best = 'bench_channels_last', best + [
                '--channels-last']
    if m.budget_allows('bench_cudnn_benchmark', expected):
        r = bench_step(m, 'cudnn_benchmark', CWBASS,
                       best + ['--cudnn-benchmark', 'on'] + QUICK,
                       cw_opts)
        if r.get('cwbass_step') and r['cwbass_step'] < \
                m.summary['steps'][best_name]['cwbass_step']:
            best_name, best = 'bench_cudnn_benchmark', best + [
                '--cudnn-benchmark', 'on']
    m.summary['best_variant'] = best_name
    m.summary['best_flags'] = best
    big = (2, 2) if m.args.dry_run else (16, 16)
    if m.budget_allows('bench_best_16+16', 2 * expected):
        bench_step(m, 'best_16+16', CWBASS,
                   best + QUICK + ['--no-memory-variant'],
                   cw_opts + batch_options(*big))
    for name, flags in (('supervised_fp32', []), ('supervised_best', best)):
        if m.budget_allows(f'bench_{name}', expected):
            bench_step(m, name, SUPERVISED, flags + QUICK,
                       sup_opts)
    for method in ('supervised', 'unimatch_v2'):
        dinov2_step(m, method, expected)
    projection(m)
    table = markdown(m.summary)
    with open(osp.join(m.out, 'gpu_measure.md'), 'w') as f:
        f.write(table)
    m.log('summary:\n' + table + json.dumps(m.summary['projection'],
                                            indent=1))
    failed = [k for k, v in m.summary['steps'].items() if v.get('rc')]
    m.summary['failed'] = failed
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
