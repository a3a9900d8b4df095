"""The README's first command's output as a visitor sees it: `videos/index.html` opened in a
browser (headless Chromium) plays every video, and the agent got better."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import evaluate_in_chromium

ROOT = Path(__file__).resolve().parent.parent

# For each <video>: wait until it has played past 0.1 s (the untrained agent's video is
# ~0.25 s long and loops, so `played` is read, not `currentTime`) and has been seen with a
# frame to show (readyState >= 2: a looping video drops to 1 as it seeks back), or failed.
_WATCH = """
(async () => {
  const watch = (video) => new Promise((resolve) => {
    const played = () => video.played.length ? video.played.end(video.played.length - 1) : 0;
    let readyState = video.readyState;
    const finish = (why) => resolve({
      why, readyState, played: played(), error: video.error && video.error.code,
      width: video.videoWidth, height: video.videoHeight, src: video.getAttribute("src"),
      episodeReturn: Number(video.dataset.return),
    });
    video.addEventListener("error", () => finish("error"));
    // An error may have come before this listener: poll for it too.
    const poll = () => {
      readyState = Math.max(readyState, video.readyState);
      if (video.error) finish("error");
      else if (played() > 0.1 && readyState >= 2) finish("played");
      else setTimeout(poll, 20);
    };
    video.addEventListener("canplay", () => { readyState = Math.max(readyState, 3); });
    poll();
    setTimeout(() => finish("timeout"), 20000);
  });
  const videos = await Promise.all([...document.querySelectorAll("video")].map(watch));
  return { videos, problems: [...document.querySelectorAll(".problem")].map((e) => e.textContent) };
})()
"""


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo") / "videos"
    run = subprocess.run(
        [sys.executable, "-m", "demo", "--iterations", "6", "--video-folder", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return folder, run.stdout


def test_demo_prints_each_video_and_the_gallery(demo_output: tuple[Path, str]) -> None:
    folder, stdout = demo_output
    saved = re.findall(r"^saved (\S+\.mp4) \((\d+) bytes, \d+ frames\)", stdout, re.M)
    assert len(saved) == 3, stdout
    for path, size in saved:
        assert Path(path).parent == folder and Path(path).stat().st_size == int(size)
    assert f"gallery: {(folder / 'index.html').resolve()} " in stdout
    assert re.search(r"^summary: \d+ episodes, \d+ steps; 3 videos, \d+ frames", stdout, re.M)


@pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("RLVIDEO_REQUIRE_CHROMIUM"),
    reason="needs chromium on PATH (Debian: apt-get install chromium; scripts/test.sh does)",
)
def test_gallery_plays_every_video_and_shows_learning(demo_output: tuple[Path, str]) -> None:
    folder, _ = demo_output
    state = evaluate_in_chromium(folder / "index.html", _WATCH, timeout=40)
    videos = state["videos"]
    assert [v["src"] for v in videos] == sorted(
        (p.name for p in folder.glob("*.mp4")), key=lambda name: int(name.split("-")[-1][:-4])
    )
    assert len(videos) == 3
    for video in videos:
        assert video["why"] == "played" and video["error"] is None, video
        assert video["readyState"] >= 2 and (video["width"], video["height"]) == (600, 400), video
    assert state["problems"] == []
    returns = [v["episodeReturn"] for v in videos]
    assert returns[-1] > returns[0], returns
