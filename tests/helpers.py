"""Decode our videos with PyAV (dav1d) and compare them with the frames that went in."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

# Inverse of the BT.601 limited-range conversion rlvideo signals. We invert it exactly
# instead of asking swscale for rgb24: swscale's default fast path adds a bias of about one
# level per channel, which would blur what these tests measure (our encoder).
_Y_SCALE = 255.0 / 219.0
_C_SCALE = 255.0 / 224.0


def yuv420_to_rgb(frame: av.VideoFrame) -> np.ndarray:
    """An exact BT.601 limited-range inverse with nearest-neighbour chroma upsampling."""
    assert frame.format.name == "yuv420p", frame.format.name
    h, w = frame.height, frame.width
    planes = [np.frombuffer(p, np.uint8).reshape(-1, p.line_size) for p in frame.planes]
    y = planes[0][:h, :w].astype(np.float64)
    cw, ch = (w + 1) // 2, (h + 1) // 2
    u = planes[1][:ch, :cw].astype(np.float64).repeat(2, 0).repeat(2, 1)[:h, :w]
    v = planes[2][:ch, :cw].astype(np.float64).repeat(2, 0).repeat(2, 1)[:h, :w]
    yn = (y - 16) * _Y_SCALE
    un = (u - 128) * _C_SCALE
    vn = (v - 128) * _C_SCALE
    rgb = np.stack([yn + 1.402 * vn, yn - 0.344136 * un - 0.714136 * vn, yn + 1.772 * un], -1)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def decode(path: str | Path) -> list[np.ndarray]:
    """Every frame of the first video stream as (H, W, 3) uint8 RGB."""
    with av.open(str(path)) as container:
        return [yuv420_to_rgb(f) for f in container.decode(video=0)]


def stream_info(path: str | Path) -> dict:
    """What a demuxer says about the video: codec, size, frame rate, duration, frames."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.demux(stream) if _.size)
        return {
            "codec_tag": stream.codec_tag,
            "decoder": stream.codec_context.name,
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "rate": stream.average_rate,
            "duration": float(stream.duration * stream.time_base),
            "frames": frames,
        }


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 images, in dB (inf when identical)."""
    assert a.shape == b.shape, (a.shape, b.shape)
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def min_psnr(expected: list[np.ndarray], decoded: list[np.ndarray]) -> float:
    """The worst frame's PSNR; the lists must have the same length."""
    assert len(expected) == len(decoded), (len(expected), len(decoded))
    return min(psnr(e, d) for e, d in zip(expected, decoded))


def gradient(height: int, width: int, t: int = 0) -> np.ndarray:
    """A smooth RGB image (about two levels per pixel at most) that drifts with t."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 40 + min(2.0, 170 / max(width - 1, 1)) * x + t
    g = 30 + min(2.0, 190 / max(height - 1, 1)) * y
    b = 128 + 90 * np.sin((x + y) / 40.0 + t / 5.0)
    return np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8)


def cartpole_renders(count: int, seed: int) -> list[np.ndarray]:
    """`count` real CartPole-v1 renders (400x600 RGB) from a seeded random policy."""
    import gymnasium as gym

    env = gym.make("CartPole-v1", render_mode="rgb_array")
    env.reset(seed=seed)
    env.action_space.seed(seed)
    frames = [env.render()]
    while len(frames) < count:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
        frames.append(env.render())
    env.close()
    return frames
