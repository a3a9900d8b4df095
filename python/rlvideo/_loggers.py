"""Finished videos handed to MLflow and TensorBoard, for the integrations that offer it
(``rlvideo.torchrl``, ``rlvideo.rllib``). Neither package is imported here until a video is
handed to it.

TensorBoard plays no MP4: it shows videos only as GIF summaries made from every frame as a
tensor, which rlvideo never holds. What it gets is a text summary naming the file.
"""

from __future__ import annotations

import importlib
import os
import posixpath
import shutil
import tempfile
from collections.abc import Sequence
from typing import Any

TENSORBOARD_NOTE = "MP4 video (TensorBoard cannot play it): "
"""How a text summary names a video file."""


def tensorboard_text(writer: Any, tag: str, paths: Sequence[str], step: int) -> None:
    """A text summary under `tag` at `step` naming the video files at `paths`, one a line,
    with `writer` (a ``torch.utils.tensorboard`` or ``tensorboardX`` ``SummaryWriter``);
    flushed, so TensorBoard sees it at once."""
    # Markdown (TensorBoard renders the text as such): a list when several videos.
    lines = [f"{TENSORBOARD_NOTE}{path}" for path in paths]
    writer.add_text(tag, lines[0] if len(lines) == 1 else "\n".join(f"- {x}" for x in lines), step)
    writer.flush()


def mlflow_artifact(
    path: str, artifact_path: str, name: str | None = None, run_id: str | None = None
) -> None:
    """Logs the file at `path` as an MLflow artifact in the folder `artifact_path` of the run
    `run_id` (by default MLflow's active run), as ``name`` if given (MLflow names an
    artifact after its file: a copy of that name is logged then; a ``/`` in it makes
    subfolders)."""
    mlflow = importlib.import_module("mlflow")  # (no stubs; only when asked for)
    # run_id only when given: older mlflow's log_artifact takes none, and TorchRL's
    # MLFlowLogger (which pins no mlflow) logged through it without one.
    where = {} if run_id is None else {"run_id": run_id}
    if name is None or name == os.path.basename(path):
        mlflow.log_artifact(path, artifact_path, **where)
        return
    subfolder, name = posixpath.split(name)
    if subfolder:
        artifact_path = posixpath.join(artifact_path, subfolder)
    with tempfile.TemporaryDirectory(prefix="rlvideo-") as folder:
        named = os.path.join(folder, name)
        shutil.copyfile(path, named)
        mlflow.log_artifact(named, artifact_path, **where)
