"""Table-driven: every odd input either makes a correct video or raises a clear exception
naming what was expected and what came. Never a crash, a hang or a silently dropped frame."""

from __future__ import annotations

import numpy as np
import pytest

from rlvideo import VideoWriter
from tests.helpers import decode, gradient, min_psnr

BASE = gradient(32, 48)


class ArrayLike:
    """Has __array__ but is not an ndarray."""

    def __array__(self, dtype=None, copy=None):
        return BASE


def read_only() -> np.ndarray:
    frame = BASE.copy()
    frame.setflags(write=False)
    return frame


def non_owning() -> np.ndarray:
    buffer = bytearray(BASE.tobytes())
    return np.frombuffer(buffer, np.uint8).reshape(BASE.shape)


# (id, frame factory, expected exception or None for "encodes correctly", words in message)
def huge(height: int, width: int) -> np.ndarray:
    """A (height, width, 3) frame of horizontal stripes that takes no memory (a broadcast)."""
    rows = (np.arange(height, dtype=np.uint8) // 8 * 64)[:, None, None]
    return np.broadcast_to(rows, (height, width, 3))


CASES = [
    ("float32", lambda: BASE.astype(np.float32), TypeError, "dtype float32"),
    ("float64", lambda: BASE.astype(np.float64), TypeError, "dtype float64"),
    ("bool", lambda: BASE > 100, TypeError, "dtype bool"),
    ("uint16", lambda: BASE.astype(np.uint16), TypeError, "dtype uint16"),
    ("int8", lambda: BASE.astype(np.int8), TypeError, "dtype int8"),
    ("int64", lambda: BASE.astype(np.int64), TypeError, "dtype int64"),
    ("1-d", lambda: BASE.ravel(), ValueError, "shape [4608]"),
    ("4-d", lambda: BASE[None], ValueError, "shape [1, 32, 48, 3]"),
    ("0-d", lambda: np.array(3, np.uint8), ValueError, "shape []"),
    ("numpy scalar", lambda: np.uint8(3), TypeError, "got uint8"),
    ("2 channels", lambda: BASE[:, :, :2], ValueError, "2 channels"),
    ("5 channels", lambda: np.dstack([BASE, BASE[:, :, :2]]), ValueError, "5 channels"),
    ("zero height", lambda: BASE[:0], ValueError, "got 48x0"),
    ("zero width", lambda: BASE[:, :0], ValueError, "got 0x32"),
    ("zero channels", lambda: BASE[:, :, :0], ValueError, "0 channels"),
    # Sizes beyond AV1's largest level (6.3) are refused before any pixel is read; a
    # 40000x40000 view used to be copied and encoded for minutes.
    ("wider than AV1 6.3", lambda: huge(2, 16385), ValueError, "at most 16384x8704 pixels"),
    ("taller than AV1 6.3", lambda: huge(8705, 2), ValueError, "at most 16384x8704 pixels"),
    ("more pixels than 6.3", lambda: huge(4353, 8193), ValueError, "at most 35651584 pixels"),
    ("40000x40000 view", lambda: huge(40000, 40000), ValueError, "got 40000x40000"),
    ("at the width limit", lambda: huge(16, 16384), None, ""),
    ("at the height limit", lambda: huge(8704, 16), None, ""),
    ("None", lambda: None, TypeError, "got NoneType"),
    ("list", lambda: BASE.tolist(), TypeError, "got list"),
    ("bytes", lambda: BASE.tobytes(), TypeError, "got bytes"),
    ("memoryview", lambda: memoryview(BASE), TypeError, "got memoryview"),
    ("__array__ object", ArrayLike, TypeError, "got ArrayLike"),
    ("int", lambda: 7, TypeError, "got int"),
    ("string", lambda: "frame.png", TypeError, "got str"),
    ("contiguous", lambda: BASE.copy(), None, ""),
    ("read-only", read_only, None, ""),
    ("non-owning", non_owning, None, ""),
    ("negative row stride", lambda: BASE[::-1], None, ""),
    ("negative pixel stride", lambda: BASE[:, ::-1], None, ""),
    ("negative channel stride", lambda: BASE[:, :, ::-1], None, ""),
    ("non-unit strides", lambda: np.repeat(np.repeat(BASE, 2, 0), 2, 1)[::2, ::2], None, ""),
    ("Fortran order", lambda: np.asfortranarray(BASE), None, ""),
    ("transposed twice", lambda: BASE.transpose(1, 0, 2).transpose(1, 0, 2), None, ""),
    ("RGBA", lambda: np.dstack([BASE, np.full(BASE.shape[:2], 7, np.uint8)]), None, ""),
    ("gray", lambda: BASE[:, :, 0].copy(), None, ""),
]


@pytest.mark.parametrize(
    ("factory", "error", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_odd_input(tmp_path, factory, error, words):
    frame = factory()
    path = tmp_path / "odd.mp4"
    with VideoWriter(path, 30) as writer:
        if error is not None:
            with pytest.raises(error) as info:
                writer.write(frame)
            assert words in str(info.value), str(info.value)
            return
        writer.write(frame)
        writer.write(frame)
    expected = np.asarray(frame)
    if expected.ndim == 2:
        expected = np.dstack([expected] * 3)
    assert min_psnr([expected[:, :, :3]] * 2, decode(path)) >= 40
