"""``python -m rlvideo demo``: record a few episodes of CartPole-v1 into ./videos."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def demo(video_folder: Path, episodes: int, seed: int) -> int:
    """Play CartPole-v1 with a random policy and record every episode."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # pygame renders off-screen
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())  # silences SDL
    try:
        import gymnasium as gym
    except ImportError:
        print("the demo needs gymnasium: pip install 'gymnasium[classic-control]'", file=sys.stderr)
        return 1

    from rlvideo import VideoWriter

    video_folder.mkdir(parents=True, exist_ok=True)
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    fps = env.metadata.get("render_fps", 30)
    env.action_space.seed(seed)
    started = time.perf_counter()
    for episode in range(episodes):
        env.reset(seed=seed + episode)
        path = video_folder / f"cartpole-episode-{episode}.mp4"
        with VideoWriter(path, fps) as writer:
            writer.write(env.render())
            done = False
            while not done:
                _, _, terminated, truncated, _ = env.step(env.action_space.sample())
                writer.write(env.render())
                done = terminated or truncated
        print(f"{path}: {writer.frames} frames, {writer.bytes} bytes, {writer.duration:.2f} s")
    env.close()
    print(f"recorded {episodes} episodes in {time.perf_counter() - started:.2f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rlvideo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("demo", help="record CartPole-v1 episodes with a random policy")
    run.add_argument("--video-folder", type=Path, default=Path("videos"))
    run.add_argument("--episodes", type=int, default=3)
    run.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return demo(args.video_folder, args.episodes, args.seed)


if __name__ == "__main__":
    sys.exit(main())
