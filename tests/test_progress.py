"""A wait for the encoder that lasts more than a second says what it is waiting for (videos,
frames left, rate) and when it is done; a short wait says nothing, and so does a long one
unless asked (`progress=True`, or `disable_logger=False` on the wrappers).

How long a wait lasts must not depend on how fast this machine encodes, so these tests run
the fault-injection build with an encoder slowed by a known number of milliseconds per frame
(tests/fault_build.py); where a test sets a shorter quiet period than the default second, it
lowers `rlvideo._progress.QUIET_SECONDS`, the threshold the reporter reads on every update.
"""

from __future__ import annotations

import json
import re

import pytest

import rlvideo._progress
from tests.fault_build import needs_fault_build, run_in_fault_build, slow_encoder
from tests.helpers import stream_info

pytestmark = needs_fault_build

WRITER_SCRIPT = """
import json, sys, time
import numpy as np
import rlvideo._progress
from rlvideo import VideoWriter
path, frames, use_tqdm, progress = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rlvideo._progress.USE_TQDM = use_tqdm == "tqdm"
writer = VideoWriter(path, 30)
for t in range(frames):
    writer.write(np.full((48, 64, 3), 5 * t, np.uint8))
started = time.monotonic()
writer.close(progress=progress == "progress")
print(json.dumps({"waited": time.monotonic() - started, "frames": writer.frames,
                  "encoded": writer.frames_encoded}))
"""


def close_writer(
    path, frames: int, millis: int, style: str = "plain", progress: bool = True
) -> tuple[dict, str]:
    """Writes `frames` frames to a writer whose encoder takes `millis` ms more per frame,
    then times its close(); returns the timings and what was said on stderr."""
    path = path.parent / slow_encoder(path.name, millis)
    proc = run_in_fault_build(
        WRITER_SCRIPT, str(path), str(frames), style, "progress" if progress else "quiet"
    )
    assert stream_info(path)["frames"] == frames  # and the video is complete
    return json.loads(proc.stdout.splitlines()[-1]), proc.stderr


@pytest.fixture(params=["plain", "tqdm"])
def style(request) -> str:
    """Reports drawn as plain lines, or with tqdm (installed in the test environment)."""
    if request.param == "tqdm":
        pytest.importorskip("tqdm")
    return request.param


def test_a_long_close_reports_what_is_left_then_done(tmp_path, style):
    # 30 frames at 60 ms each: close() waits ~1.8 s, past the quiet second.
    out, err = close_writer(tmp_path / "slow.mp4", 30, 60, style)
    assert out["waited"] > 1.5, out
    assert "rlvideo: waiting for the video to finish encoding" in err, err
    if style == "plain":
        left = [int(n) for n in re.findall(r"1 video, (\d+) frames left \(\d+ frames/s", err)]
        assert left and 0 < left[0] < 30, err
    else:
        assert "frame" in err and "1 video" in err, err
    done = re.search(r"waiting for the video to finish encoding: done after ([\d.]+) s", err)
    assert done and float(done.group(1)) == pytest.approx(out["waited"], abs=0.3), err
    assert out["encoded"] == out["frames"] == 30


def test_a_short_close_says_nothing(tmp_path, style):
    out, err = close_writer(tmp_path / "short.mp4", 4, 60, style)
    assert err == ""
    # A wait of a few tenths of a second, inside the quiet second: a report that ignored
    # the quiet second would have printed here.
    assert 0.1 < out["waited"] < rlvideo._progress.QUIET_SECONDS, out


def test_a_long_close_says_nothing_unless_asked(tmp_path, style):
    out, err = close_writer(tmp_path / "slow.mp4", 30, 60, style, progress=False)
    assert out["waited"] > 1.5, out
    assert err == ""


RECORD_VIDEO_SCRIPT = """
import json, sys, time
import gymnasium as gym
import numpy as np
import rlvideo._progress
from rlvideo import RecordVideo
folder, prefix, disable_logger = sys.argv[1], sys.argv[2], sys.argv[3] == "True"
rlvideo._progress.USE_TQDM = False

class Env(gym.Env):
    # Episodes of 20 steps.
    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}
    observation_space = gym.spaces.Discrete(1)
    action_space = gym.spaces.Discrete(1)
    render_mode = "rgb_array"
    t = 0

    def reset(self, *, seed=None, options=None):
        return 0, {}

    def step(self, action):
        self.t += 1
        return 0, 0.0, False, self.t % 20 == 0, {}

    def render(self):
        return np.full((48, 64, 3), 3 * self.t % 256, np.uint8)

env = RecordVideo(Env(), folder, episode_trigger=lambda e: True, name_prefix=prefix,
                  disable_logger=disable_logger)
env.reset()
for _ in range(60):  # three episodes, and the first frame of a fourth
    *_, truncated, _ = env.step(0)
    if truncated:
        env.reset()
started = time.monotonic()
env.close()
print(json.dumps({"waited": time.monotonic() - started}))
"""


