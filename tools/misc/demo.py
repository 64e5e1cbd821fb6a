# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""CPU demo: what CW-BASS buys over supervised-only training (``make demo``).

Generates a seeded toy dataset in the Pascal VOC layout (reused when
present), writes its 1/8 split with ``tools/make_splits.py``, trains the same
tiny DeepLabv3+ with the same schedule and labeled images twice (supervised
only, then CW-BASS with the unlabeled images and a strong student view)
through mmengine's ``Runner``, and reports the last validation of each run:
a table (mIoU, boundary IoU, per-class IoU), ``summary.json``,
``demo_grid.png`` (predictions, teacher confidence, pseudo-label band,
drawn with mmseg's ``SegLocalVisualizer``) and ``demo_curves.png`` (from
mmengine's ``scalars.json``) in ``work_dirs/demo``. ``--bench`` measures six
runs over seeds instead (``bench.md``/``bench.json``).

Examples::

    python tools/misc/demo.py                 # the demo (~5 min on 2 cores)
    python tools/misc/demo.py --reuse         # reuse finished identical runs
    python tools/misc/demo.py --iters 500     # a quicker, rougher look
    python tools/misc/demo.py --bench --seeds 0 1 2   # ~35 min on 2 cores
    python tools/misc/demo.py --bench --seeds 0 1 2 3 4 --methods \\
        supervised mean_teacher fixmatch unimatch_v2 cwbass \\
        cwbass_unimatch_views           # make bench-toy-methods, ~90 min
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

import numpy as np

# A script run by path sees its own folder: demo_utils is next to this file.
import demo_utils as D
from mmseg_cwbass.utils.collect_env import collect_env
from mmseg_cwbass.utils.markdown import markdown_table

#: Colour levels of the teacher-confidence panel (0.1 wide each).
CONFIDENCE_LEVELS = 10
IGNORE_COLOUR = (224, 224, 192)  # VOC's colour of label 255


def _print(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------
def _pyplot():
    import matplotlib
    matplotlib.use('Agg')  # no display needed (and none on servers)
    import matplotlib.pyplot as plt
    return plt


def load_grid_samples(work_dir: str) -> Dict[str, Dict[str, dict]]:
    """``grid_samples.npz`` of a run as branch -> image id -> arrays."""
    out: Dict[str, Dict[str, dict]] = {}
    with np.load(osp.join(work_dir, D.GRID_FILE)) as npz:
        for key in npz.files:
            branch, image_id, name = key.split('/')
            out.setdefault(branch, {}).setdefault(image_id,
                                                  {})[name] = npz[key]
    return out


def plot_grid(data: D.DemoData, runs: Dict[str, dict], out_path: str) -> str:
    """Image, ground truth, both predictions, teacher confidence and band.

    Label maps are drawn by mmseg's ``SegLocalVisualizer``
    (``add_datasample``, in palette colours), confidence levels, ignored
    pixels and the band by mmengine's ``draw_binary_masks``; matplotlib
    lays the panels out with titles, a legend and a colour bar.

    Args:
        data: Prepared data (images and masks are read from it).
        runs: The demo's results (``work_dir`` with ``grid_samples.npz``).
        out_path: PNG file to write.

    Returns:
        ``out_path``.
    """
    import torch
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    from mmseg.visualization import SegLocalVisualizer
    from PIL import Image

    from mmseg_cwbass.testing.toy_data import TOY_CLASSES, TOY_PALETTE
    plt = _pyplot()
    supervised, semi = (runs[name] for name in D.DEMO_RUNS)
    sup = load_grid_samples(supervised['work_dir']).get('model', {})
    teacher = load_grid_samples(semi['work_dir']).get('teacher', {})
    ids = [i for i in data.val_ids() if i in sup and i in teacher]
    # alpha 1: pure palette colours, not blended with the image.
    vis = SegLocalVisualizer(name=f'demo_grid_{time.time_ns()}', alpha=1.0)
    vis.dataset_meta = dict(classes=TOY_CLASSES, palette=TOY_PALETTE)
    cmap = plt.get_cmap('viridis', CONFIDENCE_LEVELS)
    level_colours = [tuple(int(255 * c) for c in cmap(k)[:3])
                     for k in range(CONFIDENCE_LEVELS)]

    def label_panel(image, label, field):
        tensor = torch.from_numpy(label[None].astype(np.int64))
        sample = SegDataSample(**{field: PixelData(data=tensor)})
        vis.add_datasample('panel', image, sample, with_labels=False)
        vis.draw_binary_masks(label == 255, colors=[IGNORE_COLOUR],
                              alphas=1.0)
        return vis.get_image()

    def mask_panel(masks, colours):
        vis.set_image(np.zeros(masks[0].shape + (3, ), np.uint8))
        vis.draw_binary_masks(np.stack(masks), colors=colours, alphas=1.0)
        return vis.get_image()

    titles = ['image', 'ground truth', supervised['label'],
              f'{semi["label"]} (teacher)', 'teacher confidence',
              'pseudo-label band (white)\nc <= tau (red)']
    rows = max(1, len(ids))
    height = 1.45 * rows + 1.1
    fig, axes = plt.subplots(rows, len(titles), squeeze=False,
                             figsize=(1.9 * len(titles) + 0.6, height))
    fig.subplots_adjust(left=0.04, right=0.92, top=1 - 0.55 / height,
                        bottom=0.5 / height, wspace=0.04, hspace=0.06)
    for row, image_id in enumerate(ids):
        image = np.array(Image.open(
            osp.join(data.voc_root, 'JPEGImages', image_id + '.jpg')))
        gt = np.array(Image.open(
            osp.join(data.voc_root, 'SegmentationClass', image_id + '.png')))
        t = teacher[image_id]
        bins = np.minimum((t['confidence'] * CONFIDENCE_LEVELS).astype(int),
                          CONFIDENCE_LEVELS - 1)
        below = t.get('below_tau', np.zeros_like(t['band']))
        panels = [
            image, label_panel(image, gt, 'gt_sem_seg'),
            label_panel(image, sup[image_id]['pred'], 'pred_sem_seg'),
            label_panel(image, t['pred'], 'pred_sem_seg'),
            mask_panel([bins == k for k in range(CONFIDENCE_LEVELS)],
                       level_colours),
            mask_panel([below, t['band']], [(200, 30, 30), (255, 255, 255)])
        ]
        for col, panel in enumerate(panels):
            ax = axes[row, col]
            ax.imshow(panel, interpolation='nearest')
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(titles[col], fontsize=8)
        axes[row, 0].set_ylabel(image_id, fontsize=7)
    # Own axis right of the grid: stealing space from one column would
    # shrink its images.
    top, bottom = axes[0, -1].get_position().y1, axes[-1, -1].get_position().y0
    levels = np.linspace(0, 1, CONFIDENCE_LEVELS + 1)
    scale = ScalarMappable(BoundaryNorm(levels, CONFIDENCE_LEVELS),
                           ListedColormap(np.array(level_colours) / 255))
    fig.colorbar(scale, cax=fig.add_axes([0.935, bottom, 0.012, top - bottom]),
                 ticks=levels[::2]).ax.tick_params(labelsize=7)
    handles = [Patch(color=np.array(c) / 255, label=n)
               for n, c in zip(TOY_CLASSES, TOY_PALETTE)]
    handles.append(Patch(color=np.array(IGNORE_COLOUR) / 255,
                         label='ignore (255)'))
    fig.legend(handles=handles, loc='lower center', ncol=len(handles),
               fontsize=7, frameon=False)
    fig.suptitle('First val images of the toy dataset; models of the last '
                 'iteration', fontsize=9)
    fig.savefig(out_path, dpi=80)
    plt.close(fig)
    return out_path


def read_scalars(path: str) -> List[dict]:
    """mmengine's ``vis_data/scalars.json``: one JSON dict a line."""
    if not osp.isfile(path):
        return []
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def _series(records: List[dict], key: str, window: int = 1):
    """Steps and values of one scalar, as a centred moving average."""
    points = [(r['step'], r[key]) for r in records
              if isinstance(r.get(key), (int, float))]
    steps = [s for s, _ in points]
    values = np.array([v for _, v in points], np.float64)
    if 1 < window <= len(values):
        # Edge-padded, so the curve keeps its length.
        padded = np.pad(values, (window // 2, window - 1 - window // 2),
                        mode='edge')
        values = np.convolve(padded, np.ones(window) / window, mode='valid')
    return steps, values


def plot_curves(runs: Dict[str, dict], out_path: str) -> str:
    """Training curves of the demo's runs from mmengine's scalar logs.

    Panels: training losses; CW-BASS threshold tau, kept-pixel ratio, mean
    teacher confidence, pseudo-label accuracy and ramp-up weight; val mIoU
    and mBIoU over iterations.

    Args:
        runs: The demo's results (``scalars``: ``scalars.json`` paths).
        out_path: PNG file to write.

    Returns:
        ``out_path``.
    """
    plt = _pyplot()
    supervised, semi = (runs[name] for name in D.DEMO_RUNS)
    sup = read_scalars(supervised['scalars'])
    cw = read_scalars(semi['scalars'])
    window = max(1, min(5, sum('unsup.tau' in r for r in cw) // 10))
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    # (axis, title, curves, smoothed): training scalars are smoothed,
    # validation points are not.
    panels = [
        (axes[0, 0], 'training losses (unsupervised terms x ramp-up weight)',
         [(sup, 'decode.loss_ce', 'supervised: CE (labeled)', '-'),
          (cw, 'sup.decode.loss_ce', 'CW-BASS: CE (labeled)', '-'),
          (cw, 'unsup.loss_cw', 'CW-BASS: confidence-weighted CE', '--'),
          (cw, 'unsup.loss_boundary', 'CW-BASS: boundary CE (x0.5)', ':')],
         True),
        (axes[0, 1], 'CW-BASS pseudo-labels (unlabeled batch)',
         [(cw, 'unsup.tau', 'threshold tau', '-'),
          (cw, 'unsup.kept_ratio', 'kept-pixel ratio (c > tau)', '-'),
          (cw, 'unsup.confidence', 'mean teacher confidence', '--'),
          (cw, 'unsup.pseudo_acc', 'pseudo-label accuracy (diagnostic)',
           ':'),
          (cw, 'unsup.unsup_weight', 'ramp-up weight r(t)', '-.')], True),
    ]
    for ax, metric in ((axes[1, 0], 'mIoU'), (axes[1, 1], 'mBIoU')):
        panels.append((ax, f'val {metric} (%)', [
            (sup, metric, supervised['label'], 'o-'),
            (cw, f'teacher/{metric}', f'{semi["label"]} teacher', 's-'),
            (cw, f'student/{metric}', f'{semi["label"]} student', 's--')
        ], False))
    for ax, title, curves, smoothed in panels:
        for records, key, label, style in curves:
            steps, values = _series(records, key, window if smoothed else 1)
            if steps:
                ax.plot(steps, values, style, label=label, markersize=4)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel('iteration')
        ax.legend(fontsize=7)
    axes[0, 1].set_ylim(0, 1.05)
    fig.tight_layout()
    fig.savefig(out_path, dpi=80)
    plt.close(fig)
    return out_path


# --------------------------------------------------------------------------
# demo and bench
# --------------------------------------------------------------------------
def _fmt(value: Optional[float]) -> str:
    return 'n/a' if value is None else f'{value:.2f}'


def format_table(results: Dict[str, dict]) -> str:
    """Demo table: one column per model (teacher and student of CW-BASS).

    Args:
        results: Run name -> result of :func:`train_and_evaluate`.

    Returns:
        Rows mIoU, mBIoU, per-class IoU, images, iterations, wall time.
    """
    cols, owners = [], []
    for res in results.values():
        models = [(' (teacher)', res), (' (student)', res['student'])] \
            if res.get('student') else [('', res)]
        cols += [(res['label'] + suffix, m) for suffix, m in models]
        owners += [res] * len(models)
    classes = list(cols[0][1]['per_class_IoU'])
    rows = [['mIoU'] + [_fmt(m['mIoU']) for _, m in cols],
            ['mBIoU (boundary IoU, d=2)'] + [_fmt(m['mBIoU'])
                                             for _, m in cols]]
    rows += [[f'IoU {c}'] + [_fmt(m['per_class_IoU'][c]) for _, m in cols]
             for c in classes]
    rows += [
        ['labeled / unlabeled images'] +
        [f'{r["labeled_images"]} / {r["unlabeled_images"]}' for r in owners],
        ['iterations'] + [str(r['iterations']) for r in owners],
        ['train wall time (s)'] + [f'{r["wall_time_s"]:.0f}' for r in owners],
    ]
    return markdown_table(['metric (val, %)'] + [h for h, _ in cols], rows)


def data_summary(data: D.DemoData) -> dict:
    """What ``summary.json``/``bench.json`` record about the data."""
    keys = ('protocol', 'seed', 'counts', 'files')
    return dict(
        voc_root=data.voc_root, split_dir=data.split_dir,
        generator=data.meta, generated_now=data.generated,
        split=dict(name=D.DEMO_SPLIT,
                   **{k: data.split_meta.get(k) for k in keys}))


def run_demo(args: argparse.Namespace, data: D.DemoData) -> dict:
    """Supervised-only vs CW-BASS: train, then table, JSON and figures."""
    t0 = time.perf_counter()
    out_dir = osp.abspath(args.out)
    results = {
        name: D.train_and_evaluate(
            D.RUNS[name], data, osp.join(out_dir, name), iters=args.iters,
            seed=args.seed, val_interval=args.val_interval,
            log_interval=args.log_interval, grid_images=args.grid_images,
            reuse=args.reuse, log=_print)
        for name in D.DEMO_RUNS
    }
    files = dict(
        summary=osp.join(out_dir, 'summary.json'),
        grid=plot_grid(data, results, osp.join(out_dir, 'demo_grid.png')),
        curves=plot_curves(results, osp.join(out_dir, 'demo_curves.png')))
    table = format_table(results)
    summary = dict(
        description='Supervised-only vs CW-BASS on the toy VOC dataset, '
        'same model, schedule and labeled images; val metrics of the last '
        'iteration (CW-BASS: the teacher is reported, the student is '
        'given as well). CW-BASS uses the plugin\'s strong student view; '
        'the paper\'s same-view recipe is measured by --bench.',
        runs={name: {k: v for k, v in res.items() if k != 'fingerprint'}
              for name, res in results.items()},
        data=data_summary(data), machine=collect_env(),
        total_wall_time_s=round(time.perf_counter() - t0, 1),
        table=table, files=files)
    with open(files['summary'], 'w', encoding='utf-8') as f:
        json.dump(summary, f, indent=2)
    _print(f'\nVal results (toy VOC, split 1/8: {data.num_labeled} labeled '
           f'+ {data.num_unlabeled} unlabeled images, {data.num_val} val '
           'images; last iteration, CW-BASS reports its teacher):')
    _print(table)
    _print(f'{D.RUNS[D.DEMO_RUNS[1]].label}: CW-BASS with the plugin\'s '
           'strong student view (configs/demo/cwbass-strong_*); the paper\'s'
           ' same-view recipe is a row of the bench (--bench, docs/demo.md).')
    _print(f'\nFinished in {summary["total_wall_time_s"]:.0f}s. Outputs:')
    _print(f'  summary      {files["summary"]}')
    _print(f'  predictions  {files["grid"]}')
    _print(f'  curves       {files["curves"]}')
    _print(f'  runs         {out_dir}/{{{",".join(D.DEMO_RUNS)}}}/ '
           '(mmengine logs, checkpoints, vis_data/scalars.json)')
    return summary


def run_bench(args: argparse.Namespace, data: D.DemoData) -> dict:
    """Methods x seeds, one worker process per run; bench.md/bench.json."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    t0 = time.perf_counter()
    out_dir = osp.abspath(args.out)
    bench_dir = osp.join(out_dir, 'bench')
    jobs = args.jobs or max(1, min(2, os.cpu_count() or 1))
    # Longest runs (semi-supervised) first, so two workers finish together.
    order = sorted(((m, s) for s in args.seeds for m in args.methods),
                   key=lambda ms: (D.RUNS[ms[0]].config.startswith(
                       'supervised'), ms[1]))
    tasks = [dict(spec=D.RUNS[m], data=data, iters=args.iters, seed=s,
                  work_dir=osp.join(bench_dir, f'{m}_s{s}'),
                  val_interval=args.val_interval, grid_images=0,
                  reuse=args.reuse, threads=args.threads,
                  log_path=osp.join(bench_dir, f'{m}_s{s}.log'))
             for m, s in order]
    _print(f'bench: {len(tasks)} runs ({", ".join(args.methods)} x seeds '
           f'{args.seeds}), {jobs} at a time, logs in {bench_dir}')
    done = {}
    # A fresh interpreter per run: no mmengine singletons or RNG state
    # carried from one run into the next.
    with ProcessPoolExecutor(max_workers=jobs, max_tasks_per_child=1,
                             mp_context=mp.get_context('spawn')) as pool:
        futures = {pool.submit(D.bench_job, dict(t)): t for t in tasks}
        for future in as_completed(futures):
            task = futures[future]
            key = (task['spec'].name, task['seed'])
            try:
                res = done[key] = future.result()
            except Exception as e:  # noqa: BLE001 (say which, then raise)
                _print(f'  FAILED {key[0]} seed {key[1]}: {e!r} (see '
                       f'{task["log_path"]})')
                raise
            extra = f' (student {res["student"]["mIoU"]:.2f})' \
                if res.get('student') else ''
            _print(f'  [{len(done)}/{len(tasks)}] {res["label"]} seed '
                   f'{key[1]}: mIoU {res["mIoU"]:.2f}{extra}, mBIoU '
                   f'{res["mBIoU"]:.2f}, {res["wall_time_s"]:.0f}s '
                   f'({time.perf_counter() - t0:.0f}s elapsed)')
    bench = dict(
        description='Mean ± sample std over training seeds on the toy VOC '
        'dataset, val metrics of the last iteration (no checkpoint '
        'selection); teacher/student methods report the teacher.',
        methods={m: dict(
            label=D.RUNS[m].label,
            config=f'configs/demo/{D.RUNS[m].config}',
            runs=[{k: v for k, v in done[(m, s)].items()
                   if k != 'fingerprint'} for s in args.seeds])
            for m in args.methods},
        seeds=list(args.seeds),
        iterations=done[(args.methods[0], args.seeds[0])]['iterations'],
        jobs=jobs, threads_per_run=args.threads, data=data_summary(data),
        machine=collect_env(),
        total_wall_time_s=round(time.perf_counter() - t0, 1))
    bench['table'] = D.format_bench_table(bench)
    paired = []
    if 'supervised' in args.methods and len(args.methods) > 1:
        bench['paired_table'] = D.format_paired_table(bench)
        paired = ['Paired by seed (each method minus supervised on the same '
                  'seed):', '', bench['paired_table'], '']
    with open(osp.join(out_dir, 'bench.json'), 'w', encoding='utf-8') as f:
        json.dump(bench, f, indent=2)
    with open(osp.join(out_dir, 'bench.md'), 'w', encoding='utf-8') as f:
        f.write('\n'.join([
            '# Toy VOC bench (tools/misc/demo.py --bench)', '',
            f'Seeds {list(args.seeds)}; {bench["iterations"]} iterations per'
            f' run; split 1/8 ({data.num_labeled} labeled + '
            f'{data.num_unlabeled} unlabeled), {data.num_val} val images; '
            f'{jobs} runs at a time, {args.threads} torch thread(s) each; '
            f'total wall time {bench["total_wall_time_s"] / 60:.1f} min on '
            f'{bench["machine"]["CPU cores"]} CPU cores '
            f'({bench["machine"]["CPU"]}).', '', bench['table'], '',
            *paired, 'Per-class IoU and every seed: bench.json.', ''
        ]))
    _print(f'\n{bench["table"]}\n')
    if paired:
        _print(f'{bench["paired_table"]}\n')
    _print(f'Bench finished in {bench["total_wall_time_s"] / 60:.1f} min. '
           'Outputs:')
    _print(f'  table  {osp.join(out_dir, "bench.md")}')
    _print(f'  json   {osp.join(out_dir, "bench.json")}')
    _print(f'  runs   {bench_dir}/')
    return bench


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be >= 1, got {value}')
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(
        description='CPU demo of CW-BASS on a generated toy VOC dataset: '
        'supervised-only vs CW-BASS, side by side (or, with --bench, six '
        'runs over several seeds).',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument('--out', default='work_dirs/demo', help='output folder')
    p.add_argument('--data-dir', default='data', help='data root: toy data '
                   'in <dir>/toy, split in <dir>/splits/toy_voc/1-8')
    p.add_argument('--iters', type=_positive, default=None,
                   help='training iterations of every run (default: the '
                   "configs', 3000)")
    p.add_argument('--seed', type=int, default=0, help='training seed')
    p.add_argument('--reuse', action='store_true', help='reuse finished '
                   'runs with identical config, data, split and seed')
    p.add_argument('--threads', type=_positive, default=1, help='torch '
                   'threads per run (more only contend for the cores)')
    p.add_argument('--val-interval', type=_positive, default=None,
                   help="validation interval (default: the configs')")
    p.add_argument('--log-interval', type=_positive, default=None,
                   help="logger interval (default: the configs')")
    p.add_argument('--grid-images', type=int, default=D.GRID_IMAGES,
                   help='val images in the prediction grid')
    p.add_argument('--bench', action='store_true',
                   help='run the bench instead of the demo')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2],
                   help='bench: training seeds')
    p.add_argument('--methods', nargs='+', default=list(D.BENCH_RUNS),
                   choices=sorted(D.RUNS), help='bench: runs to measure')
    p.add_argument('--jobs', type=_positive, default=None, help='bench: '
                   'runs at a time (default: CPU cores, at most 2)')
    p.add_argument('--num-train', type=_positive,
                   default=D.DEFAULT_DATA['num_train'],
                   help='toy data: train images')
    p.add_argument('--num-val', type=_positive,
                   default=D.DEFAULT_DATA['num_val'],
                   help='toy data: val images')
    p.add_argument('--image-size', type=_positive, nargs=2,
                   default=list(D.DEFAULT_DATA['image_size']),
                   metavar=('H', 'W'), help='toy data: image size')
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Run the demo or the bench.

    Args:
        argv: Arguments without the program name (default ``sys.argv``).

    Returns:
        Exit status.
    """
    args = build_parser().parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    data = D.prepare_demo_data(
        args.data_dir, **dict(D.DEFAULT_DATA, num_train=args.num_train,
                              num_val=args.num_val,
                              image_size=args.image_size), log=_print)
    (run_bench if args.bench else run_demo)(args, data)
    return 0


if __name__ == '__main__':
    sys.exit(main())
