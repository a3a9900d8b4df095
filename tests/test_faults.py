"""Write failures on the background thread (simulated with RLIMIT_FSIZE: the kernel refuses
to grow a file past a limit, as with a full disk): a clear OSError naming the video, earlier
videos intact, no debris, and recording works again once space returns."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rlvideo._series import VideoSeries
from tests.helpers import stream_info

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = f"""
import json, os, resource, signal, sys, time
sys.path.insert(0, {str(ROOT)!r})
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
import numpy as np
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed

def limit(size):
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))

def noise(rng):
    return rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)  # incompressible
"""


def run(body: str) -> dict:
    script = PRELUDE + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_writer_reports_a_failed_write_and_leaves_no_partial_file(tmp_path):
    out = run(
        f"""
        from rlvideo import VideoWriter
        folder = {str(tmp_path)!r}
        rng = np.random.default_rng(0)
        with VideoWriter(folder + "/before.mp4", 30) as w:
            for _ in range(5):
                w.write(noise(rng))
        limit(200_000)
        result = {{}}
        w = VideoWriter(folder + "/full.mp4", 30, quantizer=0)
        try:
            for _ in range(500):
                w.write(noise(rng))
            w.close()
        except OSError as e:
            result = {{"errno": e.errno, "filename": e.filename, "message": str(e)}}
        result["closed"] = w.closed
        w.close()  # nothing left to do: no second error
        limit(resource.RLIM_INFINITY)
        with VideoWriter(folder + "/after.mp4", 30) as w:
            for _ in range(5):
                w.write(noise(rng))
        print(json.dumps(result))
        """
    )
    assert out["errno"] == errno.EFBIG
    assert out["filename"] == str(tmp_path / "full.mp4")
    assert "cannot write the video" in out["message"]
    assert out["closed"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["after.mp4", "before.mp4"]
    assert stream_info(tmp_path / "before.mp4")["frames"] == 5
    assert stream_info(tmp_path / "after.mp4")["frames"] == 5


def test_record_video_raises_from_step_then_records_the_next_episode(tmp_path):
    out = run(
        f"""
        import gymnasium as gym
        from rlvideo import RecordVideo

        class Noisy(gym.Wrapper):
            rng = np.random.default_rng(1)
            def render(self):
                return noise(self.rng)

        env = RecordVideo(Noisy(gym.make("CartPole-v1", render_mode="rgb_array")),
                          {str(tmp_path)!r}, episode_trigger=lambda e: e in wanted, quantizer=0,
                          fps=30)
        errors = []
        wanted = {{0, 1}}  # episode ids to record

        def play(episode, steps):
            try:
                env.reset(seed=episode)
                for _ in range(steps):
                    env.step(0)
                    env.unwrapped.state = np.zeros(4)  # keep the episode going
            except OSError as e:
                errors.append([episode, e.errno, e.filename])

        limit(300_000)  # room for a 6-frame video (~200 kB), not a 41-frame one (~1.4 MB)
        play(0, 5)
        play(1, 40)
        deadline = time.monotonic() + 60  # unrecorded episodes run until the background
        while not errors and time.monotonic() < deadline:  # failure surfaces
            play(2, 40)
        limit(resource.RLIM_INFINITY)  # space is back
        wanted.add(env.episode_id + 1)
        play(3, 40)
        env.close()
        print(json.dumps(errors))
        """
    )
    # Episode 1's video could not be written: one OSError naming it, raised from a later
    # step() or reset() on the caller's thread; the loop went on.
    assert [e[1:] for e in out] == [[errno.EFBIG, str(tmp_path / "rl-video-episode-1.mp4")]]
    files = {p.name: stream_info(p)["frames"] for p in tmp_path.iterdir()}
    last = max(files, key=lambda n: int(n.split("-")[-1][:-4]))
    assert files.pop("rl-video-episode-0.mp4") == 6
    assert files == {last: 41}


def record_four_videos(
    recorder: VideoSeries, errors: list[BaseException], started: Callable[[int], object]
) -> None:
    """Four 20-frame noise videos, queued faster than they encode (with the `videos_pile_up`
    fixture: none waits for the one before); `started(i)` runs once
    video i's writer exists. Errors raised while recording (a finished video collected by
    the poll after `stop`, as an integration's `after_event` does) go to `errors`."""
    rng = np.random.default_rng(0)
    for i in range(4):
        recorder.start(f"v{i}")
        for frame in range(20):
            recorder.add(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8))
            if frame == 0:
                started(i)
        recorder.stop()
        try:
            recorder.poll()
        except Exception as error:
            errors.append(error)


