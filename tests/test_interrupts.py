"""Ctrl-C and abrupt exits: a KeyboardInterrupt during a blocking write()/close() is honoured,
and an interpreter that exits without close() leaves complete videos and no debris."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.fault_build import needs_fault_build, run_in_fault_build, slow_encoder
from tests.helpers import stream_info

ROOT = Path(__file__).resolve().parent.parent


# The Ctrl-C tests run the fault-injection build with an encoder that takes a known time per
# frame (tests/fault_build.py), so that write() and close() are certainly blocked, waiting for
# the encoder, when the signal comes, however fast this machine encodes.
CTRL_C = """
import json, os, signal, sys, threading, time
import numpy as np
from rlvideo import VideoWriter
path, during = sys.argv[1], sys.argv[2]
sent_at = []

def interrupt_after(delay):
    def fire():
        sent_at.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)
    threading.Timer(delay, fire).start()

frame = np.zeros((64, 96, 3), np.uint8)
out = {}
if during == "write":
    writer = VideoWriter(path, 30, memory_budget=1)  # each write waits for the frame before
    interrupt_after(0.5)
    try:
        for t in range(100):
            writer.write(frame + t)
    except KeyboardInterrupt:
        out["honoured_after"] = time.monotonic() - sent_at[0]
else:
    writer = VideoWriter(path, 30)
    for t in range(6):
        writer.write(frame + t)
    interrupt_after(0.2)
    try:
        writer.close()
    except KeyboardInterrupt:
        out["honoured_after"] = time.monotonic() - sent_at[0]
    out["done_after_ctrl_c"] = writer.done
    out["file_after_ctrl_c"] = os.path.exists(path)
writer.close()  # waits again: the frames written before Ctrl-C make a complete video
out["frames"] = writer.frames
print(json.dumps(out))
"""

#: The README's promise ("What happens when things go wrong"): a blocked write() or close()
#: raises KeyboardInterrupt within 0.1 s of Ctrl-C (it looks for signals every 50 ms).
CTRL_C_BOUND = 0.1


@needs_fault_build
def test_keyboard_interrupt_during_a_blocked_write(tmp_path):
    # The encoder holds each frame for 1 s: the second write is blocked from 0 to ~1 s.
    path = tmp_path / slow_encoder("ctrl-c.mp4", 1000)
    out = json.loads(run_in_fault_build(CTRL_C, str(path), "write").stdout.splitlines()[-1])
    assert "honoured_after" in out, f"write() was not interrupted: {out}"
    assert out["honoured_after"] < CTRL_C_BOUND, (
        f"KeyboardInterrupt took {out['honoured_after']:.2f} s"
    )
    assert out["frames"] == 1  # the frame before Ctrl-C is in the file; the interrupted one is not
    assert stream_info(path)["frames"] == 1


@needs_fault_build
def test_keyboard_interrupt_during_close_then_close_again(tmp_path):
    # 6 frames at 300 ms each: close() waits ~1.8 s, and Ctrl-C comes after 0.2 s.
    path = tmp_path / slow_encoder("ctrl-c-close.mp4", 300)
    out = json.loads(run_in_fault_build(CTRL_C, str(path), "close").stdout.splitlines()[-1])
    assert "honoured_after" in out, f"close() was not interrupted: {out}"
    assert out["honoured_after"] < CTRL_C_BOUND, (
        f"KeyboardInterrupt took {out['honoured_after']:.2f} s"
    )
    assert not out["done_after_ctrl_c"] and not out["file_after_ctrl_c"]
    assert out["frames"] == 6 and stream_info(path)["frames"] == 6  # the second close() finished it


def test_exception_escaping_the_loop_still_leaves_complete_videos(tmp_path):
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        import gymnasium as gym
        from rlvideo import RecordVideo
        env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), {str(tmp_path)!r},
                          episode_trigger=lambda e: True)
        env.reset(seed=0)
        for step in range(200):
            *_, terminated, truncated, _ = env.step(step % 2)
            if terminated or truncated:
                env.reset()
        print(env.episode_id, env._recorder.frames, flush=True)  # the episode in progress
        raise RuntimeError("training crashed")  # no env.close()
        """
    )
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1 and "training crashed" in proc.stderr
    assert time.monotonic() - started < 60
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names and all(n.startswith("rl-video-episode-") and n.endswith(".mp4") for n in names)
    for name in names:
        assert stream_info(tmp_path / name)["frames"] > 0  # every file opens and decodes
    # The episode in progress at the crash was finished, not dropped: ids 0..N are all there,
    # N being the wrapper's own episode_id, and N's video holds every frame it was given.
    last_id, last_frames = map(int, proc.stdout.split())
    ids = sorted(int(n.split("-")[-1][:-4]) for n in names)
    assert ids == list(range(last_id + 1))
    assert last_frames > 0
    assert stream_info(tmp_path / f"rl-video-episode-{last_id}.mp4")["frames"] == last_frames


