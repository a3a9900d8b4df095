"""``rlvideo.RecordVideo``: Gymnasium's ``RecordVideo`` with frames streamed to a Rust encoder."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, SupportsFloat

import gymnasium as gym
from gymnasium import logger
from gymnasium.core import ActType, ObsType

from rlvideo._gymnasium import GymnasiumRecording, check_render_mode, our_constructor_args
from rlvideo._selection import ScoreFunction
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

    Example - record all 20 episodes, keep the 3 with the highest return:
        >>> import os
        >>> env = gym.make("CartPole-v1", render_mode="rgb_array")
        >>> env = RecordVideo(env, "best", keep_best=3)
        >>> for _ in range(20):
        ...     _ = env.reset()
        ...     done = False
        ...     while not done:
        ...         *_, terminated, truncated, _ = env.step(env.action_space.sample())
        ...         done = terminated or truncated
        >>> env.close()
        >>> for name in sorted(os.listdir("best")):
        ...     print(name)
        rl-video-best-1-episode-...
        rl-video-best-2-episode-...
        rl-video-best-3-episode-...

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
        keep_best: Keyword-only. Keep only the videos of the ``keep_best`` highest
            ``score``s (0, the default: keep every video). With neither trigger given,
            every episode is recorded. A video is deleted as soon as it cannot make the cut
            (``keep_best`` better ones, and ``keep_worst`` worse ones, are complete); at
            ``close()`` the kept ones are renamed, e.g.
            ``{name_prefix}-best-{rank}-episode-{N}.mp4``, and only then passed to
            ``on_video_saved`` (and W&B), best first. Until then they keep Gymnasium's names.
        keep_worst: Keyword-only. The same for the lowest scores (``-worst-{rank}-``); a
            video in both lists names both ranks.
        score: Keyword-only. ``score(stats)`` ranks a video from its
            ``rlvideo.EpisodeStats`` (higher is better); by default the return of the steps
            it recorded, ``stats.episode_return`` (of the recorded part when
            ``video_length`` cut the episode short). Needs ``keep_best`` or ``keep_worst``.
        frame_stride: Keyword-only. Render and record every ``frame_stride``-th step of a
            video (1, the default: every step): its first frame (the reset, or the trigger
            step), then every ``frame_stride``-th step after it, and always the step that
            ends the episode (terminated or truncated) and the one at which
            ``video_length`` ends the video; ``env.render()`` is not called for the others.
            ``video_length`` then counts steps, not frames. The default ``fps`` becomes
            ``render_fps / frame_stride``, so that the video plays at real time; a given
            ``fps`` is kept (the video plays ``frame_stride`` times faster at
            ``render_fps``). Needs ``render_mode="rgb_array"`` when above 1.
        **encoder_options: Keyword-only ``rlvideo.VideoWriter`` options
            (``rlvideo.EncoderOptions``: ``speed``, ``quantizer``, ``threads``, ``tiles``,
            ``keyframe_interval``, ``memory_budget``, ``low_latency``, ``rl_tuning``,
            ``static_skip``, ``chroma``, ``faststart``, ``nice``, ``scale``), checked here:
            ``ValueError`` naming a bad one.
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
        keep_best: int = 0,
        keep_worst: int = 0,
        score: ScoreFunction | None = None,
        frame_stride: int = 1,
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
            **our_constructor_args(RecordVideo.__init__, locals()),
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
            keep_best,
            keep_worst,
            score,
            frame_stride,
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
        self._recorder.after_event(self._capture_frame, last=self.video_length)
        return obs, info

    def step(self, action: ActType) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the environment, capturing a frame while recording."""
        obs, rew, terminated, truncated, info = self.env.step(action)
        self._schedule.step_taken(self)
        self._recorder.after_event(
            self._capture_frame, rew, final=terminated or truncated, last=self.video_length
        )
        return obs, rew, terminated, truncated, info
