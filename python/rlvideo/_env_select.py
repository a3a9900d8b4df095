"""Which sub-environments of a vector env are recorded, and how: ``env_indices`` and
``layout`` of the vector wrappers (``rlvideo.vector.RecordVideo``,
``rlvideo.sb3.VecVideoRecorder``).

- ``layout="grid"``: one video whose frames tile the chosen sub-envs' renders, in the order
  given (only those are rendered where the env allows it).
- ``layout="files"``: one video file per chosen sub-env, named
  ``{name_prefix}-env-{i}-...``. Each is recorded by its own `VideoSeries`; on a Gymnasium
  vector env each also has its own `TriggerSchedule` (its own episode counter: the file
  ``{name_prefix}-env-2-episode-5.mp4`` is sub-env 2's sixth episode, whole).

Knows no framework beyond duck typing: a vector env is anything whose ``render()`` returns
one frame per sub-env (``envs`` lets a Gymnasium ``SyncVectorEnv`` render a few), an SB3
``VecEnv`` anything with ``env_method``.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable, Sequence
from numbers import Integral
from typing import Any, Literal

import numpy as np

from rlvideo._schedule import TriggerSchedule
from rlvideo._selection import ScoreFunction, make_selection
from rlvideo._series import VideoSeries

__all__ = ["EnvChoice", "Layout", "SeriesGroup", "SubEnvVideos", "check_env_choice"]

Layout = Literal["grid", "files"]
"""``"grid"``: one video tiling the chosen sub-envs; ``"files"``: one video per sub-env."""

_LAYOUTS = ("grid", "files")


class EnvChoice:
    """The checked ``env_indices`` and ``layout`` of a vector wrapper.

    ``indices`` is ``None`` when every sub-env is shown in one grid (the wrappers' behaviour
    without the options), else the chosen indices in order.

    Example:
        >>> choice = check_env_choice([2, 0], "grid", num_envs=4)
        >>> choice.indices, choice.first, choice.shown(np.array([1.0, 2.0, 3.0, 4.0]))
        ((2, 0), 2, array([3., 1.]))
        >>> check_env_choice(None, "grid", num_envs=4).indices is None
        True
    """

    def __init__(self, indices: tuple[int, ...] | None, layout: Layout) -> None:
        self.indices = indices
        self.layout = layout

    @property
    def first(self) -> int:
        """The sub-env whose episodes a grid's videos follow: the first chosen (0 by
        default, as in Gymnasium)."""
        return self.indices[0] if self.indices else 0

    @property
    def files(self) -> bool:
        """True for one file per chosen sub-env."""
        return self.layout == "files"

    def shown(self, per_env: Any) -> Any:
        """The entries of a per-sub-env array (rewards) that the grid shows (all of them
        for ``layout="files"``: each file picks its own)."""
        if self.indices is None or self.files:
            return per_env
        return np.asarray(per_env)[list(self.indices)]

    def render_gymnasium(self, env: Any) -> Sequence[Any]:
        """The chosen sub-envs' frames of a Gymnasium vector env: a ``SyncVectorEnv``
        renders only those, any other renders all (``AsyncVectorEnv`` has no way to ask
        fewer) and the chosen are picked."""
        if self.indices is None:
            return env.render()  # type: ignore[no-any-return]
        return render_gymnasium(env, self.indices)

    def render_sb3(self, venv: Any) -> list[Any]:
        """The chosen sub-envs' frames of an SB3 ``VecEnv``: only those are rendered
        (``env_method("render", indices=...)``, which ``DummyVecEnv``, ``SubprocVecEnv``
        and every ``VecEnvWrapper`` pass on)."""
        assert self.indices is not None
        return list(venv.env_method("render", indices=list(self.indices)))


def render_gymnasium(env: Any, indices: Sequence[int]) -> list[Any]:
    """Frames of the sub-envs `indices` of a Gymnasium vector env, in that order."""
    if _renders_apart(env):
        return [env.envs[i].render() for i in indices]
    frames = env.render()
    return [frames[i] for i in indices]


def check_env_choice(
    env_indices: object,
    layout: object,
    num_envs: int,
    *,
    record_first_only: bool = False,
) -> EnvChoice:
    """``env_indices``/``layout`` checked against ``num_envs``: ``TypeError`` for indices
    that are not a sequence of ints, ``ValueError`` for an empty, out-of-range or repeated
    one, an unknown layout, or ``record_first_only`` with either option (it is
    ``env_indices=[0]``). ``layout="files"`` without indices records every sub-env."""
    if layout not in _LAYOUTS:
        raise ValueError(f"layout must be 'grid' or 'files', got {layout!r}")
    if record_first_only and (env_indices is not None or layout != "grid"):
        raise ValueError(
            "record_first_only records sub-env 0 alone: give env_indices=[0] (and layout) "
            "instead of both"
        )
    if env_indices is None:
        if layout == "files":
            return EnvChoice(tuple(range(num_envs)), "files")
        return EnvChoice(None, "grid")
    if isinstance(env_indices, (str, bytes)) or not isinstance(env_indices, Sequence):
        if not isinstance(env_indices, np.ndarray):
            raise TypeError(
                f"env_indices must be a sequence of ints (sub-env indices), "
                f"got {type(env_indices).__name__}"
            )
    indices: list[int] = []
    for index in env_indices:
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, Integral):
            raise TypeError(
                f"env_indices must hold ints (sub-env indices), got {type(index).__name__} "
                f"{index!r}"
            )
        if not 0 <= int(index) < num_envs:
            raise ValueError(
                f"env_indices must be in range(num_envs) = range({num_envs}), got {int(index)}"
            )
        if int(index) in indices:
            raise ValueError(f"env_indices must not repeat an index, got {int(index)} twice")
        indices.append(int(index))
    if not indices:
        raise ValueError("env_indices must choose at least one sub-env (None: all of them)")
    return EnvChoice(tuple(indices), layout)  # type: ignore[arg-type]


def env_prefix(name_prefix: str, index: int) -> str:
    """The name prefix of sub-env `index`'s own files: ``{name_prefix}-env-{index}``."""
    return f"{name_prefix}-env-{index}"


