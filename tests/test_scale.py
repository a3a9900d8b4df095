"""`scale`: whole-number nearest-neighbour enlargement in the Rust conversion stage.

Small renders (Atari's 160x210) lose their colour in 4:2:0, where one colour sample covers
2x2 pixels, and show tiny in a browser. At ``scale=2`` each source pixel becomes a 2x2 block
and owns its colour sample, in the Main profile that plays everywhere. These tests decode what
we write (PyAV/dav1d) and compare it with the source enlarged the same way (``np.repeat``).
"""

from __future__ import annotations

from pathlib import Path

import av
import gymnasium as gym
import numpy as np
import pytest

import rlvideo.vector
from rlvideo import RecordVideo, VideoWriter, check_options
from tests.helpers import decode, env_renders, psnr
from tests.test_chroma import saturated_clip, worst_channel_psnr


def enlarged(frame: np.ndarray, scale: int) -> np.ndarray:
    return frame.repeat(scale, 0).repeat(scale, 1)


def encode(frames: list[np.ndarray], path: Path, **options) -> Path:
    with VideoWriter(path, 30, **options) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def pixel_format_and_size(path: Path) -> tuple[str, int, int]:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.format.name, frame.width, frame.height


def test_scale_2_keeps_breakouts_colours_in_420(tmp_path):
    frames = list(env_renders("ALE/Breakout-v5", 60, 6))
    assert frames[0].shape == (210, 160, 3)
    big = [enlarged(f, 2) for f in frames]
    scaled = decode(encode(frames, tmp_path / "x2.mp4", scale=2))
    assert len(scaled) == len(frames)
    assert pixel_format_and_size(tmp_path / "x2.mp4") == ("yuv420p", 320, 420)
    # The 1x videos are enlarged the same way to be compared (that leaves their MSE as it is).
    plain = [enlarged(f, 2) for f in decode(encode(frames, tmp_path / "x1.mp4"))]
    full = [enlarged(f, 2) for f in decode(encode(frames, tmp_path / "444.mp4", chroma="444"))]
    # Measured: worst channel 28.0 dB at 1x, 46.6 at 2x, 42.4 in 4:4:4; mean PSNR 30.9, 49.0
    # and 44.2 dB.
    worst = {"1x": worst_channel_psnr(big, plain), "2x": worst_channel_psnr(big, scaled)}
    assert min(worst["2x"]) >= min(worst["1x"]) + 15, worst
    assert all(a >= b + 5 for a, b in zip(worst["2x"], worst["1x"])), worst
    mean = {
        name: np.mean([psnr(e, d) for e, d in zip(big, decoded)])
        for name, decoded in (("2x", scaled), ("444", full))
    }
    assert mean["2x"] >= 46 and mean["2x"] >= mean["444"] + 2, mean


#: The worst channel's PSNR (dB) each way must reach on the 97x61 clip; measured 2 dB above
#: (1x 4:2:0: 23.1). At 3x, 4:2:0's colour samples straddle source pixels again.
ODD_SIZE_WORST = {("420", 2): 42, ("420", 3): 25.5, ("444", 2): 43, ("444", 3): 42}


@pytest.mark.parametrize("scale", [2, 3])
@pytest.mark.parametrize("chroma", ["420", "444"])
def test_odd_sized_frames_are_enlarged_whole(tmp_path, scale, chroma):
    frames = saturated_clip(12)  # 97x61
    path = encode(frames, tmp_path / "v.mp4", scale=scale, chroma=chroma)
    decoded = decode(path)
    assert len(decoded) == len(frames)
    assert pixel_format_and_size(path) == (f"yuv{chroma}p", 97 * scale, 61 * scale)
    expected = [enlarged(f, scale) for f in frames]
    assert min(worst_channel_psnr(expected, decoded)) >= ODD_SIZE_WORST[chroma, scale]


def test_gray_and_rgba_frames_are_enlarged(tmp_path):
    rng = np.random.default_rng(0)
    gray = [np.kron(rng.integers(0, 256, (15, 21), dtype=np.uint8), np.ones((4, 4), np.uint8))]
    gray = [g for g in gray for _ in range(5)]  # 60x84 blocks, 5 frames
    decoded = decode(encode(gray, tmp_path / "gray.mp4", scale=2))
    assert decoded[0].shape == (120, 168, 3)
    for source, got in zip(gray, decoded):
        expected = np.repeat(enlarged(source, 2)[..., None], 3, axis=2)
        assert psnr(expected, got) >= 38
    rgb = saturated_clip(5)
    rgba = [np.dstack([f, np.full(f.shape[:2], 7, np.uint8)]) for f in rgb]
    from_rgba = decode(encode(rgba, tmp_path / "rgba.mp4", scale=2))
    from_rgb = decode(encode(rgb, tmp_path / "rgb.mp4", scale=2))
    assert all(np.array_equal(a, b) for a, b in zip(from_rgba, from_rgb)), "alpha is ignored"


