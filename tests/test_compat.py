"""What must work with every Gymnasium 1.x and numpy that pyproject allows, on every Python
the wheel claims: scripts/compat_matrix.sh runs this file in fresh venvs with the lowest and
the newest versions (and in .venv with the suite). Every module of rlvideo imports; CartPole
is recorded through `RecordVideo`, `rlvideo.vector.RecordVideo` and `save_video`, and each
video is decoded and compared with the renders that went in; where this Gymnasium has the
same wrapper (the vector one from 1.2) and moviepy is installed, Gymnasium's own wrapper
records the same episodes and the file names and frame counts agree."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import warnings
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import rlvideo
from rlvideo import RecordVideo, save_video
from tests.helpers import decode, min_psnr, play, stream_info

HAS_MOVIEPY = importlib.util.find_spec("moviepy") is not None
#: The integrations' modules, the packages each needs and its extra: without those packages
#: importing the module must fail with an ImportError that names the extra.
INTEGRATIONS = {
    "rlvideo.sb3": (("stable_baselines3",), "sb3"),
    "rlvideo.rllib": (("ray",), "rllib"),
    "rlvideo.torchrl": (("torchrl", "tensordict"), "torchrl"),
}


def test_every_module_imports() -> None:
    names = sorted(m.name for m in pkgutil.iter_modules(rlvideo.__path__, "rlvideo."))
    assert {"rlvideo.vector", "rlvideo.record_video", *INTEGRATIONS} <= set(names), names
    for name in names:
        needs, extra = INTEGRATIONS.get(name, ((), ""))
        if not all(importlib.util.find_spec(package) for package in needs):
            with pytest.raises(ImportError, match=rf"pip install 'rlvideo\[{extra}\]'"):
                importlib.import_module(name)
        else:
            importlib.import_module(name)


class KeepRenders(gym.Wrapper):
    """Keeps a copy of every render the recorder is handed."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.renders: list[np.ndarray] = []

    def render(self) -> Any:
        frame = self.env.render()
        self.renders.append(np.array(frame))
        return frame


def videos_in(folder: Path) -> list[Path]:
    """The folder's videos in episode (or step) order."""
    return sorted(folder.glob("*.mp4"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def test_record_video_records_cartpole(tmp_path: Path) -> None:
    kept = KeepRenders(gym.make("CartPole-v1", render_mode="rgb_array"))
    env = RecordVideo(kept, str(tmp_path / "ours"), episode_trigger=lambda e: e % 2 == 0)
    play(env, 60)
    env.close()
    videos = videos_in(tmp_path / "ours")
    assert len(videos) >= 2, videos  # random CartPole episodes last 10-40 steps
    decoded = [frame for video in videos for frame in decode(video)]
    assert min_psnr(kept.renders, decoded) > 40
    if HAS_MOVIEPY:
        theirs = gym.wrappers.RecordVideo(
            gym.make("CartPole-v1", render_mode="rgb_array"),
            str(tmp_path / "theirs"),
            episode_trigger=lambda e: e % 2 == 0,
            disable_logger=True,
        )
        play(theirs, 60)
        theirs.close()
        assert_same_videos(tmp_path / "ours", tmp_path / "theirs")


def assert_same_videos(ours: Path, theirs: Path) -> None:
    """Same file names, same frames in each (moviepy sometimes writes one fewer)."""
    assert [p.name for p in videos_in(ours)] == [p.name for p in videos_in(theirs)]
    for mine, gyms in zip(videos_in(ours), videos_in(theirs)):
        ours_n, theirs_n = stream_info(mine)["frames"], stream_info(gyms)["frames"]
        assert theirs_n in (ours_n, ours_n - 1), (mine.name, ours_n, theirs_n)


class KeepVectorRenders(gym.vector.VectorWrapper):
    """Keeps a copy of the first sub-environment's render at every render call."""

    def __init__(self, env: gym.vector.VectorEnv) -> None:
        super().__init__(env)
        self.renders: list[np.ndarray] = []

    def render(self) -> Any:
        frames = self.env.render()
        self.renders.append(np.array(frames[0]))
        return frames


def play_vector(envs: gym.vector.VectorEnv, steps: int, seed: int = 0) -> None:
    envs.reset(seed=seed)
    envs.action_space.seed(seed)
    for _ in range(steps):
        envs.step(envs.action_space.sample())


@pytest.mark.parametrize("record_first_only", [True, False])
def test_vector_record_video_records_cartpole(tmp_path: Path, record_first_only: bool) -> None:
    import rlvideo.vector

    kept = KeepVectorRenders(gym.make_vec("CartPole-v1", 2, "sync", render_mode="rgb_array"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        envs = rlvideo.vector.RecordVideo(
            kept,
            str(tmp_path / "ours"),
            record_first_only=record_first_only,
            episode_trigger=lambda e: True,
        )
    # Gymnasium's own vector envs say how they autoreset (from 1.1) or have a single mode
    # (1.0): nothing to warn about.
    assert not [w for w in caught if "autoreset" in str(w.message)], caught
    play_vector(envs, 50)
    envs.close()
    videos = videos_in(tmp_path / "ours")
    assert len(videos) >= 2, videos
    decoded = [frame for video in videos for frame in decode(video)]
    assert len(decoded) == len(kept.renders)
    height, width = kept.renders[0].shape[:2]
    if record_first_only:
        assert min_psnr(kept.renders, decoded) > 40
    else:  # the two renders side by side (1x2 is the grid nearest to square for 600x400)
        assert decoded[0].shape == (height, 2 * width, 3)
        assert min_psnr(kept.renders, [frame[:, :width] for frame in decoded]) > 40
    vector_wrappers = importlib.import_module("gymnasium.wrappers.vector")
    if HAS_MOVIEPY and hasattr(vector_wrappers, "RecordVideo"):  # Gymnasium 1.2 and later
        theirs = vector_wrappers.RecordVideo(
            gym.make_vec("CartPole-v1", 2, "sync", render_mode="rgb_array"),
            str(tmp_path / "theirs"),
            record_first_only=record_first_only,
            episode_trigger=lambda e: True,
            disable_logger=True,
        )
        play_vector(theirs, 50)
        theirs.close()
        assert_same_videos(tmp_path / "ours", tmp_path / "theirs")


def test_save_video_records_cartpole(tmp_path: Path) -> None:
    env = gym.make("CartPole-v1", render_mode="rgb_array_list")
    play(env, 30)
    frames = env.render()
    save_video(frames, str(tmp_path), fps=env.metadata["render_fps"], episode_index=0)
    (video,) = videos_in(tmp_path)
    assert min_psnr(frames, decode(video)) > 40
