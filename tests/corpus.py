"""Clips for the static-skip tests: real RL renders and synthetic edge cases, made in the test
run (nothing binary is committed). Every clip is deterministic: fixed seeds, seeded actions.

A clip is a list of frames plus the `VideoWriter` options and (threads, tiles) pairs it is
encoded with. Gymnasium's classic-control envs, CarRacing (`box2d`), ALE (`ale-py`, which
ships its ROMs) and MuJoCo (`mujoco`, rendered by Mesa's software EGL) are imported here,
inside the functions, so that importing this module costs nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from tests import helpers
from tests.helpers import changed_blocks, gradient

#: (threads, tiles) pairs. The whole grid costs 12 encodes per clip (with and without static
#: skip), so only a few clips get it; the rest get a corner of it that still has one
#: single-threaded single-tile encode and one multi-tile multi-threaded encode.
FULL_GRID: tuple[tuple[int, int], ...] = ((1, 1), (1, 2), (1, 4), (2, 1), (2, 2), (2, 4))
CORNERS: tuple[tuple[int, int], ...] = ((1, 1), (2, 4))


@dataclass(frozen=True)
class Clip:
    """How to make a clip's frames, the options to encode them with and why it is here."""

    name: str
    make: Callable[[], list[np.ndarray]] = field(repr=False)
    grid: tuple[tuple[int, int], ...] = CORNERS
    options: dict[str, Any] = field(default_factory=dict)
    fps: float = 30
    #: The least PSNR (dB, RGB) any frame may have against its source, with the skip and
    #: without, at every (threads, tiles); None: only the skip's cost is bounded.
    psnr_floor: float | None = None


@cache
def env_renders(env_id: str, count: int, seed: int) -> tuple[np.ndarray, ...]:
    """`helpers.env_renders`, cached: several clips share one set of renders (callers must not
    change them)."""
    return tuple(helpers.env_renders(env_id, count, seed))


