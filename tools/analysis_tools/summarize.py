# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Print one markdown table of training runs and their baselines.

Examples::

    # every run under work_dirs/ (folders of work dirs are expanded)
    python tools/analysis_tools/summarize.py work_dirs
    # chosen runs; gains computed from the student's best mIoU
    python tools/analysis_tools/summarize.py \\
        work_dirs/deeplabv3plus_r101_voc_1-8 \\
        work_dirs/supervised_deeplabv3plus_r101_voc_1-8 --metric student

Each row: config, method, split list (with the seed or converted source
from the ``split_meta.json`` beside it), backbone, crop, iterations, best and
last teacher/student mIoU (supervised runs: mIoU), and for semi-supervised
runs the best mIoU of the supervised run of the same dataset, split list and
backbone among the given work dirs, and the gain.

What is read from a work dir (what mmengine wrote):

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

Only the standard library is imported at start; the plugin when a config is
read or the table is made (its markdown table helper).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import os.path as osp
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

SEMI_METRICS = ('teacher/mIoU', 'student/mIoU')
SUP_METRIC = 'mIoU'
SUPERVISED = 'supervised'
METHOD_NAMES = {
    'CWBASSSegmentor': 'CW-BASS',
    'MeanTeacherSegmentor': 'Mean Teacher',
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
    from mmseg_cwbass.utils.work_dirs import sessions
    for session in reversed(sessions(work_dir)):
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
    """The first labeled dataset config (the one holding the labeled split
    list) of ``train_dataloader.dataset``."""
    if not isinstance(dataset, dict):
        return None
    from mmseg_cwbass.datasets.dataset_configs import dataset_configs
    return next((leaf for key, leaf in dataset_configs(dataset, 'dataset')
                 if '.unlabeled' not in key), None)


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


def backbone_name(backbone: dict) -> str:
    """Readable name of an mmseg backbone config.

    Args:
        backbone: The ``backbone`` dict of a segmentor config.

    Returns:
        E.g. ``'ResNetV1c-101'``, ``'MobileNetV2 x1.0'``, ``'MiT-b0'``; the
        type with its ``embed_dims`` (if any) otherwise.
    """
    kind = str(backbone.get('type', 'unknown'))
    if 'ResNe' in kind and backbone.get('depth') is not None:
        name = f'{kind}-{backbone["depth"]}'
        width = backbone.get('base_channels', 64)
        return name if width == 64 else f'{name} (width {width})'
    if kind == 'MobileNetV2':
        return f'MobileNetV2 x{float(backbone.get("widen_factor", 1.0))}'
    embed = backbone.get('embed_dims')
    if kind == 'MixVisionTransformer':
        kind = 'MiT'
        if embed in (None, 32) and list(backbone.get(
                'num_layers', (2, 2, 2, 2))) == [2, 2, 2, 2]:
            return 'MiT-b0'  # the SegFormer row of the benchmark
    return kind if embed is None else f'{kind} (embed_dims={embed})'


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
    from mmseg_cwbass.utils.work_dirs import read_scalars
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


# Rows of one split/backbone are ordered baseline first.
METHOD_ORDER = {SUPERVISED: 0, 'Mean Teacher': 1, 'CW-BASS': 2}
_TIMESTAMP_RE = re.compile(r'^\d{8}_\d{6}$')


# --------------------------------------------------------------------------
# several work dirs
# --------------------------------------------------------------------------
def _is_work_dir(path: str) -> bool:
    return any(
        _TIMESTAMP_RE.match(d) or d == 'vis_data' for d in os.listdir(path)
        if osp.isdir(osp.join(path, d))) or bool(
            glob.glob(osp.join(path, '*.py')))


def discover_work_dirs(paths: Sequence[str]) -> List[str]:
    """Expand the given paths into work dirs.

    A path that is a work dir (has ``<timestamp>/vis_data`` or a dumped
    ``*.py``) is kept; otherwise its sub-folders that are work dirs are
    taken (e.g. ``work_dirs/``).

    Args:
        paths: Work dirs or folders of work dirs.

    Returns:
        Work dirs in the given order (sub-folders sorted), without
        repetition.

    Raises:
        FileNotFoundError: If a path does not exist.
    """
    found: List[str] = []
    for path in paths:
        if not osp.isdir(path):
            raise FileNotFoundError(f'{path} is not a folder')
        if _is_work_dir(path):
            candidates = [path]
        else:
            candidates = [
                osp.join(path, d) for d in sorted(os.listdir(path))
                if osp.isdir(osp.join(path, d))
                and _is_work_dir(osp.join(path, d))
            ]
        for c in candidates:
            if osp.abspath(c) not in {osp.abspath(f) for f in found}:
                found.append(c)
    return found


def _same_split(a: RunSummary, b: RunSummary) -> bool:
    if a.split_sha256 and b.split_sha256:
        return a.split_sha256 == b.split_sha256
    return a.split_file is not None and b.split_file is not None and \
        osp.normpath(a.split_file) == osp.normpath(b.split_file)


def match_baselines(runs: Sequence[RunSummary]) -> None:
    """Set ``baseline`` of every semi-supervised run.

    The baseline is a supervised run of the same dataset type, labeled
    split list (same SHA-256 in ``split_meta.json`` when both have one,
    else the same path) and backbone architecture; among several, one with
    the same ``max_iters`` is preferred, then the first given.

    Args:
        runs: Summaries from :func:`summarize_run`; modified in place.
    """
    supervised = [r for r in runs if r.method == SUPERVISED]
    for run in runs:
        if not run.is_semi:
            continue
        candidates = [
            s for s in supervised if s.dataset == run.dataset
            and s.backbone_key == run.backbone_key and _same_split(s, run)
        ]
        candidates.sort(key=lambda s: s.max_iters != run.max_iters)
        run.baseline = candidates[0] if candidates else None


def _fmt(value: Optional[float]) -> str:
    return 'n/a' if value is None else f'{value:.2f}'


def _cell(text: str) -> str:
    # A '|' would split the markdown cell.
    return text.replace('|', '\\|')


def _pair(run: RunSummary, attr: str) -> str:
    if run.is_semi:
        values = [run.metrics.get(m) for m in SEMI_METRICS]
        return ' / '.join(
            _fmt(getattr(s, attr)) if s else 'n/a' for s in values)
    series = run.metrics.get(SUP_METRIC)
    return _fmt(getattr(series, attr)) if series else 'n/a'


def _best(run: Optional[RunSummary], metric: str) -> Optional[float]:
    if run is None:
        return None
    series = run.metrics.get(metric)
    return series.best if series else None


def format_table(runs: Sequence[RunSummary], metric: str = 'teacher') -> str:
    """Render the runs as one markdown table (prettytable's markdown style).

    Rows are grouped by dataset, split list and backbone, the supervised
    baseline first.

    Args:
        runs: Summaries with baselines matched.
        metric: ``'teacher'`` or ``'student'``: which best mIoU of a
            semi-supervised run the gain is computed from.

    Returns:
        The table followed by a legend (and notes about unreadable runs).
    """
    from mmseg_cwbass.utils.markdown import markdown_table
    if metric not in ('teacher', 'student'):
        raise ValueError(f"metric must be 'teacher' or 'student', got "
                         f'{metric!r}')
    header = [
        'config', 'method', 'split list', 'backbone', 'crop', 'iterations',
        'best mIoU (teacher / student)', 'last mIoU (teacher / student)',
        'supervised baseline (best mIoU)', f'gain ({metric})'
    ]
    rows = []
    ordered = sorted(
        runs,
        key=lambda r: (r.dataset, r.split_file or '', r.backbone,
                       METHOD_ORDER.get(r.method, 3), r.config_name))
    notes = []
    for run in ordered:
        split = f'{run.split_file or "n/a"}'
        if run.split_detail:
            split += f' ({run.split_detail})'
        crop = 'x'.join(str(c) for c in run.crop) if run.crop else 'n/a'
        done = 'n/a' if run.last_iter is None else f'{run.last_iter:,}'
        total = 'n/a' if run.max_iters is None else f'{run.max_iters:,}'
        baseline = gain = '-'
        if run.is_semi:
            base_value = _best(run.baseline, SUP_METRIC)
            if run.baseline is None:
                baseline = 'none given'
            else:
                baseline = (f'{_fmt(base_value)} '
                            f'({run.baseline.config_name})')
            own = _best(run, f'{metric}/mIoU')
            if own is not None and base_value is not None:
                gain = f'{own - base_value:+.2f}'
            else:
                gain = 'n/a'
        rows.append([
            _cell(c) for c in (run.config_name, run.method, split,
                               run.backbone, crop, f'{done} / {total}',
                               _pair(run, 'best'), _pair(run, 'last'),
                               baseline, gain)
        ])
        notes += [f'- {run.config_name}: {n}' for n in run.notes]
    lines = [
        markdown_table(header, rows, left=len(header)), '',
        'mIoU in %. Supervised runs have one mIoU. Iterations: last logged '
        '/ max_iters. Baseline: the supervised run on the same dataset, '
        f'labeled split list and backbone; gain = best {metric}/mIoU - its '
        'best mIoU.',
    ]
    if notes:
        lines += ['', 'Notes:'] + notes
    return '\n'.join(lines) + '\n'


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(
        description='Summarise mmengine work dirs into a markdown table.')
    p.add_argument(
        'work_dirs',
        nargs='+',
        metavar='WORK_DIR',
        help='work dirs, or folders holding work dirs')
    p.add_argument(
        '--root',
        action='append',
        default=None,
        help='folder against which relative split paths of the configs are '
        'resolved to find split_meta.json (the training working directory; '
        'default: the current directory); may be repeated')
    p.add_argument(
        '--metric',
        choices=('teacher', 'student'),
        default='teacher',
        help='best mIoU of a semi-supervised run used for the gain '
        '(default: teacher, the checkpoint-selection metric)')
    p.add_argument('--out', help='also write the table to this file')
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool on ``argv`` (default ``sys.argv``).

    Exit status: 0, or 1 when no work dir is found.
    """
    args = build_parser().parse_args(argv)
    try:
        work_dirs = discover_work_dirs(args.work_dirs)
    except FileNotFoundError as e:
        print(f'summarize: error: {e}', file=sys.stderr)
        return 1
    if not work_dirs:
        print(
            'summarize: error: no work dir (a folder with '
            '<timestamp>/vis_data or a dumped config) under '
            f'{" ".join(args.work_dirs)}',
            file=sys.stderr)
        return 1
    runs = [summarize_run(w, args.root or ['.']) for w in work_dirs]
    match_baselines(runs)
    table = format_table(runs, args.metric)
    print(table, end='')
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
