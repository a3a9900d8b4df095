"""Frame buffers outlive their writer: the next writer of the same frame size copies into
memory that is already mapped. Seen through the page faults of the calling thread (the copy
happens there; the encoder thread's faults are not counted; the kernel counts the pages
madvise maps for a new buffer as faults too), in a fresh process so that no earlier test has
left buffers of the size behind."""

from __future__ import annotations

import json
import subprocess
import sys

# A size no other test uses; ~178 pages per RGB frame.
HEIGHT, WIDTH = 397, 613
PAGES_PER_FRAME = HEIGHT * WIDTH * 3 // 4096

SCRIPT = """
import json, resource, sys, time
import numpy as np
import rlvideo

height, width, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
frames = [np.full((height, width, 3), 10 * i, np.uint8) for i in range(8)]

def faults_writing(name):
    writer = rlvideo.VideoWriter(f"{folder}/{name}.mp4", 30, threads=1)
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    for frame in frames:
        writer.write(frame)
        # Paced like an env that renders slower than the encoder: the same few buffers
        # circulate, so each writer needs as many as the one before.
        while writer.queued_bytes:
            time.sleep(0.001)
    faults = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before
    writer.close()
    return faults

print(json.dumps([faults_writing("first"), faults_writing("second"), faults_writing("third")]))
"""


def faults_of_three_writers(tmp_path) -> list[int]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(HEIGHT), str(WIDTH), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout)


def test_the_next_writer_copies_into_buffers_already_mapped(tmp_path):
    first, second, third = faults_of_three_writers(tmp_path)
    # The first writer maps at least one new buffer; the writers after it find the buffers
    # it left and map next to nothing.
    assert first >= PAGES_PER_FRAME, (first, second, third)
    assert second < PAGES_PER_FRAME // 4, (first, second, third)
    assert third < PAGES_PER_FRAME // 4, (first, second, third)
