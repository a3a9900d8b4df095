"""`chroma="444"`: full-resolution colour (AV1 High profile) beside the 4:2:0 default.

4:2:0 stores one colour sample per 2x2 pixels, which blurs what small, saturated RL renders are
made of: Atari's coloured bricks and one-pixel lines, an 8-pixel red bar. These tests decode
what we write and measure each colour channel against the frames that went in; the static-skip
corpus (`tests/corpus.py`) runs 4:4:4 clips through both decoders as well.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from rlvideo import VideoWriter
from tests.helpers import decode, env_renders, play_in_chromium, psnr
from tests.mp4_fields import file_boxes


def saturated_clip(count: int = 30) -> list[np.ndarray]:
    """97x61 frames: a moving 8-px red bar, a fixed blue stripe and a small green sprite on a
    dark background (odd sizes, as in issue reports of small custom envs)."""
    frames = []
    for t in range(count):
        frame = np.full((61, 97, 3), (20, 20, 40), np.uint8)
        x = (t * 3) % 89  # odd columns too: a 2x2 chroma sample then straddles an edge
        frame[:, x : x + 8] = (255, 0, 0)
        frame[20:28, :] = (0, 0, 255)
        sx = (t * 5) % 90
        frame[40:42, sx : sx + 6] = (0, 255, 0)
        frames.append(frame)
    return frames


CLIPS = {
    "breakout": lambda: list(env_renders("ALE/Breakout-v5", 60, 6)),
    "saturated_97x61": saturated_clip,
}


def encode(frames: list[np.ndarray], path: Path, chroma: str) -> Path:
    with VideoWriter(path, 30, chroma=chroma) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def worst_channel_psnr(expected: list[np.ndarray], decoded: list[np.ndarray]) -> list[float]:
    """For R, G and B: the worst frame's PSNR of that channel alone."""
    assert len(expected) == len(decoded)
    return [min(psnr(e[..., c], d[..., c]) for e, d in zip(expected, decoded)) for c in range(3)]


@pytest.mark.parametrize("clip", CLIPS)
def test_444_keeps_the_colour_detail_that_420_loses(tmp_path, clip):
    frames = CLIPS[clip]()
    worst = {
        chroma: worst_channel_psnr(
            frames, decode(encode(frames, tmp_path / f"{chroma}.mp4", chroma))
        )
        for chroma in ("420", "444")
    }
    # Measured (60 Breakout frames / 30 synthetic ones): 4:2:0 worst channel 28.0 / 23.1 dB,
    # 4:4:4 42.4 / 34.3 dB. Each channel gains, and the worst one by a lot.
    assert min(worst["444"]) >= 32, worst
    assert min(worst["444"]) >= min(worst["420"]) + 8, worst
    assert all(a >= b + 1 for a, b in zip(worst["444"], worst["420"])), worst


def av1c_fields(path: Path) -> dict[str, int]:
    """`seq_profile` and the chroma subsampling flags of the file's `av1C` box (AV1-ISOBMFF
    2.3.3: marker/version, then profile|level, then tier|high_bitdepth|twelve_bit|monochrome|
    subsampling_x|subsampling_y|sample_position)."""
    av1c = file_boxes(path)[b"av1C"]
    assert av1c[0] == 0x81, "marker 1, version 1"
    flags = av1c[2]
    return {
        "seq_profile": av1c[1] >> 5,
        "monochrome": flags >> 4 & 1,
        "subsampling_x": flags >> 3 & 1,
        "subsampling_y": flags >> 2 & 1,
    }


@pytest.mark.parametrize(
    "chroma, profile, pix_fmt, subsampled",
    [("420", "Main", "yuv420p", 1), ("444", "High", "yuv444p", 0)],
)
def test_chroma_is_signalled_in_the_stream_and_the_container(
    tmp_path, chroma, profile, pix_fmt, subsampled
):
    path = encode(saturated_clip(5), tmp_path / "v.mp4", chroma)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(video=0))
        assert (stream.codec_context.profile, frame.format.name) == (profile, pix_fmt)
    assert av1c_fields(path) == {
        "seq_profile": 0 if chroma == "420" else 1,
        "monochrome": 0,
        "subsampling_x": subsampled,
        "subsampling_y": subsampled,
    }


@pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("RLVIDEO_REQUIRE_CHROMIUM"),
    reason="needs chromium on PATH (Debian: apt-get install chromium; scripts/test.sh does)",
)
def test_444_plays_in_headless_chromium(tmp_path):
    frames = list(env_renders("ALE/Breakout-v5", 60, 6))
    state = play_in_chromium(encode(frames, tmp_path / "breakout444.mp4", "444"))
    pixels = state.pop("pixels")
    assert state["event"] == "ended" and state["error"] is None, state
    assert (state["width"], state["height"]) == (160, 210), state
    assert state["decodedFrames"] == len(frames), state
    # Chromium converts to RGB its own way; what it shows must be the last frame, in colour.
    assert psnr(pixels[..., :3], frames[-1]) >= 35


def test_record_video_passes_chroma_to_the_writer(tmp_path):
    import gymnasium as gym

    from rlvideo import RecordVideo

    folder = tmp_path / "videos"
    env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), str(folder), chroma="444")
    env.reset(seed=0)
    for _ in range(5):
        env.step(0)
    env.close()
    (path,) = folder.iterdir()
    with av.open(str(path)) as container:
        assert next(container.decode(video=0)).format.name == "yuv444p"