def series_like(
    template: VideoSeries, keep_best: int, keep_worst: int, score: ScoreFunction | None, prefix: str
) -> VideoSeries:
    """A `VideoSeries` into the same folder with the same options and reporters as
    `template`, its own selection (videos are ranked among their sub-env's)."""
    return VideoSeries(
        template.video_folder,
        template.fps,
        template.encoder_options,
        None,
        reporters=template.reporters,
        progress=template.progress,
        warn=template.warn,
        selection=make_selection(keep_best, keep_worst, score, prefix),
        frame_stride=template.frame_stride,
    )


class _Frames:
    """The frames of one event, rendered when first asked for: a ``SyncVectorEnv`` renders
    the sub-env asked for alone, any other vector env renders all once."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.all: Sequence[Any] | None = None

    def of(self, index: int) -> Any:
        if _renders_apart(self.env):
            return self.env.envs[index].render()
        if self.all is None:
            self.all = self.env.render()
        return self.all[index]


def _renders_apart(env: Any) -> bool:
    """True for a Gymnasium ``SyncVectorEnv`` (not a wrapper of one, whose ``render`` may
    be its own): its sub-envs can be rendered one by one."""
    return type(env).__name__ == "SyncVectorEnv" and isinstance(getattr(env, "envs", None), list)


class _SubEnv:
    """One chosen sub-env of a Gymnasium vector env: the controls its schedule drives."""

    def __init__(
        self,
        index: int,
        schedule: TriggerSchedule,
        series: VideoSeries,
        gc_trigger: Callable[[int], bool] | None,
    ) -> None:
        self.index = index
        self.schedule = schedule
        self.series = series
        self.gc_trigger = gc_trigger
        #: Next-step autoreset: this sub-env's episode ended, its next step resets it.
        self.has_autoreset = False

    @property
    def recording(self) -> bool:
        return self.series.recording

    def start_recording(self, video_name: str) -> None:
        self.series.restart(video_name, self.stop_recording)

    def capture(self, frames: _Frames) -> None:
        """Adds this sub-env's frame of the event; ends the video after ``video_length``."""
        self.series.add_until(
            frames.of(self.index), self.schedule.video_length, self.stop_recording
        )

    def stop_recording(self) -> None:
        self.series.stop()
        if self.gc_trigger and self.gc_trigger(self.schedule.episode_id):
            gc.collect()


