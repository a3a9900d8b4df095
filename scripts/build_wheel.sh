#!/usr/bin/env bash
# Builds what a Linux x86_64 release ships: the sdist, then the manylinux2014 abi3 wheel built
# *from that sdist* by `pip wheel` in a fresh venv, as `pip install rlvideo-*.tar.gz` builds it
# on a user's machine with Rust and nasm. One build proves both: the sdist is complete (pip
# unpacks it into a temporary folder and builds there, from scratch), and the wheel runs on
# glibc 2.17+ (zig, from the ziglang wheel on PyPI, links against glibc 2.17's symbols;
# MATURIN_PEP517_ARGS hands maturin the options through pip).
# Needs .venv with maturin and ziglang (scripts/setup.sh test installs them).
# Output: target/dist/rlvideo-<version>.tar.gz and rlvideo-<version>-cp39-abi3-manylinux*.whl
set -euo pipefail
cd "$(dirname "$0")/.."
dist="$PWD/target/dist"
rm -rf "$dist"
.venv/bin/maturin sdist --out "$dist" 2>&1 | grep -v "^\s*$" | tail -1
sdist=$(ls "$dist"/rlvideo-*.tar.gz)

builder=$(mktemp -d -t rlvideo-sdist-build.XXXXXX)
trap 'rm -rf "$builder"' EXIT
python3 -m venv "$builder/venv"
zig_dir=$(.venv/bin/python -c "import ziglang, os; print(os.path.dirname(ziglang.__file__))")
echo "==> pip wheel $(basename "$sdist"), manylinux2014 through zig (a few minutes)"
PATH="$zig_dir:$PATH" MATURIN_PEP517_ARGS="--zig --compatibility manylinux2014" \
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$builder/venv/bin/pip" wheel -q --no-deps "$sdist" -w "$dist"
ls "$dist"/rlvideo-*-cp39-abi3-manylinux*.whl
