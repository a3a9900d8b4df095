"""Type stubs for rlvideo._native, the compiled Rust extension."""

import os
import pathlib
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, final

import numpy as np
import numpy.typing as npt
from typing_extensions import Self, Unpack

from rlvideo._options import EncoderOptions

__all__ = [
    "DEFAULT_FPS",
    "DEFAULT_MEMORY_BUDGET",
    "MAX_HEIGHT",
    "MAX_IDLE_BUFFER_BYTES",
    "MAX_PIXELS",
    "MAX_WIDTH",
    "EncoderError",
    "VideoWriter",
    "check_options",
    "max_videos_encoding",
    "set_default_progress",
    "set_max_videos_encoding",
    "simd_level",
    "videos_encoding",
]

class _WaitReporter(Protocol):
    def update(self, videos: int, frames_left: int, /) -> None: ...
    def finish(self, *, completed: bool = ...) -> None: ...

_Progress = bool | Callable[..., _WaitReporter] | None

MAX_WIDTH: int
"""Widest frame accepted (16384: AV1 level 6.3)."""

MAX_HEIGHT: int
"""Tallest frame accepted (8704: AV1 level 6.3)."""

MAX_PIXELS: int
"""Most pixels per frame accepted (35,651,584 = 8192x4352: AV1 level 6.3)."""

DEFAULT_MEMORY_BUDGET: int
"""Default bytes of frames that may wait for the encoder (128 MiB)."""

DEFAULT_FPS: float
"""Frame rate when none is given (30, Gymnasium's when an env names no ``render_fps``)."""

MAX_IDLE_BUFFER_BYTES: int
"""Most bytes of frame buffers kept, after their writers ended, for later writers (64 MiB)."""

def simd_level() -> str:
    """The instruction set of the assembly rav1e runs on this CPU, by rav1e's name:
    "AVX512ICL", "AVX512", "AVX2", "SSE4_1", "SSSE3" or "SSE2" on x86_64, "NEON" on aarch64;
    "RUST" when none runs (a build without rav1e's assembly, or RAV1E_CPU_TARGET=rust), which
    takes 1.5x (CartPole renders) to 4x (busy frames) the CPU to encode."""

def check_options(fps: float = ..., **options: Unpack[EncoderOptions]) -> None:
    """Raise ``ValueError`` if ``VideoWriter(path, fps, **options)`` would reject them (naming
    the option, its range and the value), ``TypeError`` for an unknown or mistyped one."""

def max_videos_encoding() -> int:
    """How many videos may encode at once in this process before a new ``VideoWriter``
    waits (see ``set_max_videos_encoding``). By default one per CPU this process may use, at
    least 2, unless the ``RLVIDEO_MAX_VIDEOS_ENCODING`` environment variable sets it (a
    ``ValueError`` if that is not a whole number >= 1)."""

def set_max_videos_encoding(limit: int) -> None:
    """Set, for the whole process and from now on, how many videos may encode at once.

    A video counts from ``VideoWriter(...)`` until its file is complete. A new
    ``VideoWriter`` waits (the GIL released; Ctrl-C raises ``KeyboardInterrupt``) while
    ``limit`` videos are encoding and at least one of them is finishing (closed with
    ``wait=False``, still encoding). It never waits for a video that is still open: only its
    caller can end that one. Raises ``TypeError`` for a non-int, ``ValueError`` below 1.
    """

def videos_encoding() -> int:
    """Videos of this process encoding right now: open ones and closed ones still
    finishing."""

def set_default_progress(factory: Callable[..., _WaitReporter]) -> None:
    """What ``progress=True`` reports long waits with: ``factory(what, already=seconds)``
    makes the reporter of one wait. ``rlvideo`` registers ``rlvideo._progress.WaitProgress``
    at import."""

class EncoderError(RuntimeError):
    """The AV1 encoder or the MP4 muxer failed on a background thread."""

