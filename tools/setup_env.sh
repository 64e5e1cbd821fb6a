#!/usr/bin/env bash
# Creates (or completes) the project's virtual environment.
#
# Idempotent: every step checks what is already installed and skips it.  The
# compiled mmcv wheel is kept in a cache outside the repository
# ($MMCV_WHEEL_CACHE, default ~/.cache/mmseg-cwbass/wheels) so a fresh clone on
# the same machine installs it in seconds instead of rebuilding it (10-15 min).
# Version bounds: see README "Installation" and shared platform notes.
set -euo pipefail

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
MMCV_VERSION=2.1.0
MMCV_WHEEL_CACHE=${MMCV_WHEEL_CACHE:-$HOME/.cache/mmseg-cwbass/wheels}
EXTRAS=${EXTRAS:-tests}

command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
log() { printf '[setup] %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

has() { "$PY" - "$@" <<'PYEOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
from packaging.requirements import Requirement
for spec in sys.argv[1:]:
    req = Requirement(spec)
    if not req.specifier.contains(version(req.name), prereleases=True):
        sys.exit(1)
PYEOF
}

# setuptools<81: mmcv's setup.py and mmengine's `mmseg::` config lookup both
# import pkg_resources, which setuptools 81 removed.
if ! has "setuptools>=77,<81" "wheel" "ninja" "packaging"; then
    log "installing build tools"
    "${PIP[@]}" install -q "setuptools>=77,<81" wheel ninja packaging
fi

# Pinned: any other torch version pulls a multi-GB CUDA build from the registry.
if ! has "torch==2.13.0"; then
    log "installing torch 2.13.0 (CPU)"
    "${PIP[@]}" install -q "torch==2.13.0"
fi

mmcv_ok() {
    "$PY" -c "import mmcv, mmcv._ext; assert mmcv.__version__ == '$MMCV_VERSION'" >/dev/null 2>&1
}
if ! mmcv_ok; then
    mkdir -p "$MMCV_WHEEL_CACHE"
    wheel=$(ls "$MMCV_WHEEL_CACHE"/mmcv-$MMCV_VERSION-*.whl 2>/dev/null | head -n 1 || true)
    if [ -z "$wheel" ]; then
        log "building mmcv $MMCV_VERSION with its ops (once per machine, 10-15 min on 2 cores)"
        MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "${PIP[@]}" wheel -q --no-build-isolation \
            --no-deps --no-binary mmcv -w "$MMCV_WHEEL_CACHE" "mmcv==$MMCV_VERSION"
        wheel=$(ls "$MMCV_WHEEL_CACHE"/mmcv-$MMCV_VERSION-*.whl | head -n 1)
    else
        log "using cached mmcv wheel $wheel"
    fi
    "${PIP[@]}" install -q "$wheel"
    mmcv_ok || { log "ERROR: mmcv $MMCV_VERSION installed but mmcv._ext does not import"; exit 1; }
fi

# The plugin itself (editable) with its declared requirements.
stamp="$VENV/.mmseg_cwbass-installed"
if [ ! -f "$stamp" ] || [ setup.py -nt "$stamp" ] || ! "$PY" -c "import mmseg_cwbass" >/dev/null 2>&1; then
    log "installing mmseg_cwbass (editable) with extras [$EXTRAS]"
    "${PIP[@]}" install -q --no-build-isolation -e ".[$EXTRAS]"
    touch "$stamp"
fi
log "environment ready: $("$PY" -c 'import torch, mmcv, mmengine, mmseg; print(f"torch {torch.__version__}, mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, mmseg {mmseg.__version__}")')"
log "to use it in this shell: source $VENV/bin/activate"
