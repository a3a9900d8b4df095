#!/usr/bin/env bash
# Builds the release wheel and proves it installs and records a video in a fresh venv on a
# PATH without cargo or nasm. Run by scripts/test.sh after setup.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf target/wheels
.venv/bin/maturin build --release --quiet 2>&1 | grep -v "^\s*$" | tail -1
wheel=$(ls target/wheels/rlvideo-*-cp39-abi3-manylinux_*.whl)
echo "built $wheel"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
bare_path=/usr/bin:/bin
if PATH=$bare_path command -v cargo >/dev/null; then
    echo "note: cargo is on $bare_path here; the wheel install below cannot prove it is not needed"
fi
env -i HOME="$scratch" PATH="$bare_path" PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$scratch/venv/bin/python" -m pip install -q "$wheel"
(cd "$scratch" && env -i HOME="$scratch" PATH="$bare_path" "$scratch/venv/bin/python" -c "
import numpy as np, rlvideo
with rlvideo.VideoWriter('wheel.mp4', 30) as w:
    for t in range(30):
        w.write(np.full((48, 64, 3), 8 * t, np.uint8))
print('wheel writes videos:', w.frames, 'frames,', w.bytes, 'bytes')
")
.venv/bin/python -c "
import sys; sys.path.insert(0, '.')
from tests.helpers import stream_info
info = stream_info('$scratch/wheel.mp4')
assert info['frames'] == 30 and (info['width'], info['height']) == (64, 48), info
print('wheel video decodes:', info)
"
