"""Weights & Biases' gym monitoring (`wandb.init(monitor_gym=True)`, CleanRL's
`--capture-video --track`) logs rlvideo's videos as it logs Gymnasium's: one media file per
video, byte for byte the video we wrote. Runs wandb for real, offline, in a fresh process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import wandb_offline_env

# scripts/test.sh installs wandb (the test extra) and sets RLVIDEO_REQUIRE_WANDB: there these
# tests must run, not skip, so a missing wandb is an error.
if os.environ.get("RLVIDEO_REQUIRE_WANDB"):
    import wandb  # noqa: F401
else:
    pytest.importorskip("wandb")

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, os, sys
import gymnasium as gym
import wandb
from rlvideo import RecordVideo
from rlvideo.vector import RecordVideo as VectorRecordVideo

folder, monitor, kind, prefix = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4]
run = wandb.init(project="rlvideo-test", monitor_gym=monitor, dir=folder)
if kind == "sb3":
    from stable_baselines3.common.vec_env import DummyVecEnv
    from rlvideo.sb3 import VecVideoRecorder
    envs = DummyVecEnv([lambda: gym.make("CartPole-v1", render_mode="rgb_array")] * 2)
    env = VecVideoRecorder(envs, os.path.join(folder, "videos"),
                           record_video_trigger=lambda s: s % 20 == 0, video_length=10)
    env.reset()
    for _ in range(55):
        env.step([envs.action_space.sample() for _ in range(2)])
elif kind == "vector":
    envs = gym.make_vec("CartPole-v1", num_envs=2, render_mode="rgb_array")
    env = VectorRecordVideo(envs, os.path.join(folder, "videos"),
                            step_trigger=lambda s: s % 20 == 0, video_length=10)
    env.reset(seed=0)
    for _ in range(60):
        env.step(envs.action_space.sample())
else:
    env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"),
                      os.path.join(folder, "videos"), episode_trigger=lambda e: True,
                      name_prefix=prefix)
    for episode in range(3):
        env.reset(seed=episode)
        done = False
        while not done:
            *_, terminated, truncated, _ = env.step(env.action_space.sample())
            done = terminated or truncated
env.close()
media = os.path.join(run.dir, "media", "videos")
wandb.finish()
print(json.dumps({"media": media}))
"""


def run_with_wandb(
    tmp_path: Path, monitor: bool, kind: str = "single", name_prefix: str = "rl-video"
) -> tuple[Path, Path]:
    """(our video folder, the run's media/videos folder) after recording under wandb
    (`name_prefix` is that of the single-env RecordVideo)."""
    env = wandb_offline_env(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path), str(int(monitor)), kind,
         name_prefix],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    media = Path(json.loads(run.stdout.splitlines()[-1])["media"])
    return tmp_path / "videos", media


def digests(paths) -> list[str]:
    return sorted(hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths)


@pytest.mark.parametrize("kind", ["single", "vector", "sb3"])
def test_monitor_gym_logs_each_finished_video(tmp_path, kind):
    ours, media = run_with_wandb(tmp_path, monitor=True, kind=kind)
    videos = sorted(ours.glob("*.mp4"))
    assert len(videos) == 3, videos
    logged = sorted(media.glob("*.mp4"))
    # Logged under wandb's key for paths without "video.N": "videos" (media/videos/videos_*).
    assert all(p.name.startswith("videos_") for p in logged), logged
    assert digests(logged) == digests(videos)


def test_a_path_holding_video_n_is_logged_under_that_key(tmp_path):
    # wandb's rule for Gymnasium's videos: the key is "video.N" when the path holds one (old
    # gym named its files openaigym.video.N...), else "videos".
    ours, media = run_with_wandb(tmp_path, monitor=True, name_prefix="openaigym.video.7")
    videos = sorted(ours.glob("*.mp4"))
    assert [p.name for p in videos] == [f"openaigym.video.7-episode-{i}.mp4" for i in range(3)]
    logged = sorted(media.glob("*.mp4"))
    assert len(logged) == 3 and all(p.name.startswith("video.7_") for p in logged), logged
    assert digests(logged) == digests(videos)


def test_without_monitor_gym_nothing_is_logged(tmp_path):
    ours, media = run_with_wandb(tmp_path, monitor=False)
    assert len(list(ours.glob("*.mp4"))) == 3
    assert not media.exists() or list(media.iterdir()) == []


def test_rlvideo_never_imports_wandb():
    script = textwrap.dedent(
        """
        import sys, tempfile
        import numpy as np
        import gymnasium as gym
        from rlvideo import RecordVideo
        env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), tempfile.mkdtemp())
        env.reset(seed=0)
        for _ in range(5):
            env.step(0)
        env.close()
        print("wandb" in sys.modules)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[-1] == "False"
