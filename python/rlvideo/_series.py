"""The recording core every integration shares: named videos recorded one at a time into a
folder, frames streamed to a VideoWriter, finished videos handed to reporters on the caller's
thread. Knows no framework: warnings, progress reports and reporters are passed in."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rlvideo._native import VideoWriter, check_options

if TYPE_CHECKING:
    from rlvideo._options import EncoderOptions

VideoCallback = Callable[[str], Any]
"""Called with the final path of each complete video."""


class WaitReporter(Protocol):
    """Reports one wait for the encoder (``rlvideo._progress.WaitProgress`` is one)."""

    def update(self, videos: int, frames_left: int) -> None: ...
    def finish(self, *, completed: bool = True) -> None: ...


class ProgressFactory(Protocol):
    """Makes the reporter of one wait: ``factory(what, already=seconds_waited_so_far)``."""

    def __call__(self, what: str, *, already: float = 0.0) -> WaitReporter: ...


def warn_with_warnings(message: str) -> None:
    """The default way to warn: Python's ``warnings``, attributed to the integration's caller."""
    warnings.warn(message, stacklevel=4)


class VideoSeries:
    """Records named videos one at a time; `stop` returns without waiting for the encoder.

    Videos stopped but still encoding are kept in `pending`; `poll` (cheap when there are
    none) collects the finished ones and calls `on_video_saved`, then each of `reporters`,
    with each one's path, and `close` waits for all of them. An encoder failure is raised from
    `poll`/`close` as the writer's own exception (``OSError`` naming the file, or
    ``rlvideo.EncoderError``).

    Example:
        >>> import numpy as np, tempfile
        >>> saved = []
        >>> series = VideoSeries(tempfile.mkdtemp(), 30, {}, saved.append)
        >>> series.start("ramp")
        >>> for t in range(10):
        ...     _ = series.add(np.full((48, 64, 3), 20 * t, np.uint8))
        >>> series.close()
        >>> [path.endswith("ramp.mp4") for path in saved]
        [True]
    """

    def __init__(
        self,
        video_folder: str,
        fps: float,
        encoder_options: EncoderOptions,
        on_video_saved: VideoCallback | None,
        *,
        reporters: Sequence[VideoCallback] = (),
        progress: ProgressFactory | None = None,
        warn: Callable[[str], None] = warn_with_warnings,
    ) -> None:
        check_options(fps, **encoder_options)
        # Reports a wait longer than a second (close() finishing videos, a frame waiting for
        # room) on stderr when given (rlvideo._progress); None: waits are silent.
        self.progress = progress
        self.video_folder = video_folder
        self.fps = fps
        self.encoder_options = encoder_options
        self.reporters = [r for r in (on_video_saved, *reporters) if r is not None]
        self.warn = warn
        self.video_name: str | None = None
        # A plain attribute, not a property: the integrations read it on every step.
        self.recording = False
        self.frames = 0
        self.writer: VideoWriter | None = None
        self.pending: list[VideoWriter] = []

    def start(self, video_name: str) -> None:
        """Starts the video `video_name` (a file name without ``.mp4``); the current one, if
        any, must have been stopped."""
        check_file_name(video_name, "video name")
        self.video_name = video_name
        self.recording = True
        self.frames = 0

    def restart(self, video_name: str, stop: Callable[[], None]) -> None:
        """Starts `video_name`, ending the video in progress first through `stop` (the
        integration's own stop, which overrides and hooks see)."""
        if self.recording:
            stop()
        self.start(video_name)

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
                self._forget_current()
            raise  # (a Ctrl-C while waiting for room leaves the recording as it was)
        self.frames += 1
        return True

    def add_until(
        self, frame: object, last: float, stop: Callable[[], None], *, copy: bool = True
    ) -> None:
        """Adds `frame`, then ends the video through `stop` once it holds more than `last`
        frames (Gymnasium's and SB3's ``video_length``: the video holds ``last + 1``)."""
        if self.add(frame, copy=copy) and self.frames > last:
            stop()

    def after_event(self, capture: Callable[[], None]) -> None:
        """What every integration does after a step or reset: `capture` a frame while
        recording, then report the videos that finished meanwhile."""
        if self.recording:
            capture()
        self.poll()

    def stop(self) -> None:
        """Ends the current video; it finishes encoding in the background. It reports
        nothing: a reporter raising here would cut short the reset or step that stopped the
        video (the next video would never start). `after_event`'s poll reports it."""
        if self.writer is None:
            self.warn("Ignored saving a video as there were zero frames to save.")
        else:
            self.writer.close(wait=False)
            self.pending.append(self.writer)
        self._forget_current()

    def stop_with_warning(self, reason: str) -> None:
        """Ends the video at a frame it cannot take, saying why, as Gymnasium does."""
        self.stop()
        self.warn(f"Recording stopped: {reason}")

    def poll(self) -> None:
        """Collects videos that finished encoding and reports them (at once when none are
        pending: the integrations call it on every step)."""
        if self.pending:
            self._collect(wait=False)

    def close(self, stop: Callable[[], None] | None = None) -> None:
        """Stops any recording (through `stop`, by default `self.stop`) and waits until every
        video is complete; then raises the first failure (a video's background error or a
        reporter's), if any."""
        first_error: BaseException | None = None
        if self.recording:
            try:
                (stop or self.stop)()
            except BaseException as error:  # a reporter's, say: still wait for the others
                first_error = error
        try:
            self._collect(wait=True)
        except BaseException as error:
            first_error = first_error or error
        if first_error is not None:
            raise first_error

    def _forget_current(self) -> None:
        self.writer = None
        self.video_name = None
        self.recording = False
        self.frames = 0

    def _collect(self, *, wait: bool) -> None:
        """Collects finished videos (with `wait`, every pending one) in order and reports
        each complete one. One video failing, or a reporter raising, does not stop the
        others: the first such error is raised once all are collected."""
        first_error: BaseException | None = None
        if wait and self.progress is not None:
            self._wait_reporting_progress(self.progress)
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
            for report in self.reporters:
                try:
                    report(str(writer.path))
                except BaseException as error:  # the user's code or wandb's, Ctrl-C included
                    first_error = first_error or error
        if first_error is not None:
            raise first_error

    def _wait_reporting_progress(self, progress: ProgressFactory) -> None:
        """Waits until every pending video is done, reporting the wait once it lasts."""
        report = progress("waiting for videos to finish encoding")
        try:
            while busy := [writer for writer in self.pending if not writer.done]:
                report.update(len(busy), sum(w.frames - w.frames_encoded for w in busy))
                time.sleep(0.05)
        except BaseException:  # Ctrl-C: the videos stay pending, for a later close()
            report.finish(completed=False)
            raise
        report.finish()


def check_file_name(name: str, what: str) -> None:
    """Names become file names inside video_folder; nothing may lead outside it."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, got {type(name).__name__}")
    separators = {os.sep, os.altsep, "\0"} - {None}
    if any(sep in name for sep in separators):
        raise ValueError(
            f"{what} must be a plain file name without path separators or NUL, got {name!r}"
        )
