"""Soak: many short recorded episodes in one process; memory, open files and threads stay flat.

RLVIDEO_SOAK_EPISODES (default 120) sets the length; the long variant uses 3000."""

from __future__ import annotations

import os
import resource

import gymnasium as gym
import numpy as np

from rlvideo import RecordVideo

EPISODES = int(os.environ.get("RLVIDEO_SOAK_EPISODES", "120"))


class SmallRender(gym.Wrapper):
    """CartPole, rendered at 1/8 size so the soak spends its time in our code."""

    def render(self):
        return np.ascontiguousarray(self.env.render()[::8, ::8])


def usage() -> tuple[float, int, int]:
    """(current RSS in MiB, open file descriptors, threads) of this process."""
    with open("/proc/self/statm") as statm:
        rss_pages = int(statm.read().split()[1])
    rss = rss_pages * resource.getpagesize() / 2**20
    return rss, len(os.listdir("/proc/self/fd")), len(os.listdir("/proc/self/task"))


def test_thousands_of_short_episodes_stay_flat(tmp_path):
    saved: list[str] = []
    env = RecordVideo(
        SmallRender(gym.make("CartPole-v1", render_mode="rgb_array")),
        str(tmp_path),
        episode_trigger=lambda e: True,
        on_video_saved=saved.append,
    )
    samples = {}
    for episode in range(EPISODES):
        env.reset(seed=episode)
        done = False
        while not done:
            *_, terminated, truncated, _ = env.step(env.action_space.sample())
            done = terminated or truncated
        if episode in (EPISODES // 5, EPISODES - 1):
            env._recorder.close()  # let every pending video finish before measuring
            samples[episode] = usage()
    env.close()
    assert len(saved) == EPISODES == len(list(tmp_path.glob("*.mp4")))
    (rss0, fds0, threads0), (rss1, fds1, threads1) = samples.values()
    print(
        f"soak {EPISODES}: RSS {rss0:.1f} -> {rss1:.1f} MiB, fds {fds0} -> {fds1}, "
        f"threads {threads0} -> {threads1}"
    )
    assert fds1 == fds0
    assert threads1 <= threads0 + 1
    assert rss1 - rss0 < 25, f"RSS grew {rss1 - rss0:.1f} MiB"
