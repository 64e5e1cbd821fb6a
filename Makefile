# mmseg-cwbass: set-up, tests and demo.  Every target creates/completes .venv
# first (idempotent; mmcv is compiled once per machine and cached).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup test demo bench-toy clean-venv

setup:
	bash tools/setup_env.sh

test: setup
	$(PY) -m pytest tests $(PYTEST_ARGS)

demo: setup
	$(PY) tools/misc/demo.py

bench-toy: setup
	$(PY) tools/misc/demo.py --bench --seeds 0 1 2

clean-venv:
	rm -rf $(VENV)
