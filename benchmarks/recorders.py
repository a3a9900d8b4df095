"""The two recorders every comparison wraps around an env, by the names the suites use."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import gymnasium as gym

GYMNASIUM = "gymnasium RecordVideo"
RLVIDEO = "rlvideo RecordVideo"
RECORDERS = (GYMNASIUM, RLVIDEO)
#: Ours rendering every 2nd step of a video (issue 24's "render less"); the training loop
#: benchmark only: the other suites compare encoders on the same frames.
RLVIDEO_STRIDE_2 = "rlvideo RecordVideo frame_stride=2"
#: Ours recording every episode and keeping the 3 with the highest return (issue 24's "keep
#: the best episodes"; with no trigger every episode is recorded); the PPO benchmark only.
RLVIDEO_BEST_3 = "rlvideo RecordVideo keep_best=3"
#: The same, rendering every 2nd step of each video.
RLVIDEO_BEST_3_STRIDE_2 = "rlvideo RecordVideo keep_best=3 frame_stride=2"
#: The frames a recorder would capture, rendered and dropped: what rendering alone costs.
RENDER_ONLY = "render only"


class RenderOnly(gym.Wrapper):
    """Renders the frames a recorder with `episode_trigger` captures (the reset's, then one
    per step of each triggered episode) and drops them."""

    def __init__(self, env: gym.Env, episode_trigger: Callable[[int], bool]) -> None:
        super().__init__(env)
        self.trigger = episode_trigger
        self.episode = -1
        self.rendering = False

    def reset(self, **kwargs: Any) -> Any:
        out = self.env.reset(**kwargs)
        self.episode += 1
        self.rendering = self.trigger(self.episode)
        if self.rendering:
            self.env.render()
        return out

    def step(self, action: Any) -> Any:
        out = self.env.step(action)
        if self.rendering:
            self.env.render()
        return out


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
    if recorder in (RLVIDEO, RLVIDEO_STRIDE_2, RLVIDEO_BEST_3, RLVIDEO_BEST_3_STRIDE_2):
        from rlvideo import RecordVideo

        return RecordVideo(
            env,
            str(folder),
            episode_trigger=episode_trigger,
            disable_logger=not show_progress,
            frame_stride=2 if recorder in (RLVIDEO_STRIDE_2, RLVIDEO_BEST_3_STRIDE_2) else 1,
            keep_best=3 if recorder in (RLVIDEO_BEST_3, RLVIDEO_BEST_3_STRIDE_2) else 0,
        )
    if recorder == RENDER_ONLY:
        return RenderOnly(env, episode_trigger or (lambda _: True))
    raise ValueError(f"recorder must be one of {RECORDERS}, got {recorder!r}")
