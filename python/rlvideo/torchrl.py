"""``rlvideo.torchrl.VideoRecorder``: TorchRL's ``torchrl.record.VideoRecorder`` transform with
frames streamed to a Rust AV1 encoder as they pass, instead of cloned into a list until
``dump()``, and the finished MP4 handed to TorchRL's logger.

Needs TorchRL (``pip install rlvideo[torchrl]``), which this module imports at once;
``import rlvideo`` never imports it (nor PyTorch).
"""

from __future__ import annotations

import io
import itertools
import math
import os
import tempfile
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

try:
    import torch
    from tensordict import NonTensorData, TensorDictBase  # type: ignore[import-untyped]
    from torchrl.envs.transforms import ObservationTransform  # type: ignore[import-untyped]
    from torchrl.record.loggers import Logger  # type: ignore[import-untyped]
    from torchrl.record.loggers.csv import CSVLogger  # type: ignore[import-untyped]
    from torchrl.record.loggers.mlflow import MLFlowLogger  # type: ignore[import-untyped]
    from torchrl.record.loggers.tensorboard import TensorboardLogger  # type: ignore[import-untyped]
    from torchrl.record.loggers.wandb import WandbLogger  # type: ignore[import-untyped]
except ImportError as error:  # TorchRL, tensordict or PyTorch missing
    raise ImportError(
        f"rlvideo.torchrl needs TorchRL (and PyTorch): pip install 'rlvideo[torchrl]' ({error})"
    ) from error

import numpy as np

from rlvideo._files import move_file
from rlvideo._frames import as_frame, tile
from rlvideo._loggers import mlflow_artifact, tensorboard_text
from rlvideo._native import DEFAULT_FPS
from rlvideo._options import EncoderOptions
from rlvideo._series import VideoCallback, VideoSeries

if TYPE_CHECKING:
    from tensordict.utils import NestedKey  # type: ignore[import-untyped]
    from torchrl.services.base import Service  # type: ignore[import-untyped]

__all__ = ["VideoRecorder"]

_ENCODER_OPTIONS = frozenset(EncoderOptions.__annotations__)
# Staged videos (named before dump() says where they go) get names no other recorder uses.
_staged = itertools.count()

SHAPES = "(H, W, 3), (3, H, W), (H, W, 1), (1, H, W) or (H, W), with any batch dimensions first"


