"""Runs the README's first command, `scripts/demo.sh`, as scripts/test.sh's step for it: on the
.venv that `scripts/setup.sh test` has just built (RLVIDEO_SKIP_SETUP=1, so the extension is
not built a second time), a shorter training run (6 iterations, a few seconds) into a
temporary folder. Checks that each filmed episode was saved and reported by its `saved` line,
that each video decodes with the frames the demo says it handed over, that the agent's last
filmed return beats its first, and that the summary and the gallery page (which links every
video) are there. tests/test_demo.py plays the gallery in Chromium.

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

VIDEOS = 3
SAVED = re.compile(r"^saved (\S+\.mp4) \((\d+) bytes, (\d+) frames\): .*, return (\S+)$", re.M)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"check_demo: {message}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rlvideo-demo-") as tmp:
        folder = Path(tmp) / "videos"
        command = ["bash", str(ROOT / "scripts" / "demo.sh"), "--iterations", "6"]
        command += ["--videos", str(VIDEOS), "--video-folder", str(folder)]
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
        saved = SAVED.findall(run.stdout)
        check(len(saved) == VIDEOS, f"{len(saved)} videos reported saved, not {VIDEOS}")
        paths = [Path(path) for path, *_ in saved]
        found = sorted(folder.glob("*.mp4"))
        check(sorted(paths) == found, f"saved {paths}, the folder holds {found}")
        gallery = folder / "index.html"
        check(f"gallery: {gallery.resolve()} " in run.stdout, "no gallery line")
        page = gallery.read_text()
        for path, size, frames, _ in saved:
            video = Path(path)
            check(f'src="{video.name}"' in page, f"the gallery does not show {video.name}")
            check(video.stat().st_size == int(size), f"{video.name}: not {size} bytes")
            info = stream_info(video)
            check((info["width"], info["height"]) == (600, 400), f"{video.name}: {info}")
            decoded = len(decode(video))
            check(
                decoded == info["frames"] == int(frames),
                f"{video.name}: {decoded} frames decoded, {info['frames']} in the file, "
                f"{frames} handed over",
            )
            print(f"check_demo: {video.name} decodes: {frames} frames, 600x400")
        returns = [float(r) for *_, r in saved]
        check(returns[-1] > returns[0], f"the agent did not learn: returns {returns}")
        check(re.search(r"^summary: \d+ episodes", run.stdout, re.M) is not None, "no summary")


if __name__ == "__main__":
    main()
