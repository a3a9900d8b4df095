"""The process-wide bound on videos encoding at once (rlvideo.set_max_videos_encoding): a new
VideoWriter waits while the bound is reached and a video is finishing, never for a video that
is still open; everything still finishes and decodes; Ctrl-C ends the wait."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable

import gymnasium as gym
import numpy as np
import pytest

import rlvideo
from rlvideo import RecordVideo, VideoWriter
from tests.fault_build import needs_fault_build, run_in_fault_build, slow_encoder
from tests.helpers import stream_info


def noise(t: int, shape: tuple[int, int] = (120, 160)) -> np.ndarray:
    """Frames that keep the encoder busy for a while."""
    return np.random.default_rng(t).integers(0, 256, (*shape, 3), dtype=np.uint8)


def finishes_in_time(body: Callable[[], None], seconds: float = 120) -> None:
    """Runs `body` on a thread: a hang fails the test instead of stalling the suite."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            body()
        except BaseException as error:  # re-raised on the test's thread
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: a wait that never ends"
    if errors:
        raise errors[0]


def test_videos_ended_in_the_background_wait_for_the_bound(tmp_path, max_videos_encoding):
    """A wrapper's pattern: each video closed with wait=False, the next one opened at once.
    At the bound of 2 the count never passes 2, each new video starts only once all but one
    earlier video are done, and every video decodes with all its frames."""
    max_videos_encoding(2)
    base = rlvideo.videos_encoding()
    assert base == 0, f"{base} videos of another test still encoding"
    pending: list[VideoWriter] = []
    most = 0
    for video in range(10):
        writer = VideoWriter(tmp_path / f"{video}.mp4", 30, threads=1)
        # The count rises only when a video is created, so its peaks are seen here.
        most = max(most, rlvideo.videos_encoding())
        assert rlvideo.videos_encoding() <= 2
        unfinished = [w.path.name for w in pending if not w.done]
        assert len(unfinished) <= 1, unfinished
        for t in range(20):
            writer.write(noise(100 * video + t))
        writer.close(wait=False)
        pending.append(writer)
    for writer in pending:
        writer.close()
    assert most == 2
    assert rlvideo.videos_encoding() == 0
    for video in range(10):
        assert stream_info(tmp_path / f"{video}.mp4")["frames"] == 20


def test_one_thread_feeding_two_open_writers_does_not_wait_for_itself(
    tmp_path, max_videos_encoding
):
    """At a bound of 1, one thread opens two writers and feeds them in turn: the second does
    not wait for the first (still open, only this thread can end it); a third, opened after
    the first is closed in the background, waits for that one alone."""
    max_videos_encoding(1)
    counts: dict[str, int] = {}

    def alternate() -> None:
        a = VideoWriter(tmp_path / "a.mp4", 30, threads=1)
        b = VideoWriter(tmp_path / "b.mp4", 30, threads=1)
        counts["both open"] = rlvideo.videos_encoding()
        for t in range(12):
            a.write(noise(t))
            b.write(noise(50 + t))
        a.close(wait=False)
        c = VideoWriter(tmp_path / "c.mp4", 30, threads=1)
        counts["a done when c opened"] = int(a.done)
        for t in range(12):
            b.write(noise(100 + t))
            c.write(noise(200 + t))
        for writer in (a, b, c):
            writer.close()

    finishes_in_time(alternate)
    assert counts == {"both open": 2, "a done when c opened": 1}
    assert [stream_info(tmp_path / f"{n}.mp4")["frames"] for n in "abc"] == [12, 24, 12]
    assert rlvideo.videos_encoding() == 0


