"""Helpers shared by the plugin's components and its tools: configuration
key checks, reading a work dir.

Tool-only code (benchmark, reporting) does not belong here: it lives in
``tools/``.
"""
