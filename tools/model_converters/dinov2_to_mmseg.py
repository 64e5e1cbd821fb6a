# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""Convert an official DINOv2 checkpoint for the ``DINOv2`` backbone.

Takes the ``.pth`` files of the DINOv2 release (docs/dinov2.md lists them)
and writes ``{'state_dict': ..., 'meta': ...}`` for
``backbone.init_cfg=dict(type='Pretrained', checkpoint=DST)``. Every key and
shape is checked first; a checkpoint of another architecture, a truncated
file or a wrong size fails naming the file and the first key that does not
fit, and nothing is written. The work is
:func:`mmseg_cwbass.models.backbones.dinov2_convert.convert_dinov2_file`.

Example::

    python tools/model_converters/dinov2_to_mmseg.py \\
        pretrained/dinov2_vitb14_pretrain.pth \\
        pretrained/dinov2_vitb14_mmseg.pth
"""
import argparse
import sys

from mmseg_cwbass.models.backbones.dinov2_convert import (
    DINOv2ConversionError, backbone_cfg_for, convert_dinov2_file)


def parse_args(argv=None) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(
        description='Convert an official DINOv2 ViT-S/B/L-14 checkpoint '
        '(with or without registers) to the mmseg DINOv2 backbone.')
    parser.add_argument('src', help='official dinov2_vit*14*_pretrain.pth')
    parser.add_argument('dst', help='output .pth for init_cfg=Pretrained')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Runs the conversion; 0 on success, 1 on a refused checkpoint."""
    args = parse_args(argv)
    try:
        meta = convert_dinov2_file(args.src, args.dst)
    except (DINOv2ConversionError, FileNotFoundError) as err:
        print(f'dinov2_to_mmseg: error: {err}', file=sys.stderr)
        return 1
    print(f'wrote {args.dst}: ViT-{meta["arch"].upper()}/14, '
          f'{meta["num_register_tokens"]} register tokens\n'
          f'backbone config: {backbone_cfg_for(meta)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