@pytest.mark.usefixtures("videos_pile_up")
def test_close_finishes_every_video_before_raising_the_first_failure(tmp_path):
    saved: list[str] = []
    recorder = VideoSeries(str(tmp_path), 30, {"static_skip": False}, saved.append)
    errors: list[BaseException] = []

    def block_final_name(i: int) -> None:
        if i == 1:  # video 1 cannot take its final name when it is done
            (tmp_path / "v1.mp4").mkdir()

    record_four_videos(recorder, errors, block_final_name)
    try:
        recorder.close()
    except OSError as error:
        errors.append(error)
    assert len(errors) == 1 and isinstance(errors[0], OSError), errors
    assert "v1.mp4" in str(errors[0])
    assert recorder.pending == []
    assert saved == [str(tmp_path / f"v{i}.mp4") for i in (0, 2, 3)]
    for i in (0, 2, 3):
        assert stream_info(tmp_path / f"v{i}.mp4")["frames"] == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v0.mp4", "v1.mp4", "v2.mp4", "v3.mp4"]


@pytest.mark.usefixtures("videos_pile_up")
def test_a_raising_callback_does_not_stop_the_other_videos(tmp_path):
    calls: list[str] = []

    def upload(path: str) -> None:
        calls.append(path)
        if len(calls) == 1:
            raise RuntimeError("upload failed")

    recorder = VideoSeries(str(tmp_path), 30, {"static_skip": False}, upload)
    errors: list[BaseException] = []
    record_four_videos(recorder, errors, lambda i: None)
    try:
        recorder.close()
    except RuntimeError as error:
        errors.append(error)
    assert [str(e) for e in errors] == ["upload failed"]
    assert calls == [str(tmp_path / f"v{i}.mp4") for i in range(4)]
    for i in range(4):
        assert stream_info(tmp_path / f"v{i}.mp4")["frames"] == 20


def test_a_callback_raising_while_the_next_video_starts_does_not_lose_it(tmp_path):
    """The first video finishes just as a reset stops the second and starts the third: the
    callback's error comes from the poll after the third video's first frame, not from the
    stop, which would leave the third never started (a CI run lost an episode this way)."""
    calls: list[str] = []

    def upload(path: str) -> None:
        calls.append(path)
        if len(calls) == 1:
            raise RuntimeError("upload failed")

    series = VideoSeries(str(tmp_path), 30, {"static_skip": False}, upload)
    ramp = [np.full((48, 64, 3), 20 * t, np.uint8) for t in range(5)]
    series.start("a")
    for frame in ramp:
        series.add(frame)
    series.stop()
    series.start("b")
    for frame in ramp:
        series.add(frame)
    first = series.pending[0]
    while not first.done:
        time.sleep(0.01)
    series.restart("c", series.stop)  # as a reset does: nothing is reported yet
    assert (series.recording, series.video_name, calls) == (True, "c", [])
    with pytest.raises(RuntimeError, match="upload failed"):
        series.after_event(lambda: series.add(ramp[0]))
    assert series.frames == 1 and calls == [str(tmp_path / "a.mp4")]
    series.close()
    assert calls == [str(tmp_path / f"{name}.mp4") for name in "abc"]
    assert [stream_info(tmp_path / f"{name}.mp4")["frames"] for name in "abc"] == [5, 5, 1]


