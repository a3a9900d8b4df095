"""The rav1e fork is crates.io rav1e 0.8.1 plus its ordered patch series
(rust/third_party/rlvideo-rav1e-patches, indexed by the fork's RLVIDEO-DELTA.md), file by file:
`scripts/fork_patches.py check`. After changing the feature's code in the fork, run
`python scripts/fork_patches.py regen-last`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "fork_patches.py"
FORK = ROOT / "rust" / "third_party" / "rlvideo-rav1e"
PATCHES = ROOT / "rust" / "third_party" / "rlvideo-rav1e-patches"


def fork_patches(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_series_reproduces_the_fork() -> None:
    done = fork_patches("check")
    assert done.returncode == 0, done.stderr + done.stdout


@pytest.mark.parametrize("broken", ["fork file", "patch", "index"])
def test_check_fails_on_a_difference_and_names_it(tmp_path: Path, broken: str) -> None:
    """The check is not vacuous: a copy of the fork with one file edited, or of the series with
    one patch's added line changed, fails and names the file; a patch that RLVIDEO-DELTA.md's
    index does not name fails too."""
    fork, patches = tmp_path / "fork", tmp_path / "patches"
    shutil.copytree(FORK, fork, ignore=shutil.ignore_patterns("Cargo.lock", "target"))
    shutil.copytree(PATCHES, patches)
    if broken == "fork file":
        with (fork / "src" / "deblock.rs").open("a") as source:
            source.write("// an edit in no patch\n")
    elif broken == "index":
        (patch,) = patches.glob("0006-*.patch")
        patch.rename(patches / "0006-renamed.patch")
    else:
        (patch,) = patches.glob("0002-*.patch")
        text = patch.read_text()
        assert text.count("+        + ((deblock.ref_deltas[reference as usize]") == 1
        patch.write_text(text.replace("[reference as usize]", "[reference as usize + 0]"))
    done = fork_patches("check", "--fork", fork, "--patches", patches)
    assert done.returncode == 1, done.stdout
    if broken == "index":
        assert "not in RLVIDEO-DELTA.md's index: 0006-renamed.patch" in done.stderr, done.stderr
    else:
        assert "differs from the series: src/deblock.rs" in done.stderr, done.stderr
    assert "regen-last" in done.stderr
