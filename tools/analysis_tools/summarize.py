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
backbone among the given work dirs, and the gain. What is read from a work
dir is said in ``run_summary.py`` beside this script.

Only the standard library is imported at start; prettytable when the table
is made.
"""
from __future__ import annotations

import argparse
import glob
import os
import os.path as osp
import re
import sys
from typing import List, Optional, Sequence

# run_summary.py lies beside this script (on sys.path when it is run, not
# when it is imported by path).
sys.path.append(osp.dirname(osp.abspath(__file__)))
from run_summary import (SEMI_METRICS, SUP_METRIC,  # noqa: E402
                         SUPERVISED, RunSummary, summarize_run)

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
    from prettytable import PrettyTable, TableStyle
    if metric not in ('teacher', 'student'):
        raise ValueError(f"metric must be 'teacher' or 'student', got "
                         f'{metric!r}')
    table = PrettyTable([
        'config', 'method', 'split list', 'backbone', 'crop', 'iterations',
        'best mIoU (teacher / student)', 'last mIoU (teacher / student)',
        'supervised baseline (best mIoU)', f'gain ({metric})'
    ])
    table.set_style(TableStyle.MARKDOWN)
    table.align = 'l'
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
        table.add_row([
            _cell(c) for c in (run.config_name, run.method, split,
                               run.backbone, crop, f'{done} / {total}',
                               _pair(run, 'best'), _pair(run, 'last'),
                               baseline, gain)
        ])
        notes += [f'- {run.config_name}: {n}' for n in run.notes]
    lines = [
        table.get_string(), '',
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
    """Run the tool.

    Args:
        argv: Arguments without the program name (default ``sys.argv``).

    Returns:
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
