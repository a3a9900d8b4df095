#!/usr/bin/env bash
# The main job: record a few CartPole-v1 episodes into ./videos, from a clean clone.
# RLVIDEO_SKIP_SETUP=1 runs the demo with .venv as it is, without scripts/setup.sh demo (which
# builds rlvideo from source): scripts/test.sh does, right after building and installing the
# release wheel there.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${RLVIDEO_SKIP_SETUP:-}" ] || scripts/setup.sh demo
exec .venv/bin/python -m rlvideo demo "$@"
