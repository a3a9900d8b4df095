#!/usr/bin/env bash
# tests/test_rllib.py (rlvideo.rllib on a real local Ray cluster) in a venv of its own,
# .venv-rllib: ray[rllib] pins Gymnasium 1.2.2, .venv has the newest. It gets the release
# wheel setup.sh built, ray[rllib] 2.60 (the version pyproject's rllib extra was tested
# with), .venv's PyTorch version (from uv's cache: no second 2.9 GB download) and what the
# test file needs (mlflow-skinny with SQLAlchemy and Alembic for a sqlite tracking store, and
# tensorboard's event reader: RecordVideoCallback's mlflow= and tensorboard= are tested against
# them). RLVIDEO_REQUIRE_RAY=1: the file cannot skip here.
# Usage: scripts/rllib_tests.sh [pytest args]   (RLVIDEO_WHEEL=path overrides the wheel)
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
venv=.venv-rllib
wheel="${RLVIDEO_WHEEL:-$(ls target/dist/rlvideo-*-cp39-abi3-manylinux*.whl)}"
torch=$(.venv/bin/python -c "import importlib.metadata as m; print(m.version('torch'))")
[ -x "$venv/bin/python" ] || "$uv" venv -q --python .venv/bin/python "$venv"
"$uv" pip install -q --python "$venv/bin/python" "ray[rllib]==2.60.*" "torch==${torch%%+*}" \
    "gymnasium[classic-control]" "ale-py>=0.9" pytest pytest-timeout av "wandb>=0.31" \
    "mlflow-skinny>=3.10" sqlalchemy alembic "tensorboard>=2.15"
# Same version number as the last run's wheel: make uv replace it.
"$uv" pip install -q --python "$venv/bin/python" --reinstall --no-deps "$wheel"
# The repository's root holds no `rlvideo` package (it is under python/): the tests and the
# EnvRunners Ray starts import the wheel's.
RLVIDEO_REQUIRE_RAY=1 SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider --durations=6 tests/test_rllib.py \
    "tests/test_doctests.py::test_docstring_examples_run[rlvideo.rllib]" "$@"