def texture(height: int, width: int, seed: int) -> np.ndarray:
    """A smooth, everywhere-varying RGB texture (sums of random sinusoids), float64 0-255."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    out = np.zeros((height, width, 3))
    for channel in range(3):
        for _ in range(4):
            fy, fx = rng.uniform(-0.15, 0.15, 2)
            out[..., channel] += rng.uniform(15, 35) * np.sin(fy * y + fx * x + rng.uniform(0, 6))
    return out + 128


def pan(height: int, width: int, count: int, seed: int = 5) -> list[np.ndarray]:
    """A texture sliding 3 px right and 2 px down per frame over a drifting gradient: every
    8x8 block differs from the previous frame in every frame (the worst case for the skip)."""
    big = texture(height + 2 * count, width + 3 * count, seed)
    frames = []
    for t in range(count):
        y0, x0 = 2 * (count - t), 3 * (count - t)
        moving = big[y0 : y0 + height, x0 : x0 + width]
        frame = 0.6 * moving + 0.4 * gradient(height, width, t).astype(np.float64)
        frames.append(np.clip(np.rint(frame), 0, 255).astype(np.uint8))
    assert all(changed_blocks(a, b, 8).all() for a, b in zip(frames, frames[1:]))
    return frames


def repeat_at(frames: list[np.ndarray], where: dict[int, int]) -> list[np.ndarray]:
    """frames with frame i shown `where[i]` extra times (as separate, equal arrays)."""
    out = []
    for i, frame in enumerate(frames):
        out.append(frame)
        out.extend(frame.copy() for _ in range(where.get(i, 0)))
    return out


def motion_in_one_quadrant(height: int, width: int, count: int) -> list[np.ndarray]:
    """A static textured background with a ball bouncing in the top-left quadrant only: with 2
    or 4 tiles, whole tiles are static while another one changes in every frame."""
    background = np.clip(np.rint(texture(height, width, seed=11)), 0, 255).astype(np.uint8)
    y, x = np.mgrid[0:height, 0:width]
    frames = []
    for t in range(count):
        cy = 20 + abs((7 * t) % (2 * (height // 2 - 40)) - (height // 2 - 40))
        cx = 20 + abs((11 * t) % (2 * (width // 2 - 40)) - (width // 2 - 40))
        frame = background.copy()
        frame[(y - cy) ** 2 + (x - cx) ** 2 <= 14**2] = (250, 60, 30)
        frames.append(frame)
    assert not changed_blocks(frames[0], frames[1], 8)[:, (width // 2 + 7) // 8 :].any()
    return frames


def renders(
    env_id: str, count: int, seed: int, rows: slice = slice(None), cols: slice = slice(None)
) -> Callable[[], list[np.ndarray]]:
    """A clip maker: the first `count` renders of an env, cropped to rows x cols."""
    return lambda: [f[rows, cols] for f in env_renders(env_id, count, seed)]


def cartpole(count: int = 50) -> list[np.ndarray]:
    """The first `count` of the 60 CartPole renders the edge cases are made from."""
    return list(env_renders("CartPole-v1", 60, 2)[:count])


def balanced_cartpole(count: int) -> list[np.ndarray]:
    """`count` CartPole-v1 renders under a simple balancing controller: a long episode in
    which the pole sways and the cart drifts, as a trained agent's does. (Not cached: 600 of
    them are 430 MB, and they render in about 2 s.)"""
    import gymnasium as gym

    env = gym.make("CartPole-v1", render_mode="rgb_array", max_episode_steps=count + 1)
    observation, _ = env.reset(seed=0)
    frames: list[Any] = [env.render()]
    while len(frames) < count:
        x, x_dot, theta, theta_dot = observation
        push_right = theta + 0.3 * theta_dot + 0.05 * x + 0.1 * x_dot > 0
        observation, _, terminated, _, _ = env.step(int(push_right))
        assert not terminated, f"the controller dropped the pole at step {len(frames)}"
        frames.append(env.render())
    env.close()
    return frames


@cache
def _car_racing(count: int, seed: int) -> tuple[np.ndarray, ...]:
    import gymnasium as gym

    env = gym.make("CarRacing-v3", render_mode="rgb_array")
    env.reset(seed=seed)
    race: Any = env.unwrapped
    track = np.array([tile[2:4] for tile in race.track])  # (alpha, beta, x, y) per tile
    frames: list[Any] = []
    # The camera zooms in from the whole track during the first second (50 steps): skipped.
    for step in range(50 + count):
        x, y = race.car.hull.position
        nearest = int(np.argmin(np.sum((track - (x, y)) ** 2, 1)))
        ahead_x, ahead_y = track[(nearest + 6) % len(track)]
        heading = race.car.hull.angle + np.pi / 2
        error = (np.arctan2(ahead_y - y, ahead_x - x) - heading + np.pi) % (2 * np.pi) - np.pi
        speed = np.linalg.norm(race.car.hull.linearVelocity)
        action = np.array([np.clip(-2 * error, -1, 1), 0.3 if speed < 25 else 0, 0], np.float32)
        env.step(action)
        if step >= 50:
            frames.append(env.render())
    env.close()
    return tuple(frames)


def car_racing(count: int, seed: int = 0) -> list[np.ndarray]:
    """`count` CarRacing-v3 renders (400x600) of a car that follows the track (steering at
    a tile 6 ahead, up to a moderate speed): the camera turns and moves with it, so the grass
    and the track scroll and rotate under a still car, as in a trained agent's video. Cached
    (callers must not change the frames)."""
    return list(_car_racing(count, seed))


#: Renders HalfCheetah in a process of its own (argv: count, seed, output .npy).
_HALF_CHEETAH_SCRIPT = """
import os, sys
import numpy as np
# MuJoCo picks its OpenGL backend when Gymnasium's renderer first imports it: without a
# display only EGL (Mesa's llvmpipe here, scripts/setup.sh) or OSMesa can render.
os.environ.setdefault("MUJOCO_GL", "egl")
import gymnasium as gym
count, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
# camera_name="track": the model's own camera (mode="trackcom" in half_cheetah.xml), which
# follows the body. Gymnasium 1.4.0 renders by default from a free camera that stays where
# the episode started (its DEFAULT_CAMERA_CONFIG sets no tracking type; with mujoco 3.14.0
# the lookat point does not move); Gymnasium up to 1.2.x rendered from "track".
env = gym.make("HalfCheetah-v5", render_mode="rgb_array", camera_name="track")
env.reset(seed=seed)
env.action_space.seed(seed)
frames = [env.render()]
while len(frames) < count:  # HalfCheetah never terminates; truncated at 1,000 steps
    env.step(env.action_space.sample())
    frames.append(env.render())
