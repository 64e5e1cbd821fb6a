# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Building blocks of ``tools/misc/demo.py``, shared with its tests.

* :func:`prepare_demo_data`: the seeded toy dataset in the Pascal VOC layout
  (:func:`~mmseg_cwbass.testing.toy_data.generate_toy_voc`) and its 1/8
  split, written by ``tools/make_splits.py`` run as a command.
* :func:`train_and_evaluate`: one config trained with mmengine's ``Runner``;
  its metrics are those of the runner's own validation loop at the last
  iteration (``TeacherStudentValLoop`` gives ``teacher/*`` and
  ``student/*``), with per-class values from ``ClasswiseIoUMetric`` and
  ``BoundaryIoUMetric(classwise=True)``, and the arrays the prediction
  grid draws. Nothing is selected on val.
* :func:`bench_job` (one bench run in a worker process) and the bench's
  markdown tables (:func:`mmseg_cwbass.utils.markdown.markdown_table`).
"""
from __future__ import annotations

import copy
import datetime
import filecmp
import hashlib
import json
import math
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmseg_cwbass.datasets.dataset_configs import read_ids
from mmseg_cwbass.testing.toy_configs import use_toy_voc
from mmseg_cwbass.utils.markdown import markdown_table

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'demo')
MAKE_SPLITS = osp.join(REPO_ROOT, 'tools', 'make_splits.py')
#: ``generate_toy_voc`` arguments of the demo dataset.
DEFAULT_DATA = dict(
    num_train=200, num_val=100, num_aug=0, image_size=(96, 128), seed=0)
#: Pascal "blended" 1/8; without aug ids its pool is train.txt, so it equals
#: the classic 1/8 of the fine set.
DEMO_SPLIT = '1-8'
#: The first val images (a fixed choice, never picked by how well a model
#: does on them) are drawn in the prediction grid.
GRID_IMAGES = 4
RESULT_FILE = 'run_result.json'
GRID_FILE = 'grid_samples.npz'
Logger = Callable[[str], None]


@dataclass(frozen=True)
class RunSpec:
    """One training run of the demo or the bench.

    Args:
        name: Short key (folder name, ``summary.json`` key).
        label: Human-readable name for tables and figures.
        config: Config file name under ``configs/demo``.
        all_labels: Train on every train image (``train.txt``) instead of
            the labeled list of the split.
        options: ``(key, value)`` overrides, ``--cfg-options`` style.
    """
    name: str
    label: str
    config: str
    all_labels: bool = False
    options: Tuple[Tuple[str, Any], ...] = ()


RUNS: Dict[str, RunSpec] = {
    spec.name: spec
    for spec in (
        RunSpec('supervised', 'Supervised 1/8',
                'supervised_r18-tiny_toy-voc_1-8.py'),
        RunSpec('mean_teacher', 'Mean Teacher 1/8',
                'mean_teacher_r18-tiny_toy-voc_1-8.py'),
        RunSpec('cwbass', 'CW-BASS 1/8 (paper: same weak view)',
                'cwbass_r18-tiny_toy-voc_1-8.py'),
        RunSpec('cwbass_strong', 'CW-BASS 1/8 + strong view',
                'cwbass-strong_r18-tiny_toy-voc_1-8.py'),
        RunSpec('supervised_all', 'Supervised, all labels',
                'supervised_r18-tiny_toy-voc_1-8.py', all_labels=True),
        # The reference's teacher and ramp-up taken literally (method.md):
        # student weight 0.001 and 5 epochs of the unlabeled set (175
        # images / 4 per iteration: 220 iterations).
        RunSpec('cwbass_reference', 'CW-BASS 1/8 (paper), reference EMA',
                'cwbass_r18-tiny_toy-voc_1-8.py',
                options=(('custom_hooks.0.momentum', 0.001),
                         ('model.semi_train_cfg.rampup_iters', 220))),
        # The comparison methods (docs/methods.md), same network, data,
        # split, iterations and evaluation.
        RunSpec('fixmatch', 'FixMatch 1/8',
                'fixmatch_r18-tiny_toy-voc_1-8.py'),
        RunSpec('unimatch_v2', 'UniMatch V2 1/8',
                'unimatch_v2_r18-tiny_toy-voc_1-8.py'),
        RunSpec('cwbass_unimatch_views',
                'CW-BASS 1/8 on UniMatch V2 strong views',
                'cwbass-unimatch-views_r18-tiny_toy-voc_1-8.py'),
    )
}
#: Supervised-only vs CW-BASS with the strong view (the variant the bench
#: measured to gain on the toy data; the paper's recipe is a bench row).
DEMO_RUNS = ('supervised', 'cwbass_strong')
BENCH_RUNS = ('supervised', 'mean_teacher', 'cwbass', 'cwbass_strong',
              'supervised_all', 'cwbass_reference')
#: ``make bench-toy-methods``: the methods a user compares CW-BASS with.
METHOD_BENCH_RUNS = ('supervised', 'mean_teacher', 'fixmatch', 'unimatch_v2',
                     'cwbass', 'cwbass_unimatch_views')


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
@dataclass
class DemoData:
    """Where the prepared toy dataset and its split are (absolute paths).

    ``generated`` is False when an identical toy tree was reused;
    ``split_status`` is ``'written'``, ``'unchanged'`` or ``'overwritten'``.
    """
    voc_root: str
    split_dir: str
    num_labeled: int
    num_unlabeled: int
    num_train: int
    num_val: int
    meta: dict
    split_meta: dict
    generated: bool
    split_status: str

    def image_list(self, name: str) -> str:
        """``ImageSets/Segmentation/<name>.txt``."""
        return osp.join(self.voc_root, 'ImageSets', 'Segmentation',
                        f'{name}.txt')

    def val_ids(self) -> List[str]:
        """Ids of ``val.txt`` in file order (the val loader's order)."""
        return read_ids(self.image_list('val'))


def _same_files(a: str, b: str) -> bool:
    """Whether folder ``b`` holds exactly ``a``'s files, byte for byte."""
    names = sorted(os.listdir(a))
    if not osp.isdir(b) or sorted(os.listdir(b)) != names:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    return not mismatch and not errors


def prepare_demo_data(data_dir: str = 'data',
                      num_train: int = DEFAULT_DATA['num_train'],
                      num_val: int = DEFAULT_DATA['num_val'],
                      num_aug: int = DEFAULT_DATA['num_aug'],
                      image_size: Sequence[int] = DEFAULT_DATA['image_size'],
                      seed: int = DEFAULT_DATA['seed'],
                      split_seed: int = 0,
                      log: Logger = print) -> DemoData:
    """Generate (or reuse) the toy VOC dataset and write its 1/8 split.

    The data lands in ``<data_dir>/toy/VOCdevkit/VOC2012`` and the split in
    ``<data_dir>/splits/toy_voc/1-8``, the paths of ``configs/demo``. The
    generator skips work when its ``toy_meta.json`` records the same
    arguments; an identical split on disk is left untouched.

    Args:
        data_dir: Root of the data folders.
        num_train, num_val, num_aug, image_size, seed: Generator arguments.
        split_seed: Seed of the labeled draw.
        log: Receives progress lines.

    Returns:
        :class:`DemoData`.

    Raises:
        RuntimeError: ``tools/make_splits.py`` failed (its message quoted).
    """
    from mmseg_cwbass.testing.toy_data import META_FILE, generate_toy_voc

    data_dir = osp.abspath(data_dir)
    voc_root = osp.join(data_dir, 'toy', 'VOCdevkit', 'VOC2012')
    meta_path = osp.join(voc_root, META_FILE)
    before = os.stat(meta_path).st_mtime_ns if osp.isfile(meta_path) else None
    t0 = time.perf_counter()
    generate_toy_voc(
        osp.join(data_dir, 'toy'), num_train=num_train, num_val=num_val,
        num_aug=num_aug, image_size=tuple(image_size), seed=seed,
        progress=lambda msg: log(f'  toy data: {msg}'))
    generated = before != os.stat(meta_path).st_mtime_ns
    with open(meta_path, encoding='utf-8') as f:
        meta = json.load(f)
    log(f'toy dataset {"generated" if generated else "reused"}: {voc_root} '
        f'({num_train} train, {num_val} val, {num_aug} aug; '
        f'{time.perf_counter() - t0:.1f}s)')

    # make_splits writes <out>/pascal_voc/<name>; the configs read
    # data/splits/toy_voc/<name>, so the split is written aside and moved.
    split_root = osp.join(data_dir, 'splits', 'toy_voc')
    target = osp.join(split_root, DEMO_SPLIT)
    os.makedirs(split_root, exist_ok=True)
    staging = tempfile.mkdtemp(prefix='.staging-', dir=split_root)
    try:
        cmd = [sys.executable, MAKE_SPLITS, '--dataset', 'pascal_voc',
               '--data-root', voc_root, '--splits', DEMO_SPLIT, '--out',
               staging, '--seed', str(split_seed)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        written = osp.join(staging, 'pascal_voc', DEMO_SPLIT)
        if proc.returncode != 0 or not osp.isdir(written):
            raise RuntimeError(
                f'{" ".join(cmd)} failed (exit {proc.returncode}): '
                f'{(proc.stderr or proc.stdout).strip()}')
        if _same_files(written, target):
            status = 'unchanged'  # left as it is, so its files keep times
        else:
            status = 'overwritten' if osp.isdir(target) else 'written'
            shutil.rmtree(target, ignore_errors=True)
            os.replace(written, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    with open(osp.join(target, 'split_meta.json'), encoding='utf-8') as f:
        split_meta = json.load(f)
    counts = split_meta['counts']
    log(f'split {DEMO_SPLIT} {status}: {target} (labeled {counts["labeled"]}'
        f', unlabeled {counts["unlabeled"]}, seed {split_seed})')
    lists = osp.join(voc_root, 'ImageSets', 'Segmentation')
    return DemoData(
        voc_root, target, counts['labeled'], counts['unlabeled'],
        len(read_ids(osp.join(lists, 'train.txt'))),
        len(read_ids(osp.join(lists, 'val.txt'))), meta, split_meta,
        generated, status)


# --------------------------------------------------------------------------
# one run
# --------------------------------------------------------------------------
def build_run_config(spec: RunSpec, data: DemoData, work_dir: str,
                     iters: Optional[int] = None, seed: int = 0,
                     val_interval: Optional[int] = None,
                     log_interval: Optional[int] = None):
    """Load a demo config, point it at the prepared data, set the run.

    Args:
        spec: The run.
        data: Prepared data.
        work_dir: mmengine work dir of the run.
        iters: Training iterations (None: the config's).
        seed: Seed of initialisation, augmentation and sampling.
        val_interval: Validation interval (None: the config's; at most
            ``iters``).
        log_interval: Logger interval (None: the config's; at most
            ``iters``).

    Returns:
        mmengine ``Config``.
    """
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(CONFIG_DIR, spec.config))
    use_toy_voc(cfg, data.voc_root, dict(
        labeled=data.image_list('train') if spec.all_labels else osp.join(
            data.split_dir, 'labeled.txt'),
        unlabeled=osp.join(data.split_dir, 'unlabeled.txt')))
    # Per-class values in the val loop's metrics (the table needs them).
    for metric in cfg.val_evaluator:
        if metric.type == 'IoUMetric':
            metric.type = 'ClasswiseIoUMetric'
        elif metric.type == 'BoundaryIoUMetric':
            metric.classwise = True

    if iters is not None:
        cfg.train_cfg.max_iters = int(iters)
    max_iters = cfg.train_cfg.max_iters
    interval = min(val_interval or cfg.train_cfg.val_interval, max_iters)
    cfg.train_cfg.val_interval = interval
    cfg.default_hooks.checkpoint.interval = interval
    # The demo reports the last iteration; "best on val" would select on
    # the evaluation set.
    cfg.default_hooks.checkpoint.save_best = None
    for scheduler in cfg.param_scheduler:
        scheduler.pop('end', None)  # mmengine ends it at max_iters
    cfg.default_hooks.logger.interval = min(
        log_interval or cfg.default_hooks.logger.interval, max_iters)
    cfg.randomness = dict(seed=int(seed))
    cfg.train_dataloader.sampler.seed = int(seed)
    cfg.work_dir = work_dir
    # One Runner per run in this process: unique names, or mmengine hands
    # the second Runner the first one's visualizer (and its log folder).
    stamp = datetime.datetime.now().strftime('%Y%m%d_%H%M%S_%f')
    cfg.experiment_name = f'demo_{spec.name}_s{seed}_{stamp}'
    cfg.visualizer.name = cfg.experiment_name
    cfg.launcher = 'none'
    if spec.options:
        cfg.merge_from_dict(dict(spec.options))
    if cfg.model.get('semi_train_cfg') is not None:
        # A smoke run shorter than the ramp-up still weighs pseudo-labels
        # (full runs are unchanged: their ramp ends before max_iters / 2).
        cfg.model.semi_train_cfg.rampup_iters = min(
            cfg.model.semi_train_cfg.get('rampup_iters', 0), max_iters // 2)
    return cfg


class FinalValCapture(Hook):
    """Keep what the train loop's last validation gives.

    ``metrics`` are the val loop's metrics at the last iteration;
    ``samples[branch][image id]`` holds, for ``image_ids``, the prediction
    (``model``: plain models; ``teacher``) and for the teacher its
    confidence, the band of its pseudo-label (``model.band``: the band its
    boundary loss trains on) and the pixels its threshold drops
    (``below_tau``, ``tau``).
    """
    priority = 'LOWEST'

    def __init__(self, image_ids: Sequence[str]) -> None:
        self.image_ids = set(image_ids)
        self.metrics: Optional[dict] = None
        self.samples: Dict[str, Dict[str, dict]] = {}

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs=None) -> None:
        """Keep the grid images' outputs of the last validation."""
        if runner.iter < runner.max_iters or not self.image_ids:
            return
        model = runner.model
        model = model.module if is_model_wrapper(model) else model
        branch = model.semi_test_cfg['predict_on'] \
            if hasattr(model, 'semi_test_cfg') else 'model'
        if branch == 'student':
            return  # the grid shows the teacher, the model CW-BASS predicts
        for out in outputs:
            image_id = osp.splitext(osp.basename(out.img_path))[0]
            if image_id in self.image_ids:
                self.samples.setdefault(branch, {})[image_id] = \
                    self._arrays(model, out, branch)

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Keep the metrics of the last validation."""
        if runner.iter >= runner.max_iters:
            self.metrics = dict(metrics or {})

    @staticmethod
    def _arrays(model, out, branch: str) -> dict:
        arrays = dict(pred=out.pred_sem_seg.data[0].cpu().numpy())
        if branch != 'teacher':
            return arrays
        prob = out.seg_logits.data.float().cpu().softmax(dim=0)
        confidence, label = prob.max(dim=0)
        arrays.update(confidence=confidence.numpy(),
                      band=model.band(label[None])[0].numpy())
        tau = None
        threshold = getattr(model, 'threshold', None)
        if threshold is not None:
            # The training threshold on this one image (its mean confidence
            # is the batch statistic); its logged state is put back.
            saved = threshold.last_tau.clone()
            tau = threshold(confidence[None], label[None])[0]
            threshold.last_tau.copy_(saved)
        elif hasattr(model, 'pseudo_threshold'):
            tau = confidence.new_tensor(model.pseudo_threshold)
        if tau is not None:
            arrays.update(below_tau=(confidence <= tau).numpy(),
                          tau=float(tau.float().mean()))
        return arrays


def _percent(value: float) -> Optional[float]:
    """Rounded percentage; None (JSON null) for NaN (class absent)."""
    value = float(value)
    return None if math.isnan(value) else round(value, 2)


def _metrics_of(metrics: dict, prefix: str, classes: Sequence[str]) -> dict:
    """One model's metrics out of the val loop's (``teacher/``, ...)."""
    out = {k: float(metrics[prefix + k])
           for k in ('mIoU', 'mBIoU', 'aAcc', 'mAcc')}
    for name in ('IoU', 'BIoU'):
        out[f'per_class_{name}'] = {
            c: _percent(metrics[f'{prefix}{name}.{c}']) for c in classes}
    return out


def _fingerprint(spec: RunSpec, data: DemoData, cfg) -> str:
    """What makes two runs the same: config, data and split."""
    stable = copy.deepcopy(cfg)
    for key in ('experiment_name', 'work_dir'):
        stable.pop(key, None)
    stable.visualizer.pop('name', None)  # names change per call
    h = hashlib.sha256()
    for part in (spec.name, stable.pretty_text,
                 json.dumps(data.meta, sort_keys=True),
                 json.dumps(data.split_meta.get('files', {}),
                            sort_keys=True)):
        h.update(part.encode('utf-8') + b'\0')
    return h.hexdigest()


def train_and_evaluate(spec: RunSpec, data: DemoData, work_dir: str,
                       iters: Optional[int] = None, seed: int = 0,
                       val_interval: Optional[int] = None,
                       log_interval: Optional[int] = None,
                       grid_images: int = GRID_IMAGES, reuse: bool = False,
                       log: Logger = print) -> dict:
    """Train one config with mmengine's Runner; report its last validation.

    Args:
        spec: The run.
        data: Prepared data.
        work_dir: The run's mmengine work dir.
        iters, seed, val_interval, log_interval: See
            :func:`build_run_config`.
        grid_images: How many val images (the first ones) to keep
            predictions of (``grid_samples.npz``).
        reuse: Return the stored result of a finished identical run
            instead of training.
        log: Receives progress lines.

    Returns:
        The result (also in ``<work_dir>/run_result.json``): ``mIoU``,
        ``mBIoU``, ``aAcc``, ``mAcc`` and per-class IoU/BIoU of the
        reported model (the teacher of teacher/student runs), ``student``,
        ``wall_time_s`` (training with its validations), the run's
        settings and ``scalars`` (mmengine's ``scalars.json``).
    """
    from mmengine.runner import Runner

    import mmseg_cwbass  # noqa: F401  (registers the plugin's modules)
    from mmseg_cwbass.datasets import check_data_config

    work_dir = osp.abspath(work_dir)
    cfg = build_run_config(spec, data, work_dir, iters, seed, val_interval,
                           log_interval)
    fingerprint = _fingerprint(spec, data, cfg)
    result_path = osp.join(work_dir, RESULT_FILE)
    if reuse and osp.isfile(result_path):
        with open(result_path, encoding='utf-8') as f:
            stored = json.load(f)
        if stored.get('fingerprint') == fingerprint and osp.isfile(
                osp.join(work_dir, GRID_FILE)):
            log(f'[{spec.name}] reusing the finished run in {work_dir}')
            return dict(stored, label=spec.label, reused=True)
        log(f'[{spec.name}] stored run in {work_dir} differs (config, data, '
            'iterations or seed): training again')

    check_data_config(cfg, phases=('train', 'val'))
    os.makedirs(work_dir, exist_ok=True)
    for stale in (RESULT_FILE, GRID_FILE):
        if osp.exists(osp.join(work_dir, stale)):
            os.remove(osp.join(work_dir, stale))
    max_iters = int(cfg.train_cfg.max_iters)
    log(f'[{spec.name}] training {spec.label}: {spec.config}, {max_iters} '
        f'iterations, seed {seed}, work dir {work_dir}')
    t0 = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    capture = FinalValCapture(data.val_ids()[:grid_images])
    runner.register_hook(capture)
    runner.train()
    train_time = time.perf_counter() - t0
    if capture.metrics is None:
        raise RuntimeError(f'{spec.config}: the last iteration was not '
                           'validated (train_cfg.val_begin?)')

    classes = runner.val_loop.dataloader.dataset.metainfo['classes']
    semi = 'segmentor' in cfg.model  # every teacher/student wrapper
    prefix = 'teacher/' if semi else ''
    sampler = cfg.train_dataloader.sampler
    result = dict(
        name=spec.name, label=spec.label,
        config=osp.relpath(osp.join(CONFIG_DIR, spec.config), REPO_ROOT),
        method=cfg.model.get('type'), iterations=max_iters, seed=int(seed),
        labeled_images=data.num_train if spec.all_labels else
        data.num_labeled,
        unlabeled_images=data.num_unlabeled if semi else 0,
        labeled_per_iteration=int(sampler.source_ratio[0]) if semi else int(
            cfg.train_dataloader.batch_size),
        wall_time_s=round(train_time, 1),
        evaluated='teacher' if semi else 'model',
        **_metrics_of(capture.metrics, prefix, classes),
        student=_metrics_of(capture.metrics, 'student/', classes)
        if semi else None,
        scalars=osp.join(runner.log_dir, 'vis_data', 'scalars.json'),
        work_dir=work_dir, fingerprint=fingerprint)
    np.savez_compressed(
        osp.join(work_dir, GRID_FILE), **{
            f'{branch}/{image_id}/{key}': np.asarray(value)
            for branch, per_image in capture.samples.items()
            for image_id, arrays in per_image.items()
            for key, value in arrays.items()
        })
    with open(result_path, 'w', encoding='utf-8') as f:
        json.dump(result, f, indent=2)
    extra = f', student mIoU {result["student"]["mIoU"]:.2f}' if semi else ''
    log(f'[{spec.name}] done in {train_time:.0f}s: {result["evaluated"]} '
        f'mIoU {result["mIoU"]:.2f}, mBIoU {result["mBIoU"]:.2f}{extra}')
    del runner
    return dict(result, reused=False)




def bench_job(args: dict) -> dict:
    """:func:`train_and_evaluate` in a bench worker, output to a log file."""
    import torch
    log_path = args.pop('log_path')
    torch.set_num_threads(args.pop('threads'))
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    with open(log_path, 'w', encoding='utf-8') as f:
        # At the descriptor level, so mmengine's console handler, warnings
        # and C extensions all write to the run's log file.
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            return train_and_evaluate(
                log=lambda m: print(m, flush=True), **args)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()


# --------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------
def _mean_std(values: Sequence[float]) -> str:
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f'{statistics.fmean(values):.2f} ± {std:.2f}'


def format_bench_table(bench: dict) -> str:
    """Bench table: mean ± sample std over seeds, one row per method.

    Args:
        bench: ``methods`` -> ``{label, runs}`` with per-seed results.

    Returns:
        The table.
    """
    header = ['method', 'labeled / unlabeled', 'evaluated', 'mIoU',
              'mBIoU', 'student mIoU', 'seeds', 'train time / run (s)']
    rows = []
    for entry in bench['methods'].values():
        runs = entry['runs']
        students = [r['student']['mIoU'] for r in runs if r.get('student')]
        rows.append([
            entry['label'],
            f'{runs[0]["labeled_images"]} / {runs[0]["unlabeled_images"]}',
            runs[0]['evaluated'], _mean_std([r['mIoU'] for r in runs]),
            _mean_std([r['mBIoU'] for r in runs]),
            _mean_std(students) if students else '-',
            ' '.join(str(r['seed']) for r in runs),
            f'{statistics.fmean(r["wall_time_s"] for r in runs):.0f}'
        ])
    return markdown_table(header, rows)


def format_paired_table(bench: dict, baseline: str = 'supervised') -> str:
    """Differences to ``baseline`` on the same seed: mean ± sample std.

    The seed fixes the data order and the initial weights of both runs, so
    the paired difference removes what the seeds share.

    Args:
        bench: As :func:`format_bench_table`; must hold ``baseline``.
        baseline: The run every other one is compared with.

    Returns:
        The table (one row per other method).
    """
    base = {r['seed']: r for r in bench['methods'][baseline]['runs']}
    header = ['method', f'Δ mIoU vs {baseline}', f'Δ mBIoU vs {baseline}',
              'seeds']
    rows = []
    for name, entry in bench['methods'].items():
        if name == baseline:
            continue
        runs = [r for r in entry['runs'] if r['seed'] in base]
        rows.append([
            entry['label'],
            _mean_std([r['mIoU'] - base[r['seed']]['mIoU'] for r in runs]),
            _mean_std([r['mBIoU'] - base[r['seed']]['mBIoU'] for r in runs]),
            ' '.join(str(r['seed']) for r in runs)
        ])
    return markdown_table(header, rows)
