import gc
import os
from collections.abc import Callable, Iterator

import numpy as np
import pytest

# pygame (CartPole's renderer) wants these on a headless machine.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")


@pytest.fixture(scope="session")
def cartpole_frames() -> list[np.ndarray]:
    """120 real CartPole-v1 renders (600x400) from a fixed seed and random actions."""
    from tests.helpers import cartpole_renders

    return cartpole_renders(120, seed=1)


@pytest.fixture
def max_videos_encoding() -> Iterator[Callable[[int], None]]:
    """Sets the process-wide bound on videos encoding at once (rlvideo.set_max_videos_encoding)
    for one test, and puts the old one back after it."""
    import rlvideo

    gc.collect()  # writers of earlier tests that only a collection lets go
    before = rlvideo.max_videos_encoding()
    yield rlvideo.set_max_videos_encoding
    rlvideo.set_max_videos_encoding(before)


@pytest.fixture
def videos_pile_up(max_videos_encoding: Callable[[int], None]) -> None:
    """For tests that need many videos still encoding at once: a bound they never reach."""
    max_videos_encoding(64)
