#!/usr/bin/env bash
# Install mmseg-cwbass on a node without a package index, from the bundle
# that tools/misc/offline_bundle.sh staged (this file is its install.sh).
#
#   bash .whl/install.sh [REPO]     # REPO: the checkout (default: ..)
#
# Expects torch, numpy, opencv, matplotlib, scipy, rich, pyyaml, regex,
# pillow, packaging and ninja in the target Python (a stock PyTorch image).
# Installs the bundled wheels without dependencies, compiles mmcv 2.1.0 with
# its CPU ops only (the plugin needs no CUDA op of mmcv; minutes on 16
# cores), installs the plugin and checks the imports. Idempotent: what is
# already installed at the right version is kept.
#
# Environment: PYTHON (default python3), MAX_JOBS (default: all cores),
# MMCV_WHEEL (a prebuilt mmcv 2.1.0 wheel for this Python and torch: used
# instead of compiling, e.g. for a rehearsal).
set -euo pipefail

BUNDLE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "${1:-$BUNDLE/..}" && pwd)
PYTHON=${PYTHON:-python3}
PIP=("$PYTHON" -m pip --disable-pip-version-check install -q --no-index
     --find-links "$BUNDLE" --no-deps)
log() { printf '[install] %s\n' "$*"; }
has() {  # has "name<spec>": installed and within the specifier
    "$PYTHON" - "$1" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
from packaging.requirements import Requirement
req = Requirement(sys.argv[1])
sys.exit(not req.specifier.contains(version(req.name), prereleases=True))
PY
}

(cd "$BUNDLE" && sha256sum -c --quiet SHA256SUMS)
log "python: $("$PYTHON" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__)')"

# pkg_resources is needed by mmcv's setup.py and mmengine's `mmseg::`
# config lookup; setuptools 81 removed it.
if ! has "setuptools<81"; then
    log "setuptools $("$PYTHON" -c 'import setuptools; print(setuptools.__version__)' 2>/dev/null || echo missing) -> bundled <81"
    "${PIP[@]}" "$BUNDLE"/setuptools-*.whl
fi
has "wheel" || "${PIP[@]}" "$BUNDLE"/wheel-*.whl

wheels=()
for whl in "$BUNDLE"/*.whl; do
    name=$(basename "$whl" | cut -d- -f1)
    version=$(basename "$whl" | cut -d- -f2)
    case "$name" in setuptools|wheel) continue ;; esac
    has "$name==$version" || wheels+=("$whl")
done
if [ ${#wheels[@]} -gt 0 ]; then
    log "installing ${#wheels[@]} wheels"
    "${PIP[@]}" "${wheels[@]}"
fi

if "$PYTHON" -c "import mmcv, mmcv._ext; assert mmcv.__version__ == '2.1.0'" >/dev/null 2>&1; then
    log "mmcv 2.1.0 with ops already installed"
elif [ -n "${MMCV_WHEEL:-}" ]; then
    log "mmcv from the prebuilt wheel $MMCV_WHEEL"
    "${PIP[@]}" "$MMCV_WHEEL"
else
    jobs=${MAX_JOBS:-$(nproc)}
    log "compiling mmcv 2.1.0, CPU ops only, $jobs jobs"
    start=$(date +%s)
    # No visible GPU and FORCE_CUDA=0: mmcv's setup.py then builds its C++
    # ops without CUDA kernels. The GPU is used normally afterwards.
    CUDA_VISIBLE_DEVICES= FORCE_CUDA=0 MMCV_WITH_OPS=1 MAX_JOBS=$jobs \
        "${PIP[@]}" --no-build-isolation "$BUNDLE"/mmcv-2.1.0.tar.gz
    log "mmcv compiled in $(( $(date +%s) - start )) s"
fi

log "installing mmseg-cwbass from $REPO"
(cd "$REPO" && "${PIP[@]}" --no-build-isolation .)

cd "$REPO"
"$PYTHON" - <<'PY'
import mmcv, mmcv._ext, mmengine, mmseg, torch
import mmseg_cwbass
from mmengine.config import Config
# mmseg:: base configs resolve through pkg_resources.
Config.fromfile('configs/cwbass/deeplabv3plus_r101_voc_1-8.py')
print(f'[install] ok: torch {torch.__version__} (CUDA {torch.version.cuda}, '
      f'GPU available: {torch.cuda.is_available()}), mmcv {mmcv.__version__}, '
      f'mmengine {mmengine.__version__}, mmseg {mmseg.__version__}, '
      f'mmseg_cwbass {mmseg_cwbass.__version__}')
PY