env.close()
np.save(out, np.stack(frames))
"""


@cache
def _half_cheetah(count: int, seed: int) -> tuple[np.ndarray, ...]:
    # In a process of its own: Mesa's llvmpipe loads its LLVM into the process that renders,
    # and importing triton (torch does when SB3 builds an optimizer) after it crashed that
    # process with a segmentation fault (the benchmarks in CI: PPO after the HalfCheetah clip).
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "frames.npy")
        subprocess.run(
            [sys.executable, "-c", _HALF_CHEETAH_SCRIPT, str(count), str(seed), out], check=True
        )
        return tuple(np.load(out))


def half_cheetah(count: int, seed: int = 0) -> list[np.ndarray]:
    """`count` HalfCheetah-v5 renders (480x480, its default size, 20 fps) from its tracking
    camera under seeded random actions: the camera follows the body, so the checkered floor
    and the body change in every frame (36% of 8x8 blocks; the sky above the horizon stays).
    Cached (callers must not change the frames)."""
    return list(_half_cheetah(count, seed))


CLIPS: tuple[Clip, ...] = (
    # Real renders. CartPole and Breakout carry the full threads x tiles grid.
    Clip("cartpole", lambda: cartpole(50), FULL_GRID, fps=50),
    Clip("acrobot", renders("Acrobot-v1", 40, 3), fps=15),
    Clip("mountaincar", renders("MountainCar-v0", 40, 4)),
    Clip("pendulum", renders("Pendulum-v1", 40, 5)),
    Clip("breakout", renders("ALE/Breakout-v5", 60, 6), FULL_GRID),
    Clip("pong", renders("ALE/Pong-v5", 60, 7)),
    # Moving cameras: CarRacing's track and grass turn and scroll under the car; a MuJoCo
    # tracking camera at its default 480x480, the floor scrolling under the body. Their
    # floors lie 1.4 dB under the worst frames measured at the defaults (quantizer 120):
    # CarRacing 36.9-37.1 dB, HalfCheetah 37.4-37.5 dB (means 37.7 and 38.1).
    Clip("carracing", lambda: car_racing(40), fps=50, psnr_floor=35.5),
    Clip("halfcheetah", lambda: half_cheetah(40), fps=20, psnr_floor=36.0),
    # Sizes: odd in both directions (97x61: the cart and pole), a height that is not a
    # multiple of 64 (200 = 3 superblock rows + 8) and one whose last superblock row is 2
    # rows high (130: rav1e 0.8.1 smears those bottom rows, see README, Known limits; static skip
    # turns on the fork's fix, so this compares the fix with the bug).
    Clip("cartpole_97x61", lambda: [f[260:321, 250:347] for f in cartpole(40)]),
    Clip("acrobot_500x200", renders("Acrobot-v1", 48, 3, slice(150, 350)), ((1, 2), (2, 4))),
    Clip("cartpole_600x130", lambda: [f[200:330] for f in cartpole(40)]),
    # Full-resolution colour (chroma="444", AV1 High profile): chroma planes as big as luma,
    # so a chroma unit of a block covers 8x8 pixels, not 16x16.
    Clip("breakout_444", renders("ALE/Breakout-v5", 60, 6), options={"chroma": "444"}),
    Clip(
        "cartpole_97x61_444",
        lambda: [f[260:321, 250:347] for f in cartpole(40)],
        options={"chroma": "444"},
    ),
    # The MuJoCo tracking camera in 4:4:4: a moving camera's chroma at full resolution (worst
    # frame measured 38.2-38.6 dB, mean 39.0-39.1; the floor 1.4 dB under).
    Clip(
        "halfcheetah_444",
        lambda: half_cheetah(40),
        options={"chroma": "444"},
        fps=20,
        psnr_floor=36.8,
    ),
    # Other speeds, and rav1e's own preset (rl_tuning=False: CDEF on, 32x32 partitions):
    # smaller partitions, and loop filters (CDEF; loop restoration below speed 8) that must not
    # filter repeated blocks again.
    Clip("cartpole_speed6", lambda: cartpole(30), options={"speed": 6}),
    Clip("cartpole_rav1e_preset", lambda: cartpole(40), options={"rl_tuning": False}),
    Clip("breakout_speed4", renders("ALE/Breakout-v5", 30, 6), options={"speed": 4}),
    # Every 8x8 block changes in every frame: the skip must never fire.
    Clip("pan", lambda: pan(192, 256, 30), FULL_GRID),
    # Edge cases. Keyframes every 10 frames (at 0, 10, ..., 40), each followed by a copy of
    # itself: a static frame right after a keyframe.
    Clip(
        "keyframe_then_static",
        lambda: repeat_at(cartpole(40), {0: 1, 9: 1, 18: 1, 27: 1, 36: 1}),
        options={"keyframe_interval": 10},
    ),
    Clip(
        "static_start_and_end",
        lambda: [cartpole()[0]] * 8 + cartpole(25)[1:] + [cartpole()[25].copy() for _ in range(8)],
    ),
    Clip(  # the same frame shown again in the middle, up to 3 more times
        "repeated_frames",
        lambda: repeat_at(cartpole(30), {5: 1, 12: 2, 20: 3}),
        options={"keyframe_interval": 12},
    ),
    Clip("one_tile_moves", lambda: motion_in_one_quadrant(256, 512, 36), FULL_GRID),
    Clip("all_static", lambda: [cartpole()[3].copy() for _ in range(20)]),
    # Frame reordering (a pyramid of references) instead of low latency: the reference a
    # static block is copied from is not always the frame shown before it.
    Clip(
        "reordered",
        lambda: repeat_at(cartpole(40), {10: 2, 30: 1}),
        options={"low_latency": False, "keyframe_interval": 16},
    ),
)
assert len({clip.name for clip in CLIPS}) == len(CLIPS)


#: (height, width, block, tiles) of the random-mask clips: sizes that are not multiples of 8
#: or 64 (and two that are), every block size, every tile count.
RANDOM_MASK_CASES: tuple[tuple[int, int, int, int], ...] = (
    (61, 97, 8, 1),
    (100, 150, 16, 2),
    (130, 257, 64, 4),
    (203, 128, 8, 4),
    (144, 200, 64, 2),
    (64, 64, 16, 1),
)


def random_block_clip(height: int, width: int, block: int, seed: int) -> list[np.ndarray]:
    """24 frames in which a random subset of `block`x`block` blocks (partial at the edges)
    changes each frame; in some frames nothing changes, in some most blocks do.

    Blocks change in three ways: new content (a patch from elsewhere in a texture), a
    sprite-like high-contrast 2x4 dot, or a single sample off by one level (the smallest
    change a test for "static" must still see).
    """
    rng = np.random.default_rng(seed)
    source = np.clip(np.rint(texture(2 * height, 2 * width, seed + 100)), 0, 255).astype(np.uint8)
    frame = source[:height, :width].copy()
    frames = [frame.copy()]
    rows, cols = -(-height // block), -(-width // block)
    for _ in range(23):
        share = rng.choice([0.0, 0.05, 0.3, 0.8])
        for r, c in zip(*np.nonzero(rng.random((rows, cols)) < share)):
            y0, x0 = r * block, c * block
            y1, x1 = min(y0 + block, height), min(x0 + block, width)
            kind = rng.integers(3)
            if kind == 0:
                sy, sx = rng.integers(0, height), rng.integers(0, width)
                frame[y0:y1, x0:x1] = source[sy : sy + y1 - y0, sx : sx + x1 - x0]
            elif kind == 1:
                y, x = rng.integers(y0, y1), rng.integers(x0, x1)
                frame[y : y + 2, x : x + 4] = rng.integers(0, 256, 3)
            else:
                y, x, ch = rng.integers(y0, y1), rng.integers(x0, x1), rng.integers(3)
                frame[y, x, ch] = frame[y, x, ch] + 1 if frame[y, x, ch] < 255 else 254
        frames.append(frame.copy())
    return frames
