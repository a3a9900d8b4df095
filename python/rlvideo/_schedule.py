"""When videos start and stop, by Gymnasium 1.x's rules, as one object an integration feeds
events to (an episode began, a step was taken). Knows no framework and holds no video: it
tells the integration's controls to start or stop one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rlvideo._series import check_file_name
from rlvideo.schedules import capped_cubic_video_schedule


class RecordingControls(Protocol):
    """What a schedule drives: the integration's own start and stop (so that overrides and
    hooks such as ``gc_trigger`` see every start and stop)."""

    @property
    def recording(self) -> bool: ...
    def start_recording(self, video_name: str) -> None: ...
    def stop_recording(self) -> None: ...


class TriggerSchedule:
    """Episode and step triggers, ``video_length`` and video names, counted as Gymnasium 1.x's
    ``RecordVideo`` counts them: ``episode_id`` and ``step_id`` start at -1 and the first
    event makes them 0; an episode video runs until the next episode starts (or for
    ``video_length`` frames), a step video for ``video_length`` frames; a trigger firing while
    recording restarts the recording. Without triggers, ``capped_cubic_video_schedule``
    picks the episodes.

    One schedule counts one stream of episodes: an integration with several environments
    whose episodes are recorded apart keeps one per environment, each with its own
    ``name_prefix``.

    Example:
        >>> class Log:
        ...     recording = False
        ...     def start_recording(self, name): self.recording = True; print("start", name)
        ...     def stop_recording(self): self.recording = False; print("stop")
        >>> schedule = TriggerSchedule(lambda episode: episode % 2 == 0, None, 0, "run")
        >>> controls = Log()
        >>> for _ in range(3):
        ...     schedule.episode_started(controls)
        start run-episode-0
        stop
        start run-episode-2
    """

    def __init__(
        self,
        episode_trigger: Callable[[int], bool] | None,
        step_trigger: Callable[[int], bool] | None,
        video_length: int,
        name_prefix: str,
    ) -> None:
        check_file_name(name_prefix, "name_prefix")
        if episode_trigger is None and step_trigger is None:
            episode_trigger = capped_cubic_video_schedule
        self.episode_trigger = episode_trigger
        self.step_trigger = step_trigger
        self.name_prefix = name_prefix
        #: The last frame index of a video (it holds ``video_length + 1`` frames), or
        #: infinity: until the episode ends.
        self.video_length: float = video_length if video_length != 0 else float("inf")
        self.episode_id = -1
        self.step_id = -1

    def episode_started(self, controls: RecordingControls) -> None:
        """A new episode: ends an episode-long video, starts one if the trigger says so."""
        self.episode_id += 1
        if controls.recording and self.video_length == float("inf"):
            controls.stop_recording()
        if self.episode_trigger and self.episode_trigger(self.episode_id):
            controls.start_recording(f"{self.name_prefix}-episode-{self.episode_id}")

    def step_taken(self, controls: RecordingControls, *, new_episode: bool = False) -> None:
        """A step: starts a video if the step trigger says so. With `new_episode` (a vector
        env's autoreset) the step began an episode, counted before the step trigger is asked,
        as Gymnasium's vector ``RecordVideo`` does."""
        self.step_id += 1
        if new_episode:
            self.episode_started(controls)
        if self.step_trigger and self.step_trigger(self.step_id):
            controls.start_recording(f"{self.name_prefix}-step-{self.step_id}")