@final
class VideoWriter:
    """Records numpy frames to an AV1 MP4 file on a background thread.

    ``write`` copies the frame (so the caller may reuse its buffer at once) and returns;
    colour conversion, encoding and muxing happen off the calling thread, with the GIL
    released. ``close`` waits until the file is complete and renames it from a hidden
    temporary name to ``path``.

    Frames are ``uint8`` arrays shaped ``(height, width, 3)`` (RGB), ``(height, width, 4)``
    (RGBA, alpha ignored) or ``(height, width)`` (gray), with any strides. Every frame of a
    video must have the first frame's size.

    ``chroma="420"`` (the default) stores colour at half resolution each way (AV1 Main
    profile, played everywhere); ``chroma="444"`` keeps full colour resolution (AV1 High
    profile) for small, saturated renders: software AV1 decoders and browsers play it,
    most hardware decoders do not.

    ``scale=2`` (up to 8) enlarges every frame by that whole factor on the encoder thread,
    each pixel becoming a 2x2 block, so a 160x210 Atari render becomes a 320x420 video whose
    4:2:0 colour samples each cover one source pixel; ``scale=0`` picks the smallest factor
    that makes the shorter side at least 240 pixels. The default 1 keeps the frames' size.

    Raises ``OSError`` (with ``filename``) if the folder is missing or not writable, and
    ``ValueError`` for a bad ``fps`` or option. Waits first, while this process has
    ``max_videos_encoding()`` videos encoding and some of them are finishing
    (``set_max_videos_encoding``).
    """

    def __new__(
        cls,
        path: str | os.PathLike[str],
        fps: float = ...,
        **options: Unpack[EncoderOptions],
    ) -> Self: ...
    def write(
        self, frame: npt.NDArray[np.uint8], *, copy: bool = True, progress: _Progress = None
    ) -> None:
        """Queue one frame. Blocks only while ``memory_budget`` bytes are already queued.

        With ``copy=False`` the writer keeps a reference to ``frame`` instead of copying it
        (a hand-off of a few microseconds at any size) until the encoder thread has read
        it; change the array in place only after that, or the video may show the change.
        Never ``resize(refcheck=False)`` it or reallocate its buffer meanwhile. The memory
        budget counts the span the view reaches; the reference itself is released at the
        next call into rlvideo after the encoder has read the frame.

        Raises ``TypeError`` for a non-array or a dtype other than uint8, ``ValueError``
        for a bad shape or a size change, ``ValueError`` after ``close``, and
        ``OSError``/``EncoderError`` if the background thread failed (the writer is then
        closed). With ``progress=True`` a wait for room longer than about a second is
        reported on stderr, as ``close`` does; ``progress`` may also be a reporter factory
        (``set_default_progress``).
        """
    def close(self, wait: bool = True, *, progress: _Progress = None) -> None:
        """Stop taking frames and, by default, wait until the video is complete on disk.

        With ``wait=False`` return at once and let the video finish in the background (see
        ``done``); a later ``close()`` waits and raises any error. Safe to call repeatedly.
        With ``progress=True`` a wait longer than about a second reports the frames left and
        the encoding rate on stderr (a tqdm bar when tqdm is installed), then its end.
        """
    def __enter__(self) -> VideoWriter: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> bool: ...
    @property
    def path(self) -> pathlib.Path:
        """Where the video is (it appears there once closed)."""
    @property
    def fps(self) -> float:
        """Frames per second."""
    @property
    def frames(self) -> int:
        """Frames accepted so far."""
    @property
    def frames_encoded(self) -> int:
        """Frames encoded and in the file so far (``frames`` once the video is done)."""
    @property
    def frame_size(self) -> tuple[int, int] | None:
        """``(width, height)`` of the frames, once the first is written, else ``None`` (the
        video is ``scale`` times that)."""
    @property
    def closed(self) -> bool:
        """True once ``close()`` ran or a background failure closed the writer."""
    @property
    def done(self) -> bool:
        """True once the video is complete on disk (or failed): ``close()`` will not wait."""
    @property
    def bytes(self) -> int | None:
        """Size of the finished file; ``None`` until closed, 0 if no frame was written."""
    @property
    def queued_bytes(self) -> int:
        """Bytes of frames queued (copied or kept) but not yet taken by the encoder; 0 once
        closed."""
    @property
    def duration(self) -> float:
        """Playing time in seconds: ``frames / fps``."""