class SubEnvVideos:
    """One file per chosen sub-env of a Gymnasium vector env, each sub-env counted as a
    single env is by ``RecordVideo``: its own episodes (from its resets and autoresets,
    next-step or same-step), its own triggers' answers and ``video_length``, the step
    trigger asked with the vector step count (so step videos of all chosen sub-envs start
    together), and ``{name_prefix}-env-{i}-episode-{N}.mp4``.

    Driven by the wrapper: `reset` after the vector env's reset, `step` after its step.
    """

    def __init__(
        self,
        indices: Sequence[int],
        template_schedule: TriggerSchedule,
        template_series: VideoSeries,
        *,
        keep_best: int,
        keep_worst: int,
        score: ScoreFunction | None,
        gc_trigger: Callable[[int], bool] | None,
        autoreset_mode: str,
    ) -> None:
        video_length = template_schedule.video_length
        self.video_length = video_length
        #: Gymnasium's ``AutoresetMode`` value: "NextStep", "SameStep" or "Disabled".
        self.autoreset_mode = autoreset_mode
        self.sub_envs: list[_SubEnv] = []
        for index in indices:
            prefix = env_prefix(template_schedule.name_prefix, index)
            schedule = TriggerSchedule(
                template_schedule.episode_trigger,
                template_schedule.step_trigger,
                0 if video_length == float("inf") else int(video_length),
                prefix,
            )
            series = series_like(template_series, keep_best, keep_worst, score, prefix)
            self.sub_envs.append(_SubEnv(index, schedule, series, gc_trigger))

    @property
    def recording(self) -> bool:
        """True while any chosen sub-env is being recorded."""
        return any(sub.recording for sub in self.sub_envs)

    def reset(self, env: Any, reset_mask: Sequence[bool] | None) -> None:
        """After the vector env's reset (of the sub-envs `reset_mask` says, or all)."""
        for sub in self.sub_envs:
            if reset_mask is None or reset_mask[sub.index]:
                sub.schedule.episode_started(sub)
                sub.has_autoreset = False
        self._capture(env, [(None, False)] * len(self.sub_envs))

    def step(self, env: Any, rewards: Any, terminations: Any, truncations: Any) -> None:
        """After the vector env's step."""
        events = []
        for sub in self.sub_envs:
            i = sub.index
            ended = bool(terminations[i] or truncations[i])
            if self.autoreset_mode == "Disabled":  # episodes start at reset() alone
                new_episode = False
            elif self.autoreset_mode == "SameStep":
                new_episode = ended
                if ended and sub.recording and self.video_length == float("inf"):
                    # This step's frame shows the next episode; its reward is this one's.
                    sub.series.count_reward(rewards[i])
            else:
                new_episode, sub.has_autoreset = sub.has_autoreset, ended
            sub.schedule.step_taken(sub, new_episode=new_episode)
            events.append((rewards[i], ended))
        self._capture(env, events)

    def _capture(self, env: Any, events: Sequence[tuple[object, bool]]) -> None:
        """Each sub-env's `VideoSeries.after_event` with its reward and whether its episode
        ended; a frame is rendered only for a sub-env whose video takes one."""
        frames = _Frames(env)
        first_error: BaseException | None = None
        for sub, (reward, ended) in zip(self.sub_envs, events):
            try:
                sub.series.after_event(
                    functools.partial(sub.capture, frames),
                    reward,
                    final=ended,
                    last=sub.schedule.video_length,
                )
            except Exception as error:  # a reporter's: the other sub-envs still get theirs
                first_error = first_error or error
        if first_error is not None:
            raise first_error

    def close(self) -> None:
        """Ends every video in progress and waits until all are complete; the first error
        is raised after that."""
        first_error: BaseException | None = None
        for sub in self.sub_envs:
            try:
                sub.series.close(stop=sub.stop_recording)
            except BaseException as error:
                first_error = first_error or error
        if first_error is not None:
            raise first_error


def env_video_name(video_name: str, name_prefix: str, index: int) -> str:
    """The name of sub-env `index`'s file of the video `video_name`: its prefix
    ``{name_prefix}`` becomes ``{name_prefix}-env-{index}``.

    Example:
        >>> env_video_name("rl-video-step-0-to-step-200", "rl-video", 3)
        'rl-video-env-3-step-0-to-step-200'
    """
    if video_name.startswith(name_prefix):
        return env_prefix(name_prefix, index) + video_name[len(name_prefix) :]
    return f"env-{index}-{video_name}"  # a name an override chose


