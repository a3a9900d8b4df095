"""``rlvideo.RecordVideo``: Gymnasium's ``RecordVideo`` with frames streamed to a Rust encoder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, SupportsFloat

import gymnasium as gym
from gymnasium import logger
from gymnasium.core import ActType, ObsType

from rlvideo._gymnasium import GymnasiumRecording, check_render_mode
from rlvideo._series import VideoCallback


class RecordVideo(
    GymnasiumRecording,
    gym.Wrapper[ObsType, ActType, ObsType, ActType],
    Generic[ObsType, ActType],
    gym.utils.RecordConstructorArgs,
):
    """Records videos of environment episodes, as ``gymnasium.wrappers.RecordVideo`` does.

    Same arguments, triggers, file names (``{name_prefix}-episode-{N}.mp4``,
    ``{name_prefix}-step-{N}.mp4``) and frame counts as Gymnasium 1.x, but frames go to an
    AV1 encoder on a background thread as they are captured instead of piling up in a list
    for moviepy. ``stop_recording()`` returns without waiting for the encoder; ``close()``
    waits until every video is complete.

    Example - record every 10th episode of 50:
        >>> import gymnasium as gym
        >>> from rlvideo import RecordVideo
        >>> env = gym.make("CartPole-v1", render_mode="rgb_array")
        >>> env = RecordVideo(env, "videos", episode_trigger=lambda e: e % 10 == 0)
        >>> for _ in range(50):
        ...     _ = env.reset(seed=123)
        ...     done = False
        ...     while not done:
        ...         *_, terminated, truncated, _ = env.step(env.action_space.sample())
        ...         done = terminated or truncated
        >>> env.close()

    ``gc_trigger`` defaults to ``None``: Gymnasium runs ``gc.collect()`` after every video to
    free its frame list (tens of milliseconds with a large heap); rlvideo keeps no frame list.
    Pass a trigger to collect anyway.

    Args beyond Gymnasium's (keyword-only):
        on_video_saved: called with the path of each video once it is complete on disk, on
            the caller's thread (inside ``step``, ``reset`` or ``close``), e.g. to upload it.
        **encoder_options: ``rlvideo.VideoWriter`` options (``speed``, ``quantizer``,
            ``threads``, ``tiles``, ``keyframe_interval``, ``memory_budget``,
            ``low_latency``, ``rl_tuning``, ``static_skip``, ``chroma``).
    """

    def __init__(
        self,
        env: gym.Env[ObsType, ActType],
        video_folder: str,
        episode_trigger: Callable[[int], bool] | None = None,
        step_trigger: Callable[[int], bool] | None = None,
        video_length: int = 0,
        name_prefix: str = "rl-video",
        fps: int | None = None,
        disable_logger: bool = True,
        gc_trigger: Callable[[int], bool] | None = None,
        *,
        on_video_saved: VideoCallback | None = None,
        **encoder_options: Any,
    ):
        gym.utils.RecordConstructorArgs.__init__(
            self,
            video_folder=video_folder,
            episode_trigger=episode_trigger,
            step_trigger=step_trigger,
            video_length=video_length,
            name_prefix=name_prefix,
            fps=fps,
            disable_logger=disable_logger,
            gc_trigger=gc_trigger,
        )
        gym.Wrapper.__init__(self, env)
        check_render_mode(env.render_mode)
        self._setup_recording(
            video_folder,
            episode_trigger,
            step_trigger,
            video_length,
            name_prefix,
            fps,
            disable_logger,
            gc_trigger,
            on_video_saved,
            encoder_options,
        )

    def _capture_frame(self) -> None:
        assert self.recording, "Cannot capture a frame, recording wasn't started."
        frame = self.env.render()
        if isinstance(frame, list):
            if len(frame) == 0:
                logger.warn(
                    "Trying to capture render frame but 'env.render()' has just been called. "
                    "The frame cannot be captured."
                )
                return
            self.render_history += frame
            frame = frame[-1]
        # Kept, not copied: render() hands out a frame the env no longer writes to, the same
        # assumption Gymnasium's wrapper makes when it keeps every frame in a list.
        self._record(frame, copy=False)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the environment and eventually start a new recording."""
        obs, info = super().reset(seed=seed, options=options)
        self._schedule.episode_started(self)
        self._recorder.after_event(self._capture_frame)
        return obs, info

    def step(self, action: ActType) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the environment, capturing a frame while recording."""
        obs, rew, terminated, truncated, info = self.env.step(action)
        self._schedule.step_taken(self)
        self._recorder.after_event(self._capture_frame)
        return obs, rew, terminated, truncated, info