@pytest.mark.parametrize(
    "size, expected",
    [((210, 160), (420, 320)), ((64, 64), (256, 256)), ((84, 84), (336, 336)),
     ((400, 600), (400, 600)), ((239, 1000), (478, 2000)), ((7, 3), (56, 24))],
)  # fmt: skip
def test_scale_0_doubles_until_the_shorter_side_has_240_pixels(tmp_path, size, expected):
    frame = np.full((*size, 3), 90, np.uint8)
    with VideoWriter(tmp_path / "auto.mp4", 30, scale=0) as writer:
        writer.write(frame)
        assert writer.frame_size == (size[1], size[0]), "the frames' own size"
    assert pixel_format_and_size(tmp_path / "auto.mp4")[1:] == (expected[1], expected[0])


def test_scale_0_stays_within_av1s_limits(tmp_path):
    # The shorter side (20) asks for 12x, capped at 8x; 8x and 6x of 4000 are beyond AV1's
    # 16384-pixel width: 4x is the largest even factor that fits.
    frame = np.zeros((20, 4000), np.uint8)
    encode([frame], tmp_path / "wide.mp4", scale=0)
    assert pixel_format_and_size(tmp_path / "wide.mp4")[1:] == (16000, 80)


@pytest.mark.parametrize("scale", [-1, 9, 2**70])
def test_scale_out_of_range_raises_value_error_naming_it(tmp_path, scale):
    shown = "an integer beyond 64 bits" if scale == 2**70 else str(scale)
    message = f"invalid option: scale must be between 0 and 8, got {shown}"
    with pytest.raises(ValueError, match=message):
        VideoWriter(tmp_path / "x.mp4", scale=scale)
    with pytest.raises(ValueError, match=message):
        check_options(30, scale=scale)
    with pytest.raises(ValueError, match=message):
        RecordVideo(
            gym.make("CartPole-v1", render_mode="rgb_array"), str(tmp_path / "v"), scale=scale
        )


@pytest.mark.parametrize("scale", ["2", 2.0])
def test_scale_of_the_wrong_type_raises_type_error(tmp_path, scale):
    got = type(scale).__name__
    with pytest.raises(TypeError, match=f"scale must be an integer, got {got}"):
        VideoWriter(tmp_path / "x.mp4", scale=scale)


def test_a_frame_scale_makes_too_large_is_refused_at_write(tmp_path):
    writer = VideoWriter(tmp_path / "big.mp4", scale=4)
    with pytest.raises(
        ValueError,
        match=r"scale=4 makes 5000x100 frames 20000x400: frame size must be at most 16384x8704",
    ):
        writer.write(np.zeros((100, 5000, 3), np.uint8))
    assert not writer.closed, "a refused frame leaves the writer open"
    writer.write(np.zeros((100, 4000, 3), np.uint8))  # 16000x400 fits
    writer.close()
    assert pixel_format_and_size(tmp_path / "big.mp4")[1:] == (16000, 400)


def test_record_video_passes_scale_to_the_writer(tmp_path):
    folder = tmp_path / "videos"
    env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), str(folder), scale=2)
    env.reset(seed=0)
    for _ in range(4):
        env.step(0)
    env.close()
    (path,) = folder.iterdir()
    assert pixel_format_and_size(path) == ("yuv420p", 1200, 800)
    assert len(decode(path)) == 5


def test_vector_record_video_enlarges_the_tiled_grid(tmp_path):
    folder = tmp_path / "videos"
    envs = gym.make_vec("CartPole-v1", 2, "sync", render_mode="rgb_array")
    env = rlvideo.vector.RecordVideo(envs, str(folder), scale=2, quantizer=200)
    env.reset(seed=0)
    for _ in range(3):
        env.step(np.array([0, 1]))
    env.close()
    (path,) = folder.iterdir()
    # Two 600x400 renders side by side, each pixel doubled.
    assert pixel_format_and_size(path) == ("yuv420p", 2400, 800)
