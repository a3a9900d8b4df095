"""Per-step cost of the wrapper when it is not recording, beside a bare ``gymnasium.Wrapper``
and Gymnasium's own RecordVideo (target: ours within about 1 microsecond of the bare one).

The env does nothing (its step returns constants), so what is measured is the wrappers.

Quick mode (benchmarks/mode.py): 1,000 steps, one round.

    .venv/bin/python -m pytest benchmarks/test_wrapper_overhead.py --benchmark-only
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.wrappers import RecordVideo as GymRecordVideo

from benchmarks.mode import pick, seconds
from rlvideo import RecordVideo

STEPS = pick(100_000, 1_000)
ROUNDS, WARMUP_ROUNDS = pick((10, 1), (1, 0))


class NullEnv(gym.Env):
    """An env whose step costs next to nothing; episodes last 100 steps."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}  # noqa: RUF012
    observation_space = gym.spaces.Box(0, 1, (1,))
    action_space = gym.spaces.Discrete(2)

    def __init__(self) -> None:
        self.render_mode = "rgb_array"
        self.t = 0
        self.obs = np.zeros(1, np.float32)
        self.frame = np.zeros((64, 64, 3), np.uint8)

    def reset(self, *, seed=None, options=None):
        self.t = 0
        return self.obs, {}

    def step(self, action):
        self.t += 1
        return self.obs, 0.0, False, self.t >= 100, {}

    def render(self):
        return self.frame


def never(_: int) -> bool:
    return False


WRAPPERS = {
    "bare gymnasium.Wrapper": lambda env, folder: gym.Wrapper(env),
    "rlvideo.RecordVideo": lambda env, folder: RecordVideo(env, folder, episode_trigger=never),
    "gymnasium RecordVideo": lambda env, folder: GymRecordVideo(env, folder, episode_trigger=never),
}


@pytest.mark.parametrize("wrapper", list(WRAPPERS))
def test_step_overhead_when_not_recording(benchmark, tmp_path, wrapper):
    benchmark.group = f"{STEPS} steps of a no-op env, not recording"
    env = WRAPPERS[wrapper](NullEnv(), str(tmp_path / "videos"))
    env.reset(seed=0)

    def run() -> None:
        step, reset = env.step, env.reset
        for _ in range(STEPS):
            _, _, terminated, truncated, _ = step(0)
            if terminated or truncated:
                reset()

    benchmark.pedantic(run, rounds=ROUNDS, iterations=1, warmup_rounds=WARMUP_ROUNDS)
    per_step = seconds(benchmark, "min") / STEPS
    benchmark.extra_info["microseconds_per_step"] = round(per_step * 1e6, 3)
    env.close()
    assert not list(tmp_path.glob("**/*.mp4"))
