"""The recording core every integration shares: named videos recorded one at a time into a
folder, frames streamed to a VideoWriter, finished videos handed to reporters on the caller's
thread. Knows no framework: warnings, progress reports and reporters are passed in."""

from __future__ import annotations

import numbers
import os
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rlvideo._frames import UINT8, as_frame, is_array_like
from rlvideo._native import VideoWriter, check_options
from rlvideo._selection import EpisodeStats

if TYPE_CHECKING:
    from rlvideo._options import EncoderOptions
    from rlvideo._selection import KeptVideos

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

    With a `selection` (``keep_best``/``keep_worst``, ``rlvideo._selection.KeptVideos``) a
    finished video is ranked instead of reported, from the rewards the integration passed
    to `after_event`/`note_reward` while it was recorded; `close` renames the kept ones by
    rank and reports those alone.

    With a `frame_stride` of k, `after_event` captures the frame of every k-th event of a
    video (counted from its first, which is always captured), of the event that ends the
    video's episode (``final``) and of the event at which `add_until`'s ``last`` ends it;
    the rewards of the events between are still counted. 1 (the default): every event.

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
        selection: KeptVideos | None = None,
        frame_stride: int = 1,
    ) -> None:
        check_options(fps, **encoder_options)
        self.frame_stride = check_frame_stride(frame_stride)
        # Events (steps, resets) of the video in progress before the current one.
        self.step = -1
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
        # keep_best/keep_worst (rlvideo._selection): finished videos are ranked instead of
        # reported, and the kept ones reported at close under their ranked names. The
        # rewards of the video in progress, and the stats of each pending one, feed it.
        self.selection = selection
        self.rewards: list[np.ndarray] = []
        self._step_reward: object = None
        self._pending_stats: dict[int, EpisodeStats] = {}

    def start(self, video_name: str) -> None:
        """Starts the video `video_name` (a file name without ``.mp4``); the current one, if
        any, must have been stopped."""
        check_file_name(video_name, "video name")
        self.video_name = video_name
        self.recording = True
        self.frames = 0
        self.step = -1
        self.rewards = []

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
        if not (isinstance(frame, np.ndarray) and frame.dtype is UINT8):
            if not is_array_like(frame):
                self.stop_with_warning(
                    "expected type of frame returned by render to be a numpy array, got instead "
                    f"{type(frame)}."
                )
                return False
            try:
                frame = as_frame(frame)  # a tensor, float or bool render: see _frames
            except (TypeError, ValueError) as error:
                self.stop_with_warning(str(error))
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
        if self._step_reward is not None:
            # The reward of the step between the previous frame and this one (one per
            # event: an rgb_array_list render adds several frames for one step).
            reward, self._step_reward = self._step_reward, None
            if self.frames > 1 and self.selection is not None:
                self.rewards.append(np.array(reward, dtype=np.float64))
        return True

    def add_until(
        self, frame: object, last: float, stop: Callable[[], None], *, copy: bool = True
    ) -> None:
        """Adds `frame`, then ends the video through `stop` once it holds more than `last`
        frames (Gymnasium's and SB3's ``video_length``: the video holds ``last + 1``); with a
        `frame_stride` above 1, once `last` events followed its first."""
        if self.add(frame, copy=copy):
            if (self.frames if self.frame_stride == 1 else self.step + 1) > last:
                stop()

    def due(self, *, final: bool = False, last: float = float("inf")) -> bool:
        """Counts an event of the video in progress and says whether its frame is captured:
        the video's first, every `frame_stride`-th after it, a `final` one (its episode
        ended) and the `last` one (``video_length``: `add_until` ends the video there)."""
        self.step += 1
        return self.step % self.frame_stride == 0 or final or self.step >= last

    def after_event(
        self,
        capture: Callable[[], None],
        reward: object = None,
        *,
        final: bool = False,
        last: float = float("inf"),
    ) -> None:
        """What every integration does after a step or reset: `capture` a frame while
        recording (when `due`: `final` and `last` are passed to it), then report the videos
        that finished meanwhile. `reward` is the step's reward of what the video shows (a
        number, or one per sub-env), ``None`` after a reset; it is counted only with a
        `selection`, also for an event whose frame is not captured."""
        self.note_reward(reward)
        if self.recording:
            if self.due(final=final, last=last):
                capture()
            elif reward is not None:
                self.count_reward(reward)
        self._step_reward = None
        self.poll()

    def note_reward(self, reward: object) -> None:
        """The reward of the step whose frame the next `add` takes (see `after_event`)."""
        self._step_reward = reward

    def count_reward(self, reward: object) -> None:
        """Counts, with a `selection`, the reward of a step whose frame the video in
        progress will not show (a vector env's same-step autoreset renders the next episode
        at the step that ended this one)."""
        if self.selection is not None and self.recording and self.frames > 0:
            self.rewards.append(np.array(reward, dtype=np.float64))

    def stop(self) -> None:
        """Ends the current video; it finishes encoding in the background. It reports
        nothing: a reporter raising here would cut short the reset or step that stopped the
        video (the next video would never start). `after_event`'s poll reports it."""
        if self.writer is None:
            self.warn("Ignored saving a video as there were zero frames to save.")
        else:
            self.writer.close(wait=False)
            self.pending.append(self.writer)
            if self.selection is not None:
                self._pending_stats[id(self.writer)] = self._stats()
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

    def wait(self) -> None:
        """Waits until every stopped video is complete and reports each (ranks it, with a
        `selection`); the video in progress, if any, goes on. Raises as `close` does."""
        self._collect(wait=True)

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
        if self.selection is not None and not self.pending:  # (not after a Ctrl-C's wait)
            paths, rename_error = self.selection.finish()
            first_error = first_error or rename_error
            first_error = self._report(paths) or first_error
        if first_error is not None:
            raise first_error

    def _stats(self) -> EpisodeStats:
        rewards = np.array(self.rewards) if self.rewards else np.zeros(0)
        assert self.video_name is not None
        return EpisodeStats(self.video_name, rewards, self.frames)

    def _report(self, paths: Sequence[str]) -> BaseException | None:
        """Calls every reporter with every path; returns the first error."""
        first_error: BaseException | None = None
        for path in paths:
            for report in self.reporters:
                try:
                    report(path)
                except BaseException as error:  # the user's code or wandb's, Ctrl-C included
                    first_error = first_error or error
        return first_error

    def _forget_current(self) -> None:
        self.writer = None
        self.video_name = None
        self.recording = False
        self.frames = 0
        self.step = -1
        self.rewards = []

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
                self._pending_stats.pop(id(writer), None)
                first_error = first_error or error
                continue
            # (A Ctrl-C while waiting leaves the video pending, for a later close.)
            self.pending.pop(0)
            if self.selection is not None:
                try:  # ranked now, reported at close if kept
                    self.selection.add(str(writer.path), self._pending_stats.pop(id(writer)))
                except Exception as error:  # the user's score: the video stays, unranked
                    first_error = first_error or error
                continue
            first_error = self._report([str(writer.path)]) or first_error
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
    separators = {sep for sep in (os.sep, os.altsep, "\0") if sep}
    if any(sep in name for sep in separators):
        raise ValueError(
            f"{what} must be a plain file name without path separators or NUL, got {name!r}"
        )


def check_frame_stride(frame_stride: object) -> int:
    """A positive int (``bool`` is refused: ``frame_stride=True`` is a mistake)."""
    if isinstance(frame_stride, bool) or not isinstance(frame_stride, numbers.Integral):
        raise TypeError(f"frame_stride must be an int, got {type(frame_stride).__name__}")
    if frame_stride < 1:
        raise ValueError(f"frame_stride must be 1 or more, got {frame_stride}")
    return int(frame_stride)


def strided_fps(render_fps: float, frame_stride: int) -> float:
    """The frame rate at which every `frame_stride`-th render plays at real time: the env's
    ``render_fps`` over the stride (an int when it divides evenly, else a float).

    Example:
        >>> strided_fps(50, 2), strided_fps(30, 1), strided_fps(50, 3)
        (25, 30, 16.666666666666668)
    """
    if frame_stride == 1:
        return render_fps
    if isinstance(render_fps, int) and render_fps % frame_stride == 0:
        return render_fps // frame_stride
    return render_fps / frame_stride
