"""The README's figures, drawn from the same pytest-benchmark JSON as its table
(`python -m benchmarks.report FILE` calls `draw_all`): bytes against PSNR for rlvideo's
speed x quantizer curve beside the peers, encoder CPU per frame, and the training loop's time
split, and a strip of decoded frames beside the env's renders. matplotlib is a benchmark-only
dependency, imported here only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: One colour per encoder family, the same in every figure.
COLOURS = {
    "rlvideo": "#1f77b4",
    "rlvideo static_skip=False": "#9ecae1",
    "rlvideo chroma=444": "#6baed6",
    "ffmpeg libx264 medium": "#ff7f0e",
    "ffmpeg libsvtav1 preset 12": "#2ca02c",
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def _rows(results: Any, test: str) -> list[dict[str, Any]]:
    return [row for row in results.rows if row["name"].split("[")[0] == test]


def quality(results: Any, out: Path) -> Path | None:
    """File size against mean PSNR on the 300 CartPole frames: one line per rlvideo speed
    (default tuning) through its quantizers, and the peers' single points."""
    curve = _rows(results, "test_speed_quantizer_curve")
    peers = [
        row["extra_info"]
        for row in _rows(results, "test_encoder_cpu")
        if row["extra_info"]["clip"] == "CartPole 600x400"
    ]
    if not curve:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    speeds = sorted({row["extra_info"]["speed"] for row in curve}, reverse=True)
    for speed in speeds:
        points = sorted(
            (row["extra_info"]["video_bytes"], row["extra_info"]["mean_psnr"])
            for row in curve
            if row["extra_info"]["speed"] == speed and row["extra_info"]["rl_tuning"]
        )
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker="o", label=f"rlvideo speed {speed} (quantizer sweep)")
    for peer in peers:
        name = peer["encoder"]
        ax.scatter(
            peer["file_bytes"], peer["mean_psnr"], s=80, marker="D",
            color=COLOURS.get(name, "black"), label=name, zorder=3,
        )  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("file size, bytes (300 CartPole-v1 frames, 600x400; log scale)")
    ax.set_ylabel("mean PSNR, dB")
    ax.set_title("Size against quality (up and left is better)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, out / "quality.png")


def encoder_cpu(results: Any, out: Path) -> Path | None:
    """CPU per frame on one encoder thread, per clip and encoder."""
    rows = [row["extra_info"] for row in _rows(results, "test_encoder_cpu")]
    if not rows:
        return None
    plt = _pyplot()
    clips = list(dict.fromkeys(row["clip"] for row in rows))
    encoders = [name for name in COLOURS if any(row["encoder"] == name for row in rows)]
    fig, axes = plt.subplots(1, len(clips), figsize=(4 * len(clips), 4), squeeze=False)
    for ax, clip in zip(axes[0], clips):
        names, values = [], []
        for name in encoders:
            found = [
                row["cpu_ms_per_frame"]
                for row in rows
                if (row["clip"], row["encoder"]) == (clip, name)
            ]
            if found:
                names.append(name)
                values.append(found[0])
        ax.barh(names, values, color=[COLOURS[name] for name in names])
        for y, value in enumerate(values):
            ax.text(value, y, f" {value:.2f}", va="center", fontsize=8)
        ax.set_title(clip, fontsize=10)
        ax.set_xlabel("CPU ms per frame (less is better)")
        ax.invert_yaxis()
    for ax in axes[0][1:]:
        ax.set_yticklabels([])
    fig.suptitle("Encoder CPU, one thread")
    return _save(fig, out / "encoder_cpu.png")


def training_loop(results: Any, out: Path) -> Path | None:
    """Wall time of the CartPole training loop split into the env's own work, time blocked
    in the recorder (step/reset/close beyond the env), and the rest of the loop."""
    rows = _rows(results, "test_training_loop")
    if not rows:
        return None
    plt = _pyplot()
    labels, env, blocked, rest = [], [], [], []
    for row in rows:
        e, params = row["extra_info"], row.get("params") or {}
        labels.append(f"{params.get('recorder')}\n{params.get('schedule')}")
        env.append(e["env_seconds"])
        blocked.append(e["blocked_seconds"])
        rest.append(max(0.0, e["wall_seconds"] - e["env_seconds"] - e["blocked_seconds"]))
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(labels) + 1.5))
    ax.barh(labels, env, color="#c7c7c7", label="env (step, reset, render)")
    ax.barh(labels, blocked, left=env, color="#d62728", label="blocked in the recorder")
    lefts = [a + b for a, b in zip(env, blocked)]
    ax.barh(labels, rest, left=lefts, color="#8c8c8c", label="rest of the loop")
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("seconds (300 CartPole-v1 episodes; less is better)")
    ax.set_title("Training loop time")
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, out / "training_loop.png")


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    # No timestamps in the PNG, so that a rerun with the same numbers changes nothing.
    fig.savefig(path, dpi=100, metadata={"Software": None})
    _pyplot().close(fig)
    return path


