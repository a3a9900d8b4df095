import os

import numpy as np
import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")


@pytest.fixture(scope="session")
def cartpole_600x400() -> list[np.ndarray]:
    """300 CartPole-v1 renders (400x600 RGB) from a random policy with a fixed seed."""
    from tests.helpers import cartpole_renders

    return cartpole_renders(300, seed=0)
