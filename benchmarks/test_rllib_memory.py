"""The RLlib driver's memory over training iterations, without a callback and with
rlvideo.rllib recording every episode of both EnvRunners (benchmarks/rllib_memory.py), each
in a fresh process. Needs Ray RLlib, which .venv does not have: skipped there; run it in
.venv-rllib (scripts/rllib_tests.sh makes it):

    .venv-rllib/bin/python -m pytest benchmarks/test_rllib_memory.py -s

Checked (counts, not time or RSS): after every iteration the driver's Python heap holds no
more MP4 files as bytes than that iteration shipped (nothing accumulates), and the search
does see each iteration's videos while ``on_train_result`` runs (it is not blind). Printed,
not checked: the driver's peak RSS per iteration, which moves by a few MiB with the
allocator and RLlib's own metrics whatever the callback does.

Quick mode (benchmarks/mode.py): 3 iterations; full: 10.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ray.rllib", reason="Ray RLlib is missing (it lives in .venv-rllib)")

from benchmarks.mode import pick
from benchmarks.rllib_memory import SETUPS, summary

ITERATIONS = pick(10, 3)
SKIP = 1  # the first iteration: RLlib's and PyTorch's first allocations


def measure(setup: str, folder: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.rllib_memory", setup, str(ITERATIONS), str(folder)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows: list[dict[str, Any]] = json.loads(done.stdout.splitlines()[-1])["iterations"]
    return rows


def test_rllib_driver_memory_stays_flat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = {setup: measure(setup, tmp_path / setup) for setup in SETUPS}
    with capsys.disabled():
        for setup, rows in found.items():
            peaks = " ".join(f"{row['peak_mib']:.0f}" for row in rows)
            print(f"\n{setup:8s} driver peak RSS (MiB) per iteration: {peaks}")
            print(f"{setup:8s} {json.dumps(summary(rows, SKIP))}")
    rows = found["rlvideo"]
    assert all(row["shipped_videos"] > 0 for row in rows)
    for row in rows:
        assert row["in_flight_videos"] >= row["shipped_videos"], row  # the search sees them
        assert row["alive_videos"] <= row["shipped_videos"], row  # none from before
    assert all(row["alive_videos"] == 0 for row in found["none"])
