"""Encoder threads that yield to the user's threads (`nice`): each thread of a video's encoder
pool lowers its own scheduling priority at start; the threads that write frames keep theirs.
Read from the kernel (`/proc/self/task/<tid>/stat`) while a video is open."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from rlvideo import RecordVideo, VideoWriter, check_options

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="thread niceness is set on Linux only"
)

TASKS = Path("/proc/self/task")


def niceness(tid: str) -> int:
    """Field 19 of the thread's stat line (after the name, which may hold spaces)."""
    fields = (TASKS / tid / "stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])  # fields[0] is field 3 (state)


def encoder_threads() -> dict[str, int]:
    """{tid: niceness} of every live thread of an encoder pool (named rlvideo-rav1e-<i>)."""
    found = {}
    for task in TASKS.iterdir():
        try:
            if (task / "comm").read_text().startswith("rlvideo-rav1e"):
                found[task.name] = niceness(task.name)
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return found


def niceness_while_open(tmp_path: Path, threads: int, **options) -> dict[str, int]:
    """The encoder threads' niceness with one frame written and the video still open, once
    all `threads` have started and lowered themselves (or after 10 s)."""
    assert encoder_threads() == {}, "a previous video left encoder threads running"
    expected = lowered(options.get("nice", 0))
    writer = VideoWriter(tmp_path / "v.mp4", 30, threads=threads, **options)
    try:
        writer.write(np.zeros((64, 96, 3), dtype=np.uint8))
        return settled(threads, expected)
    finally:
        writer.close()


def settled(threads: int, expected: int) -> dict[str, int]:
    """The encoder threads' niceness once `threads` of them run at `expected`, or as they
    are after 10 s (a thread lowers itself as it starts)."""
    deadline = time.monotonic() + 10
    seen = encoder_threads()
    while time.monotonic() < deadline and sorted(seen.values()) != [expected] * threads:
        time.sleep(0.01)
        seen = encoder_threads()
    return seen


def mine() -> int:
    """The calling thread's niceness."""
    return niceness(str(threading.get_native_id()))


def lowered(nice: int) -> int:
    """The niceness an encoder thread started from this thread should have."""
    return min(mine() + nice, 19)


@pytest.mark.parametrize("nice", [3, 19])
def test_encoder_threads_run_at_the_niceness_asked_for(tmp_path, nice):
    base = mine()
    seen = niceness_while_open(tmp_path, 2, nice=nice)
    assert sorted(seen.values()) == [lowered(nice)] * 2, seen
    assert mine() == base, "the thread that writes frames keeps its priority"
    assert encoder_threads() == {}, "close() ends the encoder threads"


def test_by_default_and_with_nice_0_encoder_threads_keep_the_callers_priority(tmp_path):
    seen = niceness_while_open(tmp_path, 2)
    assert sorted(seen.values()) == [mine()] * 2, seen
    seen = niceness_while_open(tmp_path, 2, nice=0)
    assert sorted(seen.values()) == [mine()] * 2, seen


def test_recorded_episodes_are_encoded_by_lowered_threads(tmp_path):
    env = RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"), str(tmp_path), nice=5, threads=1
    )
    env.reset(seed=0)
    env.step(0)
    assert list(settled(1, lowered(5)).values()) == [lowered(5)]
    env.close()


@pytest.mark.parametrize("bad", [-1, 20, 1 << 70])
def test_a_niceness_out_of_range_raises_value_error_naming_nice(tmp_path, bad):
    with pytest.raises(ValueError, match=r"nice must be between 0 and 19"):
        VideoWriter(tmp_path / "v.mp4", 30, nice=bad)
    with pytest.raises(ValueError, match=r"nice must be between 0 and 19"):
        check_options(30, nice=bad)
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    with pytest.raises(ValueError, match=r"nice"):
        RecordVideo(env, str(tmp_path / "videos"), nice=bad)
    assert not list(tmp_path.glob("*.mp4"))


def test_a_niceness_that_is_not_an_integer_raises_type_error_naming_nice(tmp_path):
    with pytest.raises(TypeError, match=r"nice must be an integer, got str"):
        VideoWriter(tmp_path / "v.mp4", 30, nice="10")  # type: ignore[typeddict-item]
