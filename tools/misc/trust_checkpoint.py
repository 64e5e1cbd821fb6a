# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Vouch for checkpoint files so mmseg_cwbass will fully unpickle them.

Only do this for files you trust: unpickling a malicious checkpoint can run
arbitrary code. See docs/export.md, "Checkpoints and trust".
"""
import argparse
import os.path as osp
import sys

from mmseg_cwbass.engine.checkpoint import trust_file, trust_store_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('checkpoints', nargs='+', help='checkpoint files')
    args = parser.parse_args()
    for path in args.checkpoints:
        if not osp.isfile(path):
            print(f'error: checkpoint file {path} does not exist',
                  file=sys.stderr)
            return 2
    for path in args.checkpoints:
        digest = trust_file(path)
        print(f'trusted {path} (sha256 {digest[:16]}...)')
    print(f'trust store: {trust_store_path()}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
