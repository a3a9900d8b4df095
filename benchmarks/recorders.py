"""The two recorders every comparison wraps around an env, by the names the suites use."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import gymnasium as gym

GYMNASIUM = "gymnasium RecordVideo"
RLVIDEO = "rlvideo RecordVideo"
RECORDERS = (GYMNASIUM, RLVIDEO)
#: Ours rendering every 2nd step of a video (issue 24's "render less"); the training loop
#: benchmark only: the other suites compare encoders on the same frames.
RLVIDEO_STRIDE_2 = "rlvideo RecordVideo frame_stride=2"


def wrap(
    recorder: str,
    env: gym.Env,
    folder: Path,
    episode_trigger: Callable[[int], bool] | None = None,
    show_progress: bool = False,
) -> gym.Env:
    """`env` inside Gymnasium's RecordVideo or ours, with the same arguments.

    `show_progress` turns on rlvideo's wait reports (``disable_logger=False``; silent until a
    wait passes a second, and costs nothing before). Gymnasium's keeps its default: its
    ``disable_logger=False`` draws moviepy's bar for every video, whose drawing would add to
    the time being compared."""
    if recorder == GYMNASIUM:
        from gymnasium.wrappers import RecordVideo

        return RecordVideo(env, str(folder), episode_trigger=episode_trigger)
    if recorder in (RLVIDEO, RLVIDEO_STRIDE_2):
        from rlvideo import RecordVideo

        return RecordVideo(
            env,
            str(folder),
            episode_trigger=episode_trigger,
            disable_logger=not show_progress,
            frame_stride=2 if recorder == RLVIDEO_STRIDE_2 else 1,
        )
    raise ValueError(f"recorder must be one of {RECORDERS}, got {recorder!r}")
