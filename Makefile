# mmseg-cwbass: set-up, tests and demo.  Every target creates/completes .venv
# first (idempotent; mmcv is compiled once per machine and cached).
VENV ?= .venv
PY := $(VENV)/bin/python
# pytest-xdist workers (tests extra): the 2 cores of the reference machine.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: setup test demo bench-toy bench-toy-methods clean-venv

setup:
	bash tools/setup_env.sh

test: setup
	$(PY) -m pytest tests -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

demo: setup
	$(PY) tools/misc/demo.py

bench-toy: setup
	$(PY) tools/misc/demo.py --bench --seeds 0 1 2

# Supervised, Mean Teacher, FixMatch, UniMatch V2, CW-BASS (paper) and CW-BASS
# on UniMatch V2's strong views, 5 seeds (~90 min on 2 cores; docs/methods.md).
# BENCH_ARGS overrides, e.g. BENCH_ARGS="--iters 20 --seeds 0 1" (a smoke run).
BENCH_METHODS := supervised mean_teacher fixmatch unimatch_v2 cwbass \
	cwbass_unimatch_views
bench-toy-methods: setup
	$(PY) tools/misc/demo.py --bench --seeds 0 1 2 3 4 \
		--methods $(BENCH_METHODS) --out work_dirs/bench_methods $(BENCH_ARGS)

clean-venv:
	rm -rf $(VENV)
