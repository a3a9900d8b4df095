"""What both RecordVideo wrappers share: one video at a time into a folder, frames streamed to
a VideoWriter, finished videos handed to the caller's callback on the caller's thread."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from rlvideo._native import VideoWriter, check_options
from rlvideo._progress import WaitProgress
from rlvideo._wandb import log_if_monitoring
from rlvideo.schedules import capped_cubic_video_schedule

try:  # warnings go through Gymnasium's logger when Gymnasium is there, like its wrappers'
    from gymnasium import logger as _logger

    warn: Callable[[str], None] = _logger.warn
except ImportError:  # pragma: no cover - save_video and the recorder work without gymnasium
    import warnings

    def warn(message: str) -> None:
        warnings.warn(message, stacklevel=3)


VideoCallback = Callable[[str], Any]
"""Called with the final path of each complete video."""


class VideoRecorder:
    """Records named videos one at a time; `stop` returns without waiting for the encoder.

    Videos stopped but still encoding are kept in `pending`; `poll` (cheap when there are
    none) collects the finished ones and calls `on_video_saved` for each, and `close` waits
    for all of them. An encoder failure is raised from `poll`/`close` as the writer's own
    exception (``OSError`` naming the file, or ``rlvideo.EncoderError``).
    """

    def __init__(
        self,
        video_folder: str,
        fps: float,
        encoder_options: dict[str, Any],
        on_video_saved: VideoCallback | None,
        *,
        progress: bool = False,
    ) -> None:
        check_options(fps, **encoder_options)
        # Whether a wait longer than a second (close() finishing videos, a frame waiting for
        # room) says what it waits for on stderr (rlvideo._progress).
        self.progress = progress
        self.video_folder = video_folder
        self.fps = fps
        self.encoder_options = encoder_options
        self.on_video_saved = on_video_saved
        self.video_name: str | None = None
        # A plain attribute, not a property: the wrappers read it on every step.
        self.recording = False
        self.frames = 0
        self.writer: VideoWriter | None = None
        self.pending: list[VideoWriter] = []

    def start(self, video_name: str) -> None:
        check_file_name(video_name, "video name")
        self.video_name = video_name
        self.recording = True
        self.frames = 0

    def add(self, frame: object, *, copy: bool = True) -> bool:
        """Queues one frame (without copying it if ``copy`` is False). Returns False (after
        warning and stopping the recording) when the frame is not an image this video can
        take, as Gymnasium does for non-arrays."""
        if not isinstance(frame, np.ndarray):
            self.stop_with_warning(
                "expected type of frame returned by render to be a numpy array, got instead "
                f"{type(frame)}."
            )
            return False
        if self.writer is None:
            path = os.path.join(self.video_folder, f"{self.video_name}.mp4")
            self.writer = VideoWriter(path, self.fps, **self.encoder_options)
        try:
            self.writer.write(frame, copy=copy, progress=self.progress)
        except (TypeError, ValueError) as error:
            self.stop_with_warning(str(error))
            return False
        except BaseException:
            if self.writer.closed:
                # The background work failed (a full disk, say): this video is lost and the
                # error goes to the caller; the next trigger starts afresh.
                self.writer = None
                self.video_name = None
                self.recording = False
                self.frames = 0
            raise  # (a Ctrl-C while waiting for room leaves the recording as it was)
        self.frames += 1
        return True

    def stop(self) -> None:
        """Ends the current video; it finishes encoding in the background."""
        if self.writer is None:
            warn("Ignored saving a video as there were zero frames to save.")
        else:
            self.writer.close(wait=False)
            self.pending.append(self.writer)
        self.writer = None
        self.video_name = None
        self.recording = False
        self.frames = 0
        self.poll()

    def stop_with_warning(self, reason: str) -> None:
        """Ends the video at a frame it cannot take, saying why, as Gymnasium does."""
        self.stop()
        warn(f"Recording stopped: {reason}")

    def poll(self) -> None:
        """Collects videos that finished encoding and reports them."""
        self._collect(wait=False)

    def close(self, stop: Callable[[], None] | None = None) -> None:
        """Stops any recording (through `stop`, by default `self.stop`) and waits until every
        video is complete; then raises the first failure (a video's background error or its
        callback's), if any."""
        first_error: BaseException | None = None
        if self.recording:
            try:
                (stop or self.stop)()
            except BaseException as error:  # a callback's, say: still wait for the others
                first_error = error
        try:
            self._collect(wait=True)
        except BaseException as error:
            first_error = first_error or error
        if first_error is not None:
            raise first_error

    def _collect(self, *, wait: bool) -> None:
        """Collects finished videos (with `wait`, every pending one) in order and calls
        `on_video_saved` for each complete one. One video failing, or its callback raising,
        does not stop the others: the first such error is raised once all are collected."""
        first_error: BaseException | None = None
        if wait and self.progress:
            self._wait_reporting_progress()
        while self.pending and (wait or self.pending[0].done):
            writer = self.pending[0]
            try:
                writer.close()  # returns at once when done; raises if the background work failed
            except Exception as error:  # this video is lost; the others go on
                self.pending.pop(0)
                first_error = first_error or error
                continue
            # (A Ctrl-C while waiting leaves the video pending, for a later close.)
            self.pending.pop(0)
            for report in (self.on_video_saved, log_if_monitoring):
                if report is None:
                    continue
                try:
                    report(str(writer.path))
                except BaseException as error:  # the user's code or wandb's, Ctrl-C included
                    first_error = first_error or error
        if first_error is not None:
            raise first_error

    def _wait_reporting_progress(self) -> None:
        """Waits until every pending video is done, reporting the wait once it lasts."""
        report = WaitProgress("waiting for videos to finish encoding")
        try:
            while busy := [writer for writer in self.pending if not writer.done]:
                report.update(len(busy), sum(w.frames - w.frames_encoded for w in busy))
                time.sleep(0.05)
        except BaseException:  # Ctrl-C: the videos stay pending, for a later close()
            report.finish(completed=False)
            raise
        report.finish()


def prepare_folder(video_folder: str) -> str:
    """Absolute folder, created if missing, with Gymnasium's overwrite warning."""
    folder = os.path.abspath(video_folder)
    if os.path.isdir(folder):
        warn(
            f"Overwriting existing videos at {folder} folder "
            "(try specifying a different `video_folder` for the `RecordVideo` wrapper if this "
            "is not desired)"
        )
    os.makedirs(folder, exist_ok=True)
    return folder


def check_file_name(name: str, what: str) -> None:
    """Names become file names inside video_folder; nothing may lead outside it."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, got {type(name).__name__}")
    separators = {os.sep, os.altsep, "\0"} - {None}
    if any(sep in name for sep in separators):
        raise ValueError(
            f"{what} must be a plain file name without path separators or NUL, got {name!r}"
        )


def check_render_mode(render_mode: str | None) -> None:
    """Rejects render modes that produce no image, with Gymnasium's message."""
    if render_mode in {None, "human", "ansi"}:
        raise ValueError(
            f"Render mode is {render_mode}, which is incompatible with RecordVideo. "
            "Initialize your environment with a render_mode that returns an image, such as "
            "rgb_array."
        )


class RecordingWrapperMixin:
    """The parts of ``RecordVideo`` that are the same for single and vector envs. Goes first
    in the bases, before the Gymnasium wrapper class, whose ``render``/``close`` it extends."""

    env: Any
    metadata: dict[str, Any]

    def _setup_recording(
        self,
        video_folder: str,
        episode_trigger: Callable[[int], bool] | None,
        step_trigger: Callable[[int], bool] | None,
        video_length: int,
        name_prefix: str,
        fps: float | None,
        disable_logger: bool,
        gc_trigger: Callable[[int], bool] | None,
        on_video_saved: VideoCallback | None,
        encoder_options: dict[str, Any],
    ) -> None:
        """Gymnasium 1.x's constructor logic: triggers, folder, fps and counters."""
        check_file_name(name_prefix, "name_prefix")
        if episode_trigger is None and step_trigger is None:
            episode_trigger = capped_cubic_video_schedule
        self.episode_trigger = episode_trigger
        self.step_trigger = step_trigger
        # Gymnasium silences moviepy's bar with it; here it silences the report of a wait
        # for the encoder that lasts more than a second (off by default, as in Gymnasium).
        self.disable_logger = disable_logger
        self.gc_trigger = gc_trigger
        self.video_folder = prepare_folder(video_folder)
        if fps is None:
            fps = self.metadata.get("render_fps", 30)
        self.frames_per_sec = fps
        self.name_prefix = name_prefix
        self.video_length: float = video_length if video_length != 0 else float("inf")
        self.render_history: list[Any] = []
        self.step_id = -1
        self.episode_id = -1
        self._recorder = VideoRecorder(
            self.video_folder, fps, encoder_options, on_video_saved, progress=not disable_logger
        )

    @property
    def recording(self) -> bool:
        """True while a video is being recorded."""
        return self._recorder.recording

    @property
    def _video_name(self) -> str | None:
        return self._recorder.video_name

    def _record(self, frame: object, *, copy: bool = True) -> None:
        """Adds a captured frame; ends a fixed-length video once it holds video_length + 1
        frames, as Gymnasium does."""
        if self._recorder.add(frame, copy=copy) and self._recorder.frames > self.video_length:
            self.stop_recording()

    def render(self) -> Any:
        """The env's render, plus frames this wrapper took from an ``rgb_array_list`` env."""
        render_out = super().render()  # type: ignore[misc]
        if self.recording and isinstance(render_out, list):
            for frame in render_out:
                if not self._recorder.add(frame):
                    break
        if self.render_history:
            history, self.render_history = self.render_history, []
            return history + render_out
        return render_out

    def close(self, **kwargs: Any) -> None:
        """Close the env(s), stop the recording in progress through ``stop_recording`` (as
        Gymnasium does, so overrides and ``gc_trigger`` see it), then wait until every video
        is complete; the first error is raised after that."""
        super().close(**kwargs)  # type: ignore[misc]
        self._recorder.close(stop=self.stop_recording)

    def __del__(self) -> None:
        """Gymnasium's wrappers define ``__del__`` to warn that an unsaved video is lost;
        here nothing is lost (the writer of a video in progress finishes it when it is
        dropped), so this only has to be safe on a wrapper whose ``__init__`` raised, as
        Gymnasium's is: it reads no attribute and never raises."""

    def start_recording(self, video_name: str) -> None:
        """Start a new recording, stopping the current one first."""
        if self.recording:
            self.stop_recording()
        self._recorder.start(video_name)

    def stop_recording(self) -> None:
        """Stop the current recording; the video finishes encoding in the background."""
        assert self.recording, "stop_recording was called, but no recording was started"
        self._recorder.stop()
        if self.gc_trigger and self.gc_trigger(self.episode_id):
            gc.collect()
