"""Read the fields the tests check out of our MP4 files, by hand and independently of the
Rust code that writes them: MP4 boxes (ISO/IEC 14496-12) and the AV1 sequence header
(AV1 spec 5.5), so that a test can compare signalled values, not only their presence."""

from __future__ import annotations

import struct
from pathlib import Path

#: Boxes that hold other boxes (on the path to the sample entry), and how many bytes of their
#: own fields come before the children.
_CONTAINERS = {b"moov": 0, b"trak": 0, b"mdia": 0, b"minf": 0, b"stbl": 0, b"stsd": 8, b"av01": 78}


def boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[bytes, bytes]:
    """Every box on the path moov/trak/mdia/minf/stbl/stsd/av01, by type: its payload."""
    end = len(data) if end is None else end
    found: dict[bytes, bytes] = {}
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", data[at + 8 : at + 16])
            header = 16
        assert size >= header and at + size <= end, f"bad box {kind!r} at {at}"
        payload = data[at + header : at + size]
        found.setdefault(kind, payload)
        if kind in _CONTAINERS:
            skip = _CONTAINERS[kind]
            found.update(boxes(data, at + header + skip, at + size))
        at += size
    return found


def file_boxes(path: str | Path) -> dict[bytes, bytes]:
    return boxes(Path(path).read_bytes())


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def f(self, n: int) -> int:
        value = 0
        for _ in range(n):
            byte = self.data[self.pos // 8]
            value = value << 1 | (byte >> (7 - self.pos % 8)) & 1
            self.pos += 1
        return value


def _leb128(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(8):
        byte = data[at + i]
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, at + i + 1
    raise ValueError("unterminated leb128")


def obus(data: bytes) -> list[tuple[int, bytes]]:
    """(obu_type, payload) of each OBU in a low-overhead bitstream (sizes present)."""
    out, at = [], 0
    while at < len(data):
        header = data[at]
        kind = header >> 3 & 0xF
        at += 2 if header & 0x04 else 1  # extension byte
        assert header & 0x02, "OBUs in MP4 carry their size"
        size, at = _leb128(data, at)
        out.append((kind, data[at : at + size]))
        at += size
    return out


OBU_SEQUENCE_HEADER = 1


def sequence_header(payload: bytes) -> dict[str, int]:
    """The fields of an AV1 sequence header OBU payload up to and including color_config."""
    b = _Bits(payload)
    h: dict[str, int] = {}
    h["seq_profile"] = b.f(3)
    h["still_picture"] = b.f(1)
    reduced = h["reduced_still_picture_header"] = b.f(1)
    if reduced:
        h["seq_level_idx"] = b.f(5)
    else:
        timing = b.f(1)
        assert not timing, "timing info is not parsed here (rlvideo never asks for it)"
        display_delay = b.f(1)
        for i in range(b.f(5) + 1):
            b.f(12)  # operating_point_idc
            level = b.f(5)
            if i == 0:
                h["seq_level_idx"] = level
            if level > 7:
                b.f(1)  # seq_tier
            if display_delay and b.f(1):
                b.f(4)
    width_bits, height_bits = b.f(4) + 1, b.f(4) + 1
    h["max_frame_width"] = b.f(width_bits) + 1
    h["max_frame_height"] = b.f(height_bits) + 1
    if not reduced and b.f(1):  # frame_id_numbers_present_flag
        b.f(4)
        b.f(3)
    b.f(3)  # use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
    if not reduced:
        b.f(4)  # interintra, masked compound, warped motion, dual filter
        order_hint = b.f(1)
        if order_hint:
            b.f(2)  # jnt_comp, ref_frame_mvs
        force_screen_content = 2 if b.f(1) else b.f(1)
        if force_screen_content > 0 and not b.f(1):  # seq_choose_integer_mv
            b.f(1)  # seq_force_integer_mv
        if order_hint:
            b.f(3)
    b.f(3)  # enable_superres, enable_cdef, enable_restoration
    # color_config
    high_bitdepth = b.f(1)
    if h["seq_profile"] == 2 and high_bitdepth:
        b.f(1)
    h["bit_depth"] = 10 if high_bitdepth else 8
    h["mono_chrome"] = 0 if h["seq_profile"] == 1 else b.f(1)
    h["color_description_present_flag"] = b.f(1)
    if h["color_description_present_flag"]:
        h["color_primaries"], h["transfer_characteristics"], h["matrix_coefficients"] = (
            b.f(8),
            b.f(8),
            b.f(8),
        )
    assert not h["mono_chrome"], "rlvideo never writes monochrome streams"
    h["color_range"] = b.f(1)
    if h["seq_profile"] == 0:
        h["subsampling_x"] = h["subsampling_y"] = 1
    elif h["seq_profile"] == 1:
        h["subsampling_x"] = h["subsampling_y"] = 0
    else:
        raise AssertionError("profile 2 is not parsed here")
    if h["subsampling_x"] and h["subsampling_y"]:
        h["chroma_sample_position"] = b.f(2)
    h["separate_uv_delta_q"] = b.f(1)
    return h


def av1c_sequence_header(path: str | Path) -> dict[str, int]:
    """The sequence header carried in the file's `av1C` box (configOBUs)."""
    av1c = file_boxes(path)[b"av1C"]
    (payload,) = [p for kind, p in obus(av1c[4:]) if kind == OBU_SEQUENCE_HEADER]
    return sequence_header(payload)


def colr_nclx(path: str | Path) -> dict[str, int]:
    """The `colr` box of type nclx: code points and full_range_flag."""
    colr = file_boxes(path)[b"colr"]
    assert colr[:4] == b"nclx", colr[:4]
    primaries, transfer, matrix = struct.unpack(">HHH", colr[4:10])
    return {
        "color_primaries": primaries,
        "transfer_characteristics": transfer,
        "matrix_coefficients": matrix,
        "full_range_flag": colr[10] >> 7,
    }


def clap(path: str | Path) -> tuple[int, ...] | None:
    """The `clap` box's eight fields (width n/d, height n/d, horizOff n/d, vertOff n/d;
    the offsets signed), or None when there is none."""
    found = file_boxes(path).get(b"clap")
    return None if found is None else struct.unpack(">IIIIiIiI", found[:32])


def first_sample(path: str | Path) -> bytes:
    """The first sample (temporal unit) of the track, found through `stsz` and `co64`/`stco`."""
    data = Path(path).read_bytes()
    found = boxes(data)
    stsz = found[b"stsz"]
    size = struct.unpack(">I", stsz[4:8])[0] or struct.unpack(">I", stsz[12:16])[0]
    if b"co64" in found:
        offset = struct.unpack(">Q", found[b"co64"][8:16])[0]
    else:
        offset = struct.unpack(">I", found[b"stco"][8:12])[0]
    return data[offset : offset + size]


def in_band_sequence_header(path: str | Path) -> dict[str, int]:
    """The sequence header the first (key) frame carries in the stream itself."""
    (payload,) = [p for kind, p in obus(first_sample(path)) if kind == OBU_SEQUENCE_HEADER]
    return sequence_header(payload)
