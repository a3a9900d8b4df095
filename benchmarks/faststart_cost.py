"""What the faststart layout costs at ``close()``: the same video written with ``faststart``
on and off, alternately, timing ``close()`` (with ``memory_budget=1`` the encoder is at most a
frame behind, so ``close()`` is the last frames' encoding plus finishing the file):

    python -m benchmarks.faststart_cost cartpole 30 FOLDER   # 200 CartPole-v1 renders
    python -m benchmarks.faststart_cost noise 1 FOLDER       # 1000 frames of 640x480 noise

FOLDER should be on the disk the videos go to (not a tmpfs). For where the time goes, run it
under ``strace -f -T -e trace=copy_file_range,fsync,unlink,rename``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from rlvideo import VideoWriter


def cartpole() -> Iterator[np.ndarray]:
    import gymnasium as gym

    env = gym.make("CartPole-v1", render_mode="rgb_array")
    env.reset(seed=0)
    for t in range(200):
        _, _, terminated, truncated, _ = env.step(t % 2)
        if terminated or truncated:
            env.reset()
        yield env.render()


def noise() -> Iterator[np.ndarray]:
    rng = np.random.default_rng(0)
    for _ in range(1000):
        yield rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)


def close_time(frames: Iterator[np.ndarray], path: Path, faststart: bool) -> tuple[float, int]:
    """Seconds `close()` took, and the file's bytes (the file is then removed)."""
    writer = VideoWriter(path, 30, faststart=faststart, memory_budget=1)
    for frame in frames:
        writer.write(frame)
    start = time.perf_counter()
    writer.close()
    seconds = time.perf_counter() - start
    size = path.stat().st_size
    path.unlink()
    return seconds, size


def main(clip: str, runs: int, folder: Path) -> None:
    make = {"cartpole": cartpole, "noise": noise}[clip]
    times: dict[bool, list[float]] = {True: [], False: []}
    for run in range(runs):
        for faststart in (True, False) if run % 2 == 0 else (False, True):
            seconds, size = close_time(make(), folder / f"{clip}.mp4", faststart)
            times[faststart].append(seconds)
            print(f"{clip} faststart={faststart}: close {seconds * 1000:.1f} ms, {size} bytes")
    for faststart, seen in times.items():
        median = statistics.median(seen) * 1000
        print(f"{clip} faststart={faststart}: median close {median:.1f} ms over {len(seen)}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
