"""The file system says no: a folder we may not write to, a full disk (a small tmpfs mounted
for the test in a private mount namespace) and the folder removed while a video records. Each
gives the OSError subclass of its errno, naming the video, and leaves no file behind."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from rlvideo import VideoWriter
from tests.helpers import stream_info

ROOT = Path(__file__).resolve().parent.parent


def run_python(script: str, *args: str, prefix: list[str] | None = None, **kwargs) -> dict:
    """Runs `script` in a fresh interpreter (optionally under `prefix`, e.g. unshare) and
    returns the JSON object its last line prints."""
    run = subprocess.run(
        [*(prefix or []), sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        **kwargs,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


UNWRITABLE = """
import json, sys
import gymnasium as gym
import numpy as np
from rlvideo import RecordVideo, VideoWriter
folder = sys.argv[1]
out = {}
try:
    VideoWriter(folder + "/x.mp4", 30)
except OSError as error:
    out["writer"] = [type(error).__name__, error.errno, error.filename]
env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), folder)
try:
    env.reset(seed=0)  # the first frame of episode 0 opens its video
except OSError as error:
    out["wrapper"] = [type(error).__name__, error.errno, error.filename]
print(json.dumps(out))
"""


#: Root may write anywhere: as root, the check runs without the capabilities that let it
#: (it stays uid 0, so it can still run the Python under /root).
NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def test_a_folder_we_may_not_write_to_raises_permission_error(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        prefix = NO_OVERRIDE if os.geteuid() == 0 else []
        out = run_python(UNWRITABLE, str(folder), prefix=prefix)
    finally:
        folder.chmod(0o755)
    assert out["writer"] == ["PermissionError", errno.EACCES, str(folder / "x.mp4")], out
    video = str(folder / "rl-video-episode-0.mp4")
    assert out["wrapper"] == ["PermissionError", errno.EACCES, video], out
    assert list(folder.iterdir()) == []


FULL_DISK = """
import json, os, subprocess, sys
import numpy as np
from rlvideo import VideoWriter
folder = sys.argv[1]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", folder], check=True)
rng = np.random.default_rng(0)
noise = lambda: rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
out = {"raised_by": None}
writer = VideoWriter(os.path.join(folder, "too-big.mp4"), 30, memory_budget=1)
try:
    for t in range(400):  # noise: ~50 kB per frame, the disk holds 1 MiB
        writer.write(noise())
    out["raised_by"] = "close"
    writer.close()
except OSError as error:
    out["raised_by"] = out["raised_by"] or "write"
    out["error"] = [type(error).__name__, error.errno, error.filename]
out["closed"] = writer.closed
out["files_after_failure"] = sorted(os.listdir(folder))
with VideoWriter(os.path.join(folder, "fits.mp4"), 30) as small:  # space is free again
    for t in range(5):
        small.write(noise())
out["files"] = sorted(os.listdir(folder))
import shutil
shutil.copy(os.path.join(folder, "fits.mp4"), sys.argv[2])
print(json.dumps(out))
"""

PRIVATE_MOUNT = ["unshare", "--user", "--map-root-user", "--mount"]


def can_mount_privately() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run([*PRIVATE_MOUNT, "true"], capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(
    not os.environ.get("RLVIDEO_REQUIRE_PRIVATE_MOUNT") and not can_mount_privately(),
    reason="needs `unshare --user --map-root-user --mount` to mount a small tmpfs",
)
def test_a_full_disk_raises_enospc_naming_the_video_and_leaves_nothing(tmp_path):
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    copy = tmp_path / "fits.mp4"
    out = run_python(FULL_DISK, str(mount_point), str(copy), prefix=PRIVATE_MOUNT)
    assert out["raised_by"] in ("write", "close"), out
    path = str(mount_point / "too-big.mp4")
    assert out["error"] == ["OSError", errno.ENOSPC, path], out
    assert out["closed"] is True, out
    assert out["files_after_failure"] == [], out  # the temporary file is gone too
    assert out["files"] == ["fits.mp4"], out
    assert stream_info(copy)["frames"] == 5


def test_the_folder_removed_while_recording_raises_file_not_found(tmp_path):
    folder = tmp_path / "videos"
    folder.mkdir()
    path = folder / "gone.mp4"
    writer = VideoWriter(path, 30)
    for t in range(5):
        writer.write(np.full((48, 64, 3), 8 * t, np.uint8))
    shutil.rmtree(folder)
    for t in range(5):  # the writes go to a temporary file that no longer has a name
        writer.write(np.full((48, 64, 3), 8 * t, np.uint8))
    with pytest.raises(FileNotFoundError) as info:
        writer.close()
    assert info.value.filename == str(path)
    assert writer.closed and not folder.exists()
    writer.close()  # closed once and for all: no second error
