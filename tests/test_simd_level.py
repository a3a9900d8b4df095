"""rlvideo.simd_level(): which of rav1e's assembly kernels run here, as rav1e itself decides."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

import rlvideo

X86_LEVELS = ("SSE2", "SSSE3", "SSE4_1", "AVX2", "AVX512", "AVX512ICL")


def level_in_subprocess(cpu_target: str | None, tmp_path) -> str:
    """simd_level() in a fresh process (rav1e reads RAV1E_CPU_TARGET once), after encoding a
    video there at that level."""
    env = {k: v for k, v in os.environ.items() if k != "RAV1E_CPU_TARGET"}
    if cpu_target is not None:
        env["RAV1E_CPU_TARGET"] = cpu_target
    script = (
        "import numpy as np, rlvideo, sys\n"
        "with rlvideo.VideoWriter(sys.argv[1], 30) as w:\n"
        "    for t in range(5): w.write(np.full((32, 48, 3), 40 * t, np.uint8))\n"
        "print(rlvideo.simd_level())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / f"{cpu_target}.mp4")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return out.stdout.strip()


@pytest.mark.skipif(platform.machine() != "x86_64", reason="names x86_64 levels")
def test_the_installed_build_runs_rav1e_assembly(tmp_path):
    # Every x86_64 CPU has SSE2: "RUST" here would mean a build without rav1e's assembly.
    assert level_in_subprocess(None, tmp_path) in X86_LEVELS


@pytest.mark.skipif(platform.machine() != "x86_64", reason="names x86_64 levels")
@pytest.mark.parametrize("target", ["rust", "sse2"])
def test_it_reports_what_rav1e_runs_not_what_was_built(tmp_path, target):
    # rav1e's own switch lowers the level it dispatches to; the report follows it.
    assert level_in_subprocess(target, tmp_path) == target.upper()


def test_in_process_matches_a_fresh_process(tmp_path):
    if "RAV1E_CPU_TARGET" in os.environ:
        pytest.skip("RAV1E_CPU_TARGET is set for this test run")
    assert rlvideo.simd_level() == level_in_subprocess(None, tmp_path)