@pytest.mark.parametrize("disable_logger", [False, True])
def test_record_video_close_reports_unless_the_logger_is_disabled(tmp_path, disable_logger):
    # Each video's encoder takes 80 ms more per frame, and the four encode side by side:
    # close() waits ~1.7 s for the 21 frames of each episode.
    prefix = slow_encoder("rl-video", 80)
    proc = run_in_fault_build(RECORD_VIDEO_SCRIPT, str(tmp_path), prefix, str(disable_logger))
    assert json.loads(proc.stdout.splitlines()[-1])["waited"] > 1.5
    err = proc.stderr
    frames = [stream_info(tmp_path / f"{prefix}-episode-{e}.mp4")["frames"] for e in range(4)]
    assert frames == [21, 21, 21, 1]  # a reset's frame, then one per step
    if disable_logger:
        assert "rlvideo:" not in err, err
    else:
        videos = re.findall(
            r"waiting for videos to finish encoding: (\d) videos?, (\d+) frames", err
        )
        assert videos and 1 <= int(videos[0][0]) <= 4, err
        assert "waiting for videos to finish encoding: done after" in err, err


WRITE_SCRIPT = """
import json, sys, time
import numpy as np
import rlvideo._progress
from rlvideo import VideoWriter
rlvideo._progress.USE_TQDM = False
rlvideo._progress.QUIET_SECONDS = 0.2  # a shorter quiet period, for a shorter test
writer = VideoWriter(sys.argv[1], 30, memory_budget=1)  # room for one frame
waits = []
for t in range(3):
    started = time.monotonic()
    writer.write(np.full((48, 64, 3), 40 * t, np.uint8), progress=True)
    waits.append(time.monotonic() - started)
writer.close(wait=False)  # ask, and say nothing more: only the writes have spoken
print(json.dumps(waits), flush=True)
sys.stderr.flush()
print("-- closing --", file=sys.stderr, flush=True)
writer.close()
"""


def test_a_write_that_waits_for_room_says_so(tmp_path):
    # The encoder holds each frame for 400 ms and `memory_budget` has room for one, so the
    # second and third writes each wait for the frame before them, past a 0.2 s quiet period.
    path = tmp_path / slow_encoder("full.mp4", 400)
    proc = run_in_fault_build(WRITE_SCRIPT, str(path))
    waits = json.loads(proc.stdout.splitlines()[-1])
    assert waits[0] < 0.2 and all(w > 0.3 for w in waits[1:]), waits
    err = proc.stderr.split("-- closing --")[0]
    said = "rlvideo: waiting for room in the encoder's queue (memory_budget is full)"
    assert err.count(said + ": done after") == 2, err
    assert len(re.findall(re.escape(said) + r": 1 video, [12] frames left", err)) == 2, err
    assert stream_info(path)["frames"] == 3


FACTORY_SCRIPT = """
import json, sys
import numpy as np
from rlvideo import VideoWriter

calls = []

class Reporter:
    def __init__(self, what, *, already=0.0):
        calls.append(["made", what, already])

    def update(self, videos, frames_left):
        calls.append(["update", videos, frames_left])

    def finish(self, *, completed=True):
        calls.append(["finish", completed])

writer = VideoWriter(sys.argv[1], 30)
for t in range(10):
    writer.write(np.full((48, 64, 3), 20 * t, np.uint8))
writer.close(progress=Reporter)
print(json.dumps({"calls": calls, "frames": writer.frames_encoded}))
"""


def test_close_reports_through_the_factory_it_is_given(tmp_path):
    """`progress` may be the caller's own reporter factory (the binding calls what it is
    handed, no module of ours): made once when the wait outlasts the first slice, told the
    frames left as they fall, finished once."""
    path = tmp_path / slow_encoder("own.mp4", 60)  # 10 frames: a wait of ~0.6 s
    proc = run_in_fault_build(FACTORY_SCRIPT, str(path))
    out = json.loads(proc.stdout.splitlines()[-1])
    calls = out["calls"]
    assert calls[0][:2] == ["made", "waiting for the video to finish encoding"], calls
    assert calls[0][2] >= 0.04, calls  # made after the first 50 ms slice, not before
    updates = [c for c in calls if c[0] == "update"]
    left = [c[2] for c in updates]
    assert updates and all(c[1] == 1 for c in updates) and 0 < left[0] <= 10, calls
    assert left == sorted(left, reverse=True), left
    assert calls[-1] == ["finish", True] and [c[0] for c in calls].count("made") == 1, calls
    assert out["frames"] == 10 and stream_info(path)["frames"] == 10
    assert proc.stderr == ""


def test_the_binding_imports_no_python_module_of_ours():
    """The extension's own text names no module of the package: it reports through what
    `rlvideo/__init__.py` registers (set_default_progress), never by importing it."""
    import rlvideo._native

    binary = open(rlvideo._native.__file__, "rb").read()
    for module in ("rlvideo._progress", "rlvideo._series", "rlvideo.record_video"):
        assert module.encode() not in binary, module