def draw_all(results: Any, out: Path) -> list[Path]:
    """Every figure the results have data for, and the frame strip (recorded now); returns
    the files written."""
    drawn = [draw(results, out) for draw in (quality, encoder_cpu, training_loop)]
    return [path for path in drawn if path is not None] + [frame_strip(out)]


def frame_strip(out: Path, frames_shown: int = 4) -> Path:
    """A CartPole episode recorded with rlvideo's RecordVideo (default options); a few of the
    env's renders above the same frames decoded from the video, each with its PSNR."""
    import tempfile

    import gymnasium as gym

    from rlvideo import RecordVideo
    from tests.helpers import decode, psnr

    class Spy(gym.Wrapper):
        def __init__(self, env: gym.Env) -> None:
            super().__init__(env)
            self.renders: list[Any] = []

        def render(self) -> Any:
            frame = self.env.render()
            self.renders.append(frame.copy())
            return frame

    with tempfile.TemporaryDirectory() as folder:
        spy = Spy(gym.make("CartPole-v1", render_mode="rgb_array"))
        env = RecordVideo(spy, folder, episode_trigger=lambda e: e == 0)
        env.reset(seed=3)
        env.action_space.seed(3)
        done = False
        while not done:
            *_, terminated, truncated, _ = env.step(env.action_space.sample())
            done = terminated or truncated
        env.close()
        (video,) = Path(folder).glob("*.mp4")
        decoded = decode(video)
        size = video.stat().st_size
    source = spy.renders[: len(decoded)]
    picks = [round(i * (len(decoded) - 1) / (frames_shown - 1)) for i in range(frames_shown)]
    # Shown cropped to the cart and pole (margin 24 px): a whole 600x400
    # render would shrink the detail a reader wants to compare to a few pixels.
    import numpy as np

    drawn = np.any([(source[i] < 250).any(-1) for i in picks], axis=0)
    cols = np.nonzero(drawn.sum(0) > 3)[0]  # the track is a line: 1-2 pixels per column
    rows = np.nonzero(drawn[:, cols.min() : cols.max() + 1].any(1))[0]
    top_row, bottom_row = max(rows.min() - 24, 0), min(rows.max() + 25, drawn.shape[0])
    left, right = max(cols.min() - 24, 0), min(cols.max() + 25, drawn.shape[1])
    crop = (slice(top_row, bottom_row), slice(left, right))
    plt = _pyplot()
    fig, axes = plt.subplots(2, frames_shown, figsize=(3 * frames_shown, 5))
    for column, index in enumerate(picks):
        top, bottom = axes[0][column], axes[1][column]
        top.imshow(source[index][crop], interpolation="nearest")
        top.set_title(f"env render, frame {index}", fontsize=9)
        bottom.imshow(decoded[index][crop], interpolation="nearest")
        score = psnr(source[index], decoded[index])
        bottom.set_title(f"decoded (whole frame {score:.1f} dB)", fontsize=9)
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(
        f"CartPole-v1 with rlvideo's RecordVideo, default options: {len(decoded)} frames, "
        f"{size:,} bytes",
        fontsize=10,
    )
    return _save(fig, out / "strip.png")
