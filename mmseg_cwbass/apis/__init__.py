"""User-facing calls over a config and a checkpoint, as ``mmseg.apis``.

Not imported by ``import mmseg_cwbass``: import ``mmseg_cwbass.apis``.
"""
from .export import (BRANCHES, export_semi_checkpoint,
                     extract_branch_state_dict)
from .plain_config import ExportError, convert_config, find_plugin_types

__all__ = [
    'BRANCHES', 'ExportError', 'convert_config', 'export_semi_checkpoint',
    'extract_branch_state_dict', 'find_plugin_types'
]
