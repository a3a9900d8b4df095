"""rlvideo: record AV1/MP4 videos of reinforcement-learning environments from Rust.

A drop-in for Gymnasium's and Stable-Baselines3's video wrappers -- change one import::

    from rlvideo import RecordVideo           # not gymnasium.wrappers
    from rlvideo.vector import RecordVideo    # not gymnasium.wrappers.vector
    from rlvideo.sb3 import VecVideoRecorder  # not stable_baselines3.common.vec_env

or write numpy frames yourself::

    from rlvideo import VideoWriter

    with VideoWriter("videos/random.mp4", fps=30) as writer:
        for frame in frames:
            writer.write(frame)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rlvideo import _native, _progress
from rlvideo._frames import as_frame
from rlvideo._native import (
    DEFAULT_FPS,
    DEFAULT_MEMORY_BUDGET,
    MAX_HEIGHT,
    MAX_IDLE_BUFFER_BYTES,
    MAX_PIXELS,
    MAX_WIDTH,
    EncoderError,
    VideoWriter,
    check_options,
    max_videos_encoding,
    set_max_videos_encoding,
    simd_level,
    videos_encoding,
)
from rlvideo._options import EncoderOptions
from rlvideo._selection import EpisodeStats
from rlvideo.saving import save_video
from rlvideo.schedules import capped_cubic_video_schedule

if TYPE_CHECKING:
    from rlvideo.record_video import RecordVideo

__all__ = [
    "DEFAULT_FPS",
    "DEFAULT_MEMORY_BUDGET",
    "MAX_HEIGHT",
    "MAX_IDLE_BUFFER_BYTES",
    "MAX_PIXELS",
    "MAX_WIDTH",
    "EncoderError",
    "EncoderOptions",
    "EpisodeStats",
    "RecordVideo",
    "VideoWriter",
    "as_frame",
    "capped_cubic_video_schedule",
    "check_options",
    "max_videos_encoding",
    "save_video",
    "set_max_videos_encoding",
    "simd_level",
    "videos_encoding",
]
__version__ = "0.1.0"

# `progress=True` (VideoWriter.write/close) reports with this; the binding imports nothing.
_native.set_default_progress(_progress.WaitProgress)


def __getattr__(name: str) -> Any:
    # RecordVideo needs gymnasium; import it only when asked so VideoWriter works without.
    if name == "RecordVideo":
        from rlvideo.record_video import RecordVideo

        return RecordVideo
    if name == "vector":
        import importlib

        return importlib.import_module("rlvideo.vector")
    raise AttributeError(f"module 'rlvideo' has no attribute {name!r}")
