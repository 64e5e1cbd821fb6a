"""Tools-side utilities (reporting).

Kept import-light: ``import mmseg_cwbass`` does not import this package, and
its modules are imported by name.
"""
