"""Options and entry points that nothing else exercises: `queued_bytes` against
`memory_budget`, `gc_trigger`, `disable_logger`, and `python -m rlvideo demo` (the README's
main job) as a user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from rlvideo import RecordVideo, VideoWriter
from tests.helpers import decode, stream_info

ROOT = Path(__file__).resolve().parent.parent


def test_queued_bytes_rises_while_the_encoder_is_behind_and_stays_within_the_budget(tmp_path):
    frame_bytes = 480 * 640 * 3
    budget = 4 * frame_bytes
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (480, 640, 3), dtype=np.uint8) for _ in range(4)]
    writer = VideoWriter(tmp_path / "q.mp4", 30, memory_budget=budget, threads=1)
    assert writer.queued_bytes == 0
    seen = []
    for t in range(24):  # noise encodes far slower than it is written
        writer.write(frames[t % 4])
        seen.append(writer.queued_bytes)
    assert max(seen) > frame_bytes, seen  # frames waited for the encoder...
    assert max(seen) <= budget, seen  # ...never more than the budget holds
    assert all(q % frame_bytes == 0 for q in seen), seen  # whole frames are counted
    writer.close()
    assert writer.queued_bytes == 0
    assert stream_info(tmp_path / "q.mp4")["frames"] == 24


def record(folder: Path, episodes: int, **kwargs) -> RecordVideo:
    env = RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        str(folder),
        episode_trigger=lambda e: True,
        **kwargs,
    )
    for episode in range(episodes):
        env.reset(seed=episode)
        for t in range(10):
            env.step(t % 2)  # alternating pushes keep the pole up for these 10 steps
    env.close()
    return env


def gc_calls(cls: type, folder: Path, monkeypatch, trigger) -> tuple[list[int], list[int]]:
    """(episode ids gc_trigger was asked about, episode ids gc.collect() ran after) for four
    recorded episodes, the last one stopped by close()."""
    import gc

    asked: list[int] = []
    collected_after: list[int] = []
    wrapper: list = []
    monkeypatch.setattr(gc, "collect", lambda: collected_after.append(wrapper[0].episode_id))

    def spy(episode_id: int) -> bool:
        asked.append(episode_id)
        return trigger(episode_id)

    env = cls(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        str(folder),
        episode_trigger=lambda e: True,
        gc_trigger=spy,
    )
    wrapper.append(env)
    for episode in range(4):
        env.reset(seed=episode)
        for t in range(10):
            env.step(t % 2)
    env.close()
    return asked, collected_after


def test_gc_trigger_is_asked_and_obeyed_as_gymnasium_does(tmp_path, monkeypatch):
    from gymnasium.wrappers import RecordVideo as GymRecordVideo

    trigger = lambda e: e % 2 == 1  # noqa: E731
    theirs = gc_calls(GymRecordVideo, tmp_path / "gymnasium", monkeypatch, trigger)
    ours = gc_calls(RecordVideo, tmp_path / "rlvideo", monkeypatch, trigger)
    # Asked with the episode id current when each video stops (the reset that ends it has
    # already counted the next episode; close() stops the last one), collected when it says.
    assert theirs == ([1, 2, 3, 3], [1, 3, 3])
    assert ours == theirs
    assert len(list((tmp_path / "rlvideo").glob("*.mp4"))) == 4


def test_gc_trigger_defaults_to_no_collection(tmp_path, monkeypatch):
    import gc

    calls: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda: calls.append(1))
    record(tmp_path / "videos", 3)
    assert calls == []  # Gymnasium's default collects after every video; rlvideo keeps no list


@pytest.mark.parametrize("disable_logger", [True, False])
def test_disable_logger_is_accepted_and_recording_prints_nothing(tmp_path, capfd, disable_logger):
    # Gymnasium passes it to moviepy's progress bar; rlvideo has no bar to show, so both values
    # record the same videos and neither writes to stdout/stderr.
    env = record(tmp_path / "videos", 2, disable_logger=disable_logger)
    assert env.disable_logger is disable_logger
    out, err = capfd.readouterr()
    assert (out, err) == ("", ""), (out, err)
    assert [len(decode(p)) for p in sorted((tmp_path / "videos").glob("*.mp4"))] == [11, 11]


def test_python_m_rlvideo_demo_records_what_it_says(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "rlvideo", "demo", "--video-folder", "out", "--episodes", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert run.returncode == 0, run.stderr
    saved = re.findall(r"saved (\S+) \((\d+) bytes\)", run.stdout)
    names = [f"cartpole-episode-{i}.mp4" for i in range(2)]
    assert [Path(p).name for p, _ in saved] == names, run.stdout
    assert "recorded 2 episodes into out/" in run.stdout, run.stdout
    for (path, size), name in zip(saved, names):
        video = tmp_path / "out" / name
        assert Path(path) == video and video.stat().st_size == int(size)
        info = stream_info(video)
        assert (info["width"], info["height"]) == (600, 400) and info["frames"] > 5, info
