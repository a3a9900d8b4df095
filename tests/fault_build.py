"""Running a script against the extension built with the test-only `fault-injection` feature.

scripts/test.sh builds it beside .venv's (never over it) and names its site folder in
RLVIDEO_FAULT_SITE; a test that needs it runs a script in a fresh interpreter with that folder
first on the path. The hooks are asked for through the video's file name (rust/rlvideo/src/
worker.rs, `injected_fault`):

- ``rlvideo-fail-encoder-at-N`` / ``rlvideo-panic-encoder-at-N``: the encoder thread fails or
  panics at frame N;
- ``rlvideo-slow-encoder-ms-N``: the encoder thread takes N ms more over every frame, which
  keeps that frame's bytes in `memory_budget` meanwhile. Waits for the encoder (a `write`
  that waits for room, `close()`) then last as long as a test needs, however fast this
  machine encodes;
- ``rlvideo-fail-faststart``: finishing fails once the faststart copy is written, before the
  rename (both temporary files must be removed);
- ``rlvideo-dump-reconstruction``: rav1e's reconstruction of every frame is written beside the
  video (``<name>.recon``: each frame's Y, U and V planes at the coded size), to compare with
  what decoders show.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAULT_SITE = os.environ.get("RLVIDEO_FAULT_SITE")

needs_fault_build = pytest.mark.skipif(
    FAULT_SITE is None and not os.environ.get("RLVIDEO_REQUIRE_FAULT_BUILD"),
    reason="needs the fault-injection build of the extension (scripts/test.sh makes it and "
    "sets RLVIDEO_FAULT_SITE)",
)

_PRELUDE = f"""
import os, sys
sys.path.insert(1, {str(ROOT)!r})  # tests.helpers; rlvideo itself comes from the fault site
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
import rlvideo
assert rlvideo.__file__.startswith(os.environ["PYTHONPATH"]), (
    f"not the fault-injection build: {{rlvideo.__file__}}"
)
"""


def slow_encoder(name: str, millis: int) -> str:
    """`name` (a file name or a RecordVideo `name_prefix`) asking for an encoder that takes
    `millis` ms more over every frame."""
    return f"rlvideo-slow-encoder-ms-{millis}-{name}"


def run_in_fault_build(
    script: str, *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Runs `script` (dedented) with the fault-injection build's rlvideo; `args` become
    sys.argv[1:]. With `check`, a non-zero exit fails the test with the script's stderr."""
    assert FAULT_SITE, "RLVIDEO_FAULT_SITE must name the fault-injection build's site folder"
    proc = subprocess.run(
        [sys.executable, "-c", _PRELUDE + textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": FAULT_SITE},
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc
