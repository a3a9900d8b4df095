"""rlvideo._files: how every integration puts a finished video under its final name."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rlvideo._files import move_file, write_new_file


@pytest.fixture
def other_file_system(tmp_path: Path) -> Iterator[Path]:
    """A folder on another file system than `tmp_path` (/dev/shm, a tmpfs, where there is one)."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        pytest.skip("no writable /dev/shm: no second file system to move across")
    if os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip(f"/dev/shm and {tmp_path} are one file system: a move would be a rename")
    folder = Path(tempfile.mkdtemp(prefix="rlvideo-test-", dir=shm))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_move_across_file_systems_copies_whole_then_renames(
    tmp_path: Path, other_file_system: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.replace cannot cross file systems (EXDEV): the file is copied beside its final
    name and renamed; the final name gets the whole file, the source goes, nothing else
    stays, and the destination's folder is made."""
    source = other_file_system / "video.mp4"
    source.write_bytes(b"\1" * 100_000)
    copies: list[tuple[str, str]] = []
    copyfile = shutil.copyfile

    def copy_and_look(src: str, dst: str) -> str:
        copies.append((src, dst))
        return copyfile(src, dst)

    monkeypatch.setattr(shutil, "copyfile", copy_and_look)
    destination = tmp_path / "videos" / "moved.mp4"
    assert move_file(str(source), str(destination)) == str(destination)
    assert destination.read_bytes() == b"\1" * 100_000
    assert not source.exists()
    assert os.listdir(tmp_path / "videos") == ["moved.mp4"]
    # It was copied (the EXDEV path ran), under a hidden temporary name beside the final one.
    [(src, part)] = copies
    assert src == str(source)
    assert os.path.dirname(part) == str(tmp_path / "videos")
    assert Path(part).name.startswith(".moved.mp4.") and part.endswith(".part")


def test_a_move_within_a_folder_is_a_rename_that_replaces(tmp_path: Path) -> None:
    """What KeptVideos.finish does: a rename within the folder, replacing a file of that name
    as os.replace does (a stale ranked name from an earlier run)."""
    source, final = tmp_path / "recorded.mp4", tmp_path / "best-1-recorded.mp4"
    source.write_bytes(b"new")
    final.write_bytes(b"stale")
    inode = os.stat(source).st_ino
    assert move_file(str(source), str(final)) == str(final)
    assert final.read_bytes() == b"new" and os.stat(final).st_ino == inode  # renamed, no copy
    assert os.listdir(tmp_path) == ["best-1-recorded.mp4"]


def test_a_failed_copy_leaves_no_part_and_keeps_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Across file systems, a rename of the copy that fails (os.replace raising) leaves nothing
    under the final name, no .part, and the source where it was."""
    source = tmp_path / "staged" / "video.mp4"
    source.parent.mkdir()
    source.write_bytes(b"whole video")
    destination = tmp_path / "videos" / "video.mp4"

    def replace(src: str, dst: str) -> None:
        if os.path.dirname(src) == str(source.parent):  # the first try: another file system
            raise OSError(errno.EXDEV, "Invalid cross-device link", src)
        raise OSError(errno.EIO, "Input/output error", dst)  # the copy's rename

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="Input/output error"):
        move_file(str(source), str(destination))
    assert os.listdir(tmp_path / "videos") == []
    assert source.read_bytes() == b"whole video"


def test_a_failed_rename_raises_and_touches_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error other than EXDEV (not allowed, say) is the caller's: no copy is tried."""
    source = tmp_path / "video.mp4"
    source.write_bytes(b"whole video")

    def replace(src: str, dst: str) -> None:
        raise OSError(errno.EACCES, "Permission denied", dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(PermissionError):
        move_file(str(source), str(tmp_path / "final.mp4"))
    assert os.listdir(tmp_path) == ["video.mp4"]


def test_writing_new_never_replaces_a_taken_name(tmp_path: Path) -> None:
    """Another process's video keeps its name; ours gets the next free one."""
    (tmp_path / "video.mp4").write_bytes(b"theirs")
    (tmp_path / "video-2.mp4").write_bytes(b"theirs too")
    path = write_new_file(str(tmp_path), "video", b"ours")
    assert Path(path).name == "video-3.mp4" and Path(path).read_bytes() == b"ours"
    assert (tmp_path / "video.mp4").read_bytes() == b"theirs"
    assert (tmp_path / "video-2.mp4").read_bytes() == b"theirs too"
    assert sorted(os.listdir(tmp_path)) == ["video-2.mp4", "video-3.mp4", "video.mp4"]


def test_writing_new_without_hard_links_checks_then_renames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system without hard links (os.link raising): a taken name is still skipped."""
    (tmp_path / "video.mp4").write_bytes(b"theirs")

    def no_links(src: str, dst: str) -> None:
        raise OSError(errno.EPERM, "Operation not permitted", dst)

    monkeypatch.setattr(os, "link", no_links)
    path = write_new_file(str(tmp_path), "video", b"ours")
    assert Path(path).name == "video-2.mp4" and Path(path).read_bytes() == b"ours"
    assert (tmp_path / "video.mp4").read_bytes() == b"theirs"
    assert sorted(os.listdir(tmp_path)) == ["video-2.mp4", "video.mp4"]


def test_a_failed_write_leaves_no_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The final rename failing (os.replace raising, no hard links) leaves no file at all."""

    def no_links(src: str, dst: str) -> None:
        raise OSError(errno.EPERM, "Operation not permitted", dst)

    def replace(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", dst)

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="No space left"):
        write_new_file(str(tmp_path), "video", b"ours")
    assert os.listdir(tmp_path) == []
