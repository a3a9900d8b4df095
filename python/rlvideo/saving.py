"""``rlvideo.save_video``: Gymnasium's ``save_video`` utility, encoding with rlvideo."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rlvideo._native import VideoWriter
from rlvideo.schedules import capped_cubic_video_schedule


def save_video(
    frames: list,
    video_folder: str,
    episode_trigger: Callable[[int], bool] | None = None,
    step_trigger: Callable[[int], bool] | None = None,
    video_length: int | None = None,
    name_prefix: str = "rl-video",
    episode_index: int = 0,
    step_starting_index: int = 0,
    save_logger: str | None = None,
    **kwargs: Any,
) -> None:
    """Save videos from a list of rendered frames, as ``gymnasium.utils.save_video`` does.

    Writes ``{name_prefix}-episode-{episode_index}.mp4`` (the first ``video_length`` frames)
    if ``episode_trigger(episode_index)``, and ``{name_prefix}-step-{i}.mp4`` for each step
    ``i`` where ``step_trigger(i)`` (``video_length`` frames from that step). Without
    triggers, the capped cubic schedule decides. Returns once every file is complete.

    ``kwargs`` takes ``fps`` (required, as with moviepy's ``ImageSequenceClip``) and any
    ``rlvideo.VideoWriter`` option; ``save_logger`` is accepted for compatibility.

    Example:
        >>> import gymnasium as gym
        >>> from rlvideo import save_video
        >>> env = gym.make("CartPole-v1", render_mode="rgb_array_list")
        >>> _ = env.reset(seed=0)
        >>> done = False
        >>> while not done:
        ...     *_, terminated, truncated, _ = env.step(env.action_space.sample())
        ...     done = terminated or truncated
        >>> save_video(env.render(), "videos", fps=env.metadata["render_fps"])
    """
    if not isinstance(frames, list):
        warn(f"Expected a list of frames, got a {type(frames)} instead.")
    if "fps" not in kwargs:
        raise TypeError("save_video() needs fps=..., the frame rate of the video")
    fps = kwargs.pop("fps")
    if episode_trigger is None and step_trigger is None:
        episode_trigger = capped_cubic_video_schedule

    video_folder = os.path.abspath(video_folder)
    os.makedirs(video_folder, exist_ok=True)
    path_prefix = os.path.join(video_folder, name_prefix)

    if episode_trigger is not None and episode_trigger(episode_index):
        _write(f"{path_prefix}-episode-{episode_index}.mp4", frames[:video_length], fps, kwargs)
    if step_trigger is not None:
        for step_index, frame_index in enumerate(range(1, len(frames)), start=step_starting_index):
            if step_trigger(step_index):
                end = frame_index + video_length if video_length is not None else None
                _write(f"{path_prefix}-step-{step_index}.mp4", frames[frame_index:end], fps, kwargs)


def warn(message: str) -> None:
    """Gymnasium's logger when Gymnasium is there (its save_video warns through it), else
    Python's warnings: save_video works without Gymnasium."""
    try:
        from gymnasium import logger
    except ImportError:
        warnings.warn(message, stacklevel=3)
    else:
        logger.warn(message)


def _write(path: str, frames: Sequence[np.ndarray], fps: float, options: dict[str, Any]) -> None:
    with VideoWriter(path, fps, **options) as writer:
        for frame in frames:
            writer.write(frame)
