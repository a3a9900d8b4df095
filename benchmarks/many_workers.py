"""Many recording processes on one machine (issue 23): 8 ``gymnasium.vector.AsyncVectorEnv``
CartPole-v1 workers (``render_mode="rgb_array"``, random actions), each recording every
episode, against the same run whose workers only render the frames, and Gymnasium's own
``RecordVideo`` in the same setup:

    python -m benchmarks.many_workers FOLDER [STEPS] [ROUNDS] [SETUPS...]

SETUPS (default: all, in this order, repeated ROUNDS times so that each setup's runs are
spread over the same stretch of a noisy machine): ``render`` (no recording),
``rlvideo-nice0`` and ``rlvideo-nice10`` (``rlvideo.RecordVideo`` with ``nice=0`` /
``nice=10``; any ``rlvideo-niceN`` works), ``gymnasium`` (``gymnasium.wrappers.RecordVideo``).
Prints, per run, env steps/s over STEPS vector steps (default 300, i.e. 2,400 env steps; after
20 steps of warm-up, with the workers started), the seconds ``close()`` then takes to finish
the videos, and env steps/s counting that ``close()`` too; then each setup's medians.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import gymnasium as gym

WORKERS = 8
WARMUP_STEPS = 20


class RenderEveryStep(gym.Wrapper):
    """Renders after every reset and step, as a recorder does, and keeps nothing."""

    def reset(self, **kwargs):
        out = self.env.reset(**kwargs)
        self.env.render()
        return out

    def step(self, action):
        out = self.env.step(action)
        self.env.render()
        return out


def make_env(setup: str, folder: str):
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    if setup == "render":
        return RenderEveryStep(env)
    if setup == "gymnasium":
        from gymnasium.wrappers import RecordVideo

        return RecordVideo(env, folder, episode_trigger=lambda e: True, disable_logger=True)
    if setup.startswith("rlvideo-nice"):
        from rlvideo import RecordVideo as RlRecordVideo

        nice = int(setup.removeprefix("rlvideo-nice"))
        return RlRecordVideo(env, folder, episode_trigger=lambda e: True, nice=nice)
    raise ValueError(f"unknown setup {setup!r}")


def run(setup: str, folder: Path, steps: int) -> tuple[float, float]:
    """(env steps/s over `steps` vector steps, seconds `close()` took)."""
    fns = [
        (lambda i=i: make_env(setup, str(folder / f"{setup}-worker-{i}"))) for i in range(WORKERS)
    ]
    envs = gym.vector.AsyncVectorEnv(fns)
    envs.action_space.seed(0)
    envs.reset(seed=0)
    for _ in range(WARMUP_STEPS):
        envs.step(envs.action_space.sample())
    start = time.perf_counter()
    for _ in range(steps):
        envs.step(envs.action_space.sample())
    elapsed = time.perf_counter() - start
    start = time.perf_counter()
    envs.close()
    return steps * WORKERS / elapsed, time.perf_counter() - start


def main() -> None:
    folder = Path(sys.argv[1])
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    setups = sys.argv[4:] or ["render", "rlvideo-nice0", "rlvideo-nice10", "gymnasium"]
    env_steps = steps * WORKERS
    results: dict[str, list[tuple[float, float]]] = {setup: [] for setup in setups}
    for r in range(rounds):
        for setup in setups:
            rate, close = run(setup, folder / f"round-{r}", steps)
            with_close = env_steps / (env_steps / rate + close)
            results[setup].append((rate, with_close))
            print(
                f"round {r} {setup:16} {rate:5.0f} env steps/s, close() {close:5.2f} s, "
                f"{with_close:5.0f} env steps/s with close()",
                flush=True,
            )
    print(f"medians of {rounds} rounds, {WORKERS} workers, {env_steps} env steps each:")
    base = [statistics.median(x) for x in zip(*results["render"])] if "render" in results else []
    for setup, runs in results.items():
        rate, with_close = (statistics.median(x) for x in zip(*runs))
        versus = f" ({rate / base[0]:.2f}x render)" if base else ""
        versus_close = f" ({with_close / base[1]:.2f}x)" if base else ""
        print(
            f"  {setup:16} {rate:5.0f} env steps/s{versus}, "
            f"{with_close:5.0f} with close(){versus_close}"
        )


if __name__ == "__main__":
    main()
