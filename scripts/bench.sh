#!/usr/bin/env bash
# Every benchmark in one run (peers and rlvideo side by side), then the README's table.
# Takes about 45 minutes on 2 cores (30 of them the PPO suite, test_ppo_training.py); needs
# ~8 GB of free RAM for Gymnasium's 10,000-frame episode. Extra arguments go to pytest
# (e.g. -k handoff).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# The encoder CPU suite (benchmarks/test_encoder_cpu.py) times the Rust example, not Python.
echo "==> building examples/encode_raw (release)"
cargo build --release --quiet -p rlvideo --example encode_raw
mkdir -p benchmarks/results
results="benchmarks/results/latest.json"
.venv/bin/python -m pytest benchmarks --benchmark-only --benchmark-json="$results" \
    --benchmark-columns=min,mean,rounds -q "$@"
.venv/bin/python -m benchmarks.report "$results"
