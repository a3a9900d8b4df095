#!/usr/bin/env bash
# Installs what rlvideo needs on a fresh Debian-like machine and builds it into ./.venv.
# Idempotent: a second run only rebuilds what changed. Usage: scripts/setup.sh [demo|test]
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-demo}"

need_apt=()
command -v nasm >/dev/null || need_apt+=(nasm)          # rav1e's x86 assembly
python3 -c "import venv, ensurepip" 2>/dev/null || need_apt+=(python3-venv)
# The tests play a video in a real browser (tests/test_static_skip.py).
[ "$extras" != test ] || command -v chromium >/dev/null || need_apt+=(chromium)
# MuJoCo renders its clips (tests/corpus.py) with MUJOCO_GL=egl, no display: glvnd's libEGL
# and libOpenGL, Mesa's EGL and its software rasteriser (llvmpipe).
if [ "$extras" = test ]; then
    for lib in libegl1 libopengl0 libegl-mesa0 libgl1-mesa-dri; do
        dpkg -s "$lib" >/dev/null 2>&1 || need_apt+=("$lib")
    done
fi
if ((${#need_apt[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "==> installing ${need_apt[*]} with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "error: Rust (cargo) is needed to build from source: https://rustup.rs" >&2; exit 1; }

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$extras" = test ]; then
    # Stable-Baselines3 (tests/test_sb3.py runs rlvideo.sb3 against it) needs PyTorch, whose
    # PyPI wheels bring the CUDA libraries: 2.9 GB of wheels, 5.4 GB installed. pip takes about
    # 110 s for that on 2 cores (downloads one at a time, then unpacks and byte-compiles); uv
    # about 55 s. Installed first, the `test` extra then finds stable-baselines3 already there.
    .venv/bin/python -m pip install -q uv
    .venv/bin/uv pip install -q --python .venv/bin/python --compile-bytecode "stable-baselines3>=2.9"
    # TorchRL (tests/test_torchrl.py runs rlvideo.torchrl against its VideoRecorder) and
    # torchvision (TorchRL's center_crop needs it), resolved against the torch and Gymnasium
    # just installed: pinned to them, so neither is upgraded nor downgraded.
    pins=$(.venv/bin/python -c "from importlib.metadata import version as v
print(f'torch=={v(\"torch\")} gymnasium=={v(\"gymnasium\")}')")
    # shellcheck disable=SC2086  # two words: the pins
    .venv/bin/uv pip install -q --python .venv/bin/python --compile-bytecode \
        "torchrl>=0.14.1" "tensordict>=0.14.3" "torchvision>=0.29" $pins

    # The tests run against the release artifact itself: the manylinux2014 wheel built from
    # the sdist (scripts/build_wheel.sh), which scripts/check_wheel.sh also installs without
    # Rust. Building it is the one build of the extension, not an extra one.
    .venv/bin/python -m pip install -q "maturin>=1.7,<2" ziglang
    scripts/build_wheel.sh
    wheel=$(ls target/dist/rlvideo-*-cp39-abi3-manylinux*.whl)
    echo "==> installing $(basename "$wheel")[test,docs] into .venv"
    .venv/bin/python -m pip install -q "$wheel[test,docs]"
    # Same version number as the last run's wheel: make pip replace it.
    .venv/bin/python -m pip install -q --force-reinstall --no-deps "$wheel"
else
    echo "==> building rlvideo (release) and installing .[$extras] into .venv"
    .venv/bin/python -m pip install -q ".[$extras]"
fi
