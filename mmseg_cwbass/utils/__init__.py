"""Helpers shared by the plugin's components (configuration key checks).

Tools-side code (benchmark, reporting) does not belong here: it lives in
``tools/``.
"""
