# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Reading what mmengine writes into a work dir.

``<work_dir>/<YYYYMMDD_HHMMSS>/vis_data/scalars.json`` holds one JSON object
a line: training lines carry ``iter`` and ``step``, validation lines the
metrics and ``step``. A resumed run adds a session folder; reading every
session in order gives one series. Used by
``tools/analysis_tools/summarize.py`` and the tests.
"""
import json
import os
import os.path as osp
from typing import List, Tuple


def sessions(work_dir: str) -> List[str]:
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
    for session in sessions(work_dir):
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