@needs_fault_build
@pytest.mark.parametrize("failing", ["step", "reset"])
def test_env_raising_while_videos_are_pending_still_leaves_complete_videos(tmp_path, failing):
    # Each video's encoder takes 200 ms more per frame (the fault-injection build), far longer
    # than the env takes to step, so several stopped videos are still encoding when the env
    # raises and the process exits.
    prefix = slow_encoder("rl-video", 200)
    script = textwrap.dedent(
        f"""
        import gymnasium as gym
        import numpy as np
        import rlvideo
        from rlvideo import RecordVideo

        rlvideo.set_max_videos_encoding(64)  # no video waits: several are pending at the crash

        class Noisy(gym.Env):
            metadata = {{"render_modes": ["rgb_array"], "render_fps": 30}}
            observation_space = gym.spaces.Discrete(1)
            action_space = gym.spaces.Discrete(1)
            render_mode = "rgb_array"
            rng = np.random.default_rng(0)
            calls = 0

            def reset(self, *, seed=None, options=None):
                Noisy.calls += 1
                if {failing!r} == "reset" and Noisy.calls == 21:
                    raise RuntimeError("env crashed in reset")
                return 0, {{}}

            def step(self, action):
                Noisy.calls += 1
                if {failing!r} == "step" and Noisy.calls == 23:
                    raise RuntimeError("env crashed in step")
                return 0, 0.0, False, Noisy.calls % 5 == 0, {{}}

            def render(self):
                return self.rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)

        saved = []
        env = RecordVideo(Noisy(), {str(tmp_path)!r}, episode_trigger=lambda e: True,
                          on_video_saved=saved.append, name_prefix={prefix!r})
        try:
            env.reset()
            while True:
                *_, truncated, _ = env.step(0)
                if truncated:
                    env.reset()
        finally:
            print(env.episode_id, env._recorder.frames, len(env._recorder.pending), flush=True)
        """
    )
    proc = run_in_fault_build(script, check=False)
    assert proc.returncode == 1 and f"env crashed in {failing}" in proc.stderr, proc.stderr
    last_id, last_frames, pending = map(int, proc.stdout.split())
    assert pending >= 2, "the test needs videos still encoding when the env raises"
    # Every video stopped before the crash is complete under its final name, and so is the
    # one in progress (it holds the frames it was given); no temporary file is left.
    names = sorted(p.name for p in tmp_path.iterdir())
    in_progress = [last_id] if last_frames else []
    finished = last_id if last_frames else last_id + 1
    expected = [f"{prefix}-episode-{i}.mp4" for i in range(finished + len(in_progress))]
    assert names == sorted(expected)
    for i in range(finished):
        assert stream_info(tmp_path / f"{prefix}-episode-{i}.mp4")["frames"] == 5
    if last_frames:
        assert stream_info(tmp_path / f"{prefix}-episode-{last_id}.mp4")["frames"] == last_frames
