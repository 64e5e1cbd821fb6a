"""Start-up of every Python the tests run (test-only; never installed).

``tests/conftest.py`` puts this folder first on ``PYTHONPATH``, so the
interpreter imports this module before anything else in each command a test
launches (``tools/train.py``, ``torch.distributed.run``, the Slurm script's
``srun`` tasks), and imports it itself for the tests that run in-process.
It removes two costs that belong to mmengine, not to the code under test,
and that dominate the tiny runs of the suite:

* ``Config.pretty_text`` reformats the whole config with yapf, about 0.7 s
  a call on a 2-core machine, and a run calls it ten times (the config log,
  ``dump_config``, the runtime info and every checkpoint's meta): half of a
  4-iteration training run. Here the text is mmengine's own layout without
  the yapf pass: the same Python, not reflowed.
* Every ``mmseg::`` base of a config makes mmengine parse the ~160 YAML
  metafiles of mmseg's model index (0.25 s each base) to learn that a base
  config has no metafile. The files do not change while the tests run, so
  each is parsed once per process.

The tests that check what a user gets exactly (``tests/test_docs``: the
documented commands in a fresh copy; ``tests/test_configs/test_packaging``:
the installed package) set their own ``PYTHONPATH`` and run without it.
Being first on the path, this module hides an environment's own
``sitecustomize`` from the commands the tests launch (a venv has none).
"""
import functools

import mmengine.config.config as _config_module
import mmengine.config.utils as _config_utils

_load = _config_utils.load


def _unformatted(text, style_config=None):
    return text, False


@functools.lru_cache(maxsize=None)
def _metafile(path):
    return _load(path)


def _load_metafiles_once(file, *args, **kwargs):
    # Only the model index reads YAML here, and only reads what it loads.
    if not args and not kwargs and isinstance(file, str) and \
            file.endswith(('.yml', '.yaml')):
        return _metafile(file)
    return _load(file, *args, **kwargs)


# Once per process, though conftest imports it again under another name.
if not getattr(_config_utils, 'tests_startup_applied', False):
    _config_module.FormatCode = _unformatted
    _config_utils.load = _load_metafiles_once
    _config_utils.tests_startup_applied = True
