"""The two recorders every comparison wraps around an env, by the names the suites use."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import gymnasium as gym

GYMNASIUM = "gymnasium RecordVideo"
RLVIDEO = "rlvideo RecordVideo"
RECORDERS = (GYMNASIUM, RLVIDEO)


def wrap(
    recorder: str,
    env: gym.Env,
    folder: Path,
    episode_trigger: Callable[[int], bool] | None = None,
) -> gym.Env:
    """`env` inside Gymnasium's RecordVideo or ours, with the same arguments."""
    if recorder == GYMNASIUM:
        from gymnasium.wrappers import RecordVideo
    elif recorder == RLVIDEO:
        from rlvideo import RecordVideo
    else:
        raise ValueError(f"recorder must be one of {RECORDERS}, got {recorder!r}")
    return RecordVideo(env, str(folder), episode_trigger=episode_trigger)
