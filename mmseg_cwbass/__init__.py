"""mmseg-cwbass: CW-BASS semi-supervised segmentation for MMSegmentation 1.x.

Importing the package registers every component in mmseg's registries, so
``custom_imports=dict(imports=['mmseg_cwbass'])`` in a config is enough for
mmseg's own ``tools/train.py`` and ``tools/test.py``. It also installs the
checkpoint policy of :mod:`mmseg_cwbass.engine.checkpoint`.
"""
from . import datasets, engine, evaluation, models  # noqa: F401
from .version import __version__  # noqa: F401
