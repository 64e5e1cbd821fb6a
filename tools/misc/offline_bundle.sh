#!/usr/bin/env bash
# Stage an offline install bundle for a node without a package index.
#
#   bash tools/misc/offline_bundle.sh [DEST]        # default DEST: .whl
#
# On a machine that reaches PyPI, downloads into DEST:
#   * the py3 wheels of mmengine 0.10.7, mmsegmentation 1.2.2 and the
#     pure-Python packages they import that a stock PyTorch image lacks
#     (shared platform notes: addict, yapf + platformdirs, termcolor,
#     ftfy + wcwidth, prettytable), plus setuptools<81 (mmcv's setup.py and
#     mmengine's `mmseg::` config lookup import pkg_resources) and wheel;
#   * the mmcv 2.1.0 source archive (PyPI has no mmcv 2.1.0 wheel for
#     recent torch: it is compiled on the node, CPU ops only);
#   * install.sh (tools/misc/offline_bundle_install.sh) and SHA256SUMS.
# Then, on the offline node, from the repository root:
#   bash DEST/install.sh
# See docs/benchmark.md, "Running on a GPU node".
#
# Environment: PYTHON (runs pip; needs torch and setuptools<81 to read mmcv's
# setup.py, e.g. the project's .venv/bin/python), PY_VERSION (3.12),
# PLATFORM (manylinux2014_x86_64).
set -euo pipefail

DEST=${1:-.whl}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-python3}
PY_VERSION=${PY_VERSION:-3.12}
PLATFORM=${PLATFORM:-manylinux2014_x86_64}
# The versions the project's own environment is tested with.
WHEELS=(
    mmengine==0.10.7
    mmsegmentation==1.2.2
    addict==2.4.0
    yapf==0.43.0
    platformdirs==4.14.9
    termcolor==3.3.0
    ftfy==6.3.1
    wcwidth==0.9.4
    prettytable==3.19.0
    setuptools==80.10.2
    wheel==0.48.0
)
MMCV=mmcv==2.1.0
log() { printf '[bundle] %s\n' "$*"; }

mkdir -p "$DEST"
PIP=("$PYTHON" -m pip --disable-pip-version-check download --no-deps -d "$DEST")
log "wheels for Python $PY_VERSION / $PLATFORM -> $DEST"
# --no-deps: the node's image already has torch, numpy, opencv, matplotlib,
# scipy, rich, pyyaml, regex, pillow, packaging, tqdm; pip would otherwise
# pull e.g. opencv-python next to the image's opencv-python-headless.
"${PIP[@]}" -q --only-binary=:all: --python-version "$PY_VERSION" \
    --platform "$PLATFORM" "${WHEELS[@]}"
log "source archive of $MMCV"
# pip reads the sdist's metadata by running its setup.py, which imports
# torch and pkg_resources: use this interpreter's packages for that.
"${PIP[@]}" -q --no-binary :all: --no-build-isolation "$MMCV"
cp "$HERE/offline_bundle_install.sh" "$DEST/install.sh"
(cd "$DEST" && sha256sum -- *.whl *.tar.gz > SHA256SUMS)
size_kib=$(du -sk "$DEST" | cut -f1)
log "$(ls "$DEST" | wc -l) files, $((size_kib / 1024)) MiB ($size_kib KiB) in $DEST"
if [ "$size_kib" -gt $((64 * 1024)) ]; then
    log "WARNING: over 64 MiB"
fi