class VideoRecorder(ObservationTransform):
    """Records the pixels passing through a TorchRL env (or a batch of data) into a video that
    ``dump()`` hands to ``logger``, as ``torchrl.record.VideoRecorder`` (TorchRL 0.14) does:
    the same arguments, defaults, frames (every ``skip``-th call's, the reset counting as one;
    grids for batched envs) and ``dump()`` with a file where TorchRL's logger puts its own.

    Each frame goes to an AV1 encoder on a background thread as it passes; nothing is kept in
    a list (there is no ``obs``). ``dump()`` waits for the encoder to finish the video (what
    is left of it: it encoded during the rollout), then hands the MP4 to the logger:

    - ``CSVLogger``: ``{log_dir}/{exp_name}/videos/{tag}_{step}.mp4``, the name TorchRL's
      CSVLogger gives its own file (``.mp4`` whatever its ``video_format``).
    - ``WandbLogger``: logged as ``wandb.Video`` under ``tag`` at ``step``, as TorchRL's; W&B
      copies it into the run, the temporary file is deleted.
    - ``MLFlowLogger``: an artifact in ``videos/``, named as TorchRL names it
      (``{tag}_step_{step:04}.mp4``, ``{tag}.mp4`` at step 0); the temporary file is deleted.
    - ``TensorboardLogger``: TensorBoard shows videos only as GIF summaries made from a tensor,
      not MP4 files: the file is written to ``{log_dir}/{exp_name}/videos/{tag}_{step}.mp4``
      beside the event files and a text summary under ``tag`` names it.
    - ``None``: with ``video_folder``, ``{video_folder}/{tag}_{step}.mp4``; without it nothing
      is recorded (TorchRL's recorder throws the frames away at ``dump()``).

    Example (TorchRL's own, with one import changed):
        >>> from torchrl.envs import GymEnv, TransformedEnv
        >>> from torchrl.record import CSVLogger
        >>> from rlvideo.torchrl import VideoRecorder
        >>> logger = CSVLogger(exp_name="cartpole", log_dir="logs")
        >>> env = TransformedEnv(GymEnv("CartPole-v1", from_pixels=True, pixels_only=False),
        ...                      VideoRecorder(logger=logger, tag="run_video"))
        >>> _ = env.rollout(10)
        >>> env.transform.dump()
        >>> os.listdir("logs/cartpole/videos")
        ['run_video_0.mp4']

    Args:
        logger: Where ``dump()`` sends each video: a TorchRL ``CSVLogger``, ``WandbLogger``,
            ``MLFlowLogger`` or ``TensorboardLogger`` (or a logger service, whose
            ``client()`` is one), or ``None``. Another logger raises ``TypeError``: its
            ``log_video`` takes a tensor of every frame, which is what this recorder never
            holds.
        tag: The video's name in the logger (``{tag}_{suffix}`` when ``dump`` gets a
            suffix); a ``str`` when there is a logger or ``video_folder``.
        in_keys: The keys whose pixels are recorded; ``["pixels"]`` by default. Several keys
            feed the same video, one after the other, as in TorchRL.
        skip: Record every ``skip``-th call (the reset counts as one): 1 for a batched
            parent env or without a parent, 2 for a single parent env, as in TorchRL.
        center_crop: Crop each frame to a ``center_crop`` x ``center_crop`` square around its
            centre (padding with black where the frame is smaller), as
            ``torchvision.transforms.functional.center_crop`` does; no torchvision needed.
            ``None`` or 0 (as in TorchRL): no crop.
        make_grid: Tile a batch of frames (a batched env's sub-envs) into one frame,
            ``ceil(sqrt(n))`` to a row, as TorchRL does; ``False`` records the frames of a
            batch one after the other. Default: ``True`` with a parent env, else ``False``.
        out_keys: Where the (unchanged) pixels are written back; ``in_keys`` by default.
        fps: Frames per second of the file; by default the logger's ``video_fps`` (CSV 30,
            W&B 32, MLflow 30) or 30.
        max_frames: At most this many frames per video; later frames are dropped until
            ``dump()``. Unbounded by default (memory is bounded without it here).
        dump_on_done: Call ``dump()`` at every step at which every ``done`` entry is True.
        video_folder: Keyword-only; only with ``logger=None``: the folder the videos are
            written to, created if missing.
        on_video_saved: Keyword-only. Called with the path of each video once the logger has
            it (for W&B and MLflow, before the temporary file is deleted).
        **kwargs: The ``rlvideo.EncoderOptions`` (``speed``, ``quantizer``, ``scale``, ...)
            go to the encoder, checked here; any other keyword goes to the logger as
            TorchRL passes it to ``log_video`` (W&B: ``commit``; the CSV logger's ``video_codec``
            and ``options`` are for its own encoder and raise ``TypeError``).
    """

    _make_grid: bool | None
    _skip: int | None

    def __init__(
        self,
        logger: Logger | Service | None,
        tag: str | None,
        in_keys: Sequence[NestedKey] | None = None,
        skip: int | None = None,
        center_crop: int | None = None,
        make_grid: bool | None = None,
        out_keys: Sequence[NestedKey] | None = None,
        fps: int | None = None,
        max_frames: int | None = None,
        dump_on_done: bool = False,
        *,
        video_folder: str | os.PathLike[str] | None = None,
        on_video_saved: VideoCallback | None = None,
        **kwargs: Any,
    ) -> None:
        client = getattr(logger, "client", None)
        if callable(client):  # a logger service, as TorchRL accepts
            logger = client()
        if in_keys is None:
            in_keys = ["pixels"]
        if out_keys is None:
            out_keys = list(in_keys)
        super().__init__(in_keys=in_keys, out_keys=out_keys)
        options: dict[str, Any] = {}
        self.video_kwargs: dict[str, Any] = {}
        for name, value in kwargs.items():
            (options if name in _ENCODER_OPTIONS else self.video_kwargs)[name] = value
        encoder_options = cast(EncoderOptions, options)
        deliver = _delivery(logger, video_folder, self.video_kwargs)
        if deliver is not None:
            _check_tag(tag, "tag")
        self.skip = _check_positive("skip", skip)
        # 0 crops nothing, as in TorchRL (`if center_crop:`)
        self.center_crop = _check_positive("center_crop", center_crop if center_crop != 0 else None)
        self.make_grid = make_grid
        self.max_frames = _check_positive("max_frames", max_frames)
        self.dump_on_done = dump_on_done
        self.logger = logger
        self.tag = tag
        self.iter = 0
        self.count = 0
        self.fps: float = fps if fps is not None else getattr(logger, "video_fps", DEFAULT_FPS)
        self._video_folder = video_folder
        self._new_video(encoder_options, on_video_saved)

    def _new_video(
        self, encoder_options: EncoderOptions, on_video_saved: VideoCallback | None
    ) -> None:
        # The video in progress, named by dump(): recorded in the temporary folder first.
        self._series = VideoSeries(tempfile.gettempdir(), self.fps, encoder_options, None)
        deliver = _delivery(self.logger, self._video_folder, self.video_kwargs)
        self._video = _Video(self._series, deliver, on_video_saved)

    def __getstate__(self) -> dict[str, Any]:
        """A copy (``copy.deepcopy``; pickle, as a worker process gets it) starts with no
        video in progress: the encoder and the frames so far stay with the original."""
        state: dict[str, Any] = super().__getstate__()
        series, video = state.pop("_series"), state.pop("_video")
        state["_video_options"] = (series.encoder_options, video.on_video_saved)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        encoder_options, on_video_saved = state.pop("_video_options")
        super().__setstate__(state)
        self._new_video(encoder_options, on_video_saved)

    @property
    def on_video_saved(self) -> VideoCallback | None:
        """Called with the path of each video once the logger has it."""
        return self._video.on_video_saved

    @on_video_saved.setter
    def on_video_saved(self, value: VideoCallback | None) -> None:
        self._video.on_video_saved = value

    @property
    def make_grid(self) -> bool:
        """Whether a batch of frames is tiled into one; by default, True with a parent env."""
        if self._make_grid is None:
            self._make_grid = self.parent is not None
        return self._make_grid

    @make_grid.setter
    def make_grid(self, value: bool | None) -> None:
        self._make_grid = value

    @property
    def skip(self) -> int:
        """Every how many calls a frame is recorded; by default 1, or 2 for a single parent
        env (one with an empty batch size)."""
        if self._skip is None:
            parent = self.parent
            self._skip = 1 if parent is None or len(getattr(parent, "batch_size", ())) else 2
        return self._skip

    @skip.setter
    def skip(self, value: int | None) -> None:
        self._skip = value

    def _apply_transform(self, observation: torch.Tensor) -> torch.Tensor:
        self.count += 1
        if self.count % self.skip or self._video.deliver is None or self._full():
            return observation
        pixels = observation
        if isinstance(pixels, NonTensorData):
            pixels = torch.tensor(pixels.data)
        if isinstance(pixels, torch.Tensor):
            pixels = pixels.detach()
            if pixels.device.type != "cpu":
                pixels = pixels.cpu()
        frames = _hwc(pixels)
        if self.center_crop:
            frames = _center_crop(frames, self.center_crop)
        if frames.ndim >= 4:
            frames = frames.reshape(-1, *frames.shape[-3:])
            if self.make_grid:
                # A new array each time: the encoder takes it without a copy.
                self._add(tile(frames, cols=math.ceil(math.sqrt(len(frames)))), copy=False)
            else:
                for frame in frames:
                    if self._full():
                        break
                    self._add(frame)
        else:
            self._add(frames)
        return observation

    def forward(self, tensordict: TensorDictBase) -> TensorDictBase:
        return self._call(tensordict)

    def _reset(
        self, tensordict: TensorDictBase, tensordict_reset: TensorDictBase
    ) -> TensorDictBase:
        self._call(tensordict_reset)
        return tensordict_reset

    def _step(self, tensordict: TensorDictBase, next_tensordict: TensorDictBase) -> TensorDictBase:
        next_tensordict = super()._step(tensordict, next_tensordict)
        if self.dump_on_done and self._all_done(next_tensordict):
            self.dump()
        return next_tensordict

    def _all_done(self, next_tensordict: TensorDictBase) -> bool:
        """Whether every ``"done"`` entry of the step's data is True (TorchRL's rule)."""
        parent = self.parent
        keys = parent.done_keys if parent is not None else ["done"]
        keys = [key for key in keys if (key if isinstance(key, str) else key[-1]) == "done"]
        dones = [d for d in (next_tensordict.get(key, None) for key in keys) if d is not None]
        return bool(dones) and all(bool(done.all()) for done in dones)

    def dump(self, suffix: str | None = None, step: int | None = None) -> None:
        """Ends the video, waits until it is complete and hands it to the logger; nothing is
        logged when no frame was recorded since the last ``dump()``.

        Args:
            suffix: Appended to ``tag`` as ``{tag}_{suffix}``.
            step: The step the video is logged at (and named by); by default how many times
                ``dump()`` was called before.
        """
        if self._series.recording:
            tag = self.tag if suffix is None else f"{self.tag}_{suffix}"
            tag = _check_tag(tag, "tag" if suffix is None else "tag with its suffix")
            self._video.dump_to = (tag, self.iter if step is None else step)
            try:
                self._series.close()  # waits, then _hand_over
            finally:
                self._video.dump_to = None
                self._video.frame_shape = None
        self.iter += 1
        self.count = 0

    def close(self) -> None:
        """Keeps the video in progress for a later ``dump()``, as TorchRL's recorder keeps its
        frames: a collector closes its env once it has collected ``total_frames``, before the
        loop's last ``dump()``. A video never dumped is deleted when the recorder is dropped
        (or the interpreter exits)."""

    def to_animation(self, **kwargs: Any) -> Any:
        """Not available: the frames are not kept. Play the file instead (``rlvideo.notebook``
        shows one in a notebook)."""
        raise NotImplementedError(
            "rlvideo.torchrl.VideoRecorder keeps no frames for to_animation(): they go to the "
            "encoder as they pass; dump() writes the video, play that file instead"
        )

    def _full(self) -> bool:
        return self.max_frames is not None and self._series.frames >= self.max_frames

    def _add(self, frame: np.ndarray, *, copy: bool = True) -> None:
        """One frame of the video, started at its first frame."""
        video = self._video
        if not self._series.recording:
            self._series.start(f".rlvideo-torchrl-{os.getpid()}-{next(_staged)}")
            video.frame_shape = frame.shape
        elif frame.shape != video.frame_shape:
            raise ValueError(
                f"every frame of a video must have the same shape: the first had "
                f"{video.frame_shape}, this one {frame.shape} (after skip, center_crop and "
                "make_grid)"
            )
        if not self._series.add(frame, copy=copy):  # the writer refused it (it warned)
            video.frame_shape = None
            raise ValueError(f"rlvideo could not encode a frame of shape {frame.shape}")

    def _check_batched_worker_compat(self) -> None:
        warnings.warn(
            "An rlvideo VideoRecorder was found among the transforms of a SerialEnv/ParallelEnv "
            "worker env: dump() calls on the outer env do not reach it. Attach it to the outer "
            "env, e.g. TransformedEnv(ParallelEnv(N, make_env), VideoRecorder(...)), which "
            "records every worker env into one grid video.",
            stacklevel=2,
        )


