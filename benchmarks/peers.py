"""The peers we compare with, driven the way their users drive them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np


def ffmpeg_exe() -> str:
    """The ffmpeg binary shipped in the imageio-ffmpeg wheel (it has librav1e and libx264)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_encode(frames: list[np.ndarray], path: Path, fps: float, codec_args: list[str]) -> None:
    """Pipe raw RGB frames into ffmpeg, convert to BT.601 limited 4:2:0 and encode to MP4."""
    height, width = frames[0].shape[:2]
    cmd = [
        ffmpeg_exe(), "-y", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps),
        "-i", "-",
        "-vf", "scale=out_color_matrix=bt601:out_range=tv", "-pix_fmt", "yuv420p",
        *codec_args, str(path),
    ]  # fmt: skip
    with subprocess.Popen(cmd, stdin=subprocess.PIPE) as proc:
        assert proc.stdin is not None
        for frame in frames:
            proc.stdin.write(np.ascontiguousarray(frame).data)
        proc.stdin.close()
        if proc.wait() != 0:
            raise RuntimeError(f"ffmpeg failed: {' '.join(cmd)}")


def librav1e_args(speed: int, quantizer: int, threads: int, tiles: int) -> list[str]:
    """ffmpeg arguments for rav1e with the same settings rlvideo passes to it."""
    params = f"low_latency=true:keyint=240:threads={threads}"
    return [
        "-c:v", "librav1e", "-speed", str(speed), "-qp", str(quantizer),
        "-tiles", str(tiles), "-rav1e-params", params,
    ]  # fmt: skip


X264_MEDIUM = ["-c:v", "libx264", "-preset", "medium"]
"""What Gymnasium's moviepy path runs (libx264, preset medium, default CRF 23)."""
