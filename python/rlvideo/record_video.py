"""``rlvideo.RecordVideo``: Gymnasium's ``RecordVideo`` with frames streamed to a Rust encoder."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, SupportsFloat

import gymnasium as gym
from gymnasium import logger
from gymnasium.core import ActType, ObsType

from rlvideo._gymnasium import GymnasiumRecording, check_render_mode
from rlvideo._series import VideoCallback

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from rlvideo._options import EncoderOptions


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

    Args:
        env: The environment to record; its ``render_mode`` must give images
            (``rgb_array`` or ``rgb_array_list``), else ``ValueError``.
        video_folder: The folder the videos are written to, created if missing (with
            Gymnasium's warning when it already exists).
        episode_trigger: Called with each episode's index (from 0); a video starts at the
            episodes for which it returns True. With neither trigger,
            ``capped_cubic_video_schedule`` (episodes 0, 1, 8, 27, ..., then every 1000th).
        step_trigger: Called with each step's index (from 0, counted across episodes); a
            video starts at the steps for which it returns True, restarting one in progress.
        video_length: Frames after the first in each video: a video holds
            ``video_length + 1`` frames. 0 (the default) records whole episodes.
        name_prefix: Start of each file name: ``{name_prefix}-episode-{N}.mp4`` or
            ``{name_prefix}-step-{N}.mp4``. A plain name, without path separators.
        fps: Frame rate of the videos; ``None`` takes the env's ``metadata["render_fps"]``,
            else 30.
        disable_logger: False reports a wait for the encoder that lasts over a second (in
            ``close()``, or a step whose frame waits for room in ``memory_budget``) on
            stderr. True by default, as Gymnasium silences moviepy's bar by default.
        gc_trigger: Called with the episode index when a video stops; True runs
            ``gc.collect()``. ``None`` (the default) never does.
        on_video_saved: Keyword-only. Called with the path of each video once it is
            complete on disk, on the caller's thread (inside ``step``, ``reset`` or
            ``close``), e.g. to upload it.
        **encoder_options: Keyword-only ``rlvideo.VideoWriter`` options
            (``rlvideo.EncoderOptions``: ``speed``, ``quantizer``, ``threads``, ``tiles``,
            ``keyframe_interval``, ``memory_budget``, ``low_latency``, ``rl_tuning``,
            ``static_skip``, ``chroma``), checked here: ``ValueError`` naming a bad one.
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
        **encoder_options: Unpack[EncoderOptions],
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
