"""Runs the README's first command, `scripts/demo.sh`, as scripts/test.sh's step for it: on the
.venv that `scripts/setup.sh test` has just built (RLVIDEO_SKIP_SETUP=1, so the extension is
not built a second time), recording 2 episodes into a temporary folder. Checks that it saved
one video per episode, each reported by its `saved` line, and that each decodes with the
frames the demo says it handed to the encoder.

Usage: .venv/bin/python scripts/check_demo.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import decode, stream_info  # noqa: E402

EPISODES = 2


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"check_demo: {message}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rlvideo-demo-") as tmp:
        folder = Path(tmp) / "videos"
        command = ["bash", str(ROOT / "scripts" / "demo.sh"), "--episodes", str(EPISODES)]
        command += ["--video-folder", str(folder)]
        run = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "RLVIDEO_SKIP_SETUP": "1"},
            check=False,
        )
        sys.stdout.write(run.stdout)
        sys.stderr.write(run.stderr)
        check(run.returncode == 0, f"scripts/demo.sh exited with {run.returncode}")
        handed = re.findall(r"^episode \d+: \d+ steps, (\d+) frames handed", run.stdout, re.M)
        saved = re.findall(r"^saved (.+\.mp4) \(\d+ bytes\)$", run.stdout, re.M)
        expected = [folder / f"cartpole-episode-{i}.mp4" for i in range(EPISODES)]
        check(len(handed) == EPISODES, f"{len(handed)} episodes reported, not {EPISODES}")
        check(sorted(saved) == [str(p) for p in expected], f"saved lines: {saved}")
        found = sorted(folder.iterdir()) if folder.is_dir() else []
        check(found == expected, f"the folder holds {[p.name for p in found]}")
        for path, frames in zip(expected, map(int, handed)):
            info = stream_info(path)
            size = (info["width"], info["height"])
            check(size == (600, 400), f"{path.name} is {size[0]}x{size[1]}, not 600x400")
            decoded = len(decode(path))
            check(
                decoded == info["frames"] == frames,
                f"{path.name}: {decoded} frames decoded, {info['frames']} in the file, "
                f"{frames} handed over",
            )
            print(f"check_demo: {path.name} decodes: {frames} frames, 600x400")


if __name__ == "__main__":
    main()
