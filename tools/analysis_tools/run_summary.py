# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The facts of one mmengine work dir, for ``summarize.py`` beside it.

For every work dir it reads what mmengine wrote:

* ``<work_dir>/<timestamp>/vis_data/scalars.json``: one JSON object per
  line; training lines carry ``iter`` and ``step``, validation lines carry
  the metrics (``teacher/mIoU`` and ``student/mIoU`` for the semi-supervised
  wrappers, ``mIoU`` for a plain segmentor) and ``step`` = the iteration.
  Every timestamp folder is read in order, so a resumed run is one series.
* the dumped config, ``<timestamp>/vis_data/config.py`` of the latest
  session (or ``<work_dir>/<config name>.py``), for the method, the labeled
  split list, backbone, crop and iterations;
* the ``split_meta.json`` that ``tools/make_splits.py`` writes beside the
  labeled split list, for the split's seed or converted source.

Only the standard library is imported at start; the plugin's config reader
when a config is read.
"""
from __future__ import annotations

import glob
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple


SEMI_METRICS = ('teacher/mIoU', 'student/mIoU')
SUP_METRIC = 'mIoU'
SUPERVISED = 'supervised'
METHOD_NAMES = {
    'CWBASSSegmentor': 'CW-BASS',
    'MeanTeacherSegmentor': 'Mean Teacher',
}
# (embed_dims, num_layers) of the MiT variants of SegFormer.
_MIT_VARIANTS = {
    (32, (2, 2, 2, 2)): 'b0',
    (64, (2, 2, 2, 2)): 'b1',
    (64, (3, 4, 6, 3)): 'b2',
    (64, (3, 4, 18, 3)): 'b3',
    (64, (3, 8, 27, 3)): 'b4',
    (64, (3, 6, 40, 3)): 'b5',
}
_SWIN_VARIANTS = {
    (96, (2, 2, 6, 2)): 'T',
    (96, (2, 2, 18, 2)): 'S',
    (128, (2, 2, 18, 2)): 'B',
    (192, (2, 2, 18, 2)): 'L',
}
# Backbone keys that do not change the architecture being compared.
_BACKBONE_IGNORED = ('init_cfg', 'pretrained', 'norm_cfg', 'norm_eval',
                     '_scope_')


@dataclass
class MetricSeries:
    """Best and last value of one validation metric.

    Attributes:
        best: Highest value.
        best_step: Iteration of the best value.
        last: Value of the latest evaluation.
        last_step: Iteration of the latest evaluation.
    """
    best: float
    best_step: int
    last: float
    last_step: int


@dataclass
class RunSummary:
    """Everything the table shows about one work dir.

    Attributes:
        work_dir: The work dir.
        config_name: Config file name without ``.py``.
        method: ``'CW-BASS'``, ``'Mean Teacher'``, ``'supervised'`` or the
            wrapper type of another semi-supervised segmentor.
        dataset: Dataset type of the labeled data (``PascalVOCDataset``).
        split_file: Labeled split list (``ann_file``) as in the config.
        split_name: Split name (config ``split`` or the list's folder name).
        split_detail: Seed/source from ``split_meta.json`` or a note.
        split_sha256: SHA-256 of the labeled list from ``split_meta.json``.
        backbone: Readable backbone name.
        backbone_key: Architecture signature used to match baselines.
        crop: Training crop (H, W).
        max_iters: ``train_cfg.max_iters``.
        last_iter: Last training iteration found in the logs.
        metrics: Metric name -> :class:`MetricSeries`.
        baseline: The matched supervised run, if any.
        notes: Problems met while reading (malformed lines, no config).
    """
    work_dir: str
    config_name: str
    method: str = 'unknown'
    dataset: str = 'unknown'
    split_file: Optional[str] = None
    split_name: str = 'unknown'
    split_detail: str = ''
    split_sha256: Optional[str] = None
    backbone: str = 'unknown'
    backbone_key: str = ''
    crop: Optional[Tuple[int, int]] = None
    max_iters: Optional[int] = None
    last_iter: Optional[int] = None
    metrics: Dict[str, MetricSeries] = field(default_factory=dict)
    baseline: Optional['RunSummary'] = None
    notes: List[str] = field(default_factory=list)

    @property
    def is_semi(self) -> bool:
        """Whether the run trains a teacher/student wrapper."""
        return self.method not in (SUPERVISED, 'unknown')


# --------------------------------------------------------------------------
# reading a work dir
# --------------------------------------------------------------------------
def _sessions(work_dir: str) -> List[str]:
    """Timestamp folders of a work dir, oldest first."""
    dirs = [
        d for d in os.listdir(work_dir)
        if osp.isdir(osp.join(work_dir, d, 'vis_data'))
    ]
    # mmengine names sessions YYYYMMDD_HHMMSS: lexical order is time order.
    return [osp.join(work_dir, d) for d in sorted(dirs)]


def read_scalars(work_dir: str) -> Tuple[List[dict], int]:
    """Read every session's ``vis_data/scalars.json`` of a work dir.

    Args:
        work_dir: An mmengine work dir.

    Returns:
        ``(records, num_bad)``: the JSON objects in session and line order,
        and the number of lines that were not valid JSON objects (e.g. the
        last line of a killed run).
    """
    records, bad = [], 0
    for session in _sessions(work_dir):
        path = osp.join(session, 'vis_data', 'scalars.json')
        if not osp.isfile(path):
            # Older mmengine versions only write <timestamp>.json.
            path = osp.join(session, 'vis_data',
                            osp.basename(session) + '.json')
        if not osp.isfile(path):
            continue
        with open(path, encoding='utf-8') as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    bad += 1
                    continue
                if isinstance(record, dict):
                    records.append(record)
                else:
                    bad += 1
    return records, bad


def find_config(work_dir: str) -> Tuple[List[str], str]:
    """Locate the config(s) a work dir was trained with.

    Args:
        work_dir: An mmengine work dir.

    Returns:
        ``(paths, name)``: candidate config files, best first: the dumped
        config of the latest session (it holds that session's
        ``--cfg-options``), then the ``*.py`` copy mmengine puts in the
        work dir; ``name`` is the copy's file name without ``.py`` (the work
        dir's name when there is none).
    """
    copies = sorted(glob.glob(osp.join(work_dir, '*.py')),
                    key=osp.getmtime)
    base = osp.basename(osp.normpath(work_dir))
    named = [p for p in copies if osp.splitext(osp.basename(p))[0] == base]
    copy_path = named[-1] if named else (copies[-1] if copies else None)
    name = osp.splitext(osp.basename(copy_path))[0] if copy_path else base
    paths = []
    for session in reversed(_sessions(work_dir)):
        dumped = osp.join(session, 'vis_data', 'config.py')
        if osp.isfile(dumped):
            paths.append(dumped)
            break
    if copy_path is not None:
        paths.append(copy_path)
    return paths, name


def load_config(path: str) -> dict:
    """Read a (dumped) config into plain dicts and lists; its plugins are
    not imported (a run's plugins need not be installed to read values)."""
    from mmseg_cwbass.engine.cli import read_config
    return read_config(path, import_custom_modules=False).to_dict()


# --------------------------------------------------------------------------
# facts from a config
# --------------------------------------------------------------------------
def _segmentor(model: dict) -> dict:
    inner = model.get('segmentor')
    return inner if isinstance(inner, dict) else model


def _method(model: dict) -> str:
    model_type = str(model.get('type', 'unknown'))
    if isinstance(model.get('segmentor'), dict):
        return METHOD_NAMES.get(model_type, model_type)
    return SUPERVISED


def _labeled_dataset(dataset: Any) -> Optional[dict]:
    """The dataset config holding the labeled split list."""
    if not isinstance(dataset, dict):
        return None
    if isinstance(dataset.get('labeled'), dict):
        return _labeled_dataset(dataset['labeled'])
    if dataset.get('ann_file'):
        return dataset
    for key in ('dataset', 'datasets'):
        inner = dataset.get(key)
        if isinstance(inner, dict):
            return _labeled_dataset(inner)
        if isinstance(inner, (list, tuple)) and inner:
            return _labeled_dataset(inner[0])
    return dataset


def _find_random_crop(pipeline: Any) -> Optional[Tuple[int, int]]:
    if not isinstance(pipeline, (list, tuple)):
        return None
    for step in pipeline:
        if isinstance(step, dict) and step.get('type') == 'RandomCrop':
            size = step.get('crop_size')
            if isinstance(size, int):
                return (size, size)
            if isinstance(size, (list, tuple)) and len(size) == 2:
                return (int(size[0]), int(size[1]))
    return None


def _variant(table: dict, embed: Any, layers: Any) -> Optional[str]:
    try:
        return table.get((int(embed), tuple(int(n) for n in layers)))
    except (TypeError, ValueError):
        return None


def backbone_name(backbone: dict) -> str:
    """Readable name of an mmseg backbone config.

    Args:
        backbone: The ``backbone`` dict of a segmentor config.

    Returns:
        E.g. ``'ResNetV1c-101'``, ``'MobileNetV2 x1.0'``, ``'MiT-b0'``,
        ``'Swin-T'``; the type with its main size argument otherwise.
    """
    kind = str(backbone.get('type', 'unknown'))
    if 'ResNe' in kind and backbone.get('depth') is not None:
        name = f'{kind}-{backbone["depth"]}'
        width = backbone.get('base_channels', 64)
        return name if width == 64 else f'{name} (width {width})'
    if kind == 'MobileNetV2':
        return f'MobileNetV2 x{float(backbone.get("widen_factor", 1.0))}'
    if kind == 'MixVisionTransformer':
        v = _variant(_MIT_VARIANTS, backbone.get('embed_dims', 32),
                     backbone.get('num_layers', (2, 2, 2, 2)))
        return f'MiT-{v}' if v else \
            f'MiT (embed_dims={backbone.get("embed_dims")})'
    if kind == 'SwinTransformer':
        v = _variant(_SWIN_VARIANTS, backbone.get('embed_dims', 96),
                     backbone.get('depths', (2, 2, 6, 2)))
        return f'Swin-{v}' if v else \
            f'Swin (embed_dims={backbone.get("embed_dims")})'
    return kind


def _backbone_key(backbone: dict) -> str:
    kept = {
        k: v
        for k, v in backbone.items() if k not in _BACKBONE_IGNORED
    }
    return json.dumps(kept, sort_keys=True, default=str)


def _resolve(path: str, roots: Sequence[str]) -> Optional[str]:
    if osp.isabs(path):
        return path if osp.exists(path) else None
    for root in roots:
        candidate = osp.join(root, path)
        if osp.exists(candidate):
            return candidate
    return None


def _split_meta(split_file: str,
                roots: Sequence[str]) -> Tuple[Optional[dict], str]:
    meta_rel = osp.join(osp.dirname(split_file), 'split_meta.json')
    found = _resolve(meta_rel, roots)
    if found is None:
        return None, 'no split_meta.json found'
    try:
        with open(found, encoding='utf-8') as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        return None, f'unreadable split_meta.json ({type(e).__name__})'
    return meta, ''


def _describe_split(meta: dict) -> str:
    """``seed 0, 1,323 labeled`` or ``converted u2pl_1_8.txt (sha256
    0a1b2c3d), 1,323 labeled``."""
    source = meta.get('source') or {}
    parts = []
    if source.get('type') == 'converted':
        label_file = osp.basename(str(source.get('labeled_file', '?')))
        digest = str(source.get('labeled_sha256', ''))[:8]
        parts.append(f'converted {label_file}' +
                     (f' (sha256 {digest})' if digest else ''))
    elif meta.get('seed') is not None:
        parts.append(f'seed {meta["seed"]}')
    else:
        parts.append(str(source.get('type', 'unknown source')))
    counts = meta.get('counts') or {}
    if counts.get('labeled') is not None:
        parts.append(f'{int(counts["labeled"]):,} labeled')
    return ', '.join(parts)


def _metric_series(records: Iterable[dict],
                   name: str) -> Optional[MetricSeries]:
    best = last = None
    for record in records:
        value = record.get(name)
        if not isinstance(value, (int, float)):
            continue
        step = int(record.get('step', record.get('iter', -1)))
        if best is None or value > best[0]:
            best = (float(value), step)
        last = (float(value), step)
    if best is None:
        return None
    return MetricSeries(best[0], best[1], last[0], last[1])


def summarize_run(work_dir: str,
                  roots: Sequence[str] = ('.', )) -> RunSummary:
    """Collect the facts of one work dir.

    Args:
        work_dir: An mmengine work dir.
        roots: Folders against which relative split paths of the config are
            resolved to find ``split_meta.json`` (the training run's working
            directory); the work dir's grand-parent is tried last (the usual
            ``<repo>/work_dirs/<name>`` layout).

    Returns:
        A :class:`RunSummary` (``baseline`` is filled by
        :func:`match_baselines`).
    """
    cfg_paths, name = find_config(work_dir)
    run = RunSummary(work_dir=work_dir, config_name=name)
    records, bad = read_scalars(work_dir)
    if bad:
        run.notes.append(f'{bad} malformed scalars.json line(s) skipped')
    iters = [int(r['iter']) for r in records if 'iter' in r]
    run.last_iter = max(iters) if iters else None

    cfg: dict = {}
    if not cfg_paths:
        run.notes.append('no config found')
    for path in cfg_paths:
        try:
            cfg = load_config(path)
            break
        except Exception as e:  # a broken file must not hide other rows
            run.notes.append(f'{osp.relpath(path, work_dir)} unreadable '
                             f'({type(e).__name__})')
    model = cfg.get('model') or {}
    run.method = _method(model) if model else 'unknown'
    backbone = _segmentor(model).get('backbone') or {}
    if backbone:
        run.backbone = backbone_name(backbone)
        run.backbone_key = _backbone_key(backbone)
    run.max_iters = (cfg.get('train_cfg') or {}).get('max_iters')

    train_dataset = (cfg.get('train_dataloader') or {}).get('dataset')
    labeled = _labeled_dataset(train_dataset) or {}
    run.dataset = str(labeled.get('type', 'unknown'))
    run.crop = _find_random_crop(labeled.get('pipeline'))
    if run.crop is None and isinstance(cfg.get('crop_size'), (list, tuple)):
        run.crop = tuple(int(x) for x in cfg['crop_size'])  # type: ignore
    split_file = labeled.get('ann_file')
    if split_file:
        run.split_file = str(split_file)
        run.split_name = str(
            cfg.get('split') or osp.basename(osp.dirname(run.split_file))
            or run.split_file)
        search = list(roots) + [osp.dirname(osp.dirname(
            osp.abspath(work_dir)))]
        meta, problem = _split_meta(run.split_file, search)
        if meta is not None:
            run.split_detail = _describe_split(meta)
            run.split_sha256 = (meta.get('files') or {}).get('labeled.txt')
        else:
            run.split_detail = problem

    names = SEMI_METRICS if run.is_semi else (SUP_METRIC, )
    for metric in names:
        series = _metric_series(records, metric)
        if series is not None:
            run.metrics[metric] = series
    return run
