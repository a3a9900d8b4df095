"""kill -9 in the middle of recording, at random moments: every .mp4 in the folder opens and
decodes completely; the video in progress is never under its final name.

RLVIDEO_KILL_TRIALS (default 4) sets how many kills; the long variant uses 50."""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import av
import pytest

from tests.helpers import stream_info

ROOT = Path(__file__).resolve().parent.parent
TRIALS = int(os.environ.get("RLVIDEO_KILL_TRIALS", "4"))

RECORDER = """
import os, sys
sys.path.insert(0, {root!r})
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
import gymnasium as gym
from rlvideo import RecordVideo
env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), {folder!r},
                  episode_trigger=lambda e: True, on_video_saved=lambda p: print(p, flush=True))
episode = 0
while True:
    env.reset(seed=episode)
    done = False
    while not done:
        *_, terminated, truncated, _ = env.step(env.action_space.sample())
        done = terminated or truncated
    episode += 1
"""


#: Seconds until the first video is saved (a CartPole episode takes well under one) and for
#: the killed process to go; a child that takes longer fails the test instead of hanging it.
FIRST_VIDEO_DEADLINE = 120.0
EXIT_DEADLINE = 30.0


class LineReader:
    """Reads a child's stdout on a thread, so the test can wait for a line with a deadline."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)  # end of output

    def next_line(self, timeout: float) -> str | None:
        """The next line (None at the end of the output); fails after `timeout` seconds."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"the recording process printed nothing for {timeout:.0f} s")

    def rest(self, timeout: float) -> list[str]:
        """Every line up to the end of the output, which must come within `timeout` s."""
        deadline = time.monotonic() + timeout
        lines = []
        while (line := self.next_line(max(deadline - time.monotonic(), 0.01))) is not None:
            lines.append(line)
        return lines


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """The recording process (its videos go to tmp_path); killed after the test whatever
    happened, so a failed assert leaves no process behind."""
    script = textwrap.dedent(RECORDER.format(root=str(ROOT), folder=str(tmp_path)))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=EXIT_DEADLINE)
        assert proc.stdout is not None
        proc.stdout.close()


@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill_9_leaves_only_complete_videos(
    tmp_path: Path, recorder: subprocess.Popen[str], trial: int
) -> None:
    assert recorder.stdout is not None
    output = LineReader(recorder.stdout)
    first = output.next_line(FIRST_VIDEO_DEADLINE)  # once at least one video is complete
    assert first is not None and first.strip().endswith(".mp4"), first
    time.sleep(random.Random(trial).uniform(0.0, 1.5))
    recorder.send_signal(signal.SIGKILL)
    recorder.wait(timeout=EXIT_DEADLINE)
    reported = {first.strip(), *(line.strip() for line in output.rest(EXIT_DEADLINE))}
    videos = sorted(tmp_path.glob("*.mp4"))
    assert videos, "no complete video survived"
    for video in videos:
        with av.open(str(video)) as container:  # opens: the index is complete
            frames = sum(1 for _ in container.decode(video=0))
        assert frames == stream_info(video)["frames"] > 0
    # Everything reported as saved is there; anything else is a hidden temporary file.
    assert reported <= {str(v) for v in videos}
    leftovers = [p.name for p in tmp_path.iterdir() if p.suffix != ".mp4"]
    assert all(name.startswith(".") and name.endswith(".partial") for name in leftovers)
