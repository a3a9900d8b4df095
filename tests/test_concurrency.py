"""Many recorders at once: 32 VideoWriters in 32 Python threads, and several processes
recording into one folder with different prefixes. Every file complete and correct."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from rlvideo import VideoWriter
from tests.helpers import decode, gradient, min_psnr, stream_info

ROOT = Path(__file__).resolve().parent.parent


def test_32_writers_in_32_threads(tmp_path):
    results: dict[int, float] = {}
    errors: list[BaseException] = []

    def record(i: int) -> None:
        try:
            frames = [gradient(64, 96, t + i) for t in range(12)]
            # quantizer 100: see test_sizes_come_back_exactly (gradients, 40 dB bar)
            with VideoWriter(tmp_path / f"t{i}.mp4", 30, threads=1, quantizer=100) as writer:
                for frame in frames:
                    writer.write(frame)
            results[i] = min_psnr(frames, decode(tmp_path / f"t{i}.mp4"))
        except BaseException as error:  # reported below, with the thread's index
            errors.append(error)

    threads = [threading.Thread(target=record, args=(i,)) for i in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert sorted(results) == list(range(32))
    assert min(results.values()) >= 40


def test_processes_share_a_folder(tmp_path):
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        import gymnasium as gym
        from rlvideo import RecordVideo
        env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), {str(tmp_path)!r},
                          name_prefix=sys.argv[1], episode_trigger=lambda e: True,
                          video_length=20)
        env.reset(seed=0)
        for _ in range(100):
            *_, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated:
                env.reset()
        env.close()
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, f"p{i}"]) for i in range(3)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
    videos = sorted(tmp_path.iterdir())
    assert {v.name.split("-")[0] for v in videos} == {"p0", "p1", "p2"}
    for video in videos:
        assert video.suffix == ".mp4"
        # At most video_length + 1 frames, as in Gymnasium: a new episode's trigger (or
        # close) can end a video sooner.
        assert 1 <= stream_info(video)["frames"] <= 21