class SeriesGroup:
    """One `VideoSeries` per chosen sub-env, started, fed and stopped together: SB3's
    ``VecVideoRecorder`` with ``layout="files"``, whose videos are windows of the whole
    ``VecEnv``'s steps (the same for every file). It takes the place of the wrapper's one
    series: the same methods, with a list of frames (one per chosen sub-env, in order) for
    `add_until` and the whole ``VecEnv``'s rewards for `after_event`.

    A sub-env's video that stops on its own (a frame it cannot take) leaves the others
    recording; `recording` is True while any is.
    """

    def __init__(
        self,
        indices: Sequence[int],
        template: VideoSeries,
        name_prefix: str,
        *,
        keep_best: int,
        keep_worst: int,
        score: ScoreFunction | None,
    ) -> None:
        self.indices = list(indices)
        self.name_prefix = name_prefix
        self.series = [
            series_like(template, keep_best, keep_worst, score, env_prefix(name_prefix, index))
            for index in self.indices
        ]
        self._rewards: list[object] = [None] * len(self.series)

    @property
    def recording(self) -> bool:
        """True while any chosen sub-env's video is being recorded."""
        return any(series.recording for series in self.series)

    def paths(self, video_path: str) -> list[str]:
        """The files of the video `video_path` (``.../{name_prefix}-...mp4``), one per
        chosen sub-env."""
        folder, file_name = os.path.split(video_path)
        return [
            os.path.join(folder, env_video_name(file_name, self.name_prefix, index))
            for index in self.indices
        ]

    def restart(self, video_name: str, stop: Callable[[], None]) -> None:
        """Starts `video_name` in every sub-env's file, ending the ones in progress through
        `stop` first."""
        if self.recording:
            stop()
        for index, series in zip(self.indices, self.series):
            series.start(env_video_name(video_name, self.name_prefix, index))

    def after_event(
        self,
        capture: Callable[[], None],
        reward: object = None,
        *,
        final: bool = False,
        last: float = float("inf"),
    ) -> None:
        """`VideoSeries.after_event` for every file; `capture` is called once when any of
        them takes this event's frame (and calls back `add_until` with all frames).
        `reward` holds every sub-env's; each file counts its own."""
        due: list[bool] = []
        self._rewards = [None if reward is None else reward[i] for i in self.indices]  # type: ignore[index]
        for series, own in zip(self.series, self._rewards):
            series.after_event(lambda: due.append(True), own, final=final, last=last)
        try:
            if due:
                capture()
        finally:
            self._rewards = [None] * len(self.series)

    def add_until(
        self, frames: Sequence[object], last: float, stop: Callable[[], None], *, copy: bool = True
    ) -> None:
        """Adds each chosen sub-env's frame to its file; ends all through `stop` once they
        hold more than `last` frames (`VideoSeries.add_until`)."""
        ended: list[bool] = []
        for series, frame, own in zip(self.series, frames, self._rewards):
            if series.recording:
                series.note_reward(own)  # counted with the frame, as after_event would
                series.add_until(frame, last, lambda: ended.append(True), copy=copy)
                series.note_reward(None)
        if ended and self.recording:
            stop()

    def stop(self) -> None:
        """Ends every file in progress; they finish encoding in the background."""
        for series in self.series:
            if series.recording:
                series.stop()

    def poll(self) -> None:
        """Reports the files that finished encoding; the first error is raised after all."""
        self._each(lambda series: series.poll())

    def close(self, stop: Callable[[], None] | None = None) -> None:
        """Ends the files in progress (through `stop`) and waits until every file is
        complete; the first error is raised after that."""
        first_error: BaseException | None = None
        if self.recording:
            try:
                (stop or self.stop)()
            except BaseException as error:
                first_error = error
        try:
            self._each(lambda series: series.close())
        except BaseException as error:
            first_error = first_error or error
        if first_error is not None:
            raise first_error

    def _each(self, call: Callable[[VideoSeries], None]) -> None:
        first_error: BaseException | None = None
        for series in self.series:
            try:
                call(series)
            except BaseException as error:  # a reporter's: the others still get theirs
                first_error = first_error or error
        if first_error is not None:
            raise first_error
