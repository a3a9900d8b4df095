"""`python -m demo`: a CartPole agent learns; rlvideo films it; a gallery page shows the films.

Prints a line per iteration and per saved video, then a summary (episodes, frames, video sizes,
where the time went) and the gallery's path. `scripts/demo.sh` runs this after building
rlvideo.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from demo.train import Report


def summary_lines(report: Report) -> list[str]:
    frames = sum(item.frames for item in report.recorded)
    sizes = ", ".join(f"{item.bytes / 1024:.1f}" for item in report.recorded)
    total_bytes = sum(item.bytes for item in report.recorded)
    recording = report.wrapper_seconds + report.close_seconds
    return [
        f"{report.episodes} episodes, {report.steps} steps; {len(report.recorded)} videos, "
        f"{frames} frames, {total_bytes / 1024:.1f} KiB ({sizes} KiB)",
        f"time: {report.total_seconds:.2f} s in all; {report.env_seconds:.2f} s in the env's "
        f"step/reset; {report.render_seconds:.2f} s in env.render() drawing the frames (the "
        f"env's work, pygame's start-up included, the same under any recorder); "
        f"{recording:.2f} s in rlvideo: "
        f"{report.wrapper_seconds:.2f} s in RecordVideo handing frames to the encoder + "
        f"{report.close_seconds:.2f} s waiting in close() for the last video",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--video-folder", type=Path, default=Path("videos"))
    parser.add_argument("--iterations", type=int, default=10, help="CEM iterations")
    parser.add_argument("--population", type=int, default=40, help="episodes per iteration")
    parser.add_argument("--videos", type=int, default=3, help="episodes filmed, early to late")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # pygame renders off-screen
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())  # silences SDL
    try:
        from demo.gallery import Shown, write_gallery
        from demo.train import Report, Settings, train
    except ModuleNotFoundError as error:
        # Only a missing dependency of the demo extra gets this hint: anything else (a broken
        # rlvideo install, say) must show its own traceback.
        if error.name not in ("gymnasium", "pygame", "numpy"):
            raise
        print(f"the demo needs {error.name}: pip install 'rlvideo[demo]'", file=sys.stderr)
        return 1

    settings = Settings(args.video_folder, args.iterations, args.population, args.videos, args.seed)
    report = train(settings, Report())
    lines = summary_lines(report)
    shown = [
        Shown(
            item.path.name, item.label, item.episode, item.episode_return, item.frames, item.bytes
        )
        for item in report.recorded
        if item.path is not None
    ]
    gallery = write_gallery(args.video_folder, shown, lines)
    print("summary: " + "\n         ".join(lines))
    print(f"gallery: {gallery.resolve()} (open it in a browser: the videos play side by side)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
