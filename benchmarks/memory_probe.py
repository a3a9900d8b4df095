"""Peak resident memory above baseline while one long CartPole-v1 episode (600x400 renders)
is recorded; run in a fresh process per measurement:

    python -m benchmarks.memory_probe RECORDER FRAMES FOLDER   # prints one JSON line

Baseline is the resident size after the env has rendered once, just before the recorder is
wrapped around it. The kernel's peak counter (VmHWM) is reset there (``/proc/self/clear_refs``),
so the peak covers the recording, its encoding and ``close()``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import gymnasium as gym

from benchmarks import recorders

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def balancing_action(obs) -> int:
    """A hand-tuned controller that keeps the pole up for 10,000+ steps."""
    x, x_dot, theta, theta_dot = obs
    return int(theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot > 0)


def record_episode(recorder: str, frames: int, folder: Path) -> dict:
    env = gym.make("CartPole-v1", render_mode="rgb_array", max_episode_steps=frames)
    env.reset(seed=0)
    env.render()
    env = recorders.wrap(recorder, env, folder)
    baseline = _status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS

    obs, _ = env.reset(seed=0)
    for _ in range(frames - 1):  # the reset's frame plus frames - 1 steps
        obs, _, terminated, truncated, _ = env.step(balancing_action(obs))
        if terminated or truncated:
            break
    env.close()
    videos = sorted(folder.glob("*.mp4"))
    return {
        "recorder": recorder,
        "frames": frames,
        "baseline_mib": round(baseline / 1024, 1),
        "peak_above_baseline_mib": round((_status_kib("VmHWM") - baseline) / 1024, 1),
        "videos": [str(v) for v in videos],
    }


if __name__ == "__main__":
    recorder_name, frame_count, out_folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    print(json.dumps(record_episode(recorder_name, frame_count, out_folder)))
