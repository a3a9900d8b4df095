"""`index.html` beside the videos: they play side by side, each under its episode's return."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Shown:
    """One recorded episode as the gallery shows it."""

    file: str  # name inside the video folder: the page links it relatively
    label: str  # e.g. "iteration 0 (untrained)"
    episode: int
    episode_return: float
    frames: int
    bytes: int


# Plain HTML, no external assets: it opens from file:// and works offline. The script reports a
# browser that cannot decode AV1 under the video instead of leaving a black box.
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>rlvideo demo: CartPole learning</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }}
.row {{ display: flex; flex-wrap: wrap; gap: 1rem; }}
figure {{ margin: 0; flex: 1 1 300px; max-width: 600px; }}
video {{ width: 100%; background: #000; }}
figcaption {{ margin-top: .3rem; }}
.return {{ font-weight: bold; }}
.problem {{ color: #b00; }}
</style></head>
<body>
<h1>CartPole-v1, learning with the cross-entropy method</h1>
{summary}
<div class="row">
{figures}
</div>
<p>AV1 in MP4 plays in Chrome, Edge 121+ and Firefox, and in Safari on devices with AV1
hardware (Apple M3, A17 Pro and later). Elsewhere, make an H.264 copy with ffmpeg:
<code>ffmpeg -i cartpole-episode-0.mp4 -c:v libx264 -pix_fmt yuv420p -crf 23
cartpole-episode-0-h264.mp4</code> (the playback page of rlvideo's documentation,
<code>docs/playback.md</code>, has more).</p>
<script>
for (const video of document.querySelectorAll("video")) {{
  const say = (text) => {{
    const note = document.createElement("div");
    note.className = "problem";
    note.textContent = text;
    video.parentElement.appendChild(note);
  }};
  if (!video.canPlayType('video/mp4; codecs="av01.0.08M.08"')) {{
    say("This browser reports no AV1 decoder: see below.");
  }}
  video.addEventListener("error", () => say("This browser could not play the video: see below."));
}}
</script>
</body></html>
"""

_FIGURE = """<figure>
<video src="{src}" controls autoplay muted loop playsinline
  data-episode="{episode}" data-return="{episode_return}" data-frames="{frames}"></video>
<figcaption>{label}: episode {episode},
<span class="return">return {episode_return:g}</span>
({frames} frames, {kib:.1f} KiB)</figcaption>
</figure>"""


def write_gallery(folder: Path, shown: list[Shown], summary: list[str]) -> Path:
    """Write `folder/index.html` for `shown` (in order, left to right), under the `summary`
    lines, and return its path."""
    figures = "\n".join(
        _FIGURE.format(
            src=html.escape(item.file),
            label=html.escape(item.label),
            episode=item.episode,
            episode_return=item.episode_return,
            frames=item.frames,
            kib=item.bytes / 1024,
        )
        for item in shown
    )
    page = folder / "index.html"
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in summary)
    page.write_text(_PAGE.format(summary=paragraphs, figures=figures))
    return page
