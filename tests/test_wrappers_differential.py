"""Gymnasium's own RecordVideo wrappers and ours, run side by side on the same env, seeds and
actions: the same files, the same frame count in each (both decoded), and our frames equal
to what the env rendered (PSNR >= 40 dB)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode
from gymnasium.wrappers import RecordVideo as GymRecordVideo
from gymnasium.wrappers.vector import RecordVideo as GymVectorRecordVideo

import rlvideo.vector
from rlvideo import RecordVideo
from tests.helpers import decode, min_psnr


class RenderSpy(gym.Wrapper):
    """Sits under RecordVideo and keeps a copy of every frame the wrapper captures."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.frames: list[np.ndarray] = []

    def render(self) -> Any:
        out = self.env.render()
        if isinstance(out, list):
            if out:
                self.frames.append(out[-1].copy())
        else:
            self.frames.append(out.copy())
        return out


class VectorRenderSpy(gym.vector.VectorWrapper):
    """The same for vector envs: keeps each render's per-env frames."""

    def __init__(self, env: gym.vector.VectorEnv) -> None:
        super().__init__(env)
        self.frames: list[list[np.ndarray]] = []

    def render(self) -> Any:
        out = self.env.render()
        self.frames.append([f.copy() for f in out])
        return out


def logging_starts(cls: type) -> type:
    """The wrapper class, noting the order in which recordings start."""

    class Logged(cls):  # type: ignore[misc, valid-type]
        def start_recording(self, video_name: str) -> None:
            self.started.append(video_name)
            super().start_recording(video_name)

        def stop_recording(self) -> None:
            # Gymnasium's wrappers keep the frames in a list: note how many each video got.
            frames = getattr(self, "recorded_frames", None)
            if frames:
                self.intended[f"{self._video_name}.mp4"] = len(frames)
            super().stop_recording()

    return Logged


def frame_counts(folder: Path) -> dict[str, int]:
    return {p.name: len(decode(p)) for p in sorted(folder.glob("*.mp4"))}


def run_single(cls: type, folder: Path, render_mode: str, kwargs: dict, steps: int) -> Any:
    env = RenderSpy(gym.make("CartPole-v1", render_mode=render_mode))
    wrapper = logging_starts(cls)(env, video_folder=str(folder), **kwargs)
    wrapper.started, wrapper.intended = [], {}
    rng = np.random.default_rng(7)
    wrapper.reset(seed=3)
    for _ in range(steps):
        *_, terminated, truncated, _ = wrapper.step(int(rng.integers(2)))
        if terminated or truncated:
            wrapper.reset()
    wrapper.close()
    return wrapper, env.frames


def run_vector(
    cls: type, folder: Path, mode: AutoresetMode, kwargs: dict, steps: int, num_envs: int
) -> Any:
    envs = gym.make_vec(
        "CartPole-v1",
        num_envs=num_envs,
        render_mode="rgb_array",
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": mode},
    )
    spy = VectorRenderSpy(envs)
    wrapper = logging_starts(cls)(spy, video_folder=str(folder), **kwargs)
    wrapper.started, wrapper.intended = [], {}
    envs.action_space.seed(5)
    wrapper.reset(seed=11)
    for step in range(steps):
        wrapper.step(envs.action_space.sample())
        if step == steps // 2:
            wrapper.reset(options={"reset_mask": np.arange(num_envs) % 2 == 0})
    wrapper.close()
    return wrapper, spy.frames


def expected_frames(started: list[str], files: dict[str, int], captured: list) -> dict[str, list]:
    """Captured frames split, in recording order, among the files by their frame counts."""
    out, at = {}, 0
    for name in started:
        count = files.get(f"{name}.mp4", 0)
        out[f"{name}.mp4"] = captured[at : at + count]
        at += count
    assert at == len(captured), f"{len(captured)} frames captured, {at} in files"
    return out


def compare(
    tmp_path: Path,
    run: Callable[[type, Path], Any],
    ours: type,
    theirs: type,
    tile: Callable[[Any, Any], np.ndarray],
) -> None:
    """Runs both wrappers; `tile(captured, reference)` makes the frame Gymnasium's wrapper
    (`reference`, after its run) would have recorded from what the env rendered."""
    gym_dir, our_dir = tmp_path / "gymnasium", tmp_path / "rlvideo"
    reference, _ = run(theirs, gym_dir)
    wrapper, captured = run(ours, our_dir)
    gym_files, our_files = frame_counts(gym_dir), frame_counts(our_dir)
    assert our_files, "the configuration recorded nothing; the test would prove nothing"
    # Same files, and in each the frames Gymnasium's wrapper collected for it. (moviepy
    # sometimes writes one frame fewer than it is given: floating-point frame times.)
    assert our_files == reference.intended
    assert set(gym_files) == set(reference.intended)
    for name, count in gym_files.items():
        assert count in (reference.intended[name], reference.intended[name] - 1), name
    expected = expected_frames(wrapper.started, our_files, [tile(f, reference) for f in captured])
    for name in our_files:
        assert min_psnr(expected[name], decode(our_dir / name)) >= 40, name


