"""Putting a complete video under its final name: a final name only ever shows a whole file.

Every integration ends a video the same way, through a temporary file of its own: a hidden
``.NAME.<pid>-<random>.part`` beside the final name (unique, so that processes sharing a folder,
such as the trials of a Tune run, never write into each other's), then one atomic
``os.replace`` or ``os.link`` within that folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid


def part_path(destination: str) -> str:
    """A new hidden temporary name beside `destination`, in its folder (so that renaming it
    to `destination` is atomic)."""
    folder, name = os.path.split(destination)
    return os.path.join(folder, f".{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")


def write_new_file(folder: str, stem: str, data: bytes, suffix: str = ".mp4") -> str:
    """Writes `data` as ``folder/stem.mp4`` (``stem-2.mp4``, ... if taken) and returns that
    path. A name taken by anyone, however recently, is never replaced: the file is linked to
    its final name (which fails if it exists); on a file system without hard links, a check,
    then a rename."""
    final = os.path.join(folder, stem + suffix)
    part = part_path(final)
    try:
        with open(part, "xb") as file:
            file.write(data)
        n = 1
        while True:
            try:
                os.link(part, final)  # fails if `final` exists, however recently made
                return final
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links: a check, then a rename
                if not os.path.exists(final):
                    os.replace(part, final)
                    return final
            n += 1
            final = os.path.join(folder, f"{stem}-{n}{suffix}")
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(part)


def move_file(source: str, destination: str) -> str:
    """Moves the complete file at `source` to `destination` (replacing a file of that name,
    as ``os.replace`` does; its folder made if missing) and returns `destination`. Within a
    file system, one rename (a rename within a folder is this too); from another (the
    temporary folder is often a tmpfs), a copy under a temporary name beside `destination`,
    renamed when whole, then `source` deleted. A failure leaves no temporary file and nothing
    new under `destination`."""
    folder = os.path.dirname(destination) or "."
    os.makedirs(folder, exist_ok=True)
    try:
        os.replace(source, destination)
        return destination
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    part = part_path(destination)
    try:
        shutil.copyfile(source, part)
        os.replace(part, destination)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(part)
    with contextlib.suppress(FileNotFoundError):
        os.remove(source)
    return destination
