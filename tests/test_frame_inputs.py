"""Frames as people have them (issue 24 part 6): DLPack exporters (torch/JAX CPU tensors),
buffers, channels-first, float in [0, 1] and bool frames, through ``rlvideo.as_frame`` and
the wrappers. Each kind is written, decoded and compared with the uint8 frames it means;
"without a copy" is checked with ``np.shares_memory`` and by writing into the source."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from rlvideo import RecordVideo, VideoWriter, as_frame
from tests.helpers import decode, gradient, min_psnr, stream_info

FRAMES = [gradient(48, 64, t) for t in range(6)]


class DLPackOnly:
    """Exposes only DLPack, as a torch CPU tensor does to numpy (no ``__array__``, so
    ``np.asarray`` cannot take another path)."""

    def __init__(self, array: np.ndarray, device: tuple[int, int] = (1, 0)) -> None:
        self._array = array
        self._device = device

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._device


def write_and_decode(path, frames) -> list[np.ndarray]:
    with VideoWriter(path, 30, quantizer=80) as writer:
        for frame in frames:
            writer.write(as_frame(frame))
    assert writer.frames == stream_info(path)["frames"] == len(frames)
    return decode(path)


def test_a_uint8_array_comes_back_as_itself():
    frame = FRAMES[0]
    assert as_frame(frame) is frame


def test_dlpack_frames_share_the_source_memory_and_round_trip(tmp_path):
    for frame in FRAMES:
        assert np.shares_memory(as_frame(DLPackOnly(frame)), frame)
    source = FRAMES[0].copy()
    converted = as_frame(DLPackOnly(source))
    source[0, 0] = (1, 2, 3)  # a write to the tensor shows through: nothing was copied
    assert converted[0, 0].tolist() == [1, 2, 3]
    decoded = write_and_decode(tmp_path / "dlpack.mp4", [DLPackOnly(f) for f in FRAMES])
    assert min_psnr(FRAMES, decoded) >= 40


def test_memoryview_frames_share_the_source_memory_and_round_trip(tmp_path):
    buffers = [bytearray(f.tobytes()) for f in FRAMES]
    views = [memoryview(b).cast("B", list(FRAMES[0].shape)) for b in buffers]
    assert all(
        np.shares_memory(as_frame(v), np.frombuffer(b, np.uint8)) for v, b in zip(views, buffers)
    )
    decoded = write_and_decode(tmp_path / "buffer.mp4", views)
    assert min_psnr(FRAMES, decoded) >= 40


def test_channels_first_frames_are_a_view_and_round_trip(tmp_path):
    chw = [np.ascontiguousarray(f.transpose(2, 0, 1)) for f in FRAMES]
    assert all(np.shares_memory(as_frame(c, channels_first=True), c) for c in chw)
    path = tmp_path / "chw.mp4"
    with VideoWriter(path, 30, quantizer=80) as writer:
        for c in chw:  # a (C, H, W) torch tensor, as torchvision and TorchRL hold them
            writer.write(as_frame(DLPackOnly(c), channels_first=True))
    assert min_psnr(FRAMES, decode(path)) >= 40


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_frames_in_0_1_map_to_round_255x(tmp_path, dtype):
    floats = [(f / 255).astype(dtype) for f in FRAMES]
    expected = [np.rint(f.astype(np.float64) * 255).astype(np.uint8) for f in floats]
    assert all(np.array_equal(as_frame(f), e) for f, e in zip(floats, expected))
    if dtype != np.float16:  # float16 keeps 11 bits: 8-bit levels survive the round trip
        assert all(np.array_equal(as_frame(f), g) for f, g in zip(floats, FRAMES))
    assert min_psnr(expected, write_and_decode(tmp_path / "float.mp4", floats)) >= 40


@pytest.mark.parametrize("shape", [(48, 64), (48, 64, 1)])
def test_a_float_depth_map_is_recorded_as_gray(tmp_path, shape):
    y, x = np.mgrid[0:48, 0:64]
    depth = ((x + y) / (47 + 63)).astype(np.float32)  # 0 near, 1 far
    frames = [np.roll(depth, t, axis=1).reshape(shape) for t in range(4)]
    decoded = write_and_decode(tmp_path / "depth.mp4", frames)
    gray = [np.repeat(np.rint(f.reshape(48, 64, 1) * 255).astype(np.uint8), 3, 2) for f in frames]
    assert min_psnr(gray, decoded) >= 40


def test_bool_frames_are_0_and_255(tmp_path):
    masks = [np.arange(64)[None, :] % 16 < 8 + t for t in range(4)]
    masks = [np.broadcast_to(m, (48, 64)) for m in masks]
    assert as_frame(masks[0]).tolist()[0][:9] == [255] * 8 + [0]
    expected = [np.repeat((m * 255).astype(np.uint8)[:, :, None], 3, 2) for m in masks]
    assert min_psnr(expected, write_and_decode(tmp_path / "mask.mp4", masks)) >= 35


@pytest.mark.parametrize(
    ("frame", "error", "words"),
    [
        (np.full((8, 8, 3), 255.0, np.float32), ValueError, "got values from 255 to 255 (a 0-255"),
        (np.full((8, 8), -0.5), ValueError, "[0, 1]; got values from -0.5 to -0.5"),
        (np.full((8, 8), np.inf, np.float32), ValueError, "got values from inf to inf"),
        (np.array([[np.nan, 0.5]]), ValueError, "got 1 NaN of 2 values"),
        (np.zeros((8, 8), np.uint16), TypeError, "got dtype uint16. Scale it yourself"),
        (np.zeros((8, 8, 3), np.int64), TypeError, "got dtype int64"),
        (np.zeros((8, 8, 3), np.complex64), TypeError, "got dtype complex64"),
        ([[0, 0, 0]], TypeError, "got list"),
        (b"\x00" * 12, TypeError, "got bytes"),
        ("frame.png", TypeError, "got str"),
        (None, TypeError, "got NoneType"),
        (DLPackOnly(FRAMES[0], (2, 1)), TypeError, "on device cuda:1; rlvideo reads frames "),
        (DLPackOnly(FRAMES[0], (8, 0)), TypeError, "call .cpu() (torch)"),
    ],
    ids=lambda v: None if isinstance(v, (str, type)) else type(v).__name__,
)
def test_bad_frames_are_refused_naming_what_came(frame, error, words):
    with pytest.raises(error) as info:
        as_frame(frame)
    assert words in str(info.value), str(info.value)


def test_a_dlpack_export_failure_is_a_type_error():
    class Refuses(DLPackOnly):
        def __dlpack__(self, **kwargs):
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")

    with pytest.raises(TypeError, match=r"could not be read through DLPack: .*detach"):
        as_frame(Refuses(FRAMES[0]))


def test_record_video_takes_tensor_and_float_renders(tmp_path):
    """An env whose render() returns a DLPack tensor, then float frames in [0, 1]: both are
    recorded, not refused as non-arrays."""

    class TensorRender(gym.Wrapper):
        calls = 0

        def render(self):
            self.calls += 1
            frame = self.env.render()
            return DLPackOnly(frame) if self.calls % 2 else frame / np.float32(255)

    inner = TensorRender(gym.make("CartPole-v1", render_mode="rgb_array"))
    env = RecordVideo(inner, str(tmp_path / "v"))
    renders = []
    original = inner.env.render  # the uint8 renders behind the tensors and floats
    inner.env.render = lambda: renders.append(original()) or renders[-1]
    env.reset(seed=0)
    for _ in range(7):
        env.step(0)
    env.close()
    decoded = decode(tmp_path / "v" / "rl-video-episode-0.mp4")
    assert len(decoded) == len(renders) == 8
    assert min_psnr(renders, decoded) >= 40


def test_vector_record_video_tiles_tensor_renders(tmp_path):
    from rlvideo.vector import RecordVideo as VectorRecordVideo

    class TensorRender(gym.Wrapper):
        def render(self):
            return DLPackOnly(self.env.render())

    def make(wrappers):
        return gym.make_vec(
            "CartPole-v1", 2, vectorization_mode="sync", render_mode="rgb_array", wrappers=wrappers
        )

    for name, wrappers in (("tensors", [TensorRender]), ("arrays", [])):
        env = VectorRecordVideo(
            make(wrappers), str(tmp_path / name), episode_trigger=lambda e: e == 0
        )
        env.reset(seed=0)
        for _ in range(4):
            env.step(np.zeros(2, np.int64))
        env.close()
    tensors = decode(tmp_path / "tensors" / "rl-video-episode-0.mp4")
    arrays = decode(tmp_path / "arrays" / "rl-video-episode-0.mp4")
    assert len(tensors) == len(arrays) == 5
    assert all(np.array_equal(t, a) for t, a in zip(tensors, arrays))
