"""What both RecordVideo wrappers share: one video at a time into a folder, frames streamed to
a VideoWriter, finished videos handed to the caller's callback on the caller's thread."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from rlvideo._native import VideoWriter, check_options

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
    ) -> None:
        check_options(fps, **encoder_options)
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
        self.video_name = video_name
        self.recording = True
        self.frames = 0

    def add(self, frame: object) -> bool:
        """Queues one frame. Returns False (after warning and stopping the recording) when
        the frame is not an image this video can take, as Gymnasium does for non-arrays."""
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
            self.writer.write(frame)
        except (TypeError, ValueError) as error:
            self.stop_with_warning(str(error))
            return False
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
        while self.pending and self.pending[0].done:
            self._collect(self.pending.pop(0))

    def close(self) -> None:
        """Stops any recording and waits until every video is complete."""
        if self.recording:
            self.stop()
        while self.pending:
            self._collect(self.pending.pop(0))

    def _collect(self, writer: VideoWriter) -> None:
        writer.close()  # returns at once when done; raises if the background work failed
        if self.on_video_saved is not None:
            self.on_video_saved(str(writer.path))


def collect_garbage_if(gc_trigger: Callable[[int], bool] | None, episode_id: int) -> None:
    """Gymnasium's wrappers run gc.collect() after a video when gc_trigger says so."""
    if gc_trigger and gc_trigger(episode_id):
        gc.collect()


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


def check_render_mode(render_mode: str | None) -> None:
    """Rejects render modes that produce no image, with Gymnasium's message."""
    if render_mode in {None, "human", "ansi"}:
        raise ValueError(
            f"Render mode is {render_mode}, which is incompatible with RecordVideo. "
            "Initialize your environment with a render_mode that returns an image, such as "
            "rgb_array."
        )
