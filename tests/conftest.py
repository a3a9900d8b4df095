import os

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
