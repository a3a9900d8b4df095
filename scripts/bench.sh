#!/usr/bin/env bash
# Every benchmark in one run (peers and rlvideo side by side), then the README's table.
# Takes about 12 minutes on 2 cores; needs ~8 GB of free RAM for Gymnasium's 10,000-frame
# episode. Extra arguments go to pytest (e.g. -k handoff).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
mkdir -p benchmarks/results
results="benchmarks/results/latest.json"
.venv/bin/python -m pytest benchmarks --benchmark-only --benchmark-json="$results" \
    --benchmark-columns=min,mean,rounds -q "$@"
.venv/bin/python -m benchmarks.report "$results"
