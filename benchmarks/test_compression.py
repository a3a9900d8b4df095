"""File size and PSNR of the same 30 CartPole-v1 episodes recorded by Gymnasium's RecordVideo
(moviepy, libx264 medium, CRF 23) and by ours with its defaults; each video decoded and compared
with the env's renders. Target: ours no larger, at a mean PSNR at most 0.5 dB lower.

Then the curve the default was picked from: rav1e speed preset x quantizer on 300 CartPole
frames (600x400, 2 threads): frames/s, bytes, mean and worst-frame PSNR.

Quick mode (benchmarks/mode.py): 3 episodes and 10 frames, every setting of the curve.

    .venv/bin/python -m pytest benchmarks/test_compression.py --benchmark-only
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.compression import Quality, record_and_compare
from benchmarks.mode import pick, seconds
from benchmarks.recorders import RECORDERS, RLVIDEO
from rlvideo import VideoWriter
from tests.helpers import decode, psnr

EPISODES = pick(30, 3)


@pytest.mark.parametrize("recorder", RECORDERS)
def test_compression_same_episodes(benchmark, tmp_path, recorder):
    benchmark.group = f"compression, {EPISODES} CartPole-v1 episodes"
    results: list[Quality] = []

    def run() -> None:
        folder = tmp_path / f"round{len(results)}"
        results.append(record_and_compare(recorder, folder, EPISODES))

    benchmark.pedantic(run, rounds=1, iterations=1)
    quality = results[-1]
    benchmark.extra_info.update(
        video_bytes=quality.video_bytes,
        mean_psnr=round(quality.mean_psnr, 2),
        min_psnr=round(quality.min_psnr, 2),
        frames=quality.frames,
        missing_frames=quality.missing,
    )
    assert quality.videos == EPISODES
    if recorder == RLVIDEO:
        assert quality.missing == 0


SWEEP = [
    (speed, quantizer, rl_tuning)
    for speed in (8, 9, 10)
    for quantizer in (80, 100, 120, 140, 160)
    for rl_tuning in ((True, False) if speed == 10 else (False,))
]


@pytest.mark.parametrize(("speed", "quantizer", "rl_tuning"), SWEEP)
def test_speed_quantizer_curve(benchmark, tmp_path, cartpole_600x400, speed, quantizer, rl_tuning):
    frames = len(cartpole_600x400)
    benchmark.group = f"speed x quantizer, {frames} CartPole frames 600x400, 2 threads"
    path = tmp_path / "sweep.mp4"
    options = {"speed": speed, "quantizer": quantizer, "rl_tuning": rl_tuning, "threads": 2}

    def encode() -> None:
        with VideoWriter(path, 50, **options) as writer:
            for frame in cartpole_600x400:
                writer.write(frame)

    benchmark.pedantic(encode, rounds=1, iterations=1)
    scores = [psnr(a, b) for a, b in zip(cartpole_600x400, decode(path))]
    assert len(scores) == frames
    benchmark.extra_info.update(
        speed=speed,
        quantizer=quantizer,
        rl_tuning=rl_tuning,
        frames_per_second=round(len(scores) / seconds(benchmark, "mean"), 1),
        video_bytes=path.stat().st_size,
        mean_psnr=round(float(np.mean(scores)), 2),
        min_psnr=round(float(np.min(scores)), 2),
    )
