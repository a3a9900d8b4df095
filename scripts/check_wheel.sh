#!/usr/bin/env bash
# Proves the Linux release wheel (built from the sdist by scripts/build_wheel.sh) is what it
# claims: manylinux2014 per auditwheel, and it installs and records a video, with rav1e's
# assembly in use, in a fresh venv on a PATH without cargo or nasm. Run by scripts/test.sh
# after setup; `scripts/check_wheel.sh OTHER.whl` checks another wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
wheel=$(realpath "${1:-$(ls target/dist/rlvideo-*-cp39-abi3-manylinux*.whl)}")
echo "checking $(basename "$wheel")"
verdict=$(.venv/bin/auditwheel show "$wheel")
echo "$verdict"
tr -s ' \n' ' ' <<<"$verdict" \
    | grep -q 'consistent with the following platform tag: "manylinux_2_17_x86_64"' \
    || { echo "error: auditwheel does not call the wheel manylinux_2_17 (manylinux2014)" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
bare_path=/usr/bin:/bin
if PATH=$bare_path command -v cargo >/dev/null; then
    echo "note: cargo is on $bare_path here; the wheel install below cannot prove it is not needed"
fi
env -i HOME="$scratch" PATH="$bare_path" PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$scratch/venv/bin/python" -m pip install -q "$wheel"
env -i HOME="$scratch" PATH="$bare_path" \
    "$scratch/venv/bin/python" scripts/wheel_smoke.py "$scratch/wheel.mp4"
.venv/bin/python scripts/wheel_smoke.py "$scratch/wheel.mp4" --decode-only
