"""Real training with a recorder: Stable-Baselines3 PPO (torch, CPU) learning CartPole-v1
with ``render_mode="rgb_array"`` for a fixed number of timesteps, the env inside one of the
recorders of `SETUPS` (below SB3's Monitor and DummyVecEnv, where a user puts it).

What recording costs the run is its wall time above the same run not recorded. The seeds are
fixed and no recorder changes what the env returns, so every setup trains the same agent
through the same episodes (`TrainingResult.returns` are compared by the test).

torch runs on one thread (``torch.set_num_threads(1)``, a common setting for small MLPs on
the CPU): with its default of one thread per core, on this 2-core VM shared with other jobs,
each op of the 64x64 MLP waited for a busy core (512 timesteps took 10.5 CPU seconds instead
of 0.9, run_backward 218 ms per call instead of 4), so the run's time would say more about
the neighbours than about the recorders.

    python -m benchmarks.ppo_training FOLDER [TIMESTEPS] [ROUNDS]

runs every setup in turn, round after round, and prints the medians (the pytest suite,
benchmarks/test_ppo_training.py, runs the same setups through pytest-benchmark).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import gymnasium as gym

from benchmarks import recorders
from benchmarks.training_loop import NOT_RECORDED

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")

EVERY_10TH = "every 10th episode"
EVERY = "every episode"
SCHEDULES: dict[str, Callable[[int], bool] | None] = {
    EVERY_10TH: lambda episode: episode % 10 == 0,
    EVERY: None,  # RenderOnly renders every episode; keep_best records every episode
}
#: (recorder, schedule) pairs, in the order each round runs them. "render only" renders the
#: frames the recorders of that schedule capture and drops them: the render cost alone.
SETUPS: tuple[tuple[str, str], ...] = (
    (NOT_RECORDED, ""),
    (recorders.RENDER_ONLY, EVERY_10TH),
    (recorders.GYMNASIUM, EVERY_10TH),
    (recorders.RLVIDEO, EVERY_10TH),
    (recorders.RLVIDEO_STRIDE_2, EVERY_10TH),
    (recorders.RENDER_ONLY, EVERY),
    (recorders.RLVIDEO_BEST_3, EVERY),
    (recorders.RLVIDEO_BEST_3_STRIDE_2, EVERY),
)


def setup_name(recorder: str, schedule: str) -> str:
    return f"{recorder}, {schedule}" if schedule else recorder


@dataclass
class TrainingResult:
    wall: float  # seconds in model.learn() and env.close()
    close: float  # seconds of that in env.close()
    cpu: float  # CPU seconds of the process (every thread) over the same span
    timesteps: int
    returns: list[float] = field(default_factory=list)  # each finished episode's, in order
    lengths: list[int] = field(default_factory=list)  # their steps
    partial_return: float = 0.0  # the episode in progress when learn() stopped
    videos: list[Path] = field(default_factory=list)

    @property
    def episodes(self) -> int:
        """Episodes started: the finished ones and the one in progress."""
        return len(self.returns) + 1


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def train(
    recorder: str,
    schedule: str,
    folder: Path,
    timesteps: int,
    n_steps: int = 2048,
    seed: int = 0,
    torch_threads: int = 1,
) -> TrainingResult:
    """PPO's defaults (MlpPolicy, `n_steps` per rollout, batch 64, 10 epochs) on one
    CartPole-v1 env wrapped in `recorder` (one of `SETUPS`), learning for `timesteps`
    (rounded up to whole rollouts, as SB3 does)."""
    import torch
    from stable_baselines3 import PPO

    torch.set_num_threads(torch_threads)
    torch.manual_seed(seed)
    env: gym.Env = gym.make("CartPole-v1", render_mode="rgb_array")
    if recorder != NOT_RECORDED:
        env = recorders.wrap(recorder, env, folder, SCHEDULES[schedule])
    model = PPO("MlpPolicy", env, n_steps=n_steps, seed=seed, device="cpu", verbose=0)
    monitor = model.get_env().envs[0]  # the Monitor SB3 put around our env
    cpu = _cpu_seconds()
    started = time.perf_counter()
    model.learn(total_timesteps=timesteps)
    returns = [float(r) for r in monitor.get_episode_rewards()]
    lengths = [int(n) for n in monitor.get_episode_lengths()]
    partial = float(sum(monitor.rewards))
    closing = time.perf_counter()
    model.get_env().close()
    ended = time.perf_counter()
    return TrainingResult(
        wall=ended - started,
        close=ended - closing,
        cpu=_cpu_seconds() - cpu,
        timesteps=model.num_timesteps,
        returns=returns,
        lengths=lengths,
        partial_return=partial,
        videos=sorted(folder.glob("*.mp4")) if folder.exists() else [],
    )


def main(folder: str, timesteps: int = 30_000, rounds: int = 3) -> None:
    walls: dict[str, list[float]] = {setup_name(*s): [] for s in SETUPS}
    root = Path(folder)
    train(NOT_RECORDED, "", root / "warm-up", 2048)  # imports, torch's first allocations
    for round_ in range(rounds):
        for recorder, schedule in SETUPS:
            name = setup_name(recorder, schedule)
            out = root / f"round{round_}" / name.replace(" ", "_").replace(",", "")
            result = train(recorder, schedule, out, timesteps)
            walls[name].append(result.wall)
            print(
                f"round {round_} {name}: {result.wall:.2f} s (close {result.close:.2f} s, "
                f"CPU {result.cpu:.1f} s), {result.episodes} episodes, "
                f"{len(result.videos)} videos",
                flush=True,
            )
            shutil.rmtree(out, ignore_errors=True)
    base = statistics.median(walls[NOT_RECORDED])
    for name, values in walls.items():
        wall = statistics.median(values)
        print(f"{name}: wall {wall:.2f} s, overhead {wall - base:+.2f} s")


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:]))
