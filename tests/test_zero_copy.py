"""write(frame, copy=False): the writer keeps the array instead of copying it, reads it on
the encoder thread, then lets it go. RecordVideo hands its renders over this way."""

from __future__ import annotations

import gc
import sys

import numpy as np
import pytest

from rlvideo import VideoWriter
from tests.helpers import decode, gradient, min_psnr, stream_info


def test_kept_frames_round_trip_including_strided_views(tmp_path):
    frames = [gradient(120, 160, t) for t in range(12)]
    views = [frames[0], frames[1][::-1], np.asfortranarray(frames[2])]
    views += [np.dstack([f, np.full(f.shape[:2], 255, np.uint8)])[:, :, :3] for f in frames[3:6]]
    views += frames[6:]
    path = tmp_path / "kept.mp4"
    with VideoWriter(path, 30, quantizer=100) as writer:
        for view in views:
            writer.write(view, copy=False)
    assert writer.frames == stream_info(path)["frames"] == 12
    assert min_psnr([np.ascontiguousarray(v) for v in views], decode(path)) >= 40


def test_the_writer_keeps_a_frame_nobody_else_references(tmp_path):
    path = tmp_path / "temporaries.mp4"
    with VideoWriter(path, 30, quantizer=100) as writer:
        for t in range(10):
            writer.write(gradient(96, 128, t), copy=False)  # no other reference survives
            gc.collect()
    assert min_psnr([gradient(96, 128, t) for t in range(10)], decode(path)) >= 40


def test_the_writer_lets_go_of_kept_frames(tmp_path):
    frames = [gradient(64, 96, t) for t in range(5)]
    before = [sys.getrefcount(f) for f in frames]
    writer = VideoWriter(tmp_path / "refs.mp4", 30)
    for i in range(len(frames)):  # (a loop variable would hold a reference of its own)
        writer.write(frames[i], copy=False)
    writer.close()
    writer.frames  # noqa: B018 - references dropped off the GIL are released on the next call
    assert [sys.getrefcount(f) for f in frames] == before


@pytest.mark.parametrize(
    ("frame", "error", "message"),
    [
        ([[0, 0, 0]], TypeError, "got list"),
        (np.zeros((8, 8, 3), np.float32), TypeError, "dtype float32"),
        (np.zeros((8, 8, 2), np.uint8), ValueError, "got 2 channels"),
        (np.zeros((0, 8, 3), np.uint8), ValueError, "got 8x0"),
    ],
)
def test_bad_kept_frames_are_refused_like_copied_ones(tmp_path, frame, error, message):
    with VideoWriter(tmp_path / "bad.mp4", 30) as writer, pytest.raises(error, match=message):
        writer.write(frame, copy=False)


def test_a_size_change_is_refused_and_the_video_goes_on(tmp_path):
    path = tmp_path / "size.mp4"
    with VideoWriter(path, 30) as writer:
        writer.write(gradient(32, 48), copy=False)
        with pytest.raises(ValueError, match="first frame's size 48x32"):
            writer.write(gradient(48, 32), copy=False)
        writer.write(gradient(32, 48, 1), copy=False)
    assert stream_info(path)["frames"] == 2
