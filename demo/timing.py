"""A pass-through wrapper that adds up where the time goes, to split "the env" from "recording"."""

from __future__ import annotations

import time
from typing import Any, SupportsFloat

import gymnasium as gym


class TimedEnv(gym.Wrapper):
    """Adds up the seconds spent in the wrapped env's `step`/`reset` and `render`.

    Put once under `RecordVideo` (what the env itself costs: simulating, and drawing the
    frames the videos need) and once over it (everything): the difference is what
    `RecordVideo` itself costs the training loop.
    """

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.seconds = 0.0  # step + reset
        self.render_seconds = 0.0
        self.steps = 0
        self.renders = 0

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        started = time.perf_counter()
        try:
            return self.env.reset(**kwargs)
        finally:
            self.seconds += time.perf_counter() - started

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        started = time.perf_counter()
        try:
            return self.env.step(action)
        finally:
            self.seconds += time.perf_counter() - started
            self.steps += 1

    def render(self) -> Any:
        started = time.perf_counter()
        try:
            return self.env.render()
        finally:
            self.render_seconds += time.perf_counter() - started
            self.renders += 1
