"""kill -9 in the middle of recording, at random moments: every .mp4 in the folder opens and
decodes completely; the video in progress is never under its final name.

RLVIDEO_KILL_TRIALS (default 4) sets how many kills; the long variant uses 50."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

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


@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill_9_leaves_only_complete_videos(tmp_path, trial):
    script = textwrap.dedent(RECORDER.format(root=str(ROOT), folder=str(tmp_path)))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()  # wait until at least one video is complete
    assert first.strip().endswith(".mp4"), first
    time.sleep(random.Random(trial).uniform(0.0, 1.5))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    reported = {first.strip(), *(line.strip() for line in proc.stdout)}
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
