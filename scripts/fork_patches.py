"""Keeps the rav1e fork (rust/third_party/rlvideo-rav1e) equal to crates.io rav1e 0.8.1 plus the
ordered patch series in rust/third_party/rlvideo-rav1e-patches, whose index is the fork's
RLVIDEO-DELTA.md ("The patch series").

    check       apply the series in order (`git apply`) to a temporary copy of pristine rav1e
                0.8.1 and require the result to equal the fork's tree, file by file (the fork's
                RLVIDEO-DELTA.md aside: it indexes the series and is in no patch), and that
                RLVIDEO-DELTA.md names every patch. tests/test_fork_patches.py runs this in CI.
    regen-last  rewrite the last patch (the feature: static_skip and the real-time decisions)
                as the difference between the fork's tree and pristine rav1e with every other
                patch applied, keeping its message. Run it after changing the feature's code.

Pristine rav1e is the release the fork's Cargo.toml names as its version (0.8.1), the crate
cargo keeps for rust/rlvideo's `rav1e_upstream` dev-dependency, found with `cargo metadata`
(`cargo fetch` first if it is not extracted yet). Nothing is skipped: without it, or without
git, the command fails and says why.

Usage: python scripts/fork_patches.py check | regen-last [--fork DIR] [--patches DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORK = ROOT / "rust" / "third_party" / "rlvideo-rav1e"
PATCHES = ROOT / "rust" / "third_party" / "rlvideo-rav1e-patches"
UPSTREAM = "rav1e"
# In the fork's folder but in no patch: the series' index, which names the patches (a patch
# holding it would change whenever the index does).
NOT_IN_SERIES = frozenset({"RLVIDEO-DELTA.md"})
# Top-level files of the registry's extracted crate that are not rav1e's sources: cargo's
# extraction marker, and the Cargo.lock crates.io ships, which the fork leaves out (its
# gitignored Cargo.lock is the one cargo writes for the fork's own tests).
NOT_SOURCES = frozenset({".cargo-ok", "Cargo.lock"})


class SeriesError(Exception):
    """The series, the fork or pristine rav1e is not what the command needs; says what."""


def run(command: list[str], cwd: Path, stdin: str | None = None) -> str:
    """Runs a command and returns its standard output; fails with its error output."""
    try:
        done = subprocess.run(
            command, cwd=cwd, input=stdin, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise SeriesError(f"cannot run {command[0]!r}: {error}") from error
    if done.returncode != 0:
        raise SeriesError(
            f"{' '.join(command)} (in {cwd}) failed with code {done.returncode}:\n"
            f"{done.stderr.strip() or done.stdout.strip()}"
        )
    return done.stdout


def release(fork: Path) -> str:
    """The rav1e release the fork is cut from: the fork's own version (0.8.1)."""
    manifest = (fork / "Cargo.toml").read_text()
    found = re.search(r'^\[package\]$[^[]*?^version = "([^"]+)"$', manifest, re.M)
    if not found:
        raise SeriesError(f"no [package] version in {fork / 'Cargo.toml'}")
    return found.group(1)


def pristine_rav1e(version: str) -> Path:
    """The folder of crates.io rav1e `version` as cargo extracted it."""

    def lookup() -> Path | None:
        metadata = json.loads(run(["cargo", "metadata", "--format-version", "1"], cwd=ROOT))
        for package in metadata["packages"]:
            if package["name"] == UPSTREAM and package["version"] == version:
                return Path(package["manifest_path"]).parent
        return None

    folder = lookup()
    if folder is None or not (folder / "Cargo.toml").is_file():
        run(["cargo", "fetch"], cwd=ROOT)
        folder = lookup()
    if folder is None:
        raise SeriesError(
            f"cargo metadata lists no {UPSTREAM} {version} (rust/rlvideo's "
            "rav1e_upstream dev-dependency): the series is made against that release"
        )
    if not (folder / "Cargo.toml").is_file():
        raise SeriesError(f"{UPSTREAM} {version} is not in {folder} after cargo fetch")
    return folder


def patch_files(patches: Path) -> list[Path]:
    """The series in order: NNNN-*.patch, sorted by name."""
    series = sorted(patches.glob("[0-9][0-9][0-9][0-9]-*.patch"))
    if not series:
        raise SeriesError(f"no NNNN-*.patch files in {patches}")
    return series


def files_under(folder: Path) -> set[str]:
    """Every file under `folder` (relative, '/'-separated), any .git folder aside."""
    found = set()
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = [name for name in subdirectories if name != ".git"]
        for name in names:
            found.add(Path(directory, name).relative_to(folder).as_posix())
    return found


def fork_files(fork: Path) -> set[str]:
    """The fork's files: in a git checkout those git tracks or would (new files included,
    ignored ones such as cargo's Cargo.lock not); elsewhere every file. RLVIDEO-DELTA.md and a
    Cargo.lock aside."""
    try:
        inside_git = run(["git", "rev-parse", "--is-inside-work-tree"], cwd=fork).strip()
    except SeriesError:
        inside_git = "false"
    if inside_git == "true":
        listed = run(["git", "ls-files", "-z", "-co", "--exclude-standard", "."], cwd=fork)
        files = {name for name in listed.split("\0") if name and (fork / name).is_file()}
    else:
        files = files_under(fork)
    return files - NOT_IN_SERIES - {"Cargo.lock"}


