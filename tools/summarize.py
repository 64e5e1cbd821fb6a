# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Print one markdown table of training runs and their baselines.

Examples::

    # every run under work_dirs/ (folders of work dirs are expanded)
    python tools/summarize.py work_dirs
    # chosen runs; gains computed from the student's best mIoU
    python tools/summarize.py work_dirs/deeplabv3plus_r101_voc_1-8 \\
        work_dirs/supervised_deeplabv3plus_r101_voc_1-8 --metric student

Each row: config, method, split list (with the seed or converted source
from the ``split_meta.json`` beside it), backbone, crop, iterations, best and
last teacher/student mIoU (supervised runs: mIoU), and for semi-supervised
runs the best mIoU of the supervised run on the same split list and
backbone among the given work dirs, and the gain.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from typing import List, Optional

try:
    from mmseg_cwbass.utils import summarize as S
except ImportError:  # running from a checkout without installing it
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    from mmseg_cwbass.utils import summarize as S


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(
        description='Summarise mmengine work dirs into a markdown table.',
        formatter_class=argparse.RawDescriptionHelpFormatter)
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
        work_dirs = S.discover_work_dirs(args.work_dirs)
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
    runs = [S.summarize_run(w, args.root or ['.']) for w in work_dirs]
    S.match_baselines(runs)
    table = S.format_table(runs, args.metric)
    print(table, end='')
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
