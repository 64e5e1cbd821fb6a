# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""The CPU demo: supervised-only vs CW-BASS on an embedded toy dataset.

``tools/demo.py`` (``make demo``) is a thin command line around this module:

1. :func:`prepare_demo_data` writes the seeded toy dataset in the Pascal VOC
   layout (:func:`~mmseg_cwbass.testing.toy_data.generate_toy_voc`; reused
   when present) and the 1/8 split with the library of
   ``tools/make_splits.py`` (:func:`~mmseg_cwbass.datasets.splits.make_split`
   and :func:`~mmseg_cwbass.datasets.splits.write_split`).
2. :func:`train_and_evaluate` trains one config through mmengine's
   ``Runner`` (in this process, mmengine's log lines show the progress) and
   evaluates the model of the last iteration on val with mmseg's
   ``IoUMetric`` and the plugin's ``BoundaryIoUMetric`` (per-class IoU too).
   Teacher/student models are evaluated twice (teacher = the reported
   model). Nothing is selected on val: no best checkpoint, no tuning.
3. :func:`run_demo` trains the supervised config and CW-BASS (with the
   plugin's strong student view, the variant that gains on this data),
   prints a table and writes ``summary.json``, a prediction grid and
   training curves. :func:`run_bench` repeats six runs over seeds (the
   paper's same-view CW-BASS among them) and writes mean +- std tables
   (``bench.md``/``bench.json``).

The configs (``configs/demo/*``) use paths relative to the repository root;
the demo points them at the prepared data with absolute paths, so it runs
from any working directory (the tests use a temporary one).
"""
from __future__ import annotations

import copy
import datetime
import hashlib
import json
import math
import os
import os.path as osp
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'demo')

#: Default sizes of the embedded dataset (``generate_toy_voc`` arguments).
DEFAULT_DATA = dict(
    num_train=200, num_val=100, num_aug=0, image_size=(96, 128), seed=0)
#: Split of the demo: Pascal "blended" 1/8 protocol. Without aug ids its
#: pool is train.txt, so it equals the classic 1/8 of the fine set.
DEMO_SPLIT = '1-8'
#: Val images shown in the prediction grid: the first ones of val.txt, a
#: fixed choice (never picked by how well a model does on them).
GRID_IMAGES = 4


@dataclass(frozen=True)
class RunSpec:
    """One training run of the demo or the bench.

    Args:
        name: Short key (folder name, ``summary.json`` key).
        label: Human-readable name for tables and figures.
        config: Config file name under ``configs/demo``.
        all_labels: Train on every train image with its mask instead of the
            labeled list of the split (the "all labels" reference).
        options: ``(key, value)`` config overrides of this run
            (``--cfg-options`` style keys).
        note: What the run changes, for tables.
    """
    name: str
    label: str
    config: str
    all_labels: bool = False
    options: Tuple[Tuple[str, Any], ...] = ()
    note: str = ''


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
                'cwbass-strong_r18-tiny_toy-voc_1-8.py',
                note='student on a photometric + CutMix view'),
        RunSpec('supervised_all', 'Supervised, all labels',
                'supervised_r18-tiny_toy-voc_1-8.py', all_labels=True),
        # The reference's teacher and ramp-up taken literally (method.md):
        # EMA momentum 0.999 (student weight 0.001) and a ramp over 5 epochs
        # of the unlabeled set (175 images / 4 per iteration: 220
        # iterations). Everything else is the CW-BASS demo config.
        RunSpec('cwbass_reference', 'CW-BASS 1/8 (paper), reference EMA',
                'cwbass_r18-tiny_toy-voc_1-8.py',
                options=(('custom_hooks.0.momentum', 0.001),
                         ('model.semi_train_cfg.rampup_iters', 220)),
                note='teacher momentum 0.001, ramp-up 220 iterations'),
    )
}
#: The demo: supervised-only vs CW-BASS (the variant the bench measured to
#: gain on the toy data; the paper's same-view recipe is a bench row).
DEMO_RUNS = ('supervised', 'cwbass_strong')
BENCH_RUNS = ('supervised', 'mean_teacher', 'cwbass', 'cwbass_strong',
              'supervised_all', 'cwbass_reference')

Logger = Callable[[str], None]


def _print(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
@dataclass
class DemoData:
    """Where the prepared toy dataset and its split are.

    Args:
        voc_root: The ``VOCdevkit/VOC2012`` folder (absolute).
        split_dir: Folder with ``labeled.txt``/``unlabeled.txt``
            (absolute).
        num_labeled: Labeled images of the split.
        num_unlabeled: Unlabeled images of the split.
        num_train: Images in ``train.txt`` (the "all labels" set).
        num_val: Images in ``val.txt``.
        meta: The generator's ``toy_meta.json``.
        split_meta: The split's ``split_meta.json``.
        generated: Whether the data was written by this call (False: an
            identical toy tree was already there and was reused).
        split_status: ``'written'``, ``'unchanged'`` or ``'overwritten'``.
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

    @property
    def train_list(self) -> str:
        """``ImageSets/Segmentation/train.txt`` (every labeled train id)."""
        return osp.join(self.voc_root, 'ImageSets', 'Segmentation',
                        'train.txt')

    def val_ids(self) -> List[str]:
        """Ids of ``val.txt`` in file order (the val loader's order)."""
        return _read_lines(
            osp.join(self.voc_root, 'ImageSets', 'Segmentation', 'val.txt'))


def _read_lines(path: str) -> List[str]:
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]


def _read_bytes(path: str) -> bytes:
    with open(path, 'rb') as f:
        return f.read()


def _install_split(staged: str, target: str) -> str:
    """Move a freshly written split folder to ``target``.

    Returns:
        ``'unchanged'`` when ``target`` already holds the same lists (it is
        then left untouched, so its files keep their times), ``'written'``
        or ``'overwritten'`` otherwise.
    """
    names = sorted(os.listdir(staged))
    if osp.isdir(target):
        same = all(
            osp.isfile(osp.join(target, n))
            and _read_bytes(osp.join(target, n)) == _read_bytes(
                osp.join(staged, n)) for n in names)
        if same:
            return 'unchanged'
        shutil.rmtree(target)
        status = 'overwritten'
    else:
        status = 'written'
    os.makedirs(osp.dirname(target), exist_ok=True)
    os.replace(staged, target)
    return status


def prepare_demo_data(data_dir: str = 'data',
                      num_train: int = DEFAULT_DATA['num_train'],
                      num_val: int = DEFAULT_DATA['num_val'],
                      num_aug: int = DEFAULT_DATA['num_aug'],
                      image_size: Tuple[int, int] = DEFAULT_DATA['image_size'],
                      seed: int = DEFAULT_DATA['seed'],
                      split_seed: int = 0,
                      log: Logger = _print) -> DemoData:
    """Generate (or reuse) the toy VOC dataset and write the 1/8 split.

    The toy tree lands in ``<data_dir>/toy/VOCdevkit/VOC2012`` and the split
    in ``<data_dir>/splits/toy_voc/1-8`` (the paths of the demo configs
    relative to the repository root). Both steps are idempotent: the
    generator skips work when its ``toy_meta.json`` records the same
    arguments, and an identical split is left untouched.

    Args:
        data_dir: Root of the data folders.
        num_train: Train images (ids of ``train.txt``).
        num_val: Val images.
        num_aug: Extra SBD-style train ids (unlabeled pool only).
        image_size: ``(height, width)``.
        seed: Generator seed.
        split_seed: Seed of the labeled draw.
        log: Receives progress lines.

    Returns:
        :class:`DemoData`.
    """
    from mmseg_cwbass.datasets import splits as S
    from mmseg_cwbass.testing.toy_data import META_FILE, generate_toy_voc

    data_dir = osp.abspath(data_dir)
    toy_root = osp.join(data_dir, 'toy')
    voc_root = osp.join(toy_root, 'VOCdevkit', 'VOC2012')
    meta_path = osp.join(voc_root, META_FILE)
    before = os.stat(meta_path).st_mtime_ns if osp.isfile(meta_path) else None
    t0 = time.perf_counter()
    generate_toy_voc(
        toy_root,
        num_train=num_train,
        num_val=num_val,
        num_aug=num_aug,
        image_size=tuple(image_size),
        seed=seed,
        progress=lambda msg: log(f'  toy data: {msg}'))
    after = os.stat(meta_path).st_mtime_ns
    generated = before != after
    with open(meta_path, encoding='utf-8') as f:
        meta = json.load(f)
    log(f'toy dataset {"generated" if generated else "reused"}: {voc_root} '
        f'({num_train} train, {num_val} val, {num_aug} aug; '
        f'{time.perf_counter() - t0:.1f}s)')

    split = S.make_split('pascal_voc', voc_root, DEMO_SPLIT, seed=split_seed)
    split_root = osp.join(data_dir, 'splits', 'toy_voc')
    os.makedirs(split_root, exist_ok=True)
    # write_split puts a split in <out>/<dataset>/<name>; the configs read
    # data/splits/toy_voc/<name>, so it is written next to it and moved.
    staging = tempfile.mkdtemp(prefix='.staging-', dir=split_root)
    try:
        written = S.write_split(split, staging)
        target = osp.join(split_root, DEMO_SPLIT)
        status = _install_split(written.path, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    with open(osp.join(target, S.SPLIT_META_FILE), encoding='utf-8') as f:
        split_meta = json.load(f)
    counts = split_meta['counts']
    log(f'split {DEMO_SPLIT} {status}: {target} (labeled {counts["labeled"]}'
        f', unlabeled {counts["unlabeled"]}, seed {split_seed})')
    return DemoData(
        voc_root=voc_root,
        split_dir=target,
        num_labeled=counts['labeled'],
        num_unlabeled=counts['unlabeled'],
        num_train=len(_read_lines(osp.join(voc_root, 'ImageSets',
                                           'Segmentation', 'train.txt'))),
        num_val=len(_read_lines(osp.join(voc_root, 'ImageSets',
                                         'Segmentation', 'val.txt'))),
        meta=meta,
        split_meta=split_meta,
        generated=generated,
        split_status=status)


# --------------------------------------------------------------------------
# configs
# --------------------------------------------------------------------------
def config_path(spec: RunSpec) -> str:
    """Absolute path of a run's config."""
    return osp.join(CONFIG_DIR, spec.config)


def build_run_config(spec: RunSpec,
                     data: DemoData,
                     work_dir: str,
                     iters: Optional[int] = None,
                     seed: int = 0,
                     val_interval: Optional[int] = None,
                     log_interval: Optional[int] = None,
                     cfg_options: Optional[dict] = None):
    """Load a demo config and point it at the prepared data.

    Args:
        spec: The run.
        data: Prepared data (absolute paths).
        work_dir: mmengine work dir of the run.
        iters: Training iterations; None keeps the config's.
        seed: Seed of model initialisation, augmentation and sampling
            (the split is fixed by ``data``).
        val_interval: Validation interval; None keeps the config's (capped
            at ``iters``).
        log_interval: Logger interval; None keeps the config's (capped so
            that a short run still logs).
        cfg_options: Extra overrides merged last (``--cfg-options`` style
            keys).

    Returns:
        mmengine ``Config``.
    """
    from mmengine.config import Config

    cfg = Config.fromfile(config_path(spec))
    voc = data.voc_root
    img_dir = osp.join(voc, 'JPEGImages')
    fine_dir = osp.join(voc, 'SegmentationClass')
    dataset = cfg.train_dataloader.dataset
    if dataset.get('type') == 'SemiSegDataset':
        for role in ('labeled', 'unlabeled'):
            branch = dataset[role]
            branch.data_root = None
            branch.data_prefix = dict(img_path=img_dir,
                                      seg_map_path=fine_dir)
            branch.ann_file = osp.join(data.split_dir, f'{role}.txt')
    else:
        dataset.data_root = None
        dataset.data_prefix = dict(img_path=img_dir, seg_map_path=fine_dir)
        dataset.ann_file = data.train_list if spec.all_labels else \
            osp.join(data.split_dir, 'labeled.txt')
    for phase in ('val', 'test'):
        cfg[f'{phase}_dataloader'].dataset.data_root = voc

    if iters is not None:
        cfg.train_cfg.max_iters = int(iters)
    max_iters = cfg.train_cfg.max_iters
    interval = val_interval or cfg.train_cfg.val_interval
    interval = max(1, min(int(interval), max_iters))
    cfg.train_cfg.val_interval = interval
    cfg.default_hooks.checkpoint.interval = interval
    # The demo reports the last iteration; a "best on val" checkpoint would
    # invite selecting on the evaluation set.
    cfg.default_hooks.checkpoint.save_best = None
    # The poly schedule must end with the run (mmengine fills in ``end``
    # from max_iters when a config leaves it out; a stale one would not).
    for scheduler in cfg.param_scheduler:
        scheduler.pop('end', None)
    log_every = log_interval or cfg.default_hooks.logger.interval
    cfg.default_hooks.logger.interval = max(1, min(log_every, max_iters))

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
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if cfg.model.get('semi_train_cfg') is not None:
        rampup = cfg.model.semi_train_cfg.get('rampup_iters', 0)
        # A smoke run shorter than the ramp-up still weighs its pseudo-labels
        # (full-length runs are unchanged: the ramp ends before max_iters/2).
        cfg.model.semi_train_cfg.rampup_iters = min(rampup, max_iters // 2)
    return cfg


# --------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------
def _unwrap(model):
    from mmengine.model import is_model_wrapper
    return model.module if is_model_wrapper(model) else model


def _build_metrics(dataset_meta: dict):
    """mmseg's IoUMetric and the plugin's BoundaryIoUMetric, as in the
    configs' val_evaluator (checked by the tests)."""
    from mmseg.evaluation import IoUMetric

    from mmseg_cwbass.evaluation.metrics.boundary_metric import \
        BoundaryIoUMetric
    iou = IoUMetric(iou_metrics=['mIoU'])
    biou = BoundaryIoUMetric(tolerance=2, classwise=True)
    for metric in (iou, biou):
        metric.dataset_meta = dataset_meta
    return iou, biou


def evaluate_model(model,
                   dataloader,
                   predict_on: Optional[str] = None,
                   grid_indices: Sequence[int] = ()) -> Tuple[dict, dict]:
    """Evaluate a trained model on val and keep a few predictions.

    Args:
        model: The runner's model (plain or teacher/student).
        dataloader: The val dataloader.
        predict_on: ``'teacher'`` or ``'student'`` for teacher/student
            models; None for plain ones.
        grid_indices: Val indices whose prediction (and, for the teacher,
            confidence and pseudo-label band) is returned.

    Returns:
        ``(metrics, samples)``: ``mIoU``, ``mBIoU``, ``aAcc``, ``mAcc``
        (percent), ``per_class_IoU`` and ``per_class_BIoU`` (class ->
        percent); and index -> dict of numpy arrays (``pred``, and with a
        teacher ``confidence``, ``band``, ``below_tau``, ``tau``).
    """
    import torch
    import torch.nn.functional as F
    from mmseg.evaluation import IoUMetric

    from mmseg_cwbass.models.utils import sobel_boundary_band

    model = _unwrap(model)
    dataset = dataloader.dataset
    iou, biou = _build_metrics(dataset.metainfo)
    classes = list(dataset.metainfo['classes'])
    num_classes = len(classes)
    wanted = set(int(i) for i in grid_indices)
    samples: Dict[int, dict] = {}
    previous = None
    if predict_on is not None:
        previous = model.semi_test_cfg['predict_on']
        model.semi_test_cfg['predict_on'] = predict_on
    was_training = model.training
    model.eval()
    index = 0
    try:
        with torch.no_grad():
            for batch in dataloader:
                outputs = model.val_step(batch)
                # As mmengine's Evaluator hands them to metrics: as dicts.
                as_dicts = [o.to_dict() for o in outputs]
                iou.process(batch, as_dicts)
                biou.process(batch, as_dicts)
                for out in outputs:
                    if index in wanted:
                        samples[index] = _grid_sample(
                            model, out, predict_on, num_classes,
                            sobel_boundary_band, F)
                    index += 1
            # Per-class IoU from the metric's own accumulated areas.
            areas = [sum(r[k] for r in iou.results) for k in range(4)]
            per_class = IoUMetric.total_area_to_metrics(
                *areas, ['mIoU'])['IoU']
            metrics = dict(iou.evaluate(len(dataset)))
            metrics.update(biou.evaluate(len(dataset)))
    finally:
        if previous is not None:
            model.semi_test_cfg['predict_on'] = previous
        model.train(was_training)
    result = dict(
        mIoU=float(metrics['mIoU']),
        mBIoU=float(metrics['mBIoU']),
        aAcc=float(metrics['aAcc']),
        mAcc=float(metrics['mAcc']),
        per_class_IoU={
            c: _percent(v)
            for c, v in zip(classes, np.asarray(per_class, np.float64))
        },
        per_class_BIoU={
            c: _percent(metrics[f'BIoU.{c}'] / 100)
            for c in classes
        })
    return result, samples


def _percent(value: float) -> Optional[float]:
    """A fraction as a rounded percentage; None (JSON null) for NaN, i.e. a
    class absent from both prediction and ground truth."""
    value = float(value)
    return None if math.isnan(value) else round(value * 100, 2)


def _grid_sample(model, out, predict_on: Optional[str], num_classes: int,
                 band_fn: Callable, F) -> dict:
    """Arrays of one val image for the prediction grid.

    Args:
        model: The (unwrapped) model that produced ``out``.
        out: Its ``SegDataSample`` (``pred_sem_seg``, ``seg_logits``).
        predict_on: Branch that produced it (None for plain models).
        num_classes: Number of classes.
        band_fn: :func:`sobel_boundary_band`.
        F: ``torch.nn.functional``.

    Returns:
        ``pred`` and, for a teacher, ``confidence``, ``band`` (Sobel band of
        its pseudo-label, with the padding its training used) and, when the
        model has a threshold, ``below_tau`` and ``tau``.
    """
    pred = out.pred_sem_seg.data[0].cpu()
    sample = dict(pred=pred.numpy().astype(np.uint8))
    if predict_on == 'teacher' and 'seg_logits' in out:
        logits = out.seg_logits.data.float().cpu()
        prob = F.softmax(logits, dim=0)
        confidence, label = prob.max(dim=0)
        band = model.band(label[None])[0] if hasattr(model, 'band') \
            else band_fn(label[None], num_classes=num_classes)[0]
        sample.update(
            confidence=confidence.numpy().astype(np.float32),
            band=band.numpy())
        threshold = getattr(model, 'threshold', None)
        if threshold is not None:
            saved = threshold.last_tau.clone()
            # The training threshold applied to this one image (batch mean
            # statistic: its mean confidence), for the picture only.
            tau = threshold(confidence[None], label[None])[0]
            threshold.last_tau.copy_(saved)
            sample.update(
                below_tau=(confidence <= tau).numpy(),
                tau=float(tau.mean()))
        elif hasattr(model, 'pseudo_threshold'):
            sample.update(
                below_tau=(confidence <= model.pseudo_threshold).numpy(),
                tau=float(model.pseudo_threshold))
    return sample


# --------------------------------------------------------------------------
# one run
# --------------------------------------------------------------------------
RESULT_FILE = 'run_result.json'
GRID_FILE = 'grid_samples.npz'


def _fingerprint(spec: RunSpec, data: DemoData, iters: int, seed: int,
                 cfg_text: str) -> str:
    """What makes two runs the same: config text, data and split."""
    h = hashlib.sha256()
    for part in (spec.name, cfg_text, json.dumps(data.meta, sort_keys=True),
                 json.dumps(data.split_meta.get('files', {}),
                            sort_keys=True), str(iters), str(seed)):
        h.update(part.encode('utf-8'))
        h.update(b'\0')
    return h.hexdigest()


def _scalars_path(log_dir: str) -> str:
    return osp.join(log_dir, 'vis_data', 'scalars.json')


def read_scalars(path: str) -> List[dict]:
    """Read mmengine's ``vis_data/scalars.json`` (one JSON dict a line)."""
    records = []
    if not osp.isfile(path):
        return records
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line:
                records.append(json.loads(line))
    return records


def _is_semi(cfg) -> bool:
    # Every teacher/student wrapper takes the inner model under `segmentor`
    # (the same test tools/test.py and the exporter use).
    return 'segmentor' in cfg.model


def train_and_evaluate(spec: RunSpec,
                       data: DemoData,
                       work_dir: str,
                       iters: Optional[int] = None,
                       seed: int = 0,
                       val_interval: Optional[int] = None,
                       log_interval: Optional[int] = None,
                       grid_images: int = GRID_IMAGES,
                       reuse: bool = False,
                       cfg_options: Optional[dict] = None,
                       log: Logger = _print) -> dict:
    """Train one config with mmengine's Runner and evaluate its last model.

    Args:
        spec: The run.
        data: Prepared data.
        work_dir: The run's mmengine work dir.
        iters: Training iterations (None: the config's).
        seed: Training seed.
        val_interval: Validation interval (None: the config's).
        log_interval: Logger interval (None: the config's).
        grid_images: How many val images (the first ones) to keep
            predictions of.
        reuse: Return the stored result of a finished identical run (same
            config, data, split, iterations and seed) instead of training.
        cfg_options: Extra config overrides.
        log: Receives progress lines.

    Returns:
        Result dict (also written to ``<work_dir>/run_result.json``):
        ``name``, ``label``, ``config``, ``iterations``, ``seed``,
        ``wall_time_s`` (training including its periodic validation),
        ``eval_time_s``, ``evaluated``, ``mIoU``, ``mBIoU``, per-class IoU
        and BIoU of the reported model, ``student`` (teacher/student runs),
        ``scalars`` (path of scalars.json), ``labeled_images``,
        ``unlabeled_images``.
    """
    from mmengine.runner import Runner

    import mmseg_cwbass  # noqa: F401  (registers the plugin's modules)
    from mmseg_cwbass.datasets import check_data_config

    work_dir = osp.abspath(work_dir)
    cfg = build_run_config(spec, data, work_dir, iters, seed, val_interval,
                           log_interval, cfg_options)
    max_iters = int(cfg.train_cfg.max_iters)
    # Names that change per call do not make a run different.
    stable = copy.deepcopy(cfg)
    for key in ('experiment_name', 'work_dir'):
        stable.pop(key, None)
    stable.visualizer.pop('name', None)
    fingerprint = _fingerprint(spec, data, max_iters, seed,
                               stable.pretty_text)
    result_path = osp.join(work_dir, RESULT_FILE)
    if reuse and osp.isfile(result_path):
        with open(result_path, encoding='utf-8') as f:
            stored = json.load(f)
        if stored.get('fingerprint') == fingerprint and osp.isfile(
                osp.join(work_dir, GRID_FILE)):
            log(f'[{spec.name}] reusing the finished run in {work_dir}')
            stored['label'] = spec.label  # labels may be reworded
            stored['reused'] = True
            return stored
        log(f'[{spec.name}] stored run in {work_dir} differs (config, data, '
            'iterations or seed): training again')

    check_data_config(cfg, phases=('train', 'val'))
    os.makedirs(work_dir, exist_ok=True)
    for stale in (RESULT_FILE, GRID_FILE):
        if osp.exists(osp.join(work_dir, stale)):
            os.remove(osp.join(work_dir, stale))
    semi = _is_semi(cfg)
    log(f'[{spec.name}] training {spec.label}: {spec.config}, {max_iters} '
        f'iterations, seed {seed}, work dir {work_dir}')
    t0 = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_time = time.perf_counter() - t0

    t1 = time.perf_counter()
    loader = runner.val_loop.dataloader
    grid = list(range(min(grid_images, len(loader.dataset))))
    samples: Dict[str, Dict[int, dict]] = {}
    if semi:
        teacher, samples['teacher'] = evaluate_model(
            runner.model, loader, 'teacher', grid)
        student, samples['student'] = evaluate_model(
            runner.model, loader, 'student', grid)
        reported, evaluated = teacher, 'teacher'
    else:
        reported, samples['model'] = evaluate_model(
            runner.model, loader, None, grid)
        student, evaluated = None, 'model'
    eval_time = time.perf_counter() - t1

    labeled = data.num_train if spec.all_labels else data.num_labeled
    result = dict(
        name=spec.name,
        label=spec.label,
        config=osp.relpath(config_path(spec), REPO_ROOT),
        method=cfg.model.get('type'),
        iterations=max_iters,
        seed=int(seed),
        labeled_images=labeled,
        unlabeled_images=data.num_unlabeled if semi else 0,
        labeled_per_iteration=_labeled_per_iteration(cfg),
        wall_time_s=round(train_time, 1),
        eval_time_s=round(eval_time, 1),
        evaluated=evaluated,
        **reported,
        student=student,
        scalars=_scalars_path(runner.log_dir),
        work_dir=work_dir,
        fingerprint=fingerprint)
    # Written before ``reused`` is set: a stored result is a trained one.
    arrays = {}
    for branch, per_index in samples.items():
        for index, sample in per_index.items():
            for key, value in sample.items():
                arrays[f'{branch}/{index}/{key}'] = np.asarray(value)
    np.savez_compressed(osp.join(work_dir, GRID_FILE), **arrays)
    with open(result_path, 'w', encoding='utf-8') as f:
        json.dump(result, f, indent=2)
    result['reused'] = False
    extra = f', student mIoU {student["mIoU"]:.2f}' if student else ''
    log(f'[{spec.name}] done in {train_time:.0f}s: {evaluated} mIoU '
        f'{reported["mIoU"]:.2f}, mBIoU {reported["mBIoU"]:.2f}{extra}')
    del runner
    return result


def _labeled_per_iteration(cfg) -> int:
    sampler = cfg.train_dataloader.sampler
    if 'source_ratio' in sampler:
        return int(sampler.source_ratio[0])
    return int(cfg.train_dataloader.batch_size)


def load_grid_samples(work_dir: str) -> Dict[str, Dict[int, dict]]:
    """Read ``grid_samples.npz`` back as branch -> index -> arrays."""
    out: Dict[str, Dict[int, dict]] = {}
    with np.load(osp.join(work_dir, GRID_FILE)) as npz:
        for key in npz.files:
            branch, index, name = key.split('/')
            out.setdefault(branch, {}).setdefault(int(index),
                                                  {})[name] = npz[key]
    return out


# --------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------
def _columns(results: Dict[str, dict]) -> List[Tuple[str, dict]]:
    """(header, metrics) per table column: teacher and student of
    teacher/student runs get one column each."""
    cols = []
    for res in results.values():
        if res.get('student'):
            cols.append((f'{res["label"]} (teacher)', res))
            cols.append((f'{res["label"]} (student)', res['student']))
        else:
            cols.append((res['label'], res))
    return cols


def format_table(results: Dict[str, dict]) -> str:
    """Markdown table: mIoU, mBIoU, per-class IoU, iterations, wall time.

    Args:
        results: Run name -> result of :func:`train_and_evaluate`.

    Returns:
        The table (GitHub markdown, also readable in a terminal).
    """
    cols = _columns(results)
    classes = list(next(iter(results.values()))['per_class_IoU'])
    rows = [['mIoU'] + [f'{m["mIoU"]:.2f}' for _, m in cols],
            ['mBIoU (boundary IoU, d=2)'] +
            [f'{m["mBIoU"]:.2f}' for _, m in cols]]
    for c in classes:
        rows.append([f'IoU {c}'] +
                    [_fmt(m['per_class_IoU'][c]) for _, m in cols])
    owners = [res for res in results.values()
              for _ in range(2 if res.get('student') else 1)]
    rows.append(['labeled / unlabeled images'] + [
        f'{r["labeled_images"]} / {r["unlabeled_images"]}' for r in owners])
    rows.append(['iterations'] + [str(r['iterations']) for r in owners])
    rows.append(['train wall time (s)'] +
                [f'{r["wall_time_s"]:.0f}' for r in owners])
    header = ['metric (val, %)'] + [h for h, _ in cols]
    return _markdown(header, rows)


def _fmt(value: Optional[float]) -> str:
    return 'n/a' if value is None else f'{value:.2f}'


def _markdown(header: List[str], rows: List[List[str]]) -> str:
    widths = [max(len(r[i]) for r in [header] + rows)
              for i in range(len(header))]

    def line(cells):
        return '| ' + ' | '.join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths))) + ' |'

    sep = '|' + '|'.join(
        '-' * (w + 1) + ':' if i else '-' * (w + 2)
        for i, w in enumerate(widths)) + '|'
    return '\n'.join([line(header), sep] + [line(r) for r in rows])


# --------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------
def _pyplot():
    import matplotlib
    matplotlib.use('Agg')  # no display needed (and none on servers)
    import matplotlib.pyplot as plt
    return plt


def _colourise(label: np.ndarray, palette: np.ndarray) -> np.ndarray:
    lut = np.zeros((256, 3), np.uint8)
    lut[:len(palette)] = palette
    lut[255] = (224, 224, 192)  # VOC's ignore colour
    return lut[label]


def plot_grid(data: DemoData, runs: Dict[str, dict], out_path: str,
              supervised: str = DEMO_RUNS[0],
              semi: str = DEMO_RUNS[1]) -> str:
    """PNG grid: image, ground truth, supervised and CW-BASS predictions,
    teacher confidence and the boundary band of its pseudo-label.

    Args:
        data: Prepared data (images and masks are read from it).
        runs: Run name -> result (with ``work_dir``).
        out_path: PNG file to write.
        supervised: Run name of the supervised column.
        semi: Run name of the CW-BASS columns (teacher predictions).

    Returns:
        ``out_path``.
    """
    from PIL import Image

    from mmseg_cwbass.testing.toy_data import TOY_CLASSES, TOY_PALETTE
    plt = _pyplot()
    from matplotlib.patches import Patch

    sup = load_grid_samples(runs[supervised]['work_dir'])['model']
    teacher = load_grid_samples(runs[semi]['work_dir'])['teacher']
    ids = data.val_ids()
    indices = sorted(set(sup) & set(teacher))
    palette = np.array(TOY_PALETTE, np.uint8)
    titles = ['image', 'ground truth', runs[supervised]['label'],
              f'{runs[semi]["label"]} (teacher)', 'teacher confidence',
              'pseudo-label band (white)\nc <= tau (red)']
    rows = max(1, len(indices))
    fig, axes = plt.subplots(
        rows, len(titles),
        figsize=(1.9 * len(titles) + 0.6, 1.45 * rows + 1.1),
        squeeze=False)
    fig.subplots_adjust(left=0.04, right=0.92, top=1 - 0.55 / (1.45 * rows
                                                              + 1.1),
                        bottom=0.5 / (1.45 * rows + 1.1), wspace=0.04,
                        hspace=0.06)
    heat = None
    for row, index in enumerate(indices):
        img_id = ids[index]
        image = np.array(Image.open(
            osp.join(data.voc_root, 'JPEGImages', img_id + '.jpg')))
        gt = np.array(Image.open(
            osp.join(data.voc_root, 'SegmentationClass', img_id + '.png')))
        t = teacher[index]
        band = np.zeros(gt.shape + (3, ), np.uint8)
        if 'below_tau' in t:
            band[t['below_tau'].astype(bool)] = (200, 30, 30)
        band[t['band'].astype(bool)] = 255
        panels = [image, _colourise(gt, palette),
                  _colourise(sup[index]['pred'], palette),
                  _colourise(t['pred'], palette), None, band]
        for col, panel in enumerate(panels):
            ax = axes[row, col]
            if col == 4:
                heat = ax.imshow(t['confidence'], cmap='viridis', vmin=0,
                                 vmax=1, interpolation='nearest')
            else:
                ax.imshow(panel, interpolation='nearest')
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(titles[col], fontsize=8)
        axes[row, 0].set_ylabel(img_id, fontsize=7)
    if heat is not None:
        # Own axis right of the grid: stealing space from one column would
        # shrink its images.
        top = axes[0, -1].get_position().y1
        bottom = axes[-1, -1].get_position().y0
        cax = fig.add_axes([0.935, bottom, 0.012, top - bottom])
        fig.colorbar(heat, cax=cax).ax.tick_params(labelsize=7)
    handles = [Patch(color=np.array(c) / 255, label=n)
               for n, c in zip(TOY_CLASSES, TOY_PALETTE)]
    handles.append(Patch(color=np.array((224, 224, 192)) / 255,
                         label='ignore (255)'))
    fig.legend(handles=handles, loc='lower center', ncol=len(handles),
               fontsize=7, frameon=False)
    fig.suptitle('First val images of the toy dataset; models of the last '
                 'iteration', fontsize=9)
    fig.savefig(out_path, dpi=80)
    plt.close(fig)
    return out_path


def _smooth(values: List[float], window: int) -> np.ndarray:
    values = np.asarray(values, np.float64)
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    # 'valid' convolution would shorten the curve; pad with edge values.
    padded = np.pad(values, (window // 2, window - 1 - window // 2),
                    mode='edge')
    return np.convolve(padded, kernel, mode='valid')


def _series(records: List[dict], key: str) -> Tuple[List[int], List[float]]:
    steps, values = [], []
    for r in records:
        if key in r and isinstance(r[key], (int, float)):
            steps.append(int(r.get('step', r.get('iter', 0))))
            values.append(float(r[key]))
    return steps, values


def plot_curves(runs: Dict[str, dict], out_path: str,
                supervised: str = DEMO_RUNS[0],
                semi: str = DEMO_RUNS[1]) -> str:
    """PNG training curves read from mmengine's ``scalars.json``.

    Panels: training losses; CW-BASS threshold tau, kept-pixel ratio, mean
    teacher confidence, pseudo-label accuracy (diagnostic masks) and the
    ramp-up weight; val mIoU and val mBIoU over iterations.

    Args:
        runs: Run name -> result (with ``scalars``).
        out_path: PNG file to write.
        supervised: Run name of the supervised curves.
        semi: Run name of the CW-BASS curves.

    Returns:
        ``out_path``.
    """
    plt = _pyplot()
    sup = read_scalars(runs[supervised]['scalars'])
    cw = read_scalars(runs[semi]['scalars'])
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    n_train = max(1, len([r for r in cw if 'unsup.tau' in r]))
    win = max(1, min(5, n_train // 10))

    ax = axes[0, 0]
    for records, key, label, style in (
            (sup, 'decode.loss_ce', 'supervised: CE (labeled)', '-'),
            (cw, 'sup.decode.loss_ce', 'CW-BASS: CE (labeled)', '-'),
            (cw, 'unsup.loss_cw', 'CW-BASS: confidence-weighted CE', '--'),
            (cw, 'unsup.loss_boundary', 'CW-BASS: boundary CE (x0.5)',
             ':')):
        steps, values = _series(records, key)
        if steps:
            ax.plot(steps, _smooth(values, win), style, label=label)
    ax.set_title('training losses (unsupervised terms x ramp-up weight)',
                 fontsize=9)
    ax.set_xlabel('iteration')
    ax.legend(fontsize=7)

    ax = axes[0, 1]
    for key, label, style in (
            ('unsup.tau', 'threshold tau', '-'),
            ('unsup.kept_ratio', 'kept-pixel ratio (c > tau)', '-'),
            ('unsup.confidence', 'mean teacher confidence', '--'),
            ('unsup.pseudo_acc', 'pseudo-label accuracy (diagnostic)', ':'),
            ('unsup.unsup_weight', 'ramp-up weight r(t)', '-.')):
        steps, values = _series(cw, key)
        if steps:
            ax.plot(steps, _smooth(values, win), style, label=label)
    ax.set_ylim(0, 1.05)
    ax.set_title('CW-BASS pseudo-labels (unlabeled batch)', fontsize=9)
    ax.set_xlabel('iteration')
    ax.legend(fontsize=7)

    for ax, metric in ((axes[1, 0], 'mIoU'), (axes[1, 1], 'mBIoU')):
        for records, key, label, style in (
                (sup, metric, runs[supervised]['label'], 'o-'),
                (cw, f'teacher/{metric}', f'{runs[semi]["label"]} teacher',
                 's-'),
                (cw, f'student/{metric}', f'{runs[semi]["label"]} student',
                 's--')):
            steps, values = _series(records, key)
            if steps:
                ax.plot(steps, values, style, label=label, markersize=4)
        ax.set_title(f'val {metric} (%)', fontsize=9)
        ax.set_xlabel('iteration')
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_path, dpi=80)
    plt.close(fig)
    return out_path


# --------------------------------------------------------------------------
# demo and bench
# --------------------------------------------------------------------------
def machine_info() -> dict:
    """Where a measurement was taken (for summary.json and bench.json)."""
    import torch
    return dict(
        platform=platform.platform(),
        processor=platform.processor() or platform.machine(),
        cpu_count=os.cpu_count(),
        torch=torch.__version__,
        torch_threads=torch.get_num_threads(),
        python=platform.python_version())


def _data_summary(data: DemoData) -> dict:
    return dict(
        voc_root=data.voc_root,
        split_dir=data.split_dir,
        generator=data.meta,
        split=dict(
            name=DEMO_SPLIT,
            protocol=data.split_meta.get('protocol'),
            seed=data.split_meta.get('seed'),
            counts=data.split_meta.get('counts'),
            files=data.split_meta.get('files')),
        generated_now=data.generated)


def run_demo(out_dir: str = 'work_dirs/demo',
             data_dir: str = 'data',
             iters: Optional[int] = None,
             seed: int = 0,
             reuse: bool = False,
             data_kwargs: Optional[dict] = None,
             val_interval: Optional[int] = None,
             log_interval: Optional[int] = None,
             grid_images: int = GRID_IMAGES,
             log: Logger = _print) -> dict:
    """Supervised-only vs CW-BASS, side by side; table, JSON and figures.

    Args:
        out_dir: Output folder (runs in ``<out_dir>/<run>``).
        data_dir: Data root (see :func:`prepare_demo_data`).
        iters: Training iterations of both runs (None: the configs').
        seed: Training seed of both runs.
        reuse: Reuse finished identical runs instead of retraining.
        data_kwargs: Overrides of :data:`DEFAULT_DATA`.
        val_interval: Validation interval (None: the configs').
        log_interval: Logger interval (None: the configs').
        grid_images: Val images in the prediction grid.
        log: Receives progress lines and the table.

    Returns:
        The summary written to ``<out_dir>/summary.json`` (with ``table``
        and ``files``).
    """
    t0 = time.perf_counter()
    out_dir = osp.abspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    data = prepare_demo_data(data_dir, log=log,
                             **dict(DEFAULT_DATA, **(data_kwargs or {})))
    results = {}
    for name in DEMO_RUNS:
        results[name] = train_and_evaluate(
            RUNS[name], data, osp.join(out_dir, name), iters=iters,
            seed=seed, val_interval=val_interval, log_interval=log_interval,
            grid_images=grid_images, reuse=reuse, log=log)
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
        runs={
            name: {k: v for k, v in res.items() if k != 'fingerprint'}
            for name, res in results.items()
        },
        data=_data_summary(data),
        machine=machine_info(),
        total_wall_time_s=round(time.perf_counter() - t0, 1),
        table=table,
        files=files)
    with open(files['summary'], 'w', encoding='utf-8') as f:
        json.dump(summary, f, indent=2)
    log('')
    log('Val results (toy VOC, split 1/8: '
        f'{data.num_labeled} labeled + {data.num_unlabeled} unlabeled '
        f'images, {data.num_val} val images; last iteration, CW-BASS '
        'reports its teacher):')
    log(table)
    log(f'{RUNS[DEMO_RUNS[1]].label}: CW-BASS with the plugin\'s strong '
        'student view (configs/demo/cwbass-strong_*); the paper\'s '
        'same-view recipe is a row of the bench (--bench, docs/demo.md).')
    log('')
    log(f'Finished in {summary["total_wall_time_s"]:.0f}s. Outputs:')
    log(f'  summary      {files["summary"]}')
    log(f'  predictions  {files["grid"]}')
    log(f'  curves       {files["curves"]}')
    log(f'  runs         {out_dir}/{{{",".join(DEMO_RUNS)}}}/ '
        '(mmengine logs, checkpoints, vis_data/scalars.json)')
    return summary


def _bench_job(args: dict) -> dict:
    """One bench run in a worker process, its output sent to a log file."""
    log_path = args.pop('log_path')
    threads = args.pop('threads')
    import torch
    torch.set_num_threads(threads)
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    with open(log_path, 'w', encoding='utf-8') as f:
        # At the file-descriptor level, so mmengine's console handler, the
        # warnings and C extensions all write to the run's log file.
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            return train_and_evaluate(log=lambda m: print(m, flush=True),
                                      **args)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()


def _mean_std(values: List[float]) -> Tuple[float, float]:
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, std


def format_bench_table(bench: dict) -> str:
    """Markdown table of mean +- std (over seeds) per method.

    Args:
        bench: Output of :func:`run_bench` (``methods`` with per-seed
            results).

    Returns:
        The table.
    """
    header = ['method', 'labeled / unlabeled', 'evaluated', 'mIoU',
              'mBIoU', 'student mIoU', 'seeds', 'train time / run (s)']
    rows = []
    for name, entry in bench['methods'].items():
        runs = entry['runs']
        miou = _mean_std([r['mIoU'] for r in runs])
        mbiou = _mean_std([r['mBIoU'] for r in runs])
        students = [r['student']['mIoU'] for r in runs if r.get('student')]
        student = '-' if not students else \
            '{:.2f} ± {:.2f}'.format(*_mean_std(students))
        rows.append([
            entry['label'],
            f'{runs[0]["labeled_images"]} / {runs[0]["unlabeled_images"]}',
            runs[0]['evaluated'],
            '{:.2f} ± {:.2f}'.format(*miou),
            '{:.2f} ± {:.2f}'.format(*mbiou), student,
            ' '.join(str(r['seed']) for r in runs),
            f'{statistics.fmean(r["wall_time_s"] for r in runs):.0f}'
        ])
    return _markdown(header, rows)


def run_bench(out_dir: str = 'work_dirs/demo',
              data_dir: str = 'data',
              seeds: Sequence[int] = (0, 1, 2),
              methods: Sequence[str] = BENCH_RUNS,
              iters: Optional[int] = None,
              jobs: int = 1,
              threads: int = 1,
              reuse: bool = False,
              data_kwargs: Optional[dict] = None,
              val_interval: Optional[int] = None,
              log: Logger = _print) -> dict:
    """Measure methods over seeds; write ``bench.md`` and ``bench.json``.

    Every method trains on the same data and split with its demo config;
    seeds change initialisation, augmentation and sampling (the split is
    fixed). Runs execute in ``jobs`` worker processes (each with
    ``threads`` torch threads); each run's log goes to
    ``<out_dir>/bench/<method>_s<seed>.log``.

    Args:
        out_dir: Output folder.
        data_dir: Data root.
        seeds: Training seeds.
        methods: Run names of :data:`RUNS`.
        iters: Iterations of every run (None: the configs').
        jobs: Parallel worker processes (each run gets a fresh one).
        threads: torch threads per run.
        reuse: Reuse finished identical runs.
        data_kwargs: Overrides of :data:`DEFAULT_DATA`.
        val_interval: Validation interval (None: the configs').
        log: Receives progress lines and the table.

    Returns:
        The bench dict (also in ``bench.json``), with ``table``.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    t0 = time.perf_counter()
    out_dir = osp.abspath(out_dir)
    bench_dir = osp.join(out_dir, 'bench')
    os.makedirs(bench_dir, exist_ok=True)
    data = prepare_demo_data(data_dir, log=log,
                             **dict(DEFAULT_DATA, **(data_kwargs or {})))
    # Longest runs first, so two workers finish together.
    order = sorted(((m, s) for s in seeds for m in methods),
                   key=lambda ms: (RUNS[ms[0]].config.startswith(
                       'supervised'), ms[1]))
    tasks = []
    for method, seed in order:
        tasks.append(dict(
            spec=RUNS[method], data=data,
            work_dir=osp.join(bench_dir, f'{method}_s{seed}'),
            iters=iters, seed=seed, val_interval=val_interval,
            grid_images=0, reuse=reuse,
            log_path=osp.join(bench_dir, f'{method}_s{seed}.log'),
            threads=threads))
    log(f'bench: {len(tasks)} runs ({", ".join(methods)} x seeds '
        f'{list(seeds)}), {jobs} at a time, logs in {bench_dir}')
    done: Dict[Tuple[str, int], dict] = {}
    ctx = mp.get_context('spawn')  # a fresh interpreter per worker
    # A fresh process per run: no mmengine singletons or RNG state carried
    # from one run into the next.
    with ProcessPoolExecutor(
            max_workers=jobs, mp_context=ctx,
            max_tasks_per_child=1) as pool:
        futures = {pool.submit(_bench_job, dict(t)): t for t in tasks}
        for future in as_completed(futures):
            task = futures[future]
            key = (task['spec'].name, task['seed'])
            try:
                res = future.result()
            except Exception as e:  # noqa: BLE001 (report, keep going)
                log(f'  FAILED {key[0]} seed {key[1]}: {e!r} (see '
                    f'{task["log_path"]})')
                raise
            done[key] = res
            extra = f' (student {res["student"]["mIoU"]:.2f})' \
                if res.get('student') else ''
            log(f'  [{len(done)}/{len(tasks)}] {res["label"]} seed '
                f'{key[1]}: mIoU {res["mIoU"]:.2f}{extra}, mBIoU '
                f'{res["mBIoU"]:.2f}, {res["wall_time_s"]:.0f}s '
                f'({time.perf_counter() - t0:.0f}s elapsed)')
    bench = dict(
        description='Mean ± sample std over training seeds on the toy VOC '
        'dataset, val metrics of the last iteration (no checkpoint '
        'selection); teacher/student methods report the teacher.',
        methods={
            m: dict(
                label=RUNS[m].label,
                config=osp.relpath(config_path(RUNS[m]), REPO_ROOT),
                runs=[{k: v for k, v in done[(m, s)].items()
                       if k != 'fingerprint'} for s in seeds])
            for m in methods
        },
        seeds=list(seeds),
        iterations=done[(methods[0], seeds[0])]['iterations'],
        jobs=jobs,
        threads_per_run=threads,
        data=_data_summary(data),
        machine=machine_info(),
        total_wall_time_s=round(time.perf_counter() - t0, 1))
    bench['table'] = format_bench_table(bench)
    with open(osp.join(out_dir, 'bench.json'), 'w', encoding='utf-8') as f:
        json.dump(bench, f, indent=2)
    md = [
        '# Toy VOC bench (tools/demo.py --bench)', '',
        f'Seeds {list(seeds)}; {bench["iterations"]} iterations per run; '
        f'split 1/8 ({data.num_labeled} labeled + {data.num_unlabeled} '
        f'unlabeled), {data.num_val} val images; {jobs} runs at a time, '
        f'{threads} torch thread(s) each; total wall time '
        f'{bench["total_wall_time_s"] / 60:.1f} min on '
        f'{bench["machine"]["cpu_count"]} CPU cores '
        f'({bench["machine"]["processor"]}).', '', bench['table'], '',
        'Per-class IoU and every seed: bench.json.', ''
    ]
    with open(osp.join(out_dir, 'bench.md'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(md))
    log('')
    log(bench['table'])
    log('')
    log(f'Bench finished in {bench["total_wall_time_s"] / 60:.1f} min. '
        'Outputs:')
    log(f'  table  {osp.join(out_dir, "bench.md")}')
    log(f'  json   {osp.join(out_dir, "bench.json")}')
    log(f'  runs   {bench_dir}/')
    return bench
