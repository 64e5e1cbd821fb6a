"""Generated data for tests, the CPU demo and the benchmark.

Like ``mmdet.testing``: not imported by ``import mmseg_cwbass``; import
``mmseg_cwbass.testing.toy_data`` by name.
"""