SINGLE_CONFIGS = {
    "default-schedule": ("rgb_array", {}, 300),
    "episode-trigger": ("rgb_array", {"episode_trigger": lambda e: e % 3 == 0}, 200),
    "episode-trigger-length": (
        "rgb_array",
        {"episode_trigger": lambda e: e % 4 == 1, "video_length": 15},
        200,
    ),
    "step-trigger-length": (
        "rgb_array",
        {"step_trigger": lambda s: s % 40 == 0, "video_length": 10},
        200,
    ),
    "step-trigger-whole": ("rgb_array", {"step_trigger": lambda s: s in (5, 90)}, 200),
    "trigger-while-recording": (
        "rgb_array",
        {"step_trigger": lambda s: s % 12 == 0, "video_length": 20},
        100,
    ),
    "both-triggers": (
        "rgb_array",
        {
            "step_trigger": lambda s: s == 30,
            "episode_trigger": lambda e: e == 4,
            "video_length": 25,
        },
        200,
    ),
    "rgb-array-list": ("rgb_array_list", {"episode_trigger": lambda e: e % 2 == 0}, 120),
    "name-prefix": ("rgb_array", {"episode_trigger": lambda e: e < 2, "name_prefix": "cp"}, 60),
}


@pytest.mark.parametrize("config", list(SINGLE_CONFIGS))
def test_single_env_matches_gymnasium(tmp_path, config):
    render_mode, kwargs, steps = SINGLE_CONFIGS[config]
    compare(
        tmp_path,
        lambda cls, folder: run_single(cls, folder, render_mode, dict(kwargs), steps),
        RecordVideo,
        GymRecordVideo,
        tile=lambda frame, _: frame,
    )


#: name -> (autoreset mode, num_envs, the grid (rows, cols) Gymnasium picks, wrapper
#: arguments). CartPole renders are 600x400; Gymnasium tries rows up to sqrt(num_envs) and
#: keeps the grid whose aspect ratio is closest to video_aspect_ratio, so the same num_envs
#: gives different grids for different ratios.
VECTOR_CONFIGS = {
    "next-step": (AutoresetMode.NEXT_STEP, 4, (2, 2), {"episode_trigger": lambda e: e % 2 == 0}),
    "same-step": (AutoresetMode.SAME_STEP, 3, (1, 3), {"episode_trigger": lambda e: e % 2 == 0}),
    "first-only-steps": (
        AutoresetMode.NEXT_STEP,
        3,
        (1, 3),
        {"record_first_only": True, "step_trigger": lambda s: s % 30 == 0, "video_length": 12},
    ),
    "four-wide": (
        AutoresetMode.NEXT_STEP,
        4,
        (1, 4),
        {"video_aspect_ratio": (5, 1), "episode_trigger": lambda e: e < 2},
    ),
    "six-square": (AutoresetMode.NEXT_STEP, 6, (2, 3), {"episode_trigger": lambda e: e < 2}),
    "six-wide": (
        AutoresetMode.NEXT_STEP,
        6,
        (1, 6),
        {"video_aspect_ratio": (8, 1), "episode_trigger": lambda e: e < 2},
    ),
    "eight-16-9": (
        AutoresetMode.NEXT_STEP,
        8,
        (2, 4),
        {"video_aspect_ratio": (16, 9), "episode_trigger": lambda e: e < 2, "video_length": 20},
    ),
}


@pytest.mark.parametrize("config", list(VECTOR_CONFIGS))
def test_vector_env_matches_gymnasium(tmp_path, config):
    mode, num_envs, grid_picked, kwargs = VECTOR_CONFIGS[config]
    first_only = kwargs.get("record_first_only", False)

    def tile(frames: list[np.ndarray], reference: Any) -> np.ndarray:
        """The grid Gymnasium's wrapper chose (its frame_rows/frame_cols), filled in its
        order; rlvideo's own grid_shape is not used here."""
        if first_only:
            return frames[0]
        rows, cols = reference.frame_rows, reference.frame_cols
        assert (rows, cols) == grid_picked and len(frames) == num_envs
        h, w = frames[0].shape[:2]
        grid = np.zeros((rows * h, cols * w, 3), np.uint8)
        for i, f in enumerate(frames):
            grid[(i // cols) * h : (i // cols + 1) * h, (i % cols) * w : (i % cols + 1) * w] = f
        return grid

    compare(
        tmp_path,
        lambda cls, folder: run_vector(cls, folder, mode, dict(kwargs), 80, num_envs),
        rlvideo.vector.RecordVideo,
        GymVectorRecordVideo,
        tile,
    )


@pytest.mark.parametrize(
    "ours, theirs",
    [(RecordVideo, GymRecordVideo), (rlvideo.vector.RecordVideo, GymVectorRecordVideo)],
)
def test_del_is_safe_on_a_half_built_wrapper(ours, theirs, tmp_path, monkeypatch):
    # Gymnasium's own test: __del__ on an instance whose __init__ never ran.
    assert theirs.__new__(theirs).__del__() is None
    assert ours.__new__(ours).__del__() is None
    # And a wrapper whose __init__ raised leaves no "Exception ignored in" behind.
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    if ours is RecordVideo:
        env: Any = gym.make("CartPole-v1", render_mode="rgb_array")
    else:
        env = gym.make_vec("CartPole-v1", num_envs=2, render_mode="rgb_array")
    with pytest.raises(ValueError, match="speed must be"):
        ours(env, str(tmp_path), speed=42)
    gc.collect()
    env.close()
    assert unraisable == []
