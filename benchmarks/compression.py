"""Record the same CartPole-v1 episodes with Gymnasium's RecordVideo and ours, then decode
each video and compare it frame by frame with what the env rendered."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from benchmarks import recorders
from tests.helpers import decode, psnr

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")


class RenderLog(gym.Wrapper):
    """Keeps every frame the env renders, one list per episode."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.episodes: list[list[np.ndarray]] = []

    def reset(self, **kwargs: Any) -> Any:
        self.episodes.append([])
        return self.env.reset(**kwargs)

    def render(self) -> Any:
        frame = self.env.render()
        self.episodes[-1].append(np.array(frame, copy=True))
        return frame


@dataclass
class Quality:
    videos: int
    frames: int  # frames compared (decoded and rendered)
    missing: int  # rendered frames the videos lack
    video_bytes: int
    mean_psnr: float  # over all compared frames, dB
    min_psnr: float  # worst frame, dB


def record_and_compare(recorder: str, folder: Path, episodes: int, seed: int = 0) -> Quality:
    """Records `episodes` random-policy episodes (all of them) and measures the videos."""
    log = RenderLog(gym.make("CartPole-v1", render_mode="rgb_array"))
    env = recorders.wrap(recorder, log, folder, episode_trigger=lambda _: True)
    env.action_space.seed(seed)
    for episode in range(episodes):
        env.reset(seed=seed + episode)
        done = False
        while not done:
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            done = terminated or truncated
    env.close()

    scores: list[float] = []
    missing = 0
    total_bytes = 0
    for episode, rendered in enumerate(log.episodes):
        video = folder / f"rl-video-episode-{episode}.mp4"
        total_bytes += video.stat().st_size
        decoded = decode(video)
        missing += len(rendered) - len(decoded)
        scores += [psnr(r, d) for r, d in zip(rendered, decoded)]
    return Quality(
        videos=len(log.episodes),
        frames=len(scores),
        missing=missing,
        video_bytes=total_bytes,
        mean_psnr=float(np.mean(scores)),
        min_psnr=float(np.min(scores)),
    )
