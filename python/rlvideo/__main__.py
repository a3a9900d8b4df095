"""``python -m rlvideo demo``: record CartPole-v1 episodes into ./videos with RecordVideo."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def demo(video_folder: Path, episodes: int, seed: int) -> int:
    """Play CartPole-v1 with a random policy, recording every episode with RecordVideo."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # pygame renders off-screen
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())  # silences SDL
    try:
        import gymnasium as gym
    except ImportError:
        print("the demo needs gymnasium: pip install 'gymnasium[classic-control]'", file=sys.stderr)
        return 1

    from rlvideo import RecordVideo

    def saved(path: str) -> None:
        print(f"saved {path} ({Path(path).stat().st_size} bytes)")

    env = gym.make("CartPole-v1", render_mode="rgb_array")
    env = RecordVideo(
        env,
        video_folder=str(video_folder),
        name_prefix="cartpole",
        episode_trigger=lambda episode: True,
        on_video_saved=saved,
        disable_logger=False,  # say what close() waits for if the encoder is behind
    )
    env.action_space.seed(seed)
    started = time.perf_counter()
    for episode in range(episodes):
        env.reset(seed=seed + episode)
        done, steps = False, 0
        while not done:
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            done = terminated or truncated
            steps += 1
        print(f"episode {episode}: {steps} steps, {steps + 1} frames handed to the encoder")
    env.close()  # waits until every video is complete
    elapsed = time.perf_counter() - started
    print(f"recorded {episodes} episodes into {video_folder}/ in {elapsed:.2f} s")
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
