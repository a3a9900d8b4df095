"""Caller-thread cost of VideoWriter.write(frame) while the queue has room, beside np.copy of
the same frame (the cost of touching it once). Target: at most 1.5x np.copy at every size.

Each round times a batch of 32 back-to-back calls, starting with the encoder caught up (the
untimed setup waits until the queue is empty), as in a loop that records while the encoder
keeps pace. The writer lives across rounds, like a recording in progress; its first round
(untimed warm-up) maps the frame buffers it then reuses. The "next writer" variant times the
first 32 frames of a new writer that follows an ended one of the same size, as each recorded
episode follows the last (the ended writer's buffers wait in the process-wide idle store).
The "fresh process" variant times the first 32 frames of the first writer in a new Python
process (rlvideo and numpy imported, the writer created, then timed inside that process): it
pays for mapping every buffer it uses (target: at most 3x np.copy). The "copy=False" variant
keeps a reference to the array instead of copying it (what RecordVideo does with each render).

Quick mode (benchmarks/mode.py): batches of 4 frames, 2 rounds, every size and variant.

    .venv/bin/python -m pytest benchmarks/test_handoff.py --benchmark-only
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.mode import pick, seconds
from rlvideo import VideoWriter
from tests.helpers import gradient

SIZES = {"84x84": (84, 84), "210x160": (210, 160), "400x600": (400, 600), "720x1280": (720, 1280)}
BATCH = pick(32, 4)
ROUNDS = pick(6, 2)
FRESH_PROCESS = "VideoWriter.write, fresh process"
PEERS = [
    "VideoWriter.write",
    "VideoWriter.write, next writer",
    FRESH_PROCESS,
    "VideoWriter.write copy=False",
    "np.copy",
]


# Run in a new interpreter; prints the seconds its first BATCH writes took.
FIRST_WRITES = """
import json, sys, time
from rlvideo import VideoWriter
from tests.helpers import gradient
height, width, batch, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
frame = gradient(height, width)
writer = VideoWriter(path, 30, threads=1)
start = time.perf_counter()
for _ in range(batch):
    writer.write(frame)
    writer.frames
print(json.dumps(time.perf_counter() - start))
writer.close()
"""


def first_writes_in_fresh_process(height: int, width: int, path: Path) -> float:
    """Seconds the first BATCH writes of a new process's first writer took."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_WRITES, str(height), str(width), str(BATCH), str(path)],
        cwd=Path(__file__).resolve().parents[1],  # where `tests.helpers` is importable
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return float(json.loads(done.stdout))


def wait_until_drained(writer: VideoWriter) -> None:
    while writer.queued_bytes:
        time.sleep(0.001)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("peer", PEERS)
def test_handoff(benchmark, tmp_path, size, peer):
    benchmark.group = f"hand-off of {BATCH} RGB frames of {size}"
    height, width = SIZES[size]
    if peer == FRESH_PROCESS:
        timings: list[float] = []
        path = tmp_path / "fresh.mp4"
        benchmark.pedantic(
            lambda: timings.append(first_writes_in_fresh_process(height, width, path)),
            rounds=ROUNDS,
            iterations=1,
        )
        # The process's start-up is not the hand-off: only the time measured inside counts.
        benchmark.extra_info["microseconds_per_frame"] = round(min(timings) / BATCH * 1e6, 2)
        return
    # Smooth content keeps the encoder quick, so rounds do not wait long for it to drain;
    # what write() costs does not depend on the pixels.
    frame = gradient(height, width)
    writers = [VideoWriter(tmp_path / "warm.mp4", 30, threads=1)]

    def setup():
        if peer == "VideoWriter.write, next writer":
            writers[-1].close()  # the video before ends (untimed)
            writers.append(VideoWriter(tmp_path / f"{len(writers)}.mp4", 30, threads=1))
        else:
            wait_until_drained(writers[0])
        return (writers[-1],), {}

    def write_batch(writer: VideoWriter) -> None:
        for _ in range(BATCH):
            writer.write(frame)
            writer.frames  # noqa: B018 - keep the loops alike: one attribute access each

    def keep_batch(writer: VideoWriter) -> None:
        for _ in range(BATCH):
            writer.write(frame, copy=False)  # (the same array each time: it is never changed)
            writer.frames  # noqa: B018

    def copy_batch(writer: VideoWriter) -> None:
        for _ in range(BATCH):
            np.copy(frame)
            writer.frames  # noqa: B018

    if peer in ("VideoWriter.write", "VideoWriter.write, next writer"):
        write_batch(writers[0])  # warm-up: maps the buffers later rounds (or writers) reuse
    run = {"np.copy": copy_batch, "VideoWriter.write copy=False": keep_batch}.get(peer, write_batch)
    benchmark.pedantic(run, setup=setup, rounds=ROUNDS, iterations=1)
    per_frame = seconds(benchmark, "min") / BATCH
    benchmark.extra_info["microseconds_per_frame"] = round(per_frame * 1e6, 2)
    for writer in writers:
        writer.close(wait=False)
    for writer in writers:
        writer.close()