@pytest.mark.usefixtures("videos_pile_up")
def test_ctrl_c_in_a_callback_is_raised_after_the_other_videos_are_saved(tmp_path):
    calls: list[str] = []

    def interrupted_upload(path: str) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if Ctrl-C landed while the callback ran

    recorder = VideoSeries(str(tmp_path), 30, {"static_skip": False}, interrupted_upload)
    errors: list[BaseException] = []
    record_four_videos(recorder, errors, lambda i: None)
    assert errors == [] and len(recorder.pending) >= 2, "needs videos still encoding"
    with pytest.raises(KeyboardInterrupt):
        recorder.close()
    assert recorder.pending == []
    assert calls == [str(tmp_path / f"v{i}.mp4") for i in range(4)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"v{i}.mp4" for i in range(4)]
    for i in range(4):
        assert stream_info(tmp_path / f"v{i}.mp4")["frames"] == 20


def test_a_callback_raising_from_step_does_not_stop_recording(tmp_path):
    import gymnasium as gym

    from rlvideo import RecordVideo

    calls: list[str] = []

    def upload(path: str) -> None:
        calls.append(path)
        if len(calls) == 1:
            raise RuntimeError("upload failed")

    env = RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        str(tmp_path / "videos"),
        episode_trigger=lambda e: True,
        on_video_saved=upload,
    )
    raised_in: list[str] = []
    for episode in range(6):
        try:
            env.reset(seed=episode)
            for _ in range(30):
                *_, terminated, truncated, _ = env.step(episode % 2)
                if terminated or truncated:
                    break
        except RuntimeError as error:  # the loop goes on, as a training script's would
            assert str(error) == "upload failed"
            raised_in.append(f"episode {episode}")
    try:
        env.close()
    except RuntimeError as error:
        assert str(error) == "upload failed"
        raised_in.append("close")
    # The error surfaced once, from the step()/reset() that collected the first video (or
    # from close() if none finished while the loop ran); every video was still saved and
    # reported, in order.
    names = [f"rl-video-episode-{i}.mp4" for i in range(6)]
    assert [Path(p).name for p in calls] == names
    assert len(raised_in) == 1, raised_in
    for name in names:
        assert stream_info(tmp_path / "videos" / name)["frames"] > 0


FAULT_SITE = os.environ.get("RLVIDEO_FAULT_SITE")
FAULT_SCRIPT = """
import json, os, sys
import numpy as np
import rlvideo
folder, site = sys.argv[1], sys.argv[2]
assert rlvideo.__file__.startswith(site), f"not the fault-injection build: {rlvideo.__file__}"
out = {}

def record(name, frames=10):
    try:
        with rlvideo.VideoWriter(os.path.join(folder, name), 30, memory_budget=1) as writer:
            for t in range(frames):
                writer.write(np.full((48, 64, 3), 8 * t, np.uint8))
    except Exception as error:
        return [type(error).__name__, isinstance(error, RuntimeError), str(error)]
    return None

out["fail"] = record("rlvideo-fail-encoder-at-3.mp4")
out["panic"] = record("rlvideo-panic-encoder-at-2.mp4")
out["next"] = record("ok.mp4")
out["files"] = sorted(os.listdir(folder))
print(json.dumps(out))
"""


@pytest.mark.skipif(
    FAULT_SITE is None and not os.environ.get("RLVIDEO_REQUIRE_FAULT_BUILD"),
    reason="needs the fault-injection build of the extension (scripts/test.sh makes it and "
    "sets RLVIDEO_FAULT_SITE)",
)
def test_encoder_errors_and_panics_reach_python_as_encoder_error(tmp_path):
    assert FAULT_SITE, "RLVIDEO_FAULT_SITE must name the fault-injection build's site folder"
    run = subprocess.run(
        [sys.executable, "-c", FAULT_SCRIPT, str(tmp_path), FAULT_SITE],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": FAULT_SITE},
    )
    assert run.returncode == 0, run.stderr  # a panic in the encoder must not abort Python
    out = json.loads(run.stdout.splitlines()[-1])
    assert out["fail"][:2] == ["EncoderError", True], out
    assert "injected failure at frame 3" in out["fail"][2], out
    assert out["panic"][:2] == ["EncoderError", True], out
    assert "panicked" in out["panic"][2] and "injected panic at frame 2" in out["panic"][2], out
    assert out["next"] is None, out  # the process and the next writer carry on
    assert out["files"] == ["ok.mp4"], out  # no partial file of the failed videos
