# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""The CPU demo (supervised-only vs CW-BASS on a generated toy dataset)."""
from .demo import (DemoData, RunSpec, prepare_demo_data, run_bench, run_demo,
                   train_and_evaluate)

__all__ = [
    'DemoData', 'RunSpec', 'prepare_demo_data', 'run_bench', 'run_demo',
    'train_and_evaluate'
]
