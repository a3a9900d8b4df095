#!/usr/bin/env bash
# The main job, from a clean clone: a CartPole-v1 agent learns (the cross-entropy method, numpy
# only: demo/), rlvideo films early, middle and late episodes into ./videos, and
# videos/index.html plays them side by side. Arguments go to `python -m demo` (--help).
# RLVIDEO_SKIP_SETUP=1 runs the demo with .venv as it is, without scripts/setup.sh demo (which
# builds rlvideo from source): scripts/test.sh does, right after building and installing the
# release wheel there.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${RLVIDEO_SKIP_SETUP:-}" ] || scripts/setup.sh demo
exec .venv/bin/python -m demo "$@"
