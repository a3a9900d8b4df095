"""A training loop stand-in (CartPole-v1 or CarRacing-v3, random policy, fixed seeds) with a
clock on every call into the env stack, so the time a recorder costs the loop can be told
apart from the env's own work.

Two timing wrappers sandwich the recorder: ``EnvClock`` sits directly on the env and adds up
its ``step``/``reset``/``render`` time; the loop times each call into the top of the stack.
Blocked time = time inside the stack's ``step``/``reset``/``close`` minus the env's own.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np

from benchmarks import recorders

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")

ENV_ALONE = "env alone"
#: The loop without recording or rendering: what recording costs a training run is the wall
#: time above it.
NOT_RECORDED = "not recorded"
RECORDERS = (NOT_RECORDED, ENV_ALONE, *recorders.RECORDERS, recorders.RLVIDEO_STRIDE_2)


class EnvClock(gym.Wrapper):
    """Adds up the wall time the env itself spends in step/reset/render."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.seconds = 0.0

    def step(self, action: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.env.step(action)
        finally:
            self.seconds += time.perf_counter() - start

    def reset(self, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.env.reset(**kwargs)
        finally:
            self.seconds += time.perf_counter() - start

    def render(self) -> Any:
        start = time.perf_counter()
        try:
            return self.env.render()
        finally:
            self.seconds += time.perf_counter() - start


@dataclass
class LoopResult:
    wall: float  # seconds, first reset to the end of close()
    blocked: float  # seconds inside step/reset/close beyond the env's own work
    env_own: float  # seconds the env spent in step/reset/render
    steps: int
    videos: int
    video_bytes: int

    def info(self) -> dict[str, float]:
        """The benchmark's extra_info: seconds rounded to milliseconds."""
        return {
            "wall_seconds": round(self.wall, 3),
            "blocked_seconds": round(self.blocked, 3),
            "env_seconds": round(self.env_own, 3),
            "steps": self.steps,
            "videos": self.videos,
            "video_bytes": self.video_bytes,
        }


def run_loop(
    recorder: str,
    folder: Path,
    episodes: int,
    episode_trigger: Callable[[int], bool] | None,
    seed: int = 0,
    show_progress: bool = False,
    env_id: str = "CartPole-v1",
    max_episode_steps: int | None = None,
) -> LoopResult:
    """Runs `episodes` episodes of `env_id` (CartPole-v1 or CarRacing-v3) with `recorder`
    (one of RECORDERS).

    "env alone" renders the frames the recorders would capture (at reset and after every
    step of a triggered episode) and writes nothing; "not recorded" renders nothing.
    """
    options: dict[str, Any] = {"render_mode": "rgb_array"}
    if max_episode_steps is not None:
        options["max_episode_steps"] = max_episode_steps
    clock = EnvClock(gym.make(env_id, **options))
    env: gym.Env = clock
    if recorder not in (ENV_ALONE, NOT_RECORDED):
        env = recorders.wrap(recorder, clock, folder, episode_trigger, show_progress)
    trigger = episode_trigger or _capped_cubic
    render_alone = recorder == ENV_ALONE

    policy = _random_policy(env_id, seed)
    inside = 0.0
    steps = 0
    started = time.perf_counter()
    for episode in range(episodes):
        render = render_alone and trigger(episode)
        t = time.perf_counter()
        env.reset(seed=seed + episode)
        if render:
            env.render()
        inside += time.perf_counter() - t
        done = False
        while not done:
            action = policy()
            t = time.perf_counter()
            _, _, terminated, truncated, _ = env.step(action)
            if render:
                env.render()
            inside += time.perf_counter() - t
            steps += 1
            done = terminated or truncated
    t = time.perf_counter()
    env.close()
    inside += time.perf_counter() - t
    wall = time.perf_counter() - started
    videos = sorted(folder.glob("*.mp4")) if folder.exists() else []
    return LoopResult(
        wall=wall,
        blocked=inside - clock.seconds,
        env_own=clock.seconds,
        steps=steps,
        videos=len(videos),
        video_bytes=sum(v.stat().st_size for v in videos),
    )


def _random_policy(env_id: str, seed: int) -> Callable[[], Any]:
    """Seeded random actions: CartPole's push left or right; CarRacing's steering at random
    with steady gas and no brake, so that the car drives and its camera moves (uniform gas and
    brake would leave it nearly standing, its frames nearly still)."""
    rng = np.random.default_rng(seed)
    if env_id == "CartPole-v1":
        return lambda: int(rng.integers(2))
    if env_id == "CarRacing-v3":
        return lambda: np.array([rng.uniform(-1, 1), 0.5, 0], np.float32)
    raise ValueError(f"env_id must be 'CartPole-v1' or 'CarRacing-v3', got {env_id!r}")


def _capped_cubic(episode: int) -> bool:
    from rlvideo import capped_cubic_video_schedule

    return capped_cubic_video_schedule(episode)


def every_10th(episode: int) -> bool:
    return episode % 10 == 0


SCHEDULES: dict[str, Callable[[int], bool] | None] = {
    "default schedule": None,
    "every 10th episode": every_10th,
}
