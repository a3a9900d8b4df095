"""What both Gymnasium ``RecordVideo`` adapters share over the neutral core (`VideoSeries` and
`TriggerSchedule`): Gymnasium's constructor checks, folder warning, logger, ``gc_trigger``,
``rgb_array_list`` renders, ``close`` and ``__del__``, and W&B's ``monitor_gym`` hook."""

from __future__ import annotations

import gc
import inspect
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from gymnasium import logger

from rlvideo._progress import WaitProgress
from rlvideo._schedule import TriggerSchedule
from rlvideo._selection import ScoreFunction, every_episode, make_selection
from rlvideo._series import VideoCallback, VideoSeries, check_frame_stride, strided_fps
from rlvideo._wandb import log_if_monitoring

if TYPE_CHECKING:
    from rlvideo._options import EncoderOptions

T = TypeVar("T")


def prepare_folder(video_folder: str) -> str:
    """Absolute folder, created if missing, with Gymnasium's overwrite warning."""
    folder = os.path.abspath(video_folder)
    if os.path.isdir(folder):
        logger.warn(
            f"Overwriting existing videos at {folder} folder "
            "(try specifying a different `video_folder` for the `RecordVideo` wrapper if this "
            "is not desired)"
        )
    os.makedirs(folder, exist_ok=True)
    return folder


def our_constructor_args(init: Callable[..., Any], given: dict[str, Any]) -> dict[str, Any]:
    """The arguments of rlvideo's own to save in an env's spec (`RecordConstructorArgs`), so
    that ``gym.make(env.spec)`` rebuilds the wrapper with them: each keyword-only argument of
    `init` that `given` (the constructor's ``locals()``) sets to other than its default, and
    the encoder options (``**encoder_options``). Gymnasium's own arguments are saved as
    Gymnasium saves them; with only those given, the spec is the one Gymnasium writes."""
    saved = {}
    for name, parameter in inspect.signature(init).parameters.items():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            value, default = given[name], parameter.default
            # `==` only between values of the default's type: env_indices may be an array.
            if value is default or (isinstance(value, type(default)) and value == default):
                continue
            saved[name] = value
        elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
            saved.update(given[name])
    return saved


def check_render_mode(render_mode: str | None) -> None:
    """Rejects render modes that produce no image, with Gymnasium's message."""
    if render_mode in {None, "human", "ansi"}:
        raise ValueError(
            f"Render mode is {render_mode}, which is incompatible with RecordVideo. "
            "Initialize your environment with a render_mode that returns an image, such as "
            "rgb_array."
        )


