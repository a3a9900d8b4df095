"""Frames per second through the whole pipeline (frames in -> finished MP4) on 300 CartPole
renders: rlvideo's defaults (speed 10, quantizer 120, 2 threads, 2 tiles) and rlvideo with
rav1e's plain speed preset (``rl_tuning=False``), beside ffmpeg's librav1e at the same speed,
quantizer, tiles and threads; and ffmpeg libx264 -preset medium (what Gymnasium's moviepy
path uses) as a reference line. Also ffmpeg's librav1e at speed 8, rav1e's preset whose
output matches rlvideo's default in size and PSNR.

`test_throughput_moving` (issue 22): the same for rlvideo's defaults and libx264 medium on the
moving cameras of the CPU suite, 300 frames each (CarRacing-v3 600x400, HalfCheetah-v5 480x480:
`tests/corpus.py`). Target: rlvideo's frames per second at least libx264 medium's.

Quick mode (benchmarks/mode.py): 10 frames, one round.

    .venv/bin/python -m pytest benchmarks/test_encoder_throughput.py --benchmark-only
"""

from __future__ import annotations

import pytest

from benchmarks.mode import pick, seconds
from benchmarks.peers import X264_MEDIUM, ffmpeg_encode, librav1e_args
from rlvideo import VideoWriter
from tests.corpus import car_racing, half_cheetah
from tests.helpers import stream_info

SETTINGS = {"speed": 10, "quantizer": 120, "threads": 2, "tiles": 2}
FPS = 50
ROUNDS = pick(3, 1)


def rlvideo_encode(frames, path, **options) -> None:
    with VideoWriter(path, FPS, **SETTINGS, **options) as writer:
        for frame in frames:
            writer.write(frame)


PEERS = {
    "rlvideo": rlvideo_encode,
    "rlvideo-rav1e-preset": lambda frames, path: rlvideo_encode(frames, path, rl_tuning=False),
    "ffmpeg-librav1e": lambda frames, path: ffmpeg_encode(
        frames, path, FPS, librav1e_args(**SETTINGS)
    ),
    # rav1e's own preset that writes what rlvideo's default writes (size and PSNR within
    # 3% and 0.1 dB on these frames): the equal-output comparison.
    "ffmpeg-librav1e-speed8": lambda frames, path: ffmpeg_encode(
        frames, path, FPS, librav1e_args(**{**SETTINGS, "speed": 8})
    ),
    "ffmpeg-libx264-medium": lambda frames, path: ffmpeg_encode(frames, path, FPS, X264_MEDIUM),
}


@pytest.mark.parametrize("peer", list(PEERS))
def test_throughput_cartpole_600x400(benchmark, tmp_path, cartpole_600x400, peer):
    frames = len(cartpole_600x400)
    benchmark.group = f"encoder throughput, {frames} CartPole frames 600x400"
    path = tmp_path / f"{peer}.mp4"
    benchmark.pedantic(PEERS[peer], args=(cartpole_600x400, path), rounds=ROUNDS, iterations=1)
    benchmark.extra_info["frames_per_second"] = round(frames / seconds(benchmark, "mean"), 1)
    benchmark.extra_info["file_bytes"] = path.stat().st_size
    assert stream_info(path)["frames"] == frames


MOVING_FRAMES = pick(300, 10)
#: The moving cameras of the CPU suite (the same frames: tests.corpus caches them).
MOVING_CLIPS = {
    "CarRacing 600x400": lambda: car_racing(MOVING_FRAMES),
    "HalfCheetah 480x480": lambda: half_cheetah(MOVING_FRAMES),
}
MOVING_PEERS = ("rlvideo", "ffmpeg-libx264-medium")


@pytest.mark.parametrize("clip", list(MOVING_CLIPS))
@pytest.mark.parametrize("peer", MOVING_PEERS)
def test_throughput_moving(benchmark, tmp_path, clip, peer):
    frames = MOVING_CLIPS[clip]()
    benchmark.group = f"encoder throughput, {len(frames)} {clip} frames"
    path = tmp_path / f"{peer}.mp4"
    benchmark.pedantic(PEERS[peer], args=(frames, path), rounds=ROUNDS, iterations=1)
    benchmark.extra_info["frames_per_second"] = round(len(frames) / seconds(benchmark, "mean"), 1)
    benchmark.extra_info["file_bytes"] = path.stat().st_size
    assert stream_info(path)["frames"] == len(frames)
