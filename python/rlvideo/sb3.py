"""``rlvideo.sb3.VecVideoRecorder``: Stable-Baselines3's ``VecVideoRecorder`` with frames
streamed to a Rust encoder instead of collected in a list and encoded by moviepy.

Needs Stable-Baselines3 (``pip install rlvideo[sb3]``), which this module imports at once;
``import rlvideo`` never imports it (nor PyTorch).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

try:
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecEnvWrapper
    from stable_baselines3.common.vec_env.base_vec_env import (
        VecEnvObs,
        VecEnvStepReturn,
        tile_images,
    )
except ImportError as error:  # SB3 or PyTorch missing
    raise ImportError(
        f"rlvideo.sb3 needs Stable-Baselines3 (and PyTorch): pip install 'rlvideo[sb3]' ({error})"
    ) from error

from gymnasium import logger

from rlvideo._env_select import Layout, SeriesGroup, check_env_choice
from rlvideo._progress import WaitProgress
from rlvideo._selection import ScoreFunction, make_selection
from rlvideo._series import (
    VideoCallback,
    VideoSeries,
    check_file_name,
    check_frame_stride,
    strided_fps,
)
from rlvideo._wandb import log_if_monitoring

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from rlvideo._options import EncoderOptions

__all__ = ["VecVideoRecorder"]


class VecVideoRecorder(VecEnvWrapper):
    """Records videos of a ``VecEnv``, as ``stable_baselines3.common.vec_env.VecVideoRecorder``
    (2.x) does: the same arguments, file names (``{name_prefix}-step-{a}-to-step-{b}.mp4``),
    frames per file (``video_length + 1``: the frame at the trigger, then one per step),
    ``Saving video to ...`` line and warnings. Each frame is ``venv.render()``, the
    sub-environments' renders tiled by SB3 (or the ``env_indices`` chosen, tiled or each in
    a file of its own with ``layout="files"``).

    Frames go to an AV1 encoder on a background thread as they are captured; nothing is kept
    in a list, so there is no ``recorded_frames``. A video that ends in ``step_wait`` finishes
    encoding in the background; ``close()`` waits until every video is complete.

    Example (SB3's own, with one import changed):
        >>> import gymnasium as gym
        >>> from stable_baselines3.common.vec_env import DummyVecEnv
        >>> from rlvideo.sb3 import VecVideoRecorder
        >>> env = DummyVecEnv([lambda: gym.make("CartPole-v1", render_mode="rgb_array")])
        >>> env = VecVideoRecorder(env, "videos", record_video_trigger=lambda x: x == 0,
        ...                        video_length=100, name_prefix="random-agent")
        >>> _ = env.reset()
        >>> for _ in range(101):
        ...     _ = env.step([env.action_space.sample()])
        Saving video to .../videos/random-agent-step-0-to-step-100.mp4
        >>> env.close()

    Args:
        venv: The ``VecEnv`` to record; its envs' ``render_mode`` must be ``rgb_array``,
            else ``AssertionError`` (as SB3 raises). The videos' frame rate is their
            ``render_fps`` (else 30).
        video_folder: The folder the videos are written to, created if missing.
        record_video_trigger: Called with the step count (from 0, across resets); a video
            starts at a step for which it returns True while none is being recorded, and
            at a ``reset()`` for which it does (restarting one in progress).
        video_length: Frames after the first in each video: a video holds
            ``video_length + 1`` frames (200 by default, as in SB3).
        name_prefix: Start of each file name: ``{name_prefix}-step-{a}-to-step-{b}.mp4``.
            A plain name, without path separators.
        on_video_saved: Keyword-only. Called with the path of each video once it is
            complete on disk, on the caller's thread (inside ``step``, ``reset`` or
            ``close``).
        disable_logger: Keyword-only. True silences the report of a wait for the encoder
            that lasts over a second (in ``close()``, or a step whose frame waits for room).
            False by default: SB3 always shows moviepy's progress bar.
        keep_best: Keyword-only. Keep only the videos of the ``keep_best`` highest
            ``score``s (0, the default: keep every video); the trigger still says which
            windows are recorded. A video is deleted as soon as it cannot make the cut
            (``keep_best`` better ones, and ``keep_worst`` worse ones, are complete); at
            ``close()`` the kept ones are renamed, e.g.
            ``{name_prefix}-best-{rank}-step-{a}-to-step-{b}.mp4``, and only then passed to
            ``on_video_saved`` (and W&B), best first. (``Saving video to`` still names the
            file as recorded.)
        keep_worst: Keyword-only. The same for the lowest scores (``-worst-{rank}-``); a
            video in both lists names both ranks.
        score: Keyword-only. ``score(stats)`` ranks a video from its
            ``rlvideo.EpisodeStats`` (higher is better); by default the sum of every
            sub-env's rewards over the steps it recorded (``stats.episode_return``: the
            tiled render shows them all). Needs ``keep_best`` or ``keep_worst``.
        frame_stride: Keyword-only. Render and record every ``frame_stride``-th step of a
            video (1, the default: every step): the frame at the trigger, every
            ``frame_stride``-th step after it and the last, ``video_length`` steps after
            the trigger (``video_length`` counts steps, as the file name does: a video
            holds ``ceil(video_length / frame_stride) + 1`` frames); ``venv.render()`` is
            not called for the others. The videos' frame rate is ``render_fps /
            frame_stride``: they play at real time. (A ``VecEnv`` resets a finished
            episode within the step, so no render shows its last state.)
        env_indices: Keyword-only. The sub-envs to record, by index (e.g. ``[2]``: one env's
            video, SB3 issue #1631); ``None`` (the default) records ``venv.render()``, every
            sub-env tiled, as SB3 does. Only the chosen sub-envs are rendered
            (``env_method("render", indices=...)``). Out of range, repeated or non-int
            indices raise ``ValueError``/``TypeError`` here, before the folder is made.
        layout: Keyword-only. ``"grid"`` (the default): the chosen sub-envs tiled as SB3
            tiles them, in the order given; ``score`` sums their rewards. ``"files"``: one
            file per chosen sub-env (every sub-env without ``env_indices``) for each
            window, ``{name_prefix}-env-{i}-step-{a}-to-step-{b}.mp4`` (the trigger's
            windows are the ``VecEnv``'s steps, the same for every file); ``keep_best`` and
            ``keep_worst`` then keep that many of each sub-env's videos, ranked by its own
            rewards, and ``Saving video to`` names each file.
        **encoder_options: Keyword-only ``rlvideo.VideoWriter`` options
            (``rlvideo.EncoderOptions``: ``speed``, ``quantizer``, ...), checked here.
    """

    video_name: str
    video_path: str

    def __init__(
        self,
        venv: VecEnv,
        video_folder: str,
        record_video_trigger: Callable[[int], bool],
        video_length: int = 200,
        name_prefix: str = "rl-video",
        *,
        on_video_saved: VideoCallback | None = None,
        disable_logger: bool = False,
        keep_best: int = 0,
        keep_worst: int = 0,
        score: ScoreFunction | None = None,
        frame_stride: int = 1,
        env_indices: Sequence[int] | None = None,
        layout: Layout = "grid",
        **encoder_options: Unpack[EncoderOptions],
    ):
        VecEnvWrapper.__init__(self, venv)
        self.env = venv
        # The render_fps is the environments' own: SB3 reads the innermost VecEnv's
        # sub-environment metadata and puts it on the env it wraps.
        inner = venv
        while isinstance(inner, VecEnvWrapper):
            inner = inner.venv
        if isinstance(inner, (DummyVecEnv, SubprocVecEnv)):
            metadata = inner.get_attr("metadata")[0]
        else:
            metadata = inner.metadata
        self.env.metadata = metadata
        if self.env.render_mode != "rgb_array":  # SB3 asserts; raised even under python -O
            raise AssertionError(f"The render_mode must be 'rgb_array', not {self.env.render_mode}")
        # SB3 types every metadata value as a list or a number; render_fps is a number.
        self.frames_per_sec = strided_fps(
            self.env.metadata.get("render_fps", 30),  # type: ignore[arg-type]
            check_frame_stride(frame_stride),
        )
        check_file_name(name_prefix, "name_prefix")
        self._choice = check_env_choice(env_indices, layout, venv.num_envs)
        self.record_video_trigger = record_video_trigger
        self.video_folder = os.path.abspath(video_folder)
        # Options are checked (VideoSeries) before the folder is made, unlike moviepy's,
        # which SB3 only meets when the first video is written. SB3 warns through
        # Gymnasium's logger. wandb's monitor_gym logs none of SB3's own videos; ours are
        # logged as rlvideo.RecordVideo's are.
        self._recorder = VideoSeries(
            self.video_folder,
            self.frames_per_sec,
            encoder_options,
            on_video_saved,
            reporters=[log_if_monitoring],
            progress=None if disable_logger else WaitProgress,
            warn=logger.warn,
            selection=make_selection(keep_best, keep_worst, score, name_prefix),
            frame_stride=frame_stride,
        )
        self._files: SeriesGroup | None = None  # layout="files": a file per chosen sub-env
        if self._choice.files:
            self._files = SeriesGroup(
                self._choice.indices or (),
                self._recorder,
                name_prefix,
                keep_best=keep_best,
                keep_worst=keep_worst,
                score=score,
            )
            self._recorder = self._files  # type: ignore[assignment]
        os.makedirs(self.video_folder, exist_ok=True)  # no overwrite warning, as in SB3
        self.name_prefix = name_prefix
        self.step_id = 0
        self.video_length = video_length

    @property
    def recording(self) -> bool:
        """True while a video is being recorded."""
        return self._recorder.recording

    def __getattr__(self, name: str) -> Any:
        if name == "recorded_frames":  # else VecEnvWrapper would look for it in the venv
            raise AttributeError(
                "rlvideo.sb3.VecVideoRecorder has no recorded_frames: frames go to the encoder "
                "as they are captured instead of into a list"
            )
        return super().__getattr__(name)

    def reset(self) -> VecEnvObs:
        obs = self.venv.reset()
        if self._video_enabled():
            self._start_video_recorder()
        self._recorder.poll()
        return obs

    def _start_video_recorder(self) -> None:
        self.video_name = (
            f"{self.name_prefix}-step-{self.step_id}-to-step-{self.step_id + self.video_length}.mp4"
        )
        self.video_path = os.path.join(self.video_folder, self.video_name)
        self._start_recording()
        self._recorder.after_event(self._capture_frame)  # the first frame, always captured

    def _video_enabled(self) -> bool:
        return self.record_video_trigger(self.step_id)

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, dones, infos = self.venv.step_wait()
        self.step_id += 1
        if self.recording:
            # The rewards of every sub-env, as the tiled render shows them all (keep_best).
            shown = self._choice.shown(rewards)  # a SeriesGroup picks each file's own
            self._recorder.after_event(self._capture_frame, shown, last=self.video_length)
        elif self._video_enabled():  # SB3 asks the trigger only when not recording
            self._start_video_recorder()
        self._recorder.poll()
        return obs, rewards, dones, infos

    def _capture_frame(self) -> None:
        assert self.recording, "Cannot capture a frame, recording wasn't started."
        # Kept, not copied: SB3's render tiles the renders into a new array each time (and
        # SB3's own recorder keeps every one of them in its list). A frame that is not a
        # numpy array stops the recording with SB3's warning (VideoSeries.add).
        self._recorder.add_until(self._render(), self.video_length, self._save, copy=False)

    def _render(self) -> Any:
        """``venv.render()``; with ``env_indices``, the chosen sub-envs' renders alone (a
        list with ``layout="files"``, else tiled as SB3 tiles)."""
        if self._choice.indices is None:
            return self.env.render()
        frames = self._choice.render_sb3(self.env)
        return frames if self._files is not None else tile_images(frames)

    def _save(self) -> None:
        """Ends a video that holds its ``video_length + 1`` frames, saying so as SB3 does."""
        for path in self._files.paths(self.video_path) if self._files else [self.video_path]:
            print(f"Saving video to {path}")
        self._stop_recording()

    def close(self) -> None:
        """Closes the wrapped env, ends the video in progress, then waits until every video
        is complete; the first error (a video's or ``on_video_saved``'s) is raised after
        that."""
        VecEnvWrapper.close(self)
        self._recorder.close(stop=self._stop_recording)

    def _start_recording(self) -> None:
        """Starts a new recording, stopping the current one first."""
        self._recorder.restart(self.video_name[: -len(".mp4")], self._stop_recording)

    def _stop_recording(self) -> None:
        """Ends the current video; it finishes encoding in the background."""
        assert self.recording, "_stop_recording was called, but no recording was started"
        self._recorder.stop()

    def __del__(self) -> None:
        """SB3 warns here that an unsaved video is lost; nothing is lost here (the writer of
        a video in progress finishes it when it is dropped). Reads no attribute, so it is
        also safe on a wrapper whose ``__init__`` raised."""
