"""The driver's memory over training iterations while RLlib's episodes are recorded (issue 23:
"driver peak memory flat over iterations"). PPO on CartPole-v1 (new API stack, 2 EnvRunners
of one env each, 600x400 renders) in a fresh process per setup:

    python -m benchmarks.rllib_memory SETUP ITERATIONS FOLDER [OPTIONS]   # one JSON line

SETUP: ``none`` (no callback) or ``rlvideo`` (``RecordVideoCallback`` recording every
episode of both EnvRunners: the most videos per iteration it can ship). OPTIONS, a JSON
object of rlvideo encoder options (default: none), can make the files much larger (e.g.
``{"quantizer": 0, "keyframe_interval": 1}``), so that a driver that kept them would show it.

After each ``train()`` the driver's resident size (VmRSS) and its peak during that
iteration (VmHWM, reset before it through ``/proc/self/clear_refs``) are noted, with the
videos written on the driver in that iteration. Each video arrives on the driver as bytes in
the EnvRunners' metrics and is written to a file. RSS is too coarse to see a few kilobytes
a video kept, so the driver's Python heap is also searched for MP4 files held as ``bytes``
(`alive_videos`): when ``on_train_result`` starts (``in_flight_videos``: the search sees
the iteration's videos) and after ``train()`` returns (``alive_videos``: what anything --
the result, RLlib's MetricsLogger, our callback -- still holds). Nothing accumulates when
the videos alive after an iteration are never more than that iteration shipped.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import sys
from pathlib import Path
from typing import Any

SETUPS = ("none", "rlvideo")


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def alive_videos() -> tuple[int, int]:
    """How many MP4 files are alive as ``bytes`` in this process's Python heap, and their
    bytes: every ``bytes`` with an ``ftyp`` box first that the containers the garbage
    collector tracks refer to, directly or through dicts and tuples it does not track (it
    untracks those that hold only atomic values, such as an EnvRunner's item: name, bytes,
    numbers). A video shipped to the driver arrives as one, in the EnvRunners' metrics."""
    gc.collect()
    seen: set[int] = set()
    count = size = 0
    stack = list(gc.get_objects())
    while stack:
        for value in gc.get_referents(stack.pop()):
            if type(value) is bytes:
                if len(value) > 64 and value[4:8] == b"ftyp" and id(value) not in seen:
                    seen.add(id(value))
                    count += 1
                    size += len(value)
            elif type(value) in (dict, tuple) and not gc.is_tracked(value):
                stack.append(value)
    return count, size


def build(setup: str, folder: Path, options: dict[str, Any]) -> Any:
    from ray.rllib.algorithms.ppo import PPOConfig

    config = (
        PPOConfig()
        .environment("CartPole-v1", env_config={"render_mode": "rgb_array"})
        .env_runners(num_env_runners=2, num_envs_per_env_runner=1)
        .training(train_batch_size_per_learner=1000, minibatch_size=250, num_epochs=1)
    )
    if setup == "rlvideo":
        from rlvideo.rllib import RecordVideoCallback

        config.callbacks(
            functools.partial(
                RecordVideoCallback,
                str(folder / "videos"),
                episode_trigger=lambda episode: True,
                runner_folder=str(folder / "runners"),
                **options,
            )
        )
    elif setup != "none":
        raise ValueError(f"unknown setup {setup!r}")
    return config.build_algo()


def measure(setup: str, iterations: int, folder: Path, options: dict[str, Any]) -> dict[str, Any]:
    import ray

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    rows = []
    in_flight: list[int] = []
    if setup == "rlvideo":  # the driver's instance only: the EnvRunners import their own
        from rlvideo.rllib import RecordVideoCallback

        take = RecordVideoCallback._take

        def counted(self: Any, kind: str, *args: Any) -> list[str]:
            if kind == "training":  # the videos as bytes, before they are written
                in_flight.append(alive_videos()[0])
            return take(self, kind, *args)

        RecordVideoCallback._take = counted  # type: ignore[method-assign]
    try:
        algo = build(setup, folder, options)
        try:
            for iteration in range(1, iterations + 1):
                Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
                result = algo.train()
                del result  # as a loop that keeps no results
                videos = sorted((folder / "videos").rglob("*.mp4"))
                alive, alive_bytes = alive_videos()
                shipped = len(videos) - (rows[-1]["videos"] if rows else 0)
                rows.append(
                    {
                        "iteration": iteration,
                        "rss_mib": round(_status_kib("VmRSS") / 1024, 1),
                        "peak_mib": round(_status_kib("VmHWM") / 1024, 1),
                        "videos": len(videos),
                        "video_bytes": sum(v.stat().st_size for v in videos),
                        "shipped_videos": shipped,
                        "in_flight_videos": in_flight[-1] if in_flight else 0,
                        "alive_videos": alive,
                        "alive_video_bytes": alive_bytes,
                    }
                )
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        finally:
            algo.stop()
    finally:
        ray.shutdown()
    return {"setup": setup, "options": options, "iterations": rows}


def summary(rows: list[dict[str, Any]], skip: int) -> dict[str, Any]:
    """From the first iteration after `skip` (warm-up: RLlib's and PyTorch's first
    allocations) to the last: the driver's per-iteration peak, its rise, the videos written
    in between, and the most videos the heap held after an iteration."""
    first, last = rows[skip], rows[-1]
    return {
        "iterations": len(rows),
        "peak_first_mib": first["peak_mib"],
        "peak_last_mib": last["peak_mib"],
        "peak_max_mib": max(row["peak_mib"] for row in rows[skip:]),
        "peak_rise_mib": round(last["peak_mib"] - first["peak_mib"], 1),
        "videos_written": last["videos"] - first["videos"],
        "written_mib": round((last["video_bytes"] - first["video_bytes"]) / 2**20, 2),
        "most_alive_after_an_iteration": max(row["alive_videos"] for row in rows),
    }


if __name__ == "__main__":
    print(
        json.dumps(
            measure(
                sys.argv[1],
                int(sys.argv[2]),
                Path(sys.argv[3]),
                json.loads(sys.argv[4]) if len(sys.argv) > 4 else {},
            )
        )
    )