def apply_series(pristine: Path, series: list[Path], into: Path) -> None:
    """Copies pristine rav1e into `into` (a git repository of its own, so that `git apply`
    takes paths from there) and applies `series` in order."""
    shutil.copytree(
        pristine,
        into,
        ignore=lambda directory, names: (
            [name for name in names if name in NOT_SOURCES] if Path(directory) == pristine else []
        ),
    )
    run(["git", "init", "-q"], cwd=into)
    for patch in series:
        try:
            run(["git", "apply", "--whitespace=nowarn", str(patch)], cwd=into)
        except SeriesError as error:
            raise SeriesError(
                f"{patch.name} does not apply to {pristine.name} with the patches before it:\n"
                f"{error}"
            ) from error


def differences(expected: Path, expected_files: set[str], fork: Path) -> list[str]:
    """How the fork differs from `expected` (pristine rav1e with the series applied)."""
    actual_files = fork_files(fork)
    lines = [
        f"only in the fork, in no patch: {name}" for name in sorted(actual_files - expected_files)
    ]
    lines += [
        f"in the series, not in the fork: {name}" for name in sorted(expected_files - actual_files)
    ]
    for name in sorted(expected_files & actual_files):
        if (expected / name).read_bytes() != (fork / name).read_bytes():
            lines.append(f"differs from the series: {name}")
    return lines


def index_differences(fork: Path, series: list[Path]) -> list[str]:
    """How the series differs from its index in the fork's RLVIDEO-DELTA.md."""
    index = fork / "RLVIDEO-DELTA.md"
    named = set(re.findall(r"`([0-9]{4}-[^`/]+\.patch)`", index.read_text()))
    names = {patch.name for patch in series}
    return [f"not in {index.name}'s index: {name}" for name in sorted(names - named)] + [
        f"in {index.name}'s index, not in the series: {name}" for name in sorted(named - names)
    ]


def check(fork: Path, patches: Path) -> None:
    series = patch_files(patches)
    version = release(fork)
    pristine = pristine_rav1e(version)
    with tempfile.TemporaryDirectory(prefix="rlvideo-rav1e-series-") as temporary:
        applied = Path(temporary) / "rav1e"
        apply_series(pristine, series, applied)
        found = differences(applied, files_under(applied), fork)
    found += index_differences(fork, series)
    if found:
        raise SeriesError(
            f"{fork} and the {len(series)} patches of {patches} applied to {UPSTREAM} "
            f"{version} ({pristine}) disagree:\n  "
            + "\n  ".join(found)
            + f"\nA change to the feature (the last patch, {series[-1].name}): run "
            "`python scripts/fork_patches.py regen-last`. A change to what an earlier patch "
            "holds (a bug fix, an output-preserving speed-up): edit that patch, then "
            "regen-last. See RLVIDEO-DELTA.md, 'The patch series'."
        )
    print(
        f"fork_patches: {fork.relative_to(ROOT) if fork.is_relative_to(ROOT) else fork} is "
        f"{UPSTREAM} {version} + {len(series)} patches, file by file, and RLVIDEO-DELTA.md "
        "indexes them"
    )


def regen_last(fork: Path, patches: Path) -> None:
    series = patch_files(patches)
    last = series[-1]
    old = last.read_text()
    header, separator, _ = old.partition("\n---\n")
    if not separator:
        raise SeriesError(f"{last.name} has no '---' line ending its message")
    pristine = pristine_rav1e(release(fork))
    with tempfile.TemporaryDirectory(prefix="rlvideo-rav1e-series-") as temporary:
        work = Path(temporary) / "rav1e"
        apply_series(pristine, series[:-1], work)
        identity = ["-c", "user.name=fork_patches", "-c", "user.email=fork_patches@invalid"]
        run(["git", "add", "-A"], cwd=work)
        run(["git", *identity, "commit", "-q", "-m", "series without its last patch"], cwd=work)
        for name in files_under(work):
            (work / name).unlink()
        for name in fork_files(fork):
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(fork / name, work / name)
        run(["git", "add", "-A"], cwd=work)
        if not run(["git", "status", "--porcelain"], cwd=work).strip():
            raise SeriesError(
                f"the fork equals the series without {last.name}: the last patch would be empty"
            )
        run(["git", *identity, "commit", "-q", "-m", "last patch"], cwd=work)
        body = run(
            ["git", "format-patch", "-1", "--stdout", "--zero-commit", "--no-signature"],
            cwd=work,
        ).partition("\n---\n")[2]
    new = f"{header}\n---\n{body}"
    if new == old:
        print(f"fork_patches: {last.name} is up to date")
    else:
        last.write_text(new)
        stat = next(line for line in body.splitlines() if " changed, " in line).strip()
        print(f"fork_patches: rewrote {last.name} ({stat})")
        newly = sorted(patched_files(new) - patched_files(old))
        if newly:
            print(
                f"fork_patches: {last.name} now also changes {', '.join(newly)}: if that is a "
                "bug fix or an output-preserving speed-up, it belongs in a patch of its own "
                "before the feature (RLVIDEO-DELTA.md, 'The patch series')"
            )
    check(fork, patches)


def patched_files(patch: str) -> set[str]:
    """The files a patch changes (its 'diff --git a/X b/X' lines)."""
    prefix = "diff --git a/"
    return {
        line[len(prefix) :].split(" b/", 1)[0]
        for line in patch.splitlines()
        if line.startswith(prefix)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=["check", "regen-last"])
    parser.add_argument("--fork", type=Path, default=FORK, help="the fork's folder")
    parser.add_argument("--patches", type=Path, default=PATCHES, help="the series' folder")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "check":
            check(arguments.fork.resolve(), arguments.patches.resolve())
        else:
            regen_last(arguments.fork.resolve(), arguments.patches.resolve())
    except SeriesError as error:
        print(f"fork_patches {arguments.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
