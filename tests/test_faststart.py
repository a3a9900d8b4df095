"""The faststart layout (`faststart=True`, the default): `ftyp`, `moov`, `mdat`, so that a player
reading the file over HTTP has the index within its first kilobytes; `faststart=False` keeps
the streamed layout (`moov` last). Checked from the file's bytes, by decoding, and on a disk
too small for the copy the layout needs at the end."""

from __future__ import annotations

import errno
import io
import json
import os
import struct
from pathlib import Path

import av
import gymnasium as gym
import numpy as np
import pytest

from rlvideo import RecordVideo, VideoWriter
from tests.fault_build import needs_fault_build, run_in_fault_build
from tests.helpers import decode, min_psnr, stream_info
from tests.mp4_fields import first_sample, obus
from tests.test_file_system_faults import PRIVATE_MOUNT, can_mount_privately, run_python


def top_level_boxes(path: Path) -> list[tuple[bytes, int, int]]:
    """The file's top-level boxes in order: (type, offset, size); they must tile the file."""
    data = path.read_bytes()
    found, at = [], 0
    while at < len(data):
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        if size == 1:
            (size,) = struct.unpack(">Q", data[at + 8 : at + 16])
        assert size >= 8 and at + size <= len(data), f"bad box {kind!r} at {at}"
        found.append((kind, at, size))
        at += size
    return found


def order(path: Path) -> list[bytes]:
    return [kind for kind, _, _ in top_level_boxes(path)]


def write(path: Path, frames: list[np.ndarray], **options) -> VideoWriter:
    with VideoWriter(path, 50, **options) as writer:
        for frame in frames:
            writer.write(frame)
    return writer


def test_the_index_comes_first_and_the_video_decodes(tmp_path, cartpole_frames):
    path = tmp_path / "cartpole.mp4"
    writer = write(path, cartpole_frames)
    assert order(path) == [b"ftyp", b"moov", b"mdat"]
    assert writer.bytes == path.stat().st_size
    assert stream_info(path)["frames"] == len(cartpole_frames)
    assert min_psnr(cartpole_frames, decode(path)) >= 44  # as test_cartpole_round_trip
    # The chunk offset points at the first temporal unit: a sequence header OBU, then a frame.
    kinds = [kind for kind, _ in obus(first_sample(path))]
    assert kinds[0] == 1 and 6 in kinds, kinds
    assert [p.name for p in tmp_path.iterdir()] == ["cartpole.mp4"]  # no temporary file left


def test_the_first_kilobytes_are_enough_to_start_playing(tmp_path, cartpole_frames):
    """What a browser fetches first: a demuxer given only the bytes before `mdat` (1.2 kB of
    a 12 kB file here; the index grows by about 4 bytes a frame) knows the stream, its frame
    count and duration; with the streamed layout the same number of bytes holds no index."""
    fast, streamed = tmp_path / "fast.mp4", tmp_path / "streamed.mp4"
    write(fast, cartpole_frames)
    write(streamed, cartpole_frames, faststart=False)
    _, mdat_at, _ = top_level_boxes(fast)[2]
    assert mdat_at < 4096, mdat_at
    with av.open(io.BytesIO(fast.read_bytes()[:mdat_at])) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "libdav1d"
        assert (stream.codec_context.width, stream.codec_context.height) == (600, 400)
        assert stream.frames == len(cartpole_frames)
        assert float(stream.duration * stream.time_base) == pytest.approx(len(cartpole_frames) / 50)
    with pytest.raises(av.error.InvalidDataError):
        av.open(io.BytesIO(streamed.read_bytes()[:mdat_at]))


