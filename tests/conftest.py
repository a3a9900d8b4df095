import os

import numpy as np
import pytest

# pygame (CartPole's renderer) wants these on a headless machine.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")


@pytest.fixture(scope="session")
def cartpole_frames() -> list[np.ndarray]:
    """120 real CartPole-v1 renders (600x400) from a fixed seed and random actions."""
    import gymnasium as gym

    env = gym.make("CartPole-v1", render_mode="rgb_array")
    env.reset(seed=1)
    env.action_space.seed(1)
    frames = [env.render()]
    while len(frames) < 120:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
        frames.append(env.render())
    env.close()
    return frames
