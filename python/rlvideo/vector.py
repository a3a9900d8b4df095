"""``rlvideo.vector.RecordVideo``: Gymnasium's vector ``RecordVideo`` with frames streamed to a
Rust encoder, the sub-environments' frames tiled in a grid."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic

import gymnasium as gym
import numpy as np
from gymnasium import logger
from gymnasium.core import ActType, ObsType
from gymnasium.vector import VectorEnv, VectorWrapper

from rlvideo._env_select import Layout, SubEnvVideos, check_env_choice
from rlvideo._frames import as_frame, grid_shape, tile
from rlvideo._gymnasium import GymnasiumRecording, check_render_mode, our_constructor_args
from rlvideo._selection import ScoreFunction
from rlvideo._series import VideoCallback

__all__ = ["RecordVideo"]

if TYPE_CHECKING:
    from gymnasium.vector import AutoresetMode
    from typing_extensions import Unpack

    from rlvideo._options import EncoderOptions
else:
    try:
        from gymnasium.vector import AutoresetMode
    except ImportError:  # Gymnasium 1.0, whose vector envs all reset a sub-env on its next step

        class AutoresetMode(Enum):
            """Gymnasium 1.1's enum, for Gymnasium 1.0, whose vector envs name no mode."""

            NEXT_STEP = "NextStep"
            SAME_STEP = "SameStep"
            DISABLED = "Disabled"


# VectorWrapper is generic from Gymnasium 1.4 on (type checkers see it so); subscripting it
# at run time before 1.4 raises "TypeError: ... is not a generic class".
if TYPE_CHECKING or getattr(VectorWrapper, "__parameters__", ()):
    _VectorWrapper = VectorWrapper[ObsType, ActType, ObsType, ActType, np.ndarray]
else:
    _VectorWrapper = VectorWrapper

#: Gymnasium 1.1 and later say which autoreset mode a vector env uses (a missing one is
#: warned about); Gymnasium 1.0 had none, and all its vector envs reset on the next step.
_MODE_IS_DECLARED = hasattr(gym.vector, "AutoresetMode")


