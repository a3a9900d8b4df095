"""The peers we compare with, driven the way their users drive them."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def ffmpeg_exe() -> str:
    """The ffmpeg binary shipped in the imageio-ffmpeg wheel (it has librav1e, libx264 and
    libsvtav1)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_command(
    source: str, width: int, height: int, fps: float, path: Path, codec_args: list[str]
) -> list[str]:
    """ffmpeg reading raw RGB frames from `source` (a file, or "-" for stdin), converting them
    to BT.601 limited 4:2:0 and encoding them to the MP4 `path`."""
    return [
        ffmpeg_exe(), "-y", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps),
        "-i", source,
        "-vf", "scale=out_color_matrix=bt601:out_range=tv", "-pix_fmt", "yuv420p",
        *codec_args, str(path),
    ]  # fmt: skip


def ffmpeg_encode(frames: list[np.ndarray], path: Path, fps: float, codec_args: list[str]) -> None:
    """Pipe raw RGB frames into ffmpeg, convert to BT.601 limited 4:2:0 and encode to MP4."""
    height, width = frames[0].shape[:2]
    cmd = ffmpeg_command("-", width, height, fps, path, codec_args)
    with subprocess.Popen(cmd, stdin=subprocess.PIPE) as proc:
        assert proc.stdin is not None
        for frame in frames:
            proc.stdin.write(np.ascontiguousarray(frame).data)
        proc.stdin.close()
        if proc.wait() != 0:
            raise RuntimeError(f"ffmpeg failed: {' '.join(cmd)}")


@dataclass(frozen=True)
class Usage:
    """What one child process cost, from the kernel's accounting of it (os.wait4)."""

    user: float  # CPU seconds in user mode, all of the process's threads
    system: float  # CPU seconds in the kernel
    wall: float  # seconds from start to exit

    @property
    def cpu(self) -> float:
        return self.user + self.system


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> Usage:
    """Runs `cmd` to completion and returns its own CPU time and wall time (`env` is added to
    this process's environment); raises with the end of its stderr if it fails. Its stdout and
    stderr go to a temporary file, not a pipe, so that nothing waits on this process."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=log, env={**os.environ, **env} if env else None
        )
        _, status, rusage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if proc.returncode != 0:
            log.seek(0)
            tail = log.read()[-2000:].decode(errors="replace")
            raise RuntimeError(f"exit code {proc.returncode}: {' '.join(cmd)}\n{tail}")
    return Usage(user=rusage.ru_utime, system=rusage.ru_stime, wall=wall)


def librav1e_args(speed: int, quantizer: int, threads: int, tiles: int) -> list[str]:
    """ffmpeg arguments for rav1e with the same settings rlvideo passes to it."""
    params = f"low_latency=true:keyint=240:threads={threads}"
    return [
        "-c:v", "librav1e", "-speed", str(speed), "-qp", str(quantizer),
        "-tiles", str(tiles), "-rav1e-params", params,
    ]  # fmt: skip


X264_MEDIUM = ["-c:v", "libx264", "-preset", "medium"]
"""What Gymnasium's moviepy path runs (libx264, preset medium, default CRF 23)."""

X264_MEDIUM_ONE_THREAD = [*X264_MEDIUM, "-crf", "23", "-threads", "1"]
"""The same on one encoder thread (x264 otherwise runs 1.5 threads per core, plus lookahead)."""

SVTAV1_PRESET12_ONE_THREAD = ["-c:v", "libsvtav1", "-preset", "12", "-svtav1-params", "lp=1"]
"""SVT-AV1's fastest preset (default CRF 35) at level of parallelism 1. ffmpeg's -threads does
not reach SVT-AV1 (it still reports "Level of Parallelism: 2" on 2 cores); lp=1 does, and the
process then uses about as much CPU time as wall time. SVT-AV1 4.x runs preset 12 as 11."""

SVTAV1_QUIET = {"SVT_LOG": "1"}
"""Environment for SVT-AV1: errors only (it prints its banner and config to stderr whatever
ffmpeg's -loglevel)."""
