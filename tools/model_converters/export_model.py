# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""Export one branch of a CW-BASS checkpoint as a plain mmseg model.

Writes ``<name>.py`` (a plain mmseg config) and ``<name>.pth`` (the branch's
weights, ``weights_only``-loadable) that mmseg loads without this plugin;
the work is done by :func:`mmseg_cwbass.apis.export_semi_checkpoint`
(see ``docs/export.md``). A full mmengine checkpoint that was not written
on this machine needs ``--trust-checkpoint``.

Example (writes ``exported/deeplabv3plus_r101_voc_1-8_teacher.{py,pth}``)::

    python tools/model_converters/export_model.py \\
        configs/cwbass/deeplabv3plus_r101_voc_1-8.py \\
        work_dirs/deeplabv3plus_r101_voc_1-8/iter_46320.pth exported/ \\
        --branch teacher
"""
import argparse
import sys

from mmengine.config import DictAction

from mmseg_cwbass.apis import BRANCHES, ExportError, export_semi_checkpoint
from mmseg_cwbass.engine.checkpoint import UntrustedCheckpointError
from mmseg_cwbass.engine.cli import read_config


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
        cfg = read_config(args.config, args.cfg_options)
        cfg_path, ckpt_path = export_semi_checkpoint(
            cfg,
            args.checkpoint,
            args.out_dir,
            branch=args.branch,
            name=args.name,
            trust=args.trust_checkpoint,
            allow_plugin_types=args.keep_plugin_imports,
            verify=not args.no_verify)
    except (ExportError, UntrustedCheckpointError, FileNotFoundError) as err:
        print(f'export_model: error: {err}', file=sys.stderr)
        return 1
    print(f'config:     {cfg_path}\ncheckpoint: {ckpt_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
