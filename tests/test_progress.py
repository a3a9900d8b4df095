"""A wait for the encoder that lasts more than a second says what it is waiting for (videos,
frames left, rate) and when it is done; a short wait says nothing, and so does a long one
unless asked (`progress=True`, or `disable_logger=False` on the wrappers)."""

from __future__ import annotations

import re
import time
from typing import ClassVar

import gymnasium as gym
import numpy as np
import pytest

import rlvideo._progress
from rlvideo import RecordVideo, VideoWriter

NOISE = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)


def slow_writer(path, frames: int = 40, **options) -> VideoWriter:
    """A writer with `frames` noisy 640x480 frames queued: ~3 s of encoding here."""
    writer = VideoWriter(path, 30, **options)
    for t in range(frames):
        writer.write(np.roll(NOISE, 7 * t, axis=1))
    return writer


@pytest.fixture(params=["plain", "tqdm"])
def style(request, monkeypatch) -> str:
    """Reports drawn as plain lines, or with tqdm (installed in the test environment)."""
    if request.param == "tqdm":
        pytest.importorskip("tqdm")
    monkeypatch.setattr(rlvideo._progress, "USE_TQDM", request.param == "tqdm")
    return request.param


def test_a_long_close_reports_what_is_left_then_done(tmp_path, capsys, style):
    writer = slow_writer(tmp_path / "slow.mp4")
    started = time.monotonic()
    writer.close(progress=True)
    waited = time.monotonic() - started
    assert waited > 1.5, "the test needs a close() that waits (more frames or bigger ones)"
    err = capsys.readouterr().err
    assert "rlvideo: waiting for the video to finish encoding" in err, err
    if style == "plain":
        left = [int(n) for n in re.findall(r"1 video, (\d+) frames left \(\d+ frames/s", err)]
        assert left and 0 < left[0] <= 40, err
    else:
        assert "frame" in err and "1 video" in err, err
    done = re.search(r"waiting for the video to finish encoding: done after ([\d.]+) s", err)
    assert done and float(done.group(1)) == pytest.approx(waited, abs=0.3), err
    assert writer.frames_encoded == writer.frames == 40


def test_a_short_close_says_nothing(tmp_path, capsys, style):
    writer = slow_writer(tmp_path / "short.mp4", frames=2)
    started = time.monotonic()
    writer.close(progress=True)
    waited = time.monotonic() - started
    assert capsys.readouterr().err == ""
    # A wait of a few tenths of a second, inside the quiet second: a report that ignored
    # the quiet second would have printed here.
    assert 0.1 < waited < rlvideo._progress.QUIET_SECONDS, waited


def test_a_long_close_says_nothing_unless_asked(tmp_path, capsys, style):
    slow_writer(tmp_path / "slow.mp4").close()
    assert capsys.readouterr().err == ""


class NoisyEnv(gym.Env):
    """Episodes of 20 noisy 640x480 renders: encoding lags far behind the env."""

    metadata: ClassVar[dict] = {"render_modes": ["rgb_array"], "render_fps": 30}
    observation_space = gym.spaces.Discrete(1)
    action_space = gym.spaces.Discrete(1)
    render_mode = "rgb_array"

    def __init__(self) -> None:
        self.t = 0

    def reset(self, *, seed=None, options=None):
        return 0, {}

    def step(self, action):
        self.t += 1
        return 0, 0.0, False, self.t % 20 == 0, {}

    def render(self):
        return np.roll(NOISE, 7 * self.t, axis=1)


@pytest.mark.parametrize("disable_logger", [False, True])
def test_record_video_close_reports_unless_the_logger_is_disabled(
    tmp_path, capsys, monkeypatch, disable_logger
):
    monkeypatch.setattr(rlvideo._progress, "USE_TQDM", False)
    env = RecordVideo(
        NoisyEnv(), str(tmp_path / "videos"), episode_trigger=lambda e: True,
        disable_logger=disable_logger,
    )  # fmt: skip
    env.reset()
    for _ in range(60):  # three episodes
        *_, truncated, _ = env.step(0)
        if truncated:
            env.reset()
    started = time.monotonic()
    env.close()
    assert time.monotonic() - started > 1.5, "the test needs a close() that waits"
    err = capsys.readouterr().err
    assert len(list((tmp_path / "videos").glob("*.mp4"))) == 4
    if disable_logger:
        assert "rlvideo:" not in err, err
    else:
        videos = re.findall(
            r"waiting for videos to finish encoding: (\d) videos?, (\d+) frames", err
        )
        assert videos and 1 <= int(videos[0][0]) <= 4, err
        assert "waiting for videos to finish encoding: done after" in err, err


def test_a_write_that_waits_for_room_says_so(tmp_path, capsys, monkeypatch):
    # rav1e takes a few frames into its lookahead before `write` has to wait; 1080p noise
    # then takes over a second per frame here, so a write waits long enough to report.
    monkeypatch.setattr(rlvideo._progress, "USE_TQDM", False)
    noise = np.random.default_rng(1).integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    writer = VideoWriter(tmp_path / "full.mp4", 30, memory_budget=1)
    longest = 0.0
    for t in range(16):
        started = time.monotonic()
        writer.write(np.roll(noise, 5 * t, axis=1), progress=True)
        longest = max(longest, time.monotonic() - started)
        if longest > 1.5:
            break
    writer.close(wait=False)
    err = capsys.readouterr().err
    assert longest > 1.5, f"no write waited long enough to test (longest {longest:.2f} s)"
    assert "rlvideo: waiting for room in the encoder's queue (memory_budget is full)" in err, err
    assert "memory_budget is full): done after" in err, err
    writer.close()
