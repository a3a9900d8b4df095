"""RLlib PPO on CartPole-v1 with EnvRunner 1's best and worst episodes recorded: no callback,
rlvideo.rllib and RLlib's example callback (benchmarks/rllib_sampling.py). Needs Ray RLlib,
which .venv does not have (it pins Gymnasium 1.2.2): skipped there; run it in .venv-rllib
(scripts/rllib_tests.sh makes it):

    RLVIDEO_BENCH_QUICK=1 .venv-rllib/bin/python -m pytest benchmarks/test_rllib_sampling.py

Quick mode (benchmarks/mode.py): one iteration of 200 env steps after the warm-up.
"""

from __future__ import annotations

import pytest

pytest.importorskip("ray.rllib", reason="Ray RLlib is missing (it lives in .venv-rllib)")

from benchmarks.mode import pick
from benchmarks.rllib_sampling import main


def test_rllib_sampling(tmp_path, capsys):
    with capsys.disabled():
        found = main(tmp_path, pick(5, 1), ["none", "rlvideo", "example"])
    assert found["rlvideo"]["videos"] > 0 and found["example"]["videos"] > 0
    # A file of an episode against its frames (even downsized to 64x96).
    assert found["rlvideo"]["bytes_per_video"] < found["example"]["bytes_per_video"]
