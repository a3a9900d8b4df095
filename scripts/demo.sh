#!/usr/bin/env bash
# The main job: record a few CartPole-v1 episodes into ./videos, from a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh demo
exec .venv/bin/python -m rlvideo demo "$@"
