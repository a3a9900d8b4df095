"""Caller-thread cost of VideoWriter.write(frame) while the queue has room, beside np.copy of
the same frame (the cost of touching it once). Target: at most 1.5x np.copy at every size.
Both run in batches of 32 per round; the encoder (one thread) runs meanwhile, as in use.

    .venv/bin/python -m pytest benchmarks/test_handoff.py --benchmark-only
"""

from __future__ import annotations

import numpy as np
import pytest

from rlvideo import VideoWriter

SIZES = {"84x84": (84, 84), "210x160": (210, 160), "400x600": (400, 600), "720x1280": (720, 1280)}
BATCH = 32


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("peer", ["VideoWriter.write", "np.copy"])
def test_handoff(benchmark, tmp_path, size, peer):
    benchmark.group = f"hand-off of {BATCH} RGB frames of {size}"
    height, width = SIZES[size]
    frame = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    writers: list[VideoWriter] = []

    def setup():
        # A fresh writer per round with a budget far above a round's frames: write() never
        # waits for the encoder, it only copies and queues.
        writer = VideoWriter(tmp_path / f"{len(writers)}.mp4", 30, threads=1, memory_budget=1 << 34)
        writers.append(writer)
        return (writer,), {}

    def write_batch(writer: VideoWriter) -> None:
        for _ in range(BATCH):
            writer.write(frame)
            writer.frames  # noqa: B018 - keep the loops alike: one attribute access each

    def copy_batch(writer: VideoWriter) -> None:
        for _ in range(BATCH):
            np.copy(frame)
            writer.frames  # noqa: B018

    run = write_batch if peer == "VideoWriter.write" else copy_batch
    benchmark.pedantic(run, setup=setup, rounds=6, iterations=1)
    benchmark.extra_info["microseconds_per_frame"] = round(benchmark.stats["min"] / BATCH * 1e6, 2)
    for writer in writers:
        writer.close(wait=False)
    for writer in writers:
        writer.close()
