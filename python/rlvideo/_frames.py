"""Frames as the encoder takes them: numpy ``(H, W, C)`` uint8, one picture per video frame.
Free functions any integration can use: frames as people have them (torch/JAX tensors,
buffers, channels-first, float and bool) to that array, and a batch of frames (vector envs,
batched TorchRL envs) tiled in one grid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# numpy's dtype of native uint8 is a singleton: `frame.dtype is UINT8` is the cheapest test
# that a render can go to the writer as it is (half the time of `== np.uint8`); a uint8
# dtype that is another object only takes the slower path to the same array.
UINT8 = np.dtype(np.uint8)

# DLPack device types (dlpack.h DLDeviceType) other than the CPU, named in the error.
_DLPACK_CPU = 1
_DLPACK_DEVICES = {
    2: "cuda",
    3: "cuda_host",
    4: "opencl",
    7: "vulkan",
    8: "metal",
    9: "vpi",
    10: "rocm",
    13: "cuda_managed",
    14: "oneapi",
    15: "webgpu",
    16: "hexagon",
}

TAKES = (
    "dtype uint8 (0-255), bool (0 or 255) or float16/32/64 in [0, 1], shaped (H, W, 3) RGB, "
    "(H, W, 4) RGBA, or (H, W) or (H, W, 1) gray"
)


def is_array_like(frame: object) -> bool:
    """True for what `as_frame` can take: a numpy array, a DLPack exporter (a torch tensor,
    a JAX array), an ``__array__`` / ``__array_interface__`` object, or a buffer such as a
    memoryview.

    Example:
        >>> is_array_like(memoryview(bytearray(12))), is_array_like([[1, 2]])
        (True, False)
    """
    if isinstance(frame, np.ndarray) or hasattr(frame, "__dlpack__"):
        return True
    if hasattr(frame, "__array__") or hasattr(frame, "__array_interface__"):
        return True
    if isinstance(frame, (str, bytes)):  # buffers without a shape, never a picture
        return False
    try:
        memoryview(frame)  # type: ignore[arg-type]
    except TypeError:
        return False
    return True


def as_frame(frame: object, *, channels_first: bool = False) -> np.ndarray:
    """`frame` as the uint8 numpy array ``VideoWriter.write`` takes.

    - A uint8 numpy array comes back as it is (no copy, no per-pixel work).
    - DLPack exporters (a PyTorch CPU tensor, a JAX CPU array) go through
      ``numpy.from_dlpack``, buffers (a memoryview) and ``__array__`` objects through
      ``numpy.asarray``: the result shares the source's memory (numpy copies only when the
      source cannot be shared, as PIL images export a copy of their own). A tensor on a GPU
      or another device is refused: call ``.cpu()`` first.
    - ``channels_first``: ``(C, H, W)`` frames become ``(H, W, C)`` (a view, no copy).
    - float16/32/64 frames hold intensities in [0, 1] (depth maps, normalised images):
      uint8 = round(255 * x), a new array. NaN or values outside [0, 1] raise
      ``ValueError`` naming what was found, rather than being clipped: a float frame in
      0-255 (``frame.astype(float)``) would otherwise become a white video without a word.
    - bool frames (masks) become 0 and 255, a new array.
    - Other dtypes (uint16 depth in millimetres, int64) raise ``TypeError``: their range
      has no one meaning; scale them to float in [0, 1] or to uint8 yourself.

    Shapes are checked by the writer: (H, W, 3) RGB, (H, W, 4) RGBA, (H, W) or (H, W, 1)
    gray.

    Raises:
        TypeError: not an array-like, a non-CPU tensor, or a dtype without a mapping.
        ValueError: a float frame with NaN or values outside [0, 1].

    Example:
        >>> as_frame(np.zeros((3, 4, 5), np.uint8), channels_first=True).shape
        (4, 5, 3)
        >>> as_frame(np.array([[0.0, 0.5, 1.0]], np.float32)).tolist()
        [[0, 128, 255]]
        >>> as_frame(np.array([[False, True]])).tolist()
        [[0, 255]]
    """
    if not isinstance(frame, np.ndarray):
        frame = _shared_array(frame)
    if channels_first and frame.ndim >= 3:
        # transpose is a tenth of moveaxis's cost on one frame; batches keep moveaxis.
        frame = frame.transpose(1, 2, 0) if frame.ndim == 3 else np.moveaxis(frame, -3, -1)
    if frame.dtype == np.uint8:
        return frame
    if frame.dtype == np.bool_:
        return frame.view(np.uint8) * np.uint8(255)
    if frame.dtype.kind == "f":
        return _from_unit_floats(frame)
    raise TypeError(
        f"frame must have {TAKES}; got dtype {frame.dtype}. Scale it yourself: to float in "
        "[0, 1] (depth / depth.max()) or to uint8 (.astype(np.uint8) if already 0-255)"
    )


def _shared_array(frame: object) -> np.ndarray:
    """A numpy array over the memory of an array-like, or a TypeError."""
    if hasattr(frame, "__dlpack__"):
        dlpack_device = getattr(frame, "__dlpack_device__", None)
        device_type, device_id = dlpack_device() if dlpack_device else (_DLPACK_CPU, 0)
        if device_type != _DLPACK_CPU:
            name = _DLPACK_DEVICES.get(int(device_type), f"DLPack device type {device_type}")
            raise TypeError(
                f"frame is on device {name}:{device_id}; rlvideo reads frames from CPU memory: "
                "call .cpu() (torch), jax.device_get or .get() (cupy) first"
            )
        try:
            return np.from_dlpack(frame)  # type: ignore[arg-type]
        except (BufferError, RuntimeError, TypeError) as error:
            # torch refuses tensors that require grad, numpy dtypes it cannot map: say so.
            raise TypeError(
                f"frame ({type(frame).__name__}) could not be read through DLPack: {error}"
            ) from error
    if not is_array_like(frame):
        raise TypeError(
            f"frame must be a numpy array or an array-like (DLPack, __array__, buffer) of "
            f"{TAKES}; got {type(frame).__name__}"
        )
    return np.asarray(frame)


def _from_unit_floats(frame: np.ndarray) -> np.ndarray:
    """round(255 * x) of a float frame in [0, 1], or a ValueError naming what was found."""
    # In float32, exact enough for 8 bits: numpy's float16 min/max are emulated (60x
    # slower than on float32) and float64 doubles the memory traffic.
    if frame.dtype == np.float32:
        scaled = np.multiply(frame, np.float32(255))
    else:
        scaled = frame.astype(np.float32)
        np.multiply(scaled, np.float32(255), out=scaled)
    low, high = float(scaled.min()) / 255, float(scaled.max()) / 255  # NaN reaches both
    if np.isnan(low) or np.isnan(high):
        raise ValueError(
            f"float frame must hold values in [0, 1]; got {int(np.isnan(scaled).sum())} NaN "
            f"of {frame.size} values"
        )
    if low < 0 or high > 1:
        hint = " (a 0-255 image? divide by 255 or use uint8)" if high > 1.5 else ""
        raise ValueError(
            f"float frame must hold values in [0, 1]; got values from {low:g} to {high:g}{hint}"
        )
    return np.rint(scaled, out=scaled).astype(np.uint8)


def grid_shape(
    n_frames: int, height: int, width: int, aspect_ratio: tuple[int, int]
) -> tuple[int, int]:
    """(rows, cols) with rows * cols == n_frames whose picture is closest to `aspect_ratio`
    (width, height), chosen exactly as Gymnasium's vector RecordVideo chooses it.

    Example:
        >>> grid_shape(6, 400, 600, (16, 9))
        (2, 3)
    """
    target = aspect_ratio[0] / aspect_ratio[1]
    best_rows, best_cols = 1, n_frames
    min_diff = np.inf
    for rows in range(1, int(n_frames**0.5) + 1):
        if n_frames % rows == 0:
            cols = n_frames // rows
            diff = abs((cols * width) / (rows * height) - target)
            if diff < min_diff:
                min_diff = diff
                best_rows, best_cols = rows, cols
    return best_rows, best_cols


def tile(
    frames: Sequence[np.ndarray] | np.ndarray,
    cols: int,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The frames of a batch in one picture, row by row, `cols` to a row (the last row
    padded with black). Writes into `out` when it has the grid's shape and dtype (a
    buffer reused from frame to frame), else into a new array.

    Example:
        >>> frames = [np.full((2, 3, 3), value, np.uint8) for value in (1, 2, 3)]
        >>> grid = tile(frames, cols=2)
        >>> grid.shape, grid[::2, ::3, 0].tolist()  # one pixel of each cell
        ((4, 6, 3), [[1, 2], [3, 0]])
    """
    first = frames[0]
    h, w = first.shape[:2]
    rows = -(-len(frames) // cols)
    shape = (rows * h, cols * w, *first.shape[2:])
    if out is None or out.shape != shape or out.dtype != first.dtype:
        out = np.zeros(shape, dtype=first.dtype)
    for index, frame in enumerate(frames):
        row, col = divmod(index, cols)
        out[row * h : (row + 1) * h, col * w : (col + 1) * w] = frame
    return out
