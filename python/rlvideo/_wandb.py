"""Weights & Biases' gym monitoring (``wandb.init(monitor_gym=True)``) for rlvideo's wrappers.

wandb patches Gymnasium's own ``RecordVideo`` class when monitoring is on, so it never sees
rlvideo's. Instead, each finished video is logged here as wandb logs Gymnasium's: under the
key ``video.N`` when the path holds one, else ``videos``, once the file is complete, on the
caller's thread. wandb is never imported here: only a process that has imported it (and
started a run with gym monitoring) gets this.
"""

from __future__ import annotations

import re
import sys
from typing import Any

#: wandb's own rule for the key a video is logged under.
_KEY_IN_PATH = re.compile(r".+(video\.\d+).+")


def _monitoring_wandb() -> Any | None:
    """The wandb module when a run with gym monitoring is active in this process."""
    wandb = sys.modules.get("wandb")
    if wandb is None or getattr(wandb, "run", None) is None:
        return None
    patched = getattr(wandb, "patched", None)
    if not isinstance(patched, dict) or not patched.get("gym"):
        return None  # monitor_gym=False: wandb.init patched nothing for gym
    return wandb


def log_if_monitoring(path: str) -> None:
    """Logs the finished video at `path` to the active wandb run if it monitors gym."""
    wandb = _monitoring_wandb()
    if wandb is None:
        return
    match = _KEY_IN_PATH.match(path)
    wandb.log({match.group(1) if match else "videos": wandb.Video(path)})
