"""Keep the best and/or worst videos of a run: which finished videos to keep, given their
scores, and what their files are called. Knows no framework: the recording core
(`rlvideo._series.VideoSeries`) hands it each video once it is complete on disk, with the
rewards of the steps it shows, and asks it for the kept videos' final paths at close.

A video is ranked only once it is complete (the writer has no cancel: one still encoding is
let finish, then ranked), so nothing is ever deleted while it is being written. A video that
can no longer be kept (``keep_best`` better ones and ``keep_worst`` worse ones are complete)
is deleted at once; at most ``keep_best + keep_worst`` ranked videos are on disk at any time.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real
from typing import Generic, TypeVar

import numpy as np

from rlvideo._files import move_file

__all__ = ["EpisodeStats", "KeptVideos", "Ranking", "make_selection"]

K = TypeVar("K")


@dataclass(frozen=True)
class EpisodeStats:
    """What a ``score`` function is given: one recorded video's part of the run.

    Example:
        >>> import numpy as np
        >>> stats = EpisodeStats("rl-video-episode-3", np.array([1.0, 1.0, 0.5]), frames=4)
        >>> stats.episode_return, stats.steps
        (2.5, 3)
    """

    name: str
    """The video's name as recorded (Gymnasium's ``{name_prefix}-episode-{N}``, SB3's
    ``{name_prefix}-step-{a}-to-step-{b}``), without ``.mp4``."""
    rewards: np.ndarray
    """The reward of each step the video covers after its first frame, in order (``float64``;
    with ``frame_stride`` above 1, the steps not rendered too):
    shape ``(steps,)`` for one env (a single env, a vector env with
    ``record_first_only``, or one sub-env's file with ``layout="files"``),
    ``(steps, num_envs)`` when the video shows every sub-env (a vector env's grid, SB3's
    tiled render; one column per chosen sub-env with ``env_indices``, in their order).
    The first frame's step is not counted: an episode video starts at ``reset``, a step
    video at the state the trigger step led to.
    (A vector env with same-step autoreset never shows an episode's last step, whose frame
    is the next episode's first; its reward is counted in the episode it ended.)"""
    frames: int
    """Frames in the video: ``steps + 1`` (``steps`` for an episode a same-step autoreset
    ended, see `rewards`); with a ``frame_stride`` of k, ``ceil(steps / k) + 1`` (the
    first, every k-th and the last) when the episode or ``video_length`` ended it."""

    @property
    def episode_return(self) -> float:
        """The sum of `rewards`: the return of the recorded episode (of its recorded part
        when ``video_length`` cut it), summed over every sub-env the video shows."""
        return float(self.rewards.sum())

    @property
    def steps(self) -> int:
        """Steps counted in `rewards`."""
        return len(self.rewards)


ScoreFunction = Callable[[EpisodeStats], float]
"""Computes a video's score from its `EpisodeStats`; higher is better."""


def episode_return(stats: EpisodeStats) -> float:
    """The default score: `EpisodeStats.episode_return`."""
    return stats.episode_return


class Ranking(Generic[K]):
    """The ``best`` highest and ``worst`` lowest scores offered so far, knowing nothing of
    files. Ties go to the earlier offer (it keeps its place). An entry left out once is
    never kept again: later offers only push it further down.

    Example:
        >>> ranking = Ranking(best=2, worst=1)
        >>> [ranking.offer(name, score) for name, score in [("a", 5), ("b", 1), ("c", 9), ("d", 7)]]
        [[], [], [], ['a']]
        >>> ranking.ranks()
        [('c', 1, None), ('d', 2, None), ('b', None, 1)]
    """

    def __init__(self, best: int, worst: int) -> None:
        self.best = best
        self.worst = worst
        self._entries: list[tuple[float, int, K]] = []  # (score, arrival, key)
        self._arrivals = 0

    def offer(self, key: K, score: float) -> list[K]:
        """Ranks `key`; returns the keys that can no longer be kept (`key` itself among
        them when it does not make the cut)."""
        self._entries.append((score, self._arrivals, key))
        self._arrivals += 1
        best, worst = self._best_and_worst()
        kept = {arrival for _, arrival, _ in best + worst}
        dropped = [key for _, arrival, key in self._entries if arrival not in kept]
        self._entries = [entry for entry in self._entries if entry[1] in kept]
        return dropped

    def ranks(self) -> list[tuple[K, int | None, int | None]]:
        """Every kept key with its rank among the best and among the worst (1 = best, or
        worst; ``None``: not in that list), best first, then worst-only ones worst first."""
        best, worst = self._best_and_worst()
        best_rank = {arrival: rank for rank, (_, arrival, _) in enumerate(best, 1)}
        worst_rank = {arrival: rank for rank, (_, arrival, _) in enumerate(worst, 1)}
        order = best + [entry for entry in worst if entry[1] not in best_rank]
        return [(key, best_rank.get(arrival), worst_rank.get(arrival)) for _, arrival, key in order]

    def __len__(self) -> int:
        return len(self._entries)

    def _best_and_worst(
        self,
    ) -> tuple[list[tuple[float, int, K]], list[tuple[float, int, K]]]:
        by_best = sorted(self._entries, key=lambda entry: (-entry[0], entry[1]))
        by_worst = sorted(self._entries, key=lambda entry: (entry[0], entry[1]))
        return by_best[: self.best], by_worst[: self.worst]


def ranked_name(
    name: str, name_prefix: str, best: int | None, worst: int | None, width: int
) -> str:
    """A kept video's final name: its ranks put after the prefix, e.g.
    ``rl-video-best-1-episode-12`` or ``rl-video-best-2-worst-1-step-0-to-step-200``
    (a video in both lists says both). Ranks are zero-padded to `width` digits so that
    names sort by rank."""
    ranks = []
    if best is not None:
        ranks.append(f"best-{best:0{width}d}")
    if worst is not None:
        ranks.append(f"worst-{worst:0{width}d}")
    head = name_prefix + "-"
    if name.startswith(head):
        return head + "-".join(ranks) + "-" + name[len(head) :]
    return "-".join(ranks) + "-" + name  # a name an override chose: the ranks go first


class KeptVideos:
    """The files side of a `Ranking`: deletes a finished video as soon as it cannot be kept,
    and at `finish` renames the kept ones to names that say their rank.

    Until `finish`, kept videos stay under the names they were recorded under (so a run that
    is killed leaves complete videos under Gymnasium's or SB3's names, never a stale rank);
    `finish` renames each within the folder (`move_file`: one ``os.replace``, atomic: a final
    name never shows a half-written or half-renamed file).
    """

    def __init__(
        self, keep_best: int, keep_worst: int, score: ScoreFunction, name_prefix: str
    ) -> None:
        self.ranking: Ranking[str] = Ranking(keep_best, keep_worst)
        self.score = score
        self.name_prefix = name_prefix
        self.width = len(str(max(keep_best, keep_worst)))

    def add(self, path: str, stats: EpisodeStats) -> None:
        """Ranks the complete video at `path`, deleting every video that can no longer be
        kept (this one, possibly). A score that raises or is not a number leaves the video
        where it is, unranked, and raises."""
        score = self.score(stats)
        if isinstance(score, bool) or not isinstance(score, Real):
            raise TypeError(
                f"score must return a real number, got {type(score).__name__} for {stats.name}"
            )
        if math.isnan(score):
            raise ValueError(f"score returned NaN for {stats.name}")
        first_error: OSError | None = None
        for dropped in self.ranking.offer(path, float(score)):
            try:
                os.remove(dropped)
            except FileNotFoundError:  # moved or deleted by someone else: nothing to do
                pass
            except OSError as error:  # (not allowed, say): the others are still deleted
                first_error = first_error or error
        if first_error is not None:
            raise first_error

    def finish(self) -> tuple[list[str], BaseException | None]:
        """Renames the kept videos to their ranked names; returns their final paths, best
        first, and the first error (a failed rename leaves that video, complete, under its
        recorded name and reports it there). The ranking starts afresh after."""
        paths: list[str] = []
        first_error: BaseException | None = None
        for path, best, worst in self.take():
            folder, file_name = os.path.split(path)
            name = ranked_name(file_name[: -len(".mp4")], self.name_prefix, best, worst, self.width)
            final = os.path.join(folder, name + ".mp4")
            try:
                move_file(path, final)  # within the folder: one atomic rename
            except OSError as error:
                first_error = first_error or error
                final = path
            paths.append(final)
        return paths, first_error

    def take(self) -> list[tuple[str, int | None, int | None]]:
        """The kept videos as `Ranking.ranks` gives them (paths as recorded, best first),
        for an integration that names or moves them itself; the ranking starts afresh."""
        ranks = self.ranking.ranks()
        self.ranking = Ranking(self.ranking.best, self.ranking.worst)
        return ranks


def check_selection(keep_best: object, keep_worst: object, score: object) -> None:
    """``TypeError``/``ValueError`` for option values that cannot mean anything."""
    for what, k in (("keep_best", keep_best), ("keep_worst", keep_worst)):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"{what} must be an int (videos to keep), got {type(k).__name__}")
        if k < 0:
            raise ValueError(f"{what} must be 0 (off) or more, got {k}")
    if score is not None and not callable(score):
        raise TypeError(
            f"score must be a function of rlvideo.EpisodeStats returning a number, "
            f"got {type(score).__name__}"
        )
    if score is not None and not keep_best and not keep_worst:
        raise ValueError("score ranks videos for keep_best/keep_worst: give one of them too")


def make_selection(
    keep_best: int, keep_worst: int, score: ScoreFunction | None, name_prefix: str
) -> KeptVideos | None:
    """The `KeptVideos` the options ask for, checked; ``None`` when both counts are 0 (every
    video is kept, as without the options)."""
    check_selection(keep_best, keep_worst, score)
    if not keep_best and not keep_worst:
        return None
    return KeptVideos(
        int(keep_best), int(keep_worst), score if score is not None else episode_return, name_prefix
    )


def every_episode(episode_id: int) -> bool:
    """The episode trigger when ``keep_best``/``keep_worst`` is given without one: every
    episode is recorded and ranked."""
    return True
