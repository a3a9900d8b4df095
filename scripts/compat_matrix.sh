#!/usr/bin/env bash
# The versions rlvideo claims (pyproject's bounds, the README's "Python 3.9+" and "Gymnasium
# 1.x"), tested with the one wheel setup.sh built: a few fresh venvs made by uv, each running
# tests/test_compat.py (every module imports; CartPole recorded through both RecordVideos and
# save_video, decoded with PyAV; compared with Gymnasium's own wrappers where moviepy is there).
#   py3.9-lowest   the oldest Python the wheel claims, rlvideo's bounds at their lowest:
#                  numpy 1.21, Gymnasium 1.0.0 (and pytest, PyAV as the test extra allows);
#                  no moviepy, whose 2.x needs numpy 1.25, so no comparison with Gymnasium
#   py3.9-newest   what pip installs on Python 3.9 (Gymnasium 1.1.x: its newest for 3.9)
#   gym-1.2.2      Gymnasium 1.2.2, the version ray[rllib] 2.x pins
#   py3.13-newest  the newest Python here, everything at its newest
# Stable-Baselines3 (PyTorch: 2.9 GB of wheels per Python) and wandb are tested in .venv only,
# at the versions the test extra installs; pyproject's sb3 extra allows no older SB3.
# Usage: scripts/compat_matrix.sh [cell ...]   (RLVIDEO_WHEEL=path overrides the wheel)
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
wheel="${RLVIDEO_WHEEL:-$(ls target/dist/rlvideo-*-cp39-abi3-manylinux*.whl)}"
cells=("$@")
((${#cells[@]})) || cells=(py3.9-lowest py3.9-newest gym-1.2.2 py3.13-newest)

# Requirements with pyproject's own bounds: the runtime dependencies, the demo extra
# (gymnasium[classic-control]: CartPole's renderer) and what the test file needs.
mapfile -t requirements < <(.venv/bin/python - <<'EOF'
import re, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
extras = project["optional-dependencies"]
wanted = {"pytest", "pytest-timeout", "av"}
chosen = [*project["dependencies"], *extras["demo"]]
chosen += [r for r in extras["test"] if re.split(r"[\[<>=!~ ]", r)[0] in wanted]
print("\n".join(chosen))
EOF
)
moviepy=$(grep -o '"moviepy[^"]*"' pyproject.toml | tr -d '"')

# A Python of this minor version: pyenv's, one on PATH, else one uv downloads (and caches).
python_for() {
    local found
    found=$(ls -d "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/"$1".*/bin/python 2>/dev/null \
        | sort -V | tail -1)
    [ -n "$found" ] || found=$(command -v "python$1" 2>/dev/null || true)
    if [ -n "$found" ] && "$found" -c "" 2>/dev/null; then echo "$found"; else echo "$1"; fi
}

root=$(mktemp -d -t rlvideo-compat.XXXXXX)
trap 'rm -rf "$root"' EXIT
failed=()
for cell in "${cells[@]}"; do
    extra=()
    case "$cell" in
        py3.9-lowest) python=3.9 resolution=lowest-direct ;;
        py3.9-newest) python=3.9 resolution=highest extra=("$moviepy") ;;
        gym-1.2.2) python=3.12 resolution=highest extra=("$moviepy" "gymnasium==1.2.2") ;;
        py3.13-newest) python=3.13 resolution=highest extra=("$moviepy") ;;
        *) echo "unknown cell $cell" >&2; exit 2 ;;
    esac
    started=$SECONDS
    venv="$root/$cell"
    interpreter=$(python_for "$python")
    UV_PYTHON_PREFERENCE=$([ "$interpreter" = "$python" ] && echo only-managed || echo system) \
        "$uv" venv -q --python "$interpreter" "$venv"
    # lowest-direct: the packages named here (rlvideo's own bounds) at their lowest, what
    # they pull in at its newest that fits, as a user pinning to our floor would get.
    "$uv" pip install -q --python "$venv/bin/python" --resolution "$resolution" \
        "$wheel" "${requirements[@]}" "${extra[@]}"
    versions=$("$venv/bin/python" - <<'EOF'
import importlib.metadata as m, platform
found = [f"python {platform.python_version()}"]
for name in ("gymnasium", "numpy", "av", "moviepy", "pytest"):
    try:
        found.append(f"{name} {m.version(name)}")
    except m.PackageNotFoundError:
        pass
print(" ".join(found))
EOF
)
    echo "==> compat $cell: $versions"
    # The repository's root holds no `rlvideo` package (it is under python/): the tests
    # import the wheel's.
    if SDL_VIDEODRIVER=dummy "$venv/bin/python" -m pytest -q -p no:cacheprovider \
        tests/test_compat.py; then
        echo "==> compat $cell: passed in $((SECONDS - started)) s"
    else
        echo "==> compat $cell: FAILED ($versions)"
        failed+=("$cell")
    fi
done
if ((${#failed[@]})); then
    echo "compatibility matrix failed: ${failed[*]}" >&2
    exit 1
fi
