"""Frames as the encoder takes them: numpy ``(H, W, C)`` uint8, one picture per video frame.
Free functions any integration can use: array-likes and channels-first frames to numpy, and
a batch of frames (vector envs, batched TorchRL envs) tiled in one grid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_frame(frame: object, *, channels_first: bool = False) -> object:
    """`frame` as a numpy array when it is one or can become one without a copy of its
    meaning: a numpy array as it is, an array-like (``__array__``: a PyTorch CPU tensor, a
    JAX array) through ``numpy.asarray``; ``channels_first`` frames ``(C, H, W)`` (or batches
    ``(N, C, H, W)``) moved to ``(H, W, C)``. Anything else comes back as it came, for the
    recorder to refuse with a warning.

    Example:
        >>> as_frame(np.zeros((3, 4, 5), np.uint8), channels_first=True).shape
        (4, 5, 3)
        >>> as_frame([[1, 2]])
        [[1, 2]]
    """
    if not isinstance(frame, np.ndarray):
        if not hasattr(frame, "__array__"):
            return frame
        frame = np.asarray(frame)
    if channels_first and frame.ndim >= 3:
        frame = np.moveaxis(frame, -3, -1)
    return frame


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
