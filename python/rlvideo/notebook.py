"""Videos in Jupyter and Colab: ``show_videos("videos")`` as a cell's last line shows the newest
videos of a folder under the cell, each in a ``<video controls>`` element that plays the AV1 MP4.

The files are embedded (base64), as mediapy's ``show_video`` does, so the page plays them
wherever the notebook is opened (Colab cannot reach files by path). RL videos are small; a
file above ``max_bytes`` is listed with its size instead of embedded.

    from rlvideo.notebook import Video, show_videos
    show_videos("videos")               # the 4 newest videos in ./videos
    Video("videos/rl-video-episode-0.mp4")
"""

from __future__ import annotations

import base64
import errno
import html
import os
import struct
from pathlib import Path

#: The largest file embedded in a page (a 1,000-frame CartPole video is ~100 kB).
DEFAULT_MAX_BYTES = 50 << 20


def mp4_problem(path: Path) -> str | None:
    """Why `path` is not a complete MP4 file (its top-level boxes do not add up, or `ftyp`,
    `moov` or `mdat` is missing), or None when it is one."""
    try:
        return _problem_in(path.read_bytes())
    except OSError as error:
        return f"cannot read it ({error.strerror})"


def _problem_in(data: bytes) -> str | None:
    """`mp4_problem` for the bytes of a file."""
    seen, at = [], 0
    while at < len(data):
        if at + 8 > len(data):
            return f"it ends inside a box header at byte {at}"
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        if size == 1 and at + 16 <= len(data):
            (size,) = struct.unpack(">Q", data[at + 8 : at + 16])
        elif size == 0:
            size = len(data) - at
        if size < 8 or at + size > len(data):
            name = kind.decode("latin-1")
            return f"its '{name}' box at byte {at} needs {size} bytes, {len(data) - at} are left"
        seen.append(kind)
        at += size
    missing = [k.decode() for k in (b"ftyp", b"moov", b"mdat") if k not in seen]
    if missing:
        return f"it has no {', '.join(missing)} box"
    return None


class Video:
    """One video file, shown by notebooks as a playable ``<video controls>`` element."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        width: int | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.path = Path(path)
        self.width = width
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"Video({str(self.path)!r})"

    def _repr_html_(self) -> str:
        name = html.escape(self.path.name)
        try:
            size = self.path.stat().st_size
            if size > self.max_bytes:
                limit = f"more than max_bytes={self.max_bytes:,}"
                return self._report(f"{name} is {size:,} bytes, {limit}")
            file = self.path.read_bytes()
        except OSError as error:
            return self._report(f"cannot show {name}: cannot read it ({error.strerror})")
        problem = _problem_in(file)
        if problem is not None:
            return self._report(f"cannot show {name}: {html.escape(problem)}")
        data = base64.b64encode(file).decode("ascii")
        width = f' width="{int(self.width)}"' if self.width else ""
        # A browser that cannot decode the file (no AV1 decoder, or damaged frames) fires
        # `error` on the element: say so in the page instead of showing an empty box.
        on_error = (
            "this.insertAdjacentHTML('afterend', "
            f"'<div class=&quot;rlvideo-error&quot;>cannot play {name} in this browser</div>')"
        )
        return (
            f'<figure class="rlvideo" style="display:inline-block;margin:4px">'
            f'<video controls loop muted playsinline preload="auto"{width} title="{name}" '
            f'src="data:video/mp4;base64,{data}" onerror="{on_error}"></video>'
            f"<figcaption>{name}</figcaption></figure>"
        )

    def _report(self, message: str) -> str:
        return f'<div class="rlvideo-error">{message}</div>'


class VideoList:
    """Several videos, shown side by side in the order given."""

    def __init__(self, videos: list[Video]) -> None:
        self.videos = videos

    def __repr__(self) -> str:
        return f"VideoList({[str(v.path) for v in self.videos]!r})"

    def __len__(self) -> int:
        return len(self.videos)

    def _repr_html_(self) -> str:
        if not self.videos:
            return '<div class="rlvideo-error">no videos</div>'
        return "<div>" + "".join(video._repr_html_() for video in self.videos) + "</div>"


def show_videos(
    folder: str | os.PathLike[str] = "videos",
    limit: int = 4,
    *,
    width: int | None = 320,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> VideoList:
    """The `limit` newest ``*.mp4`` files of `folder` (by modification time, newest first),
    for a notebook to show. Hidden files (a video still being written) are left out."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    root = Path(folder)
    if not root.exists():
        raise FileNotFoundError(errno.ENOENT, "no such folder of videos", str(root))
    if not root.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder of videos", str(root))
    files = [p for p in root.glob("*.mp4") if not p.name.startswith(".") and p.is_file()]
    files.sort(key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    return VideoList([Video(p, width=width, max_bytes=max_bytes) for p in files[:limit]])