def test_writers_on_many_threads_all_finish(tmp_path, max_videos_encoding):
    """Four threads, each recording videos one after another with wait=False, at a bound of
    2: nothing hangs, every video decodes with its frames."""
    max_videos_encoding(2)

    def record(thread: int) -> None:
        writers = []
        for video in range(4):
            writer = VideoWriter(tmp_path / f"{thread}-{video}.mp4", 30, threads=1)
            for t in range(8):
                writer.write(noise(1000 * thread + 10 * video + t, (64, 96)))
            writer.close(wait=False)
            writers.append(writer)
        for writer in writers:
            writer.close()

    def run_all() -> None:
        threads = [threading.Thread(target=record, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    finishes_in_time(run_all)
    assert len(list(tmp_path.iterdir())) == 16
    for path in tmp_path.iterdir():
        assert stream_info(path)["frames"] == 8, path.name
    assert rlvideo.videos_encoding() == 0


def test_record_video_keeps_within_the_bound(tmp_path, max_videos_encoding):
    """RecordVideo recording every episode of CartPole at a bound of 2, with encoders at
    the lowest priority so the env runs ahead: at every step at most 2 videos encode, and
    every episode's video holds all its frames."""
    max_videos_encoding(2)
    env = RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        str(tmp_path / "videos"),
        episode_trigger=lambda _: True,
        nice=19,
    )
    most, lengths = 0, []
    env.reset(seed=1)
    steps = 1
    while len(lengths) < 15:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        steps += 1
        most = max(most, rlvideo.videos_encoding())
        if terminated or truncated:
            lengths.append(steps)
            env.reset()
            steps = 1
    env.close()
    assert most <= 2
    assert rlvideo.videos_encoding() == 0
    for episode, frames in enumerate(lengths):
        path = tmp_path / "videos" / f"rl-video-episode-{episode}.mp4"
        assert stream_info(path)["frames"] == frames


@pytest.mark.parametrize("bad", [0, -1, 2**70])
def test_a_limit_below_one_or_too_big_is_a_value_error(bad, max_videos_encoding):
    before = rlvideo.max_videos_encoding()
    with pytest.raises(ValueError, match="max_videos_encoding"):
        rlvideo.set_max_videos_encoding(bad)
    assert rlvideo.max_videos_encoding() == before


@pytest.mark.parametrize("bad", [True, 2.0, "3", None])
def test_a_limit_that_is_not_an_int_is_a_type_error(bad, max_videos_encoding):
    with pytest.raises(TypeError, match="max_videos_encoding must be an int"):
        rlvideo.set_max_videos_encoding(bad)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "RLVIDEO_MAX_VIDEOS_ENCODING"}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**environ, **env},
    )


def test_the_default_follows_the_cpus_and_the_environment_variable_sets_it():
    code = "import rlvideo; print(rlvideo.max_videos_encoding())"
    default = int(run_python(code).stdout)
    assert 2 <= default <= max(2, os.cpu_count() or 1)
    assert run_python(code, RLVIDEO_MAX_VIDEOS_ENCODING="7").stdout.strip() == "7"
    # A call overrides the variable.
    code = "import rlvideo as r; r.set_max_videos_encoding(3); print(r.max_videos_encoding())"
    assert run_python(code, RLVIDEO_MAX_VIDEOS_ENCODING="7").stdout.strip() == "3"


@pytest.mark.parametrize("value", ["0", "two", "-3", ""])
def test_a_bad_environment_variable_is_a_value_error_naming_it(tmp_path, value):
    code = f"""
import rlvideo
for call in (rlvideo.max_videos_encoding, lambda: rlvideo.VideoWriter({str(tmp_path / "v.mp4")!r})):
    try:
        call()
    except ValueError as error:
        print("ValueError:", error)
"""
    out = run_python(code, RLVIDEO_MAX_VIDEOS_ENCODING=value)
    lines = out.stdout.splitlines()
    assert len(lines) == 2, out
    assert all("RLVIDEO_MAX_VIDEOS_ENCODING" in line for line in lines), lines
    assert list(tmp_path.iterdir()) == []


CTRL_C_WHILE_WAITING = """
import json, os, signal, sys, threading, time
import numpy as np
import rlvideo
first, second = sys.argv[1], sys.argv[2]
rlvideo.set_max_videos_encoding(1)
writer = rlvideo.VideoWriter(first, 30)
for t in range(3):
    writer.write(np.full((64, 96, 3), 40 * t, np.uint8))
writer.close(wait=False)  # 3 frames of 1 s each still to encode
sent_at = []

def fire():
    sent_at.append(time.monotonic())
    os.kill(os.getpid(), signal.SIGINT)

threading.Timer(0.5, fire).start()
out = {}
try:
    rlvideo.VideoWriter(second, 30)
except KeyboardInterrupt:
    out["honoured_after"] = time.monotonic() - sent_at[0]
out["encoding_after_ctrl_c"] = rlvideo.videos_encoding()
out["files_after_ctrl_c"] = sorted(os.listdir(os.path.dirname(first)))
writer.close()
with rlvideo.VideoWriter(second, 30) as again:  # room now: the first video is done
    again.write(np.zeros((64, 96, 3), np.uint8))
print(json.dumps(out))
"""


@needs_fault_build
def test_ctrl_c_ends_a_wait_for_the_bound(tmp_path):
    first = tmp_path / slow_encoder("first.mp4", 1000)
    second = tmp_path / "second.mp4"
    proc = run_in_fault_build(CTRL_C_WHILE_WAITING, str(first), str(second))
    out = json.loads(proc.stdout.splitlines()[-1])
    assert "honoured_after" in out, f"VideoWriter() was not interrupted: {out}"
    assert out["honoured_after"] < 0.1, out  # as a blocked write() or close() (test_interrupts)
    assert out["encoding_after_ctrl_c"] == 1  # the first video; nothing of the second
    assert [n for n in out["files_after_ctrl_c"] if "second" in n] == []
    assert stream_info(first)["frames"] == 3
    assert stream_info(second)["frames"] == 1
