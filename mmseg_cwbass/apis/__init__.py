# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""User-facing helpers: export a CW-BASS checkpoint as a plain mmseg model."""
from .export import (BRANCHES, ExportError, UntrustedCheckpointError,
                     build_plain_config, export_semi_checkpoint,
                     extract_branch_state_dict, find_plugin_types,
                     load_checkpoint_file)

__all__ = [
    'BRANCHES', 'ExportError', 'UntrustedCheckpointError',
    'build_plain_config', 'export_semi_checkpoint',
    'extract_branch_state_dict', 'find_plugin_types', 'load_checkpoint_file'
]