class RecordVideo(
    GymnasiumRecording,
    _VectorWrapper,
    Generic[ObsType, ActType],
    gym.utils.RecordConstructorArgs,
):
    """Records videos of a vector env, as ``gymnasium.wrappers.vector.RecordVideo`` does.

    Each video frame tiles the sub-environments' renders in a grid whose aspect ratio is
    closest to ``video_aspect_ratio`` (or shows only the first env with
    ``record_first_only``, only the ``env_indices`` chosen, or each chosen one in a file of
    its own with ``layout="files"``). Episodes are counted on the first sub-environment,
    for both next-step and same-step autoreset, and ``reset(options={"reset_mask": ...})``
    counts an episode only when the first env is reset, all as in Gymnasium 1.x.

    Example:
        >>> import gymnasium as gym
        >>> from rlvideo.vector import RecordVideo
        >>> envs = gym.make_vec("CartPole-v1", num_envs=4, render_mode="rgb_array")
        >>> envs = RecordVideo(envs, "videos", episode_trigger=lambda e: e % 5 == 0)
        >>> _ = envs.reset(seed=123)
        >>> for _ in range(200):
        ...     _ = envs.step(envs.action_space.sample())
        >>> envs.close()

    Args:
        env: The vector environment to record; its ``render_mode`` must give images
            (``rgb_array``), else ``ValueError``. Its metadata's ``autoreset_mode`` says
            when the first env's episodes end (next-step when it names none, with a warning
            on Gymnasium 1.1 and later).
        video_folder: The folder the videos are written to, created if missing (with
            Gymnasium's warning when it already exists).
        video_aspect_ratio: ``(width, height)`` the grid of sub-env frames comes closest
            to; chosen at the first frame, as Gymnasium chooses it.
        record_first_only: True records the first sub-env's frames alone, not the grid.
        episode_trigger: Called with each episode's index (episodes of the first env, from
            0); a video starts at the episodes for which it returns True. With neither
            trigger, ``capped_cubic_video_schedule``.
        step_trigger: Called with each step's index (from 0); a video starts at the steps
            for which it returns True, restarting one in progress.
        video_length: Frames after the first in each video: a video holds
            ``video_length + 1`` frames. 0 (the default) records whole episodes.
        name_prefix: Start of each file name: ``{name_prefix}-episode-{N}.mp4`` or
            ``{name_prefix}-step-{N}.mp4``. A plain name, without path separators.
        fps: Frame rate of the videos; ``None`` takes the env's ``metadata["render_fps"]``,
            else 30.
        disable_logger: False reports a wait for the encoder that lasts over a second on
            stderr (True by default, as in Gymnasium).
        gc_trigger: Called with the episode index when a video stops; True runs
            ``gc.collect()``. ``None`` (the default) never does.
        on_video_saved: Keyword-only. Called with the path of each video once it is
            complete on disk, on the caller's thread (inside ``step``, ``reset`` or
            ``close``).
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
            it recorded, ``stats.episode_return``: the first env's with
            ``record_first_only``, else summed over every sub-env the grid shows (the
            first env's alone: ``stats.rewards[:, 0].sum()``). Needs ``keep_best`` or
            ``keep_worst``.
        frame_stride: Keyword-only. Render and record every ``frame_stride``-th step of a
            video (1, the default: every step), as ``rlvideo.RecordVideo`` does: its first
            frame, every ``frame_stride``-th step after it, the step that ends the first
            env's episode and the one at which ``video_length`` (then counted in steps)
            ends the video; the vector env's ``render()`` (every sub-env) is not called for
            the others. The default ``fps`` becomes ``render_fps / frame_stride`` (real
            time); a given ``fps`` is kept.
        env_indices: Keyword-only. The sub-envs to record, by index (e.g. ``[0, 3]``);
            ``None`` (the default) records every one in the grid, as Gymnasium does. Out of
            range, repeated or non-int indices raise ``ValueError``/``TypeError`` here,
            before the folder is made. A ``SyncVectorEnv`` renders only the chosen ones.
        layout: Keyword-only. ``"grid"`` (the default): one video tiling the chosen
            sub-envs in the order given, following the first chosen one's episodes (and
            ``reset_mask`` entry); ``score`` sums the rewards of those shown.
            ``"files"``: one video per chosen sub-env (every sub-env without
            ``env_indices``), ``{name_prefix}-env-{i}-episode-{N}.mp4``, each sub-env
            counted as a single env would be: its own episodes ``N`` (from its own resets
            and autoresets) and its own ``episode_trigger`` answers and ``video_length``;
            ``step_trigger`` sees the vector step count, so step videos
            (``{name_prefix}-env-{i}-step-{N}.mp4``) start together. ``keep_best`` and
            ``keep_worst`` then keep that many of each sub-env's videos, ranked by its own
            rewards (``{name_prefix}-env-{i}-best-1-episode-{N}.mp4``). The wrapper's
            ``recording`` and ``episode_id`` stay those of the grid (unused). Not with
            ``record_first_only`` (``env_indices=[0]`` is the same).
        **encoder_options: Keyword-only ``rlvideo.VideoWriter`` options
            (``rlvideo.EncoderOptions``), checked here.
    """

    def __init__(
        self,
        env: VectorEnv[ObsType, ActType, np.ndarray],
        video_folder: str,
        video_aspect_ratio: tuple[int, int] = (1, 1),
        record_first_only: bool = False,
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
        env_indices: Sequence[int] | None = None,
        layout: Layout = "grid",
        **encoder_options: Unpack[EncoderOptions],
    ):
        VectorWrapper.__init__(self, env)
        gym.utils.RecordConstructorArgs.__init__(
            self,
            video_folder=video_folder,
            episode_trigger=episode_trigger,
            step_trigger=step_trigger,
            video_length=video_length,
            name_prefix=name_prefix,
            disable_logger=disable_logger,
            **our_constructor_args(RecordVideo.__init__, locals()),
        )
        check_render_mode(env.render_mode)
        self._choice = check_env_choice(
            env_indices, layout, env.num_envs, record_first_only=record_first_only
        )

        autoreset_mode = env.metadata.get("autoreset_mode", None)
        if autoreset_mode is None and _MODE_IS_DECLARED:
            logger.warn(
                f"{env} metadata doesn't specify its autoreset mode ({env.metadata!r}), "
                "therefore, defaulting to next step."
            )
        if autoreset_mode is None:
            autoreset_mode = AutoresetMode.NEXT_STEP
        self.autoreset_mode = autoreset_mode
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            logger.warn(
                "Vector environment's autoreset mode is same-step "
                "(https://farama.org/Vector-Autoreset-Mode). Recorded episodes will not "
                "contain the last frame of the episode."
            )
        self.has_autoreset = False
        self.record_first_only = record_first_only
        self.video_aspect_ratio = video_aspect_ratio
        self.frame_rows = -1
        self.frame_cols = -1
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
        self._grid: np.ndarray | None = None
        self._files: SubEnvVideos | None = None  # layout="files": each sub-env on its own
        if self._choice.files:
            self._files = SubEnvVideos(
                self._choice.indices or (),
                self._schedule,
                self._recorder,
                keep_best=keep_best,
                keep_worst=keep_worst,
                score=score,
                gc_trigger=gc_trigger,
                autoreset_mode=AutoresetMode(self.autoreset_mode).value,
            )

    def _tile(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """All frames in one picture, in the grid chosen at the first one. The grid buffer is
        reused: the frame made of it is copied by VideoWriter.write."""
        if not isinstance(frames[0], np.ndarray):  # tensors: numpy views of them to tile
            frames = [as_frame(frame) for frame in frames]
        if self.frame_rows == -1 or self.frame_cols == -1:
            h, w = frames[0].shape[:2]
            self.frame_rows, self.frame_cols = grid_shape(
                len(frames), h, w, self.video_aspect_ratio
            )
        self._grid = tile(frames, self.frame_cols, out=self._grid)
        return self._grid

    def _capture_frame(self) -> None:
        assert self.recording, "Cannot capture a frame, recording wasn't started."
        envs_frame = self._choice.render_gymnasium(self.env)  # env_indices': those alone
        assert isinstance(envs_frame, Sequence), type(envs_frame)
        assert len(envs_frame) == len(self._choice.indices or range(self.num_envs))
        if self.record_first_only:
            frame = envs_frame[0]
        else:
            try:
                frame = self._tile(envs_frame)
            except (ValueError, TypeError, AttributeError, IndexError) as error:
                self._recorder.stop_with_warning(f"cannot tile the environments' frames: {error}")
                return
        # Copied, not kept: the tiled grid is one buffer this wrapper overwrites every step.
        self._record(frame)

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the environments and eventually start a new recording."""
        # Gymnasium's VectorWrapper.reset says `int | None` but hands the seed to
        # VectorEnv.reset, which takes one per sub-env too.
        if self._files is not None:
            obs, info = super().reset(seed=seed, options=options)  # type: ignore[arg-type]
            self._files.reset(self.env, (options or {}).get("reset_mask"))
            return obs, info
        mask = None if options is None else options.get("reset_mask")
        if mask is None or mask[self._choice.first]:
            self._schedule.episode_started(self)
        obs, info = super().reset(seed=seed, options=options)  # type: ignore[arg-type]
        self.has_autoreset = False
        self._recorder.after_event(self._capture_frame, last=self.video_length)
        return obs, info

    def step(
        self, actions: ActType
    ) -> tuple[ObsType, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step the environments, capturing a frame while recording."""
        obs, rewards, terminations, truncations, info = self.env.step(actions)
        if self._files is not None:
            self._files.step(self.env, rewards, terminations, truncations)
            return obs, rewards, terminations, truncations, info
        # Episodes are counted on the first (chosen) env: the step that autoresets it starts one.
        first = self._choice.first
        ended = terminations[first] or truncations[first]
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            new_episode, self.has_autoreset = self.has_autoreset, ended
        else:
            new_episode = self.autoreset_mode == AutoresetMode.SAME_STEP and ended
        # The rewards of what the video shows: the first env's, or all of the grid's.
        shown = rewards[0] if self.record_first_only else self._choice.shown(rewards)
        if ended and self.autoreset_mode == AutoresetMode.SAME_STEP and self.recording:
            if self.video_length == float("inf"):  # the episode's video ends at this step
                # Its last step's frame shows the next episode; its reward is this one's.
                self._recorder.count_reward(shown)
        self._schedule.step_taken(self, new_episode=bool(new_episode))
        self._recorder.after_event(
            self._capture_frame, shown, final=bool(ended), last=self.video_length
        )
        return obs, rewards, terminations, truncations, info

    def close(self, **kwargs: Any) -> None:
        """Close the environments, then wait until every video is complete (with
        ``layout="files"``, every sub-env's); the first error is raised after that."""
        try:
            super().close(**kwargs)
        finally:
            if self._files is not None:
                self._files.close()