def test_faststart_false_keeps_the_streamed_layout_and_the_same_frames(tmp_path):
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    frames = [np.roll(base, t, axis=1) for t in range(30)]
    fast, streamed = tmp_path / "fast.mp4", tmp_path / "streamed.mp4"
    write(fast, frames, threads=1)
    write(streamed, frames, threads=1, faststart=False)
    assert order(streamed) == [b"ftyp", b"mdat", b"moov"]
    assert order(fast) == [b"ftyp", b"moov", b"mdat"]
    assert fast.stat().st_size == streamed.stat().st_size  # the same boxes, moved
    a, b = decode(fast), decode(streamed)
    assert len(a) == len(b) == 30
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fast.mp4", "streamed.mp4"]


def test_record_video_passes_the_option_through(tmp_path):
    for faststart in (True, False):
        folder = tmp_path / str(faststart)
        env = gym.make("CartPole-v1", render_mode="rgb_array")
        env = RecordVideo(env, str(folder), faststart=faststart)
        env.reset(seed=0)
        for t in range(10):
            env.step(t % 2)
        env.close()
        (video,) = folder.iterdir()
        expected = [b"ftyp", b"moov", b"mdat"] if faststart else [b"ftyp", b"mdat", b"moov"]
        assert order(video) == expected, faststart


TWICE_THE_ROOM = """
import json, os, subprocess, sys
import numpy as np
from rlvideo import VideoWriter
folder = sys.argv[1]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", folder], check=True)
rng = np.random.default_rng(0)
frames = [rng.integers(0, 256, (240, 320, 3), dtype=np.uint8) for _ in range(16)]
out = {}
def record(name, **options):
    writer = VideoWriter(os.path.join(folder, name), 30, **options)
    for frame in frames:  # noise: ~38 kB per frame, 0.6 MB in all; the disk holds 1 MiB
        writer.write(frame)
    writer.close()
try:
    record("copied.mp4")
except OSError as error:
    out["error"] = [type(error).__name__, error.errno, error.filename]
out["files_after_failure"] = sorted(os.listdir(folder))
record("streamed.mp4", faststart=False)
out["files"] = sorted(os.listdir(folder))
out["bytes"] = os.path.getsize(os.path.join(folder, "streamed.mp4"))
print(json.dumps(out))
"""


@pytest.mark.skipif(
    not os.environ.get("RLVIDEO_REQUIRE_PRIVATE_MOUNT") and not can_mount_privately(),
    reason="needs `unshare --user --map-root-user --mount` to mount a small tmpfs",
)
def test_no_room_for_the_copy_raises_enospc_and_leaves_no_temporary_file(tmp_path):
    """The faststart copy needs the video's size free a second time, at close(): a video that
    streamed onto the disk but cannot be copied raises ENOSPC naming it, and both temporary
    files are gone; with faststart=False the same video fits."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    out = run_python(TWICE_THE_ROOM, str(mount_point), prefix=PRIVATE_MOUNT)
    assert out["error"] == ["OSError", errno.ENOSPC, str(mount_point / "copied.mp4")], out
    assert out["files_after_failure"] == [], out
    assert out["files"] == ["streamed.mp4"], out
    assert 512 * 1024 < out["bytes"] < 1024 * 1024, out  # more than half the disk: no room twice


@needs_fault_build
def test_a_failure_after_the_copy_leaves_neither_file(tmp_path):
    """The fault-injection build fails finishing once the copy is complete, before the
    rename: EncoderError from close(), no file under the final name and neither temporary."""
    run = run_in_fault_build(
        """
        import json, os, sys
        import numpy as np
        from rlvideo import EncoderError, VideoWriter
        folder = sys.argv[1]
        writer = VideoWriter(os.path.join(folder, "rlvideo-fail-faststart.mp4"), 30)
        for t in range(10):
            writer.write(np.full((48, 64, 3), 8 * t, np.uint8))
        try:
            writer.close()
            error = None
        except EncoderError as caught:
            error = str(caught)
        print(json.dumps({"error": error, "files": sorted(os.listdir(folder))}))
        """,
        str(tmp_path),
    )
    out = json.loads(run.stdout.splitlines()[-1])
    assert out["error"] is not None and "after the faststart copy" in out["error"], out
    assert out["files"] == [], out
