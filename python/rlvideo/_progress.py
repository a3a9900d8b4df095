"""Telling the user what a long wait is waiting for.

A wait for the encoder (``close()`` finishing videos, a ``write()`` waiting for room in the
queue) says nothing for its first second; after that it reports what is left and how fast it
goes, with a tqdm bar when tqdm is installed (most RL environments have it) and otherwise one
line every few seconds on stderr; when it ends it says so. Nothing is imported or printed for
waits that end within the first second.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

#: Seconds a wait stays silent; a wait this short is not worth a message. Read on every
#: update, so tests may lower it (tests/test_progress.py) for waits they make short.
QUIET_SECONDS = 1.0
#: Seconds between two plain-text lines (the tqdm bar redraws by itself).
LINE_EVERY_SECONDS = 5.0
#: Whether to draw with tqdm when it can be imported (tests switch it off).
USE_TQDM = True


def _tqdm() -> Any | None:
    if not USE_TQDM:
        return None
    try:
        from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    return tqdm


class WaitProgress:
    """Reports one wait. Call `update` while waiting (often: it is cheap while quiet) and
    `finish` when the wait is over."""

    def __init__(self, what: str, *, already: float = 0.0, stream: TextIO | None = None) -> None:
        self.what = what
        self.started = time.monotonic() - already
        self.stream = stream
        self.bar: Any | None = None
        self.shown = False
        self.last_line = 0.0
        self.first_left: int | None = None
        self.left = 0

    def update(self, videos: int, frames_left: int) -> None:
        """`videos` still being encoded with `frames_left` frames between them."""
        now = time.monotonic()
        if self.first_left is None:
            self.first_left = frames_left
        self.left = frames_left
        waited = now - self.started
        if waited < QUIET_SECONDS:
            return
        done = max(0, self.first_left - frames_left)
        rate = done / waited if waited > 0 else 0.0
        stream = self.stream or sys.stderr
        if not self.shown:
            self.shown = True
            tqdm = _tqdm()
            if tqdm is not None:
                self.bar = tqdm(
                    total=self.first_left,
                    initial=done,
                    desc=f"rlvideo: {self.what}",
                    unit="frame",
                    file=stream,
                    leave=True,
                )
        if self.bar is not None:
            self.bar.set_postfix_str(f"{videos} video{'s' * (videos != 1)}", refresh=False)
            self.bar.update(done - self.bar.n)
            return
        if now - self.last_line >= LINE_EVERY_SECONDS:
            self.last_line = now
            plural = "s" * (videos != 1)
            print(
                f"rlvideo: {self.what}: {videos} video{plural}, {frames_left} frames left "
                f"({rate:.0f} frames/s, {waited:.0f} s so far)",
                file=stream,
                flush=True,
            )

    def finish(self, *, completed: bool = True) -> None:
        """The wait is over: says so if anything was said before. With `completed=False`
        (interrupted by Ctrl-C, or failed) the bar is closed and nothing more is said."""
        if not self.shown:
            return
        self.shown = False
        if self.bar is not None:
            if completed:
                self.bar.update(max(0, (self.first_left or 0) - self.left) - self.bar.n)
            self.bar.close()
        if completed:
            waited = time.monotonic() - self.started
            print(
                f"rlvideo: {self.what}: done after {waited:.1f} s", file=self.stream or sys.stderr
            )
