"""Soak: many short recorded episodes in one process; memory, open files and threads stay flat.

Runs in a fresh interpreter, so that what other tests left behind does not blur the numbers.
RLVIDEO_SOAK_EPISODES (default 120) sets the length; the long variant uses 3000."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EPISODES = int(os.environ.get("RLVIDEO_SOAK_EPISODES", "120"))

#: CartPole's own 600x400 renders.
FRAME_BYTES = 400 * 600 * 3
#: How much the bytes malloc has handed out and not had back may grow over the window. What
#: is live between videos is ~9 MiB and moves by ~20 kB; one frame kept per episode would
#: add 0.7 MiB per episode.
IN_USE_SLACK_MIB = 1.0

SOAK = """
import ctypes, json, os, resource, sys
import gymnasium as gym
from rlvideo import RecordVideo

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2

def usage():
    with open("/proc/self/statm") as statm:
        rss = int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    info = libc.mallinfo2()
    in_use = (info.uordblks + info.hblkhd) / 2**20  # malloc'd and not freed, all arenas
    return in_use, rss, len(os.listdir("/proc/self/fd")), len(os.listdir("/proc/self/task"))

episodes, folder = int(sys.argv[1]), sys.argv[2]
saved = []
env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), folder,
                  episode_trigger=lambda e: True, on_video_saved=saved.append)
env.action_space.seed(0)
samples = []
every = max(1, episodes // 10)
for episode in range(episodes):
    env.reset(seed=episode)
    done = False
    while not done:
        *_, terminated, truncated, _ = env.step(env.action_space.sample())
        done = terminated or truncated
    if episode >= episodes // 5 and (episode + 1) % every == 0:
        env._recorder.close()  # let every pending video finish before measuring
        samples.append([episode, *usage()])
env.close()
print(json.dumps({"saved": len(saved), "samples": samples}))
"""


def test_thousands_of_short_episodes_stay_flat(tmp_path):
    folder = tmp_path / "videos"
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SOAK), str(EPISODES), str(folder)],
        capture_output=True,
        text=True,
        timeout=60 + EPISODES,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["saved"] == EPISODES == len(list(folder.glob("*.mp4")))
    samples = result["samples"]  # [episode, MiB in use, RSS MiB, open files, threads]
    assert len(samples) >= 6, samples
    first, last = samples[:3], samples[-3:]
    in_use0 = sorted(s[1] for s in first)[1]
    in_use1 = sorted(s[1] for s in last)[1]
    episodes_between = last[1][0] - first[1][0]
    rss = [round(s[2]) for s in samples]
    print(
        f"soak {EPISODES}: in use {in_use0:.2f} -> {in_use1:.2f} MiB over {episodes_between} "
        f"episodes (RSS {rss}), fds {first[0][3]} -> {last[-1][3]}, "
        f"threads {first[0][4]} -> {last[-1][4]}"
    )
    # Memory is measured as what malloc has handed out and not had back (mallinfo2, every
    # arena): RSS swings by ~50 MiB from one video to the next here without trending (freed
    # memory the allocator keeps, per-thread arenas), so it could not see a frame per episode.
    assert FRAME_BYTES * episodes_between / 2**20 > 10 * IN_USE_SLACK_MIB, "window too short"
    assert in_use1 - in_use0 < IN_USE_SLACK_MIB, f"in use grew {in_use1 - in_use0:.2f} MiB"
    assert last[-1][3] == first[0][3], f"open files: {samples}"
    assert last[-1][4] <= first[0][4] + 1, f"threads: {samples}"
