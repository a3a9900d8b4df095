"""The clips of the encoder CPU benchmark, written once per session as raw RGB files (frames
back to back, `width * height * 3` bytes each) that every encoder reads the same way, and the
PSNR of an encoded video against its clip.

Frames are made here or by the tests' helpers (`tests.helpers`, `tests.corpus`), with fixed
seeds: the same frames in every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from tests.corpus import env_renders, pan
from tests.helpers import changed_blocks, psnr, yuv_to_rgb


@dataclass(frozen=True)
class RawClip:
    name: str
    path: Path
    width: int
    height: int
    frames: int

    def array(self) -> np.ndarray:
        """The frames, (frames, height, width, 3) uint8, mapped from the file (read-only)."""
        shape = (self.frames, self.height, self.width, 3)
        return np.memmap(self.path, np.uint8, mode="r", shape=shape)


def write_raw(name: str, frames: list[np.ndarray], folder: Path) -> RawClip:
    """Writes `frames` (all the same size) to `folder/name.rgb`."""
    height, width = frames[0].shape[:2]
    path = folder / f"{name}.rgb"
    with path.open("wb") as file:
        for frame in frames:
            assert frame.shape == (height, width, 3) and frame.dtype == np.uint8
            file.write(np.ascontiguousarray(frame).data)
    return RawClip(name, path, width, height, len(frames))


def breakout_renders(count: int, seed: int) -> list[np.ndarray]:
    """`count` ALE Breakout-v5 renders (210x160 RGB): seeded random actions, reset when an
    episode ends."""
    return list(env_renders("ALE/Breakout-v5", count, seed))


def pong_renders(count: int, seed: int) -> list[np.ndarray]:
    """`count` ALE Pong-v5 renders (210x160 RGB): seeded random actions, reset when an episode
    ends."""
    return list(env_renders("ALE/Pong-v5", count, seed))


def all_changing(height: int, width: int, count: int) -> list[np.ndarray]:
    """A textured gradient panning 3 px right and 2 px down per frame: every 8x8 block of every
    frame differs from the previous frame, so a static-block skip never applies."""
    frames = pan(height, width, count)
    for previous, frame in zip(frames, frames[1:]):
        assert changed_blocks(previous, frame, 8).all()
    return frames


@dataclass(frozen=True)
class Quality:
    frames: int  # decoded frames
    mean_psnr: float  # mean of the frames' PSNRs against the clip, dB
    min_psnr: float  # the worst frame's, dB
    key_frames: int  # decoded frames that are key frames


def quality(video: Path, clip: RawClip, scale: int = 1) -> Quality:
    """Decodes `video` (PyAV) frame by frame and compares each frame with the clip's, enlarged
    `scale` times each way (nearest neighbour) for a video written with `scale`. Enlarging
    both sides repeats every error `scale²` times, so a 1x video's PSNR against the clip is
    also its PSNR against the enlarged clip when shown enlarged: the two compare directly."""
    source = clip.array()
    scores = []
    key_frames = 0
    with av.open(str(video)) as container:
        for decoded in container.decode(video=0):
            key_frames += decoded.key_frame
            assert len(scores) < clip.frames, f"{video} has more frames than {clip.name}"
            expected = source[len(scores)].repeat(scale, 0).repeat(scale, 1)
            scores.append(psnr(expected, yuv_to_rgb(decoded)))
    return Quality(len(scores), float(np.mean(scores)), float(np.min(scores)), key_frames)
