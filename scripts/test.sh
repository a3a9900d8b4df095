#!/usr/bin/env bash
# Every test: formatting and lints, the Rust crate's tests and example, pytest, then every
# benchmark once in quick mode.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "==> [$(date +%T), ${SECONDS}s] $*"; }
step "setup"
scripts/setup.sh test

step "lints"
cargo fmt --all -- --check
cargo clippy --release --workspace --all-targets -- -D warnings
# The crate's pages (its README is the front page) without a warning.
RUSTDOCFLAGS="-D warnings" cargo doc --release --quiet --no-deps -p rlvideo
.venv/bin/ruff check python tests benchmarks scripts demo docs/hooks
.venv/bin/ruff format --check python tests benchmarks scripts demo docs/hooks
# The hand-written stub of the extension against the extension itself: names, signatures,
# defaults, __all__ (mypy's stubtest; python/rlvideo/_native.pyi).
.venv/bin/python -m mypy.stubtest rlvideo._native
# The package's own type hints hold together (the .pyi above is what users' checkers read).
.venv/bin/python -m mypy python/rlvideo

step "cargo test (release: rav1e is tens of times slower unoptimised)"
cargo test --release --workspace
# Our delta's unit tests inside the rav1e fork, which is not a workspace member (the static map
# against a naive comparison, the edge distortion, priced against counted coefficient rates);
# rav1e's own tests are upstream's to run.
CARGO_TARGET_DIR=target/fork-tests cargo test --release --quiet \
    --manifest-path rust/third_party/rlvideo-rav1e/Cargo.toml --no-default-features \
    --features asm,threading --lib -- static_skip:: edge_distortion:: coeff_rate::
# Background-failure paths, with a test-only hook (rebuilds only the rlvideo crates).
cargo test --release --workspace --features rlvideo/fault-injection --test roundtrip encoder_failure
example_out="$(mktemp -d)/bouncing_ball.mp4"
target/release/examples/bouncing_ball "$example_out"  # built by cargo test
.venv/bin/python -c "
import sys; sys.path.insert(0, '.')
from tests.helpers import stream_info
info = stream_info('$example_out')
assert info['frames'] == 250 and (info['width'], info['height']) == (320, 240), info
print('example video decodes:', info)
"
# The crate embedded in a real simulation (rapier2d + tiny-skia, rust/sim-example).
sim_out="$(dirname "$example_out")/balls.mp4"
cargo build --release --quiet -p rlvideo-sim-example
target/release/rlvideo-sim-example "$sim_out" 2
.venv/bin/python -c "
import sys; sys.path.insert(0, '.')
from tests.helpers import stream_info
info = stream_info('$sim_out')
assert info['frames'] == 120 and (info['width'], info['height']) == (480, 320), info
print('simulation video decodes:', info)
"

step "release wheel (built from the sdist by setup.sh): manylinux2014, installs without Rust"
scripts/check_wheel.sh
step "compatibility matrix: the same wheel with the oldest and newest Python and Gymnasium"
scripts/compat_matrix.sh
step "rlvideo.rllib on a local Ray cluster, in .venv-rllib (ray[rllib] pins Gymnasium 1.2.2)"
scripts/rllib_tests.sh
step "the README's first command, scripts/demo.sh, on the .venv setup.sh made (no second build)"
# RLVIDEO_SKIP_SETUP=1: demo.sh's own setup step (setup.sh demo, a build from source) is the
# one part not run here; the decoded videos are checked (scripts/check_demo.py).
.venv/bin/python scripts/check_demo.py
step "the documentation site: every warning, broken link or anchor is an error"
# The API reference is read from python/rlvideo and _native.pyi by static analysis: no build.
# Not --quiet: with it, mkdocs 1.6 no longer counts warnings and --strict passes anyway.
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir "$(mktemp -d)/site"
step "the release workflow for the platforms this machine cannot build"
.venv/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
.venv/bin/zizmor --offline --quiet .github/workflows/

step "the extension with the test-only fault-injection hook, beside (not over) .venv's"
fault_dir="$(mktemp -d -t rlvideo-fault.XXXXXX)"
trap 'rm -rf "$fault_dir"' EXIT
# A native build in cargo's target directory: cargo test has built rav1e there already, so
# only the rlvideo crates compile (~30 s; the zig build from the sdist shares nothing).
.venv/bin/maturin build --release --quiet --features rlvideo/fault-injection \
    --out "$fault_dir/wheel" 2>&1 | grep -v "^\s*$" | tail -1
.venv/bin/python -m pip install -q --no-deps --target "$fault_dir/site" "$fault_dir"/wheel/*.whl

step "pytest"
# setup.sh installed chromium, wandb (the test extra), TorchRL and the release wheel, the fault
# build exists and this machine can mount a tmpfs in a private namespace: those tests must run,
# not skip.
RLVIDEO_REQUIRE_CHROMIUM=1 RLVIDEO_REQUIRE_FAULT_BUILD=1 RLVIDEO_FAULT_SITE="$fault_dir/site" \
    RLVIDEO_REQUIRE_PRIVATE_MOUNT=1 RLVIDEO_REQUIRE_WANDB=1 RLVIDEO_REQUIRE_WHEEL=1 \
    RLVIDEO_REQUIRE_TORCHRL=1 \
    .venv/bin/python -m pytest tests -q --durations=12 "$@"

step "benchmarks in quick mode (a broken suite fails here; the numbers mean nothing)"
# Every benchmark once, at tiny sizes (benchmarks/mode.py); encode_raw was built by cargo test.
# The README's numbers come from the full run, scripts/bench.sh.
RLVIDEO_BENCH_QUICK=1 .venv/bin/python -m pytest benchmarks -q --benchmark-disable -p no:cacheprovider
step "done"
