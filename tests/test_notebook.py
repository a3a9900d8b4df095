"""Videos under a notebook cell (`rlvideo.notebook`): the HTML that Jupyter/Colab show for
`show_videos(folder)` is loaded in headless Chromium, and each <video> must decode (size and
duration of the file) or, for a damaged file, say so in the page."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from rlvideo import VideoWriter
from rlvideo.notebook import Video, mp4_problem, show_videos
from tests.helpers import evaluate_in_chromium, gradient

needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("RLVIDEO_REQUIRE_CHROMIUM"),
    reason="needs chromium on PATH (Debian: apt-get install chromium; scripts/test.sh does)",
)

#: What the page reports once every <video> has loaded its first frame or failed.
REPORT = """
Promise.all([...document.querySelectorAll("video")].map((video) => new Promise((resolve) => {
  const done = (event) => resolve({
    event, title: video.title, width: video.videoWidth, height: video.videoHeight,
    duration: video.duration, error: video.error ? video.error.code : null});
  if (video.readyState >= 2) return done("loadeddata");
  if (video.error) return done("error");
  video.addEventListener("loadeddata", () => done("loadeddata"));
  video.addEventListener("error", () => done("error"));
  setTimeout(() => done("timeout"), 20000);
}))).then((videos) => ({
  videos,
  errors: [...document.querySelectorAll(".rlvideo-error")].map((e) => e.textContent),
  captions: [...document.querySelectorAll("figcaption")].map((e) => e.textContent),
}))
"""


def write(path: Path, height: int, width: int, frames: int, mtime: float) -> Path:
    with VideoWriter(path, 30) as writer:
        for t in range(frames):
            writer.write(gradient(height, width, t))
    os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    """Three videos of different sizes and lengths, oldest first: a (64x48, 30 frames),
    b (96x64, 45 frames), c (128x80, 60 frames)."""
    videos = tmp_path / "videos"
    videos.mkdir()
    now = time.time()
    write(videos / "a.mp4", 48, 64, 30, now - 30)
    write(videos / "b.mp4", 64, 96, 45, now - 20)
    write(videos / "c.mp4", 80, 128, 60, now - 10)
    return videos


def test_show_videos_picks_the_newest_first(folder):
    (folder / ".hidden.mp4.123-0.partial").write_bytes(b"")  # a video still being written
    shown = show_videos(folder, limit=2)
    assert [v.path.name for v in shown.videos] == ["c.mp4", "b.mp4"]
    assert [v.path.name for v in show_videos(folder).videos] == ["c.mp4", "b.mp4", "a.mp4"]
    html = shown._repr_html_()
    assert html.count("<video controls") == 2 and "data:video/mp4;base64," in html


def test_by_default_the_4_newest_are_shown(folder):
    now = time.time()
    for index, name in enumerate(["d.mp4", "e.mp4"]):
        shutil.copy(folder / "a.mp4", folder / name)
        os.utime(folder / name, (now - 5 + index, now - 5 + index))
    shown = show_videos(folder)
    assert [v.path.name for v in shown.videos] == ["e.mp4", "d.mp4", "c.mp4", "b.mp4"]
    assert shown._repr_html_().count("<video controls") == 4


def test_files_over_max_bytes_are_listed_not_embedded(folder):
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    assert sizes["a.mp4"] < sizes["b.mp4"] < sizes["c.mp4"]
    html = show_videos(folder, max_bytes=sizes["b.mp4"])._repr_html_()
    listed = f"c.mp4 is {sizes['c.mp4']:,} bytes, more than max_bytes={sizes['b.mp4']:,}"
    assert f'<div class="rlvideo-error">{listed}</div>' in html
    assert html.count("<video controls") == 2 and 'title="c.mp4"' not in html
    # The default limit is 50 MiB (a sparse file: only its size is looked at).
    with open(folder / "huge.mp4", "wb") as huge:
        huge.truncate(50 * 2**20 + 1)
    html = Video(folder / "huge.mp4")._repr_html_()
    assert "<video" not in html
    assert f"huge.mp4 is {50 * 2**20 + 1:,} bytes, more than max_bytes={50 * 2**20:,}" in html


def test_bad_arguments(folder, tmp_path):
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        show_videos(folder, limit=0)
    with pytest.raises(FileNotFoundError) as info:
        show_videos(tmp_path / "missing")
    assert info.value.filename == str(tmp_path / "missing")
    with pytest.raises(NotADirectoryError):
        show_videos(folder / "a.mp4")
    assert show_videos(tmp_path / "videos" / "..", limit=1)._repr_html_().count("<video") == 0


def test_a_truncated_file_is_reported_not_embedded(folder):
    data = (folder / "c.mp4").read_bytes()
    (folder / "cut.mp4").write_bytes(data[: len(data) // 2])
    problem = mp4_problem(folder / "cut.mp4")
    assert problem is not None and "needs" in problem, problem
    html = Video(folder / "cut.mp4")._repr_html_()
    assert "<video" not in html and "cannot show cut.mp4" in html
    assert mp4_problem(folder / "c.mp4") is None


@needs_chromium
def test_the_html_plays_in_headless_chromium(folder, tmp_path):
    # A damaged copy: the container is whole but the coded frames are noise, so only the
    # browser's decoder can tell; the page must say it cannot play it.
    data = bytearray((folder / "a.mp4").read_bytes())
    mdat = data.index(b"mdat") + 12  # past the 16-byte streaming mdat header
    data[mdat : mdat + 600] = np.random.default_rng(0).integers(0, 256, 600, np.uint8).tobytes()
    damaged = folder / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    os.utime(damaged, (0, 0))  # the oldest: shown last
    shown = show_videos(folder, limit=4)
    assert [v.path.name for v in shown.videos] == ["c.mp4", "b.mp4", "a.mp4", "damaged.mp4"]
    page = tmp_path / "notebook-cell.html"
    page.write_text(f"<!doctype html><html><body>{shown._repr_html_()}</body></html>")
    report = evaluate_in_chromium(page, REPORT, timeout=60)
    videos = {v["title"]: v for v in report["videos"]}
    for name, (width, height, frames) in {
        "c.mp4": (128, 80, 60),
        "b.mp4": (96, 64, 45),
        "a.mp4": (64, 48, 30),
    }.items():
        video = videos[name]
        assert video["event"] == "loadeddata" and video["error"] is None, video
        assert (video["width"], video["height"]) == (width, height), video
        assert video["duration"] == pytest.approx(frames / 30, abs=1e-3), video
    assert videos["damaged.mp4"]["event"] == "error", videos["damaged.mp4"]
    assert report["errors"] == ["cannot play damaged.mp4 in this browser"], report
    assert report["captions"] == ["c.mp4", "b.mp4", "a.mp4", "damaged.mp4"]
