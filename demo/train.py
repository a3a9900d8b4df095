"""The training run: CEM on CartPole-v1, with chosen episodes recorded by `rlvideo.RecordVideo`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import gymnasium as gym
import numpy as np

from demo.cem import CrossEntropy, LinearPolicy
from demo.timing import TimedEnv
from rlvideo import RecordVideo


@dataclass(frozen=True)
class Settings:
    video_folder: Path
    iterations: int = 10
    population: int = 40
    videos: int = 3
    seed: int = 0


@dataclass
class Recorded:
    """A recorded episode: what the training loop knew of it when it ended."""

    label: str
    episode: int
    episode_return: float
    frames: int  # the reset's frame plus one per step, as RecordVideo writes them
    path: Path | None = None  # set once the video is complete on disk
    bytes: int = 0


@dataclass
class Report:
    episodes: int = 0
    steps: int = 0
    recorded: list[Recorded] = field(default_factory=list)
    total_seconds: float = 0.0
    env_seconds: float = 0.0  # the env's own step/reset
    render_seconds: float = 0.0  # drawing the frames the videos need
    wrapper_seconds: float = 0.0  # RecordVideo's own work in step/reset: the hand-off
    close_seconds: float = 0.0  # RecordVideo.close(): waiting for the encoder to finish


def showcase_iterations(iterations: int, videos: int) -> set[int]:
    """Which iterations' policies are filmed: spread from untrained (0) to trained (last)."""
    return {int(i) for i in np.linspace(0, iterations, num=max(videos, 1)).round()}


def play(env: gym.Env, policy: LinearPolicy, seed: int | None) -> tuple[float, int]:
    """One episode; returns (return, steps)."""
    observation, _ = env.reset(seed=seed)
    total, steps, done = 0.0, 0, False
    while not done:
        observation, reward, terminated, truncated, _ = env.step(policy.act(observation))
        total += float(reward)
        steps += 1
        done = terminated or truncated
    return total, steps


def train(settings: Settings, report: Report) -> Report:
    """Train, filming the mean policy at the showcase iterations; prints a line per video.

    Iteration k first plays one episode with the current mean policy (the one filmed, when k
    is a showcase iteration), then a population of sampled policies, and refits. The last
    "iteration" only plays the mean policy: the trained agent.
    """
    film = showcase_iterations(settings.iterations, settings.videos)
    by_episode: dict[int, Recorded] = {}
    filming = False

    def saved(path: str) -> None:
        # Called on this thread inside step/reset/close once a file is complete.
        episode = int(Path(path).stem.rsplit("-", 1)[1])
        item = by_episode[episode]
        item.path, item.bytes = Path(path), Path(path).stat().st_size
        print(
            f"saved {path} ({item.bytes} bytes, {item.frames} frames): "
            f"{item.label}, return {item.episode_return:g}",
            flush=True,
        )

    inner = TimedEnv(gym.make("CartPole-v1", render_mode="rgb_array"))
    recorder = RecordVideo(
        inner,
        video_folder=str(settings.video_folder),
        name_prefix="cartpole",
        episode_trigger=lambda _: filming,
        on_video_saved=saved,
    )
    outer = TimedEnv(recorder)
    learner = CrossEntropy(
        dimension=outer.observation_space.shape[0] + 1,
        population=settings.population,
        rng=np.random.default_rng(settings.seed),
    )
    started = time.perf_counter()
    for iteration in range(settings.iterations + 1):
        filming = iteration in film
        episode = report.episodes
        mean_return, steps = play(outer, learner.policy(), seed=settings.seed + iteration)
        report.episodes += 1
        report.steps += steps
        if filming:
            stage = "untrained" if iteration == 0 else f"after {iteration} iterations"
            label = f"iteration {iteration} ({stage})"
            item = Recorded(label, episode, mean_return, steps + 1)
            by_episode[episode] = item
            report.recorded.append(item)
        filming = False
        if iteration == settings.iterations:
            print(f"iteration {iteration}: mean policy return {mean_return:g} (trained)")
            break
        candidates = learner.sample()
        returns = []
        for candidate in candidates:
            candidate_return, steps = play(outer, candidate, seed=None)
            returns.append(candidate_return)
            report.episodes += 1
            report.steps += steps
        learner.update(candidates, returns)
        print(
            f"iteration {iteration}: mean policy return {mean_return:g}, "
            f"population mean {np.mean(returns):.1f}, best {max(returns):g}",
            flush=True,
        )
    closing = time.perf_counter()
    outer.close()  # waits until every video is complete
    report.close_seconds = time.perf_counter() - closing
    report.total_seconds = time.perf_counter() - started
    report.env_seconds = inner.seconds
    report.render_seconds = inner.render_seconds
    report.wrapper_seconds = outer.seconds - inner.seconds - inner.render_seconds
    return report