class ScheduleAttribute(Generic[T]):
    """A Gymnasium wrapper attribute (``episode_id``, ``step_trigger``, ...) kept by the
    wrapper's `TriggerSchedule`: read and assigned there."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, wrapper: Any, owner: type | None = None) -> T:
        return getattr(wrapper._schedule, self.name)  # type: ignore[no-any-return]

    def __set__(self, wrapper: Any, value: T) -> None:
        setattr(wrapper._schedule, self.name, value)


class GymnasiumRecording:
    """The parts of ``RecordVideo`` that are the same for single and vector envs. Goes first
    in the bases, before the Gymnasium wrapper class, whose ``render``/``close`` it extends."""

    env: Any
    metadata: dict[str, Any]
    episode_trigger: ScheduleAttribute[Callable[[int], bool] | None] = ScheduleAttribute()
    step_trigger: ScheduleAttribute[Callable[[int], bool] | None] = ScheduleAttribute()
    name_prefix: ScheduleAttribute[str] = ScheduleAttribute()
    video_length: ScheduleAttribute[float] = ScheduleAttribute()
    episode_id: ScheduleAttribute[int] = ScheduleAttribute()
    step_id: ScheduleAttribute[int] = ScheduleAttribute()

    def _setup_recording(
        self,
        video_folder: str,
        episode_trigger: Callable[[int], bool] | None,
        step_trigger: Callable[[int], bool] | None,
        video_length: int,
        name_prefix: str,
        fps: float | None,
        disable_logger: bool,
        gc_trigger: Callable[[int], bool] | None,
        on_video_saved: VideoCallback | None,
        encoder_options: EncoderOptions,
        keep_best: int = 0,
        keep_worst: int = 0,
        score: ScoreFunction | None = None,
        frame_stride: int = 1,
    ) -> None:
        """Gymnasium 1.x's constructor logic: triggers, folder, fps and counters; with
        `keep_best`/`keep_worst`, every episode is recorded unless a trigger is given; with
        a `frame_stride` the default fps is the env's over the stride (real time)."""
        frame_stride = check_frame_stride(frame_stride)
        if frame_stride > 1 and str(self.env.render_mode).endswith("_list"):
            raise ValueError(
                f"frame_stride={frame_stride} needs render_mode='rgb_array': an env in "
                f"{self.env.render_mode!r} mode renders every step itself"
            )
        selection = make_selection(keep_best, keep_worst, score, name_prefix)
        if selection is not None and episode_trigger is None and step_trigger is None:
            episode_trigger = every_episode
        self._schedule = TriggerSchedule(episode_trigger, step_trigger, video_length, name_prefix)
        # Gymnasium silences moviepy's bar with it; here it silences the report of a wait
        # for the encoder that lasts more than a second (off by default, as in Gymnasium).
        self.disable_logger = disable_logger
        self.gc_trigger = gc_trigger
        self.video_folder = prepare_folder(video_folder)
        if fps is None:
            fps = strided_fps(self.metadata.get("render_fps", 30), frame_stride)
        self.frames_per_sec = fps
        self.render_history: list[Any] = []
        self._recorder = VideoSeries(
            self.video_folder,
            fps,
            encoder_options,
            on_video_saved,
            # wandb patches only Gymnasium's own RecordVideo: its monitor_gym is honoured here.
            reporters=[log_if_monitoring],
            progress=None if disable_logger else WaitProgress,
            warn=logger.warn,
            selection=selection,
            frame_stride=frame_stride,
        )

    @property
    def recording(self) -> bool:
        """True while a video is being recorded."""
        return self._recorder.recording

    @property
    def _video_name(self) -> str | None:
        return self._recorder.video_name

    def _record(self, frame: object, *, copy: bool = True) -> None:
        """Adds a captured frame; ends a fixed-length video once it holds video_length + 1
        frames, as Gymnasium does."""
        self._recorder.add_until(frame, self.video_length, self.stop_recording, copy=copy)

    def render(self) -> Any:
        """The env's render, plus frames this wrapper took from an ``rgb_array_list`` env."""
        render_out = super().render()  # type: ignore[misc]
        if self.recording and isinstance(render_out, list):
            for frame in render_out:
                if not self._recorder.add(frame):
                    break
        if self.render_history:
            history, self.render_history = self.render_history, []
            return history + render_out
        return render_out

    def close(self, **kwargs: Any) -> None:
        """Close the env(s), stop the recording in progress through ``stop_recording`` (as
        Gymnasium does, so overrides and ``gc_trigger`` see it), then wait until every video
        is complete; the first error is raised after that."""
        super().close(**kwargs)  # type: ignore[misc]
        self._recorder.close(stop=self.stop_recording)

    def __del__(self) -> None:
        """Gymnasium's wrappers define ``__del__`` to warn that an unsaved video is lost;
        here nothing is lost (the writer of a video in progress finishes it when it is
        dropped), so this only has to be safe on a wrapper whose ``__init__`` raised, as
        Gymnasium's is: it reads no attribute and never raises."""

    def start_recording(self, video_name: str) -> None:
        """Start a new recording, stopping the current one first."""
        self._recorder.restart(video_name, self.stop_recording)

    def stop_recording(self) -> None:
        """Stop the current recording; the video finishes encoding in the background."""
        assert self.recording, "stop_recording was called, but no recording was started"
        self._recorder.stop()
        if self.gc_trigger and self.gc_trigger(self.episode_id):
            gc.collect()
