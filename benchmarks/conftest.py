import os

import numpy as np
import pytest

from benchmarks.mode import pick

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")

CARTPOLE_FRAMES = pick(300, 10)


@pytest.fixture(scope="session")
def cartpole_600x400() -> list[np.ndarray]:
    """300 CartPole-v1 renders (400x600 RGB; 10 in quick mode) from a random policy with a fixed
    seed."""
    from tests.helpers import cartpole_renders

    return cartpole_renders(CARTPOLE_FRAMES, seed=0)
