"""What the files say about themselves, read field by field (`tests/mp4_fields.py`): the colour
description in the AV1 sequence header (in `av1C` and in the stream) and in the MP4 `colr` box
must be the conversion rlvideo uses (BT.601 matrix, limited range; sRGB content: BT.709
primaries, sRGB transfer), and the `clap` box must crop a padded tiny frame back to its
top-left corner."""

from __future__ import annotations

import re
import subprocess

import av
import numpy as np
import pytest

from rlvideo import VideoWriter
from tests.helpers import gradient
from tests.mp4_fields import (
    av1c_sequence_header,
    clap,
    colr_nclx,
    file_boxes,
    in_band_sequence_header,
)

#: ISO/IEC 23091-2 code points: BT.709 primaries, sRGB (IEC 61966-2-1) transfer, BT.601
#: (SMPTE 170M) matrix.
PRIMARIES, TRANSFER, MATRIX = 1, 13, 6


def write(path, height: int, width: int, chroma: str = "420", frames: int = 3):
    with VideoWriter(path, 30, chroma=chroma) as writer:
        for t in range(frames):
            writer.write(gradient(height, width, t))
    return path


@pytest.mark.parametrize("chroma", ["420", "444"])
@pytest.mark.parametrize("height, width", [(400, 600), (7, 15)])
def test_colour_is_signalled_as_converted(tmp_path, chroma, height, width):
    path = write(tmp_path / "v.mp4", height, width, chroma)
    header = av1c_sequence_header(path)
    assert in_band_sequence_header(path) == header, "av1C and the stream must agree"
    subsampled = int(chroma == "420")
    assert {k: header[k] for k in header if k not in ("separate_uv_delta_q",)} == {
        "seq_profile": 1 - subsampled,
        "still_picture": 0,
        "reduced_still_picture_header": 0,
        "seq_level_idx": header["seq_level_idx"],
        "max_frame_width": max(width, 16),
        "max_frame_height": max(height, 16),
        "bit_depth": 8,
        "mono_chrome": 0,
        "color_description_present_flag": 1,
        "color_primaries": PRIMARIES,
        "transfer_characteristics": TRANSFER,
        "matrix_coefficients": MATRIX,
        "color_range": 0,  # limited ("studio") range
        "subsampling_x": subsampled,
        "subsampling_y": subsampled,
        **({"chroma_sample_position": 0} if subsampled else {}),
    }
    assert colr_nclx(path) == {
        "color_primaries": PRIMARIES,
        "transfer_characteristics": TRANSFER,
        "matrix_coefficients": MATRIX,
        "full_range_flag": 0,
    }
    # av1C repeats the sequence header's profile, level and subsampling in its own fields.
    av1c = file_boxes(path)[b"av1C"]
    assert (av1c[1] >> 5, av1c[1] & 0x1F) == (header["seq_profile"], header["seq_level_idx"])
    assert (av1c[2] >> 3 & 1, av1c[2] >> 2 & 1) == (subsampled, subsampled)
    # And a decoder (dav1d through PyAV) reads the same description.
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    assert (frame.color_primaries, frame.color_trc, frame.colorspace) == (
        PRIMARIES,
        TRANSFER,
        MATRIX,
    )
    assert frame.color_range == 1  # FFmpeg's AVCOL_RANGE_MPEG: limited


@pytest.mark.parametrize("height, width", [(7, 15), (1, 1), (20, 9), (12, 16), (16, 5)])
def test_clean_aperture_crops_to_the_top_left_corner(tmp_path, height, width):
    path = write(tmp_path / "tiny.mp4", height, width)
    coded_w, coded_h = max(width, 16), max(height, 16)
    # Offsets are from the centre of the coded picture: (w - coded_w) / 2 keeps column 0.
    assert clap(path) == (width, 1, height, 1, width - coded_w, 2, height - coded_h, 2)
    # ffmpeg reads the box into the crop it applies (left/right/top/bottom): only the right
    # and bottom padding go.
    import imageio_ffmpeg

    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    (crop,) = re.findall(r"Frame Cropping: (\d+)/(\d+)/(\d+)/(\d+)", probe.stderr)
    assert tuple(map(int, crop)) == (0, coded_w - width, 0, coded_h - height)


def test_no_clean_aperture_when_nothing_is_padded(tmp_path):
    path = write(tmp_path / "v.mp4", 16, 17)
    assert clap(path) is None
    assert np.frombuffer(file_boxes(path)[b"tkhd"][-8:], ">u4").tolist() == [17 << 16, 16 << 16]
