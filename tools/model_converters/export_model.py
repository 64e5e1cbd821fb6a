# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""Export the teacher or student of a CW-BASS checkpoint as plain mmseg.

Example::

    python tools/export_model.py configs/cwbass/cwbass_r101_voc.py \\
        work_dirs/cwbass/iter_40000.pth exported/ --branch teacher \\
        --trust-checkpoint

writes ``exported/cwbass_r101_voc_teacher.py`` and ``.pth``, which
``mmseg.apis.init_model``, ``MMSegInferencer`` and mmseg's ``tools/test.py``
load without this plugin.
"""
import argparse
import sys
from pathlib import Path

from mmengine.config import Config, DictAction

try:
    from mmseg_cwbass.apis.export import (BRANCHES, ExportError,
                                          export_semi_checkpoint)
except ImportError:  # run from a checkout without installing the plugin
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mmseg_cwbass.apis.export import (BRANCHES, ExportError,
                                          export_semi_checkpoint)


def parse_args(argv=None) -> argparse.Namespace:
    """Parses the command line.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Export one branch of a CW-BASS checkpoint as a plain '
        'MMSegmentation config + checkpoint.')
    parser.add_argument('config', help='CW-BASS (wrapper) config file')
    parser.add_argument('checkpoint', help='checkpoint written by the run')
    parser.add_argument('out_dir', help='output directory')
    parser.add_argument(
        '--branch',
        choices=BRANCHES,
        default='teacher',
        help='which model to export (default: teacher, the EMA model)')
    parser.add_argument(
        '--name', help='output file stem (default: <config stem>_<branch>)')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='if torch.load(weights_only=True) refuses the checkpoint (any '
        'mmengine-saved one holds pickled Python objects), unpickle it fully.'
        ' Only for files you trust: unpickling can run arbitrary code.')
    parser.add_argument(
        '--keep-plugin-imports',
        action='store_true',
        help='keep custom_imports when the inner model or test pipeline uses '
        'plugin-only types, instead of failing (the result then needs '
        'mmseg_cwbass installed)')
    parser.add_argument(
        '--no-verify',
        action='store_true',
        help='skip building the plain model to check the weights fit it')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the source config, xxx=yyy format')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Runs the export.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv[1:]``.

    Returns:
        int: Exit status (0 on success, 1 on an export error).
    """
    args = parse_args(argv)
    try:
        if not Path(args.config).is_file():
            raise ExportError(f'config file not found: {args.config}')
        cfg = Config.fromfile(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        cfg_path, ckpt_path = export_semi_checkpoint(
            cfg,
            args.checkpoint,
            args.out_dir,
            branch=args.branch,
            name=args.name,
            trust=args.trust_checkpoint,
            allow_plugin_types=args.keep_plugin_imports,
            verify=not args.no_verify)
    except (ExportError, FileNotFoundError) as err:
        print(f'export_model: error: {err}', file=sys.stderr)
        return 1
    print(f'config:     {cfg_path}\ncheckpoint: {ckpt_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
