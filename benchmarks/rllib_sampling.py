"""Recording RLlib's episodes (issue 23): PPO on CartPole-v1 (new API stack, 2 EnvRunners of
one env each, ``render_mode="rgb_array"``) with EnvRunner 1's episodes recorded, the best and
worst of each sample round kept, three ways:

    python -m benchmarks.rllib_sampling FOLDER [ITERATIONS] [SETUPS...]

SETUPS (default: all, in this order): ``none`` (no callback), ``render`` (EnvRunner 1
renders each frame the recorders take, and keeps nothing), ``rlvideo``
(``rlvideo.rllib.RecordVideoCallback(record_training=[1], keep_best=1, keep_worst=1)``:
every episode encoded as it runs, the files shipped), ``example`` and ``example-full``
(RLlib's ``rllib/examples/envs/env_rendering_and_recording.py`` callback with
``env_runner_indices=[1]``: every frame kept in the episode, the best and worst episodes'
frames shipped as ``(1, T, 3, H, W)`` arrays; ``example`` downsized to 64x96 as it ships
(nearest-neighbour in numpy: its ``resize`` needs OpenCV), ``example-full`` at the render's
600x400, the issue's "same settings").

Prints, per setup, sampling env steps/s (RLlib's ``env_runner_sampling_timer`` and
``num_env_steps_sampled`` over ITERATIONS iterations after one of warm-up), the seconds per
``train()``, and the bytes that reach the driver per video (the files' sizes; the arrays'
``nbytes``). Needs Ray RLlib (the .venv-rllib that scripts/rllib_tests.sh makes); quick mode
(``RLVIDEO_BENCH_QUICK=1``, benchmarks/test_rllib_sampling.py) runs one iteration each.
"""

from __future__ import annotations

import functools
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.mode import pick

SETUPS = ("none", "render", "rlvideo", "example", "example-full")
RECORDED_RUNNER = 1


def nearest(image: Any, height: int, width: int) -> Any:
    """A nearest-neighbour resize in numpy, for the example's ``resize`` (OpenCV's, which
    this venv has not: the cost of either is small beside the render)."""
    rows = (np.arange(height) * image.shape[0]) // height
    columns = (np.arange(width) * image.shape[1]) // width
    return image[rows][:, columns]


def example_callback(full_size: bool) -> Any:
    """RLlib's example callback, on EnvRunner 1, its 64x96 resize in numpy, or with
    `full_size` none."""
    from ray.rllib.examples.envs import env_rendering_and_recording as example

    class Example(example.EnvRenderCallback):
        def __init__(self) -> None:
            super().__init__(env_runner_indices=[RECORDED_RUNNER])
            # (In the EnvRunner's process, where RLlib makes this instance.)
            example.resize = (lambda image, height, width: image) if full_size else nearest

    return Example


def render_callback() -> Any:
    """Renders EnvRunner 1's frames as the recorders do, and keeps nothing."""
    from ray.rllib.callbacks.callbacks import RLlibCallback

    class Render(RLlibCallback):
        def on_episode_start(self, *, env_runner, env, **kwargs):
            if env_runner.worker_index == RECORDED_RUNNER:
                env.envs[0].render()

        on_episode_step = on_episode_start

    return Render


def build(setup: str, folder: Path) -> Any:
    from ray.rllib.algorithms.ppo import PPOConfig

    config = (
        PPOConfig()
        .environment("CartPole-v1", env_config={"render_mode": "rgb_array"})
        .env_runners(num_env_runners=2, num_envs_per_env_runner=1)
        .training(train_batch_size_per_learner=pick(1000, 200), minibatch_size=100, num_epochs=1)
    )
    if setup == "rlvideo":
        from rlvideo.rllib import RecordVideoCallback

        config.callbacks(
            functools.partial(
                RecordVideoCallback,
                str(folder / setup),
                record_training=[RECORDED_RUNNER],
                keep_best=1,
                keep_worst=1,
            )
        )
    elif setup == "render":
        config.callbacks(render_callback())
    elif setup.startswith("example"):
        config.callbacks(example_callback(setup == "example-full"))
    elif setup != "none":
        raise ValueError(f"unknown setup {setup!r}")
    return config.build_algo()


def shipped_bytes(setup: str, result: dict[str, Any]) -> list[int]:
    """Bytes of each video that reached the driver in this iteration."""
    runners = result["env_runners"]
    if setup == "rlvideo":
        from rlvideo.rllib import VIDEOS_KEY

        return [os.path.getsize(path) for path in runners.get(VIDEOS_KEY, [])]
    if setup.startswith("example"):
        videos = [*runners.get("episode_videos_best", []), *runners.get("episode_videos_worst", [])]
        return [int(video.nbytes) for video in videos]
    return []


def run(setup: str, folder: Path, iterations: int) -> dict[str, float]:
    algo = build(setup, folder)
    try:
        algo.train()  # warm-up: the EnvRunners' first episodes, the first update
        steps = sampling = wall = 0.0
        sizes: list[int] = []
        for _ in range(iterations):
            started = time.perf_counter()
            result = algo.train()
            wall += time.perf_counter() - started
            runners = result["env_runners"]
            steps += runners["num_env_steps_sampled"]
            sampling += result["timers"]["env_runner_sampling_timer"]
            sizes += shipped_bytes(setup, result)
    finally:
        algo.stop()
    return {
        "steps_per_s": steps / sampling,
        "train_s": wall / iterations,
        "videos": len(sizes),
        "bytes_per_video": statistics.mean(sizes) if sizes else 0.0,
    }


def main(folder: Path, iterations: int, setups: list[str]) -> dict[str, dict[str, float]]:
    import ray

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    found = {}
    try:
        for setup in setups:
            found[setup] = run(setup, folder, iterations)
            row = found[setup]
            print(
                f"{setup:13s} {row['steps_per_s']:8.0f} env steps/s sampling, "
                f"{row['train_s']:6.2f} s per train(), {row['videos']:3.0f} videos of "
                f"{row['bytes_per_video']:12,.0f} bytes",
                flush=True,
            )
    finally:
        ray.shutdown()
    if "none" in found:
        for setup, row in found.items():
            ratio = row["steps_per_s"] / found["none"]["steps_per_s"]
            print(f"{setup:13s} {ratio:.2f}x the sampling throughput of none")
    return found


if __name__ == "__main__":
    main(
        Path(sys.argv[1]),
        int(sys.argv[2]) if len(sys.argv) > 2 else pick(5, 1),
        sys.argv[3:] or list(SETUPS),
    )