class _Video:
    """A recorder's video in progress and where ``dump()`` sends it. TorchRL's
    ``Transform.clone`` is a shallow copy (``TransformedEnv(TransformedEnv(env, recorder), t)``
    records with a clone), so a recorder and its clones share this, as TorchRL's share their
    ``obs`` list: whichever dumps delivers the video. The series' reporter holds it weakly,
    and once no recorder holds it the video is discarded: a recorder dropped without
    ``dump()`` or ``close()`` leaves no file behind."""

    def __init__(
        self, series: VideoSeries, deliver: Delivery | None, on_video_saved: VideoCallback | None
    ) -> None:
        self.deliver = deliver
        self.on_video_saved = on_video_saved
        self.dump_to: tuple[str, int] | None = None  # set by dump() while it hands over
        self.frame_shape: tuple[int, ...] | None = None  # the first frame's
        video = weakref.ref(self)  # (the series must not keep this alive)
        series.reporters.append(lambda path: _hand_over(video(), path))
        weakref.finalize(self, _discard, series)


def _hand_over(video: _Video | None, staged: str) -> None:
    """The complete video at `staged` (a temporary file) to the recorder's logger; deleted
    when not dumped or when the logger keeps its own copy."""
    try:
        if video is not None and video.dump_to is not None:
            assert video.deliver is not None  # nothing is recorded without
            path = video.deliver(staged, *video.dump_to)
            if video.on_video_saved is not None:
                video.on_video_saved(path)
    finally:
        if os.path.exists(staged):  # (moved away by CSV, TensorBoard and video_folder)
            os.remove(staged)


