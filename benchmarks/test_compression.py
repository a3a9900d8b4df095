"""File size and PSNR of the same 30 CartPole-v1 episodes recorded by Gymnasium's RecordVideo
(moviepy, libx264 medium, CRF 23) and by ours with its defaults; each video decoded and compared
with the env's renders. Target: ours no larger, at a mean PSNR at most 0.5 dB lower.

Then the curve the default was picked from: rav1e speed preset x quantizer on 300 CartPole
frames (600x400, 2 threads): frames/s, bytes, mean and worst-frame PSNR.

Then rate-distortion against libx264 medium on the clips where every block moves (issue 22):
CarRacing-v3 600x400 following the track, HalfCheetah-v5 480x480 from its tracking camera
(`tests/corpus.py`) and the synthetic 320x240 pan, 150 frames each, one encoder thread. Ours at
quantizers 80-160 (static_skip on, the default, and off), x264 at CRF 18-34, each video decoded
and compared with the clip on RGB (mean of the frames' PSNRs); the Bjontegaard delta rate
(`tests/bd_rate.py`) says how many more bytes ours needs for the same PSNR. Target: <= 0%.

Quick mode (benchmarks/mode.py): 3 episodes and 10 frames, every setting of the curve and of
the sweeps.

    .venv/bin/python -m pytest benchmarks/test_compression.py --benchmark-only
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from benchmarks.compression import Quality, record_and_compare
from benchmarks.mode import pick, seconds
from benchmarks.peers import X264_MEDIUM, ffmpeg_encode
from benchmarks.recorders import RECORDERS, RLVIDEO
from rlvideo import VideoWriter
from tests.bd_rate import bd_rate
from tests.corpus import car_racing, half_cheetah, pan
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


RD_FRAMES = pick(150, 10)
#: The clips of the rate-distortion sweep: name -> (frames maker, fps).
RD_CLIPS: dict[str, tuple[Callable[[], list[np.ndarray]], float]] = {
    "CarRacing 600x400": (lambda: car_racing(RD_FRAMES), 50),
    "HalfCheetah 480x480": (lambda: half_cheetah(RD_FRAMES), 20),
    "all-changing 320x240": (lambda: pan(240, 320, RD_FRAMES), 30),
}
QUANTIZERS = (80, 100, 120, 140, 160)
CRFS = (18, 22, 26, 30, 34)


def rd_point(frames: list[np.ndarray], path: Path) -> tuple[float, float]:
    """(bytes, mean PSNR in dB against `frames`) of the video at `path`."""
    decoded = decode(path)
    assert len(decoded) == len(frames), f"{path.name}: {len(decoded)} of {len(frames)} frames"
    return float(path.stat().st_size), float(np.mean([psnr(a, b) for a, b in zip(frames, decoded)]))


@pytest.mark.parametrize("clip", RD_CLIPS)
def test_bd_rate_against_x264(benchmark, tmp_path, clip):
    """Our quantizer sweep against x264 medium's CRF sweep, one encoder thread each."""
    make, fps = RD_CLIPS[clip]
    frames = make()
    benchmark.group = f"rate-distortion against libx264 medium, {len(frames)} frames, 1 thread"
    curves: dict[str, list[tuple[float, float]]] = {}

    def sweep() -> None:
        for static_skip in (True, False):
            curve = curves.setdefault(f"rlvideo static_skip={static_skip}", [])
            for quantizer in QUANTIZERS:
                path = tmp_path / f"rlvideo-q{quantizer}-skip{int(static_skip)}.mp4"
                options = {"quantizer": quantizer, "static_skip": static_skip}
                with VideoWriter(path, fps, threads=1, tiles=1, **options) as writer:
                    for frame in frames:
                        writer.write(frame)
                curve.append(rd_point(frames, path))
        for crf in CRFS:
            path = tmp_path / f"x264-crf{crf}.mp4"
            ffmpeg_encode(frames, path, fps, [*X264_MEDIUM, "-crf", str(crf), "-threads", "1"])
            curves.setdefault("x264", []).append(rd_point(frames, path))

    benchmark.pedantic(sweep, rounds=1, iterations=1)
    x264 = curves.pop("x264")
    benchmark.extra_info.update(clip=clip, frames=len(frames), x264_curve=x264)
    for name, curve in curves.items():
        key = "skip" if name.endswith("True") else "no_skip"
        benchmark.extra_info[f"rlvideo_{key}_curve"] = curve
        benchmark.extra_info[f"bd_rate_{key}_percent"] = round(bd_rate(x264, curve), 1)