def _discard(series: VideoSeries) -> None:
    """Ends a video nobody dumped (its file is deleted when complete)."""
    if series.recording:
        series.close()


def _check_tag(tag: object, what: str) -> str:
    """A video's name in the logger: a file (or subfolders and a file) inside its folder."""
    if not isinstance(tag, str):
        raise TypeError(f"{what} must be a str, got {type(tag).__name__}")
    if not tag or tag.startswith("/") or ".." in tag.split("/"):
        raise ValueError(f"{what} must name a file inside the logger's folder, got {tag!r}")
    return tag


def _check_positive(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int or None, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def _hwc(pixels: Any) -> np.ndarray:
    """Pixels as uint8 ``(..., H, W, C)`` (or ``(H, W)`` gray) numpy, shared with the tensor
    where possible; channels-first recognised as TorchRL recognises it."""
    shape = tuple(getattr(pixels, "shape", ()))
    channels_first = len(shape) >= 3 and shape[-3] in (1, 3) and shape[-2] > 3 and shape[-1] > 3
    if not (len(shape) == 2 or channels_first or (len(shape) >= 3 and shape[-1] in (1, 3))):
        raise ValueError(f"pixels must be shaped {SHAPES}; got shape {shape}")
    try:
        return as_frame(pixels, channels_first=channels_first)
    except TypeError as error:
        raise TypeError(f"pixels of shape {shape}: {error}") from error
    except ValueError as error:
        raise ValueError(f"pixels of shape {shape}: {error}") from error


def _center_crop(frames: np.ndarray, size: int) -> np.ndarray:
    """The central ``size`` x ``size`` square of each frame, padded with black where a frame
    is smaller: the offsets ``torchvision.transforms.functional.center_crop`` takes (its
    padding splits odd differences one more pixel to the right and bottom, its crop rounds
    half to even, as Python's ``round``)."""
    h_axis = frames.ndim - 3 if frames.ndim >= 3 else 0
    height, width = frames.shape[h_axis], frames.shape[h_axis + 1]
    if size > height or size > width:
        pad = [(0, 0)] * frames.ndim
        pad[h_axis] = (max(size - height, 0) // 2, max(size - height + 1, 0) // 2)
        pad[h_axis + 1] = (max(size - width, 0) // 2, max(size - width + 1, 0) // 2)
        frames = np.pad(frames, pad)
        height, width = frames.shape[h_axis], frames.shape[h_axis + 1]
    top = round((height - size) / 2.0)
    left = round((width - size) / 2.0)
    index = [slice(None)] * frames.ndim
    index[h_axis] = slice(top, top + size)
    index[h_axis + 1] = slice(left, left + size)
    return frames[tuple(index)]


Delivery = Callable[[str, str, int], str]
"""Hands the complete video at a temporary path to its destination as ``(tag, step)``;
returns the path the user can find it at."""


def _delivery(
    logger: Any, video_folder: str | os.PathLike[str] | None, video_kwargs: dict[str, Any]
) -> Delivery | None:
    """How `logger` takes a finished file, or None when nothing is to be recorded."""
    if video_folder is not None and logger is not None:
        raise ValueError("video_folder is for logger=None; the logger says where videos go")
    unused = sorted(set(video_kwargs) & {"video_codec", "options", "format"})
    if unused:
        raise TypeError(
            f"{', '.join(unused)}: options of TorchRL's own encoders; rlvideo writes AV1 MP4 "
            "(its encoder options are rlvideo.EncoderOptions: speed, quantizer, ...)"
        )
    if logger is None:
        if video_folder is None:
            return None
        folder = os.fspath(video_folder)
        return lambda path, tag, step: move_file(path, os.path.join(folder, f"{tag}_{step}.mp4"))
    if isinstance(logger, CSVLogger):
        videos = os.path.join(logger.experiment.log_dir, "videos")
        return lambda path, tag, step: move_file(path, os.path.join(videos, f"{tag}_{step}.mp4"))
    if isinstance(logger, WandbLogger):
        return lambda path, tag, step: _to_wandb(logger, path, tag, step, video_kwargs)
    if isinstance(logger, MLFlowLogger):
        return lambda path, tag, step: _to_mlflow(logger, path, tag, step)
    if isinstance(logger, TensorboardLogger):
        return lambda path, tag, step: _to_tensorboard(logger, path, tag, step)
    raise TypeError(
        "rlvideo.torchrl.VideoRecorder hands files to TorchRL's CSVLogger, WandbLogger, "
        "MLFlowLogger or TensorboardLogger, or to video_folder with logger=None; got "
        f"{type(logger).__module__}.{type(logger).__qualname__}"
    )


def _to_wandb(logger: Any, path: str, tag: str, step: int, video_kwargs: dict[str, Any]) -> str:
    import wandb

    with open(path, "rb") as file:  # wandb copies raw bytes into the run at once
        video = wandb.Video(io.BytesIO(file.read()), format="mp4")
    kwargs = dict(video_kwargs)
    override = kwargs.pop("override_global_step", False)
    log_payload = getattr(logger, "_log_payload", None)
    if log_payload is not None:  # TorchRL's own route: its per-tag step keys
        log_payload({tag: video}, step=step, override_global_step=override, **kwargs)
    else:
        logger.experiment.log({tag: video}, step=step, **kwargs)
    return path


def _to_mlflow(logger: Any, path: str, tag: str, step: int) -> str:
    import mlflow  # type: ignore[import-not-found, unused-ignore]

    mlflow.set_experiment(experiment_id=logger.id)  # as TorchRL's log_video, then its name:
    logger.video_log_counter += 1
    mlflow_artifact(path, "videos", f"{tag}_step_{step:04}.mp4" if step else f"{tag}.mp4")
    return path


def _to_tensorboard(logger: Any, path: str, tag: str, step: int) -> str:
    writer = logger.experiment
    destination = move_file(path, os.path.join(writer.log_dir, "videos", f"{tag}_{step}.mp4"))
    tensorboard_text(writer, tag, [destination], step)
    return destination
