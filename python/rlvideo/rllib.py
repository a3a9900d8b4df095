"""``rlvideo.rllib.RecordVideoCallback``: videos of Ray RLlib's episodes (new API stack),
recorded where the episodes run and shipped to the driver as finished MP4 files.

Each EnvRunner records the episodes its trigger picks with rlvideo's streaming writer (frames
go to the encoder as they are rendered, never into a list), keeps the best and worst of each
sample round when asked, and at the end of the round hands the finished files' bytes (a few
kilobytes each) to its ``MetricsLogger``. On the driver, ``on_train_result`` picks the best
and worst of the whole iteration, writes the files into the run's folder and puts their paths
into the result.

Needs Ray RLlib (``pip install rlvideo[rllib]``), which this module imports at once;
``import rlvideo`` never imports Ray.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import itertools
import os
import re
import sys
import tempfile
import uuid
import warnings
from collections.abc import Collection, Iterator, Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

try:
    # (mypy in a venv without Ray: the base class is then Any)
    from ray.rllib.callbacks.callbacks import RLlibCallback  # type: ignore[import-not-found, unused-ignore]
except ImportError as error:  # Ray or RLlib missing
    raise ImportError(
        f"rlvideo.rllib needs Ray RLlib: pip install 'rlvideo[rllib]' ({error})"
    ) from error

from rlvideo._env_select import _Frames, _SubEnv, check_env_choice
from rlvideo._files import write_new_file
from rlvideo._loggers import mlflow_artifact, tensorboard_text
from rlvideo._native import check_options
from rlvideo._schedule import TriggerSchedule
from rlvideo._selection import (
    EpisodeStats,
    KeptVideos,
    Ranking,
    ScoreFunction,
    episode_return,
    every_episode,
    make_selection,
    ranked_name,
)
from rlvideo._series import (
    VideoCallback,
    VideoSeries,
    check_file_name,
    check_frame_stride,
    strided_fps,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from rlvideo._options import EncoderOptions

__all__ = ["VIDEOS_KEY", "WANDB_KEY", "RecordVideoCallback"]

VIDEOS_KEY = "rlvideo_videos"
"""The key of the videos in the EnvRunners' metrics: ``result["env_runners"][VIDEOS_KEY]``
(and ``result["evaluation"]["env_runners"][VIDEOS_KEY]``) holds the paths of the iteration's
videos once ``on_train_result`` has written them (an untagged callback's; with
``tag=...``, under ``f"{VIDEOS_KEY}-{tag}"``)."""

WANDB_KEY = "rlvideo_wandb"
"""With ``wandb=True``: the key beside `VIDEOS_KEY` of the iteration's videos as
``wandb.Video`` objects, which Tune's ``WandbLoggerCallback`` logs (under
``env_runners/rlvideo_wandb``, ``evaluation/env_runners/rlvideo_wandb``; with ``tag=...``,
``f"{WANDB_KEY}-{tag}"``)."""


class RecordVideoCallback(RLlibCallback):
    """Records episodes on RLlib's EnvRunners and saves them in the run's folder.

    Give it to ``AlgorithmConfig.callbacks`` with its options bound by
    ``functools.partial`` (RLlib makes one instance per EnvRunner and one on the driver):

        >>> import functools
        >>> from ray.rllib.algorithms.ppo import PPOConfig
        >>> from rlvideo.rllib import RecordVideoCallback
        >>> config = (
        ...     PPOConfig()
        ...     .environment("CartPole-v1", env_config={"render_mode": "rgb_array"})
        ...     .callbacks(functools.partial(RecordVideoCallback, keep_best=1, keep_worst=1))
        ... )

    On each recording EnvRunner, the sub-envs of ``env_indices`` (sub-env 0 by default)
    each count their episodes from 0 and record those ``episode_trigger`` picks, a whole
    episode per file: the frame after the reset, then one per step (``steps + 1`` frames).
    An episode RLlib resets before it ends (a forced reset, an env that failed, evaluation
    by episodes) is not kept. At the end of each ``sample()`` call the EnvRunner waits for
    its stopped videos to finish encoding (the tail of the last episode's), keeps the
    ``keep_best`` and ``keep_worst`` by ``score`` if asked, and logs each file's bytes and
    its episode's rewards under `VIDEOS_KEY` (``reduce="item_series"``: nothing is averaged).
    A video still being recorded (its episode goes on into the next round) is shipped with
    the round its episode ends in.

    On the driver, ``on_train_result`` writes the iteration's files (``on_evaluate_end``
    an evaluation's, also of an ``algo.evaluate()`` called on its own, named after the next
    iteration) into ``video_folder/training`` and ``video_folder/evaluation`` (with a
    ``tag``, ``video_folder/{tag}/training`` and ``.../evaluation``) as
    ``{name_prefix}-iteration-{I}-runner-{R}-env-{E}-episode-{N}.mp4`` (with ``keep_best``
    or ``keep_worst``, only the iteration's best and worst over every EnvRunner, named
    ``{name_prefix}-iteration-{I}-best-1-runner-...``), each written under a temporary name
    and renamed when complete, replaces the bytes in the result by the files' paths and
    calls ``on_video_saved`` with each path.

    Args:
        video_folder: Where the driver writes the videos; ``None`` (the default):
            ``algorithm.logdir/videos`` (the trial's folder under Tune).
        episode_trigger: Called with each recorded sub-env's episode index on an EnvRunner
            (from 0); its episodes for which it returns True are recorded. ``None``:
            Gymnasium's ``capped_cubic_video_schedule`` (episodes 0, 1, 8, 27, ..., 1000,
            2000, ...), or every episode with ``keep_best``/``keep_worst``. Runs on the
            EnvRunners: it must pickle.
        record_training: Record on the training EnvRunners: ``True`` (the default),
            ``False``, or the EnvRunner indices to record on (``env_runner.worker_index``,
            from 1; 0 is the local EnvRunner, which samples when there are no remote ones).
        record_evaluation: The same for the evaluation EnvRunners.
        env_indices: The sub-envs of each EnvRunner's vector env to record, one file per
            episode of each (``(0,)`` by default: the first).
        name_prefix: Start of each file name; a plain name without path separators.
        tag: Keeps this callback's videos apart from those of the algorithm's other
            RecordVideoCallbacks: the driver writes them into
            ``video_folder/{tag}/training`` (and ``.../evaluation``), and the result holds
            them under ``f"{VIDEOS_KEY}-{tag}"`` (and ``f"{WANDB_KEY}-{tag}"``), so each
            callback gets its own W&B panel (and MLflow's ``videos/{tag}/training``,
            TensorBoard's ``rlvideo/{tag}/training``). Letters, digits, ``_``, ``-`` and ``.``,
            starting with a letter or digit, not ``training`` or ``evaluation`` (an
            untagged callback's folders); two callbacks of one algorithm may not share
            one. ``None`` (the default): ``video_folder/training``, `VIDEOS_KEY` and
            `WANDB_KEY`, shared by every untagged callback, each telling its own videos by
            its options (``video_folder``, ``name_prefix``, ``record_training``,
            ``record_evaluation``, ``env_indices``, ``keep_best``, ``keep_worst``,
            ``frame_stride``): two that differ in none of those (only in the trigger, say)
            would mix their videos, and ``on_algorithm_init`` warns to give each a tag.
        fps: Frame rate of the videos; ``None``: the env's ``metadata["render_fps"]`` (over
            ``frame_stride``), else 30.
        keep_best: Keep the videos of the ``keep_best`` highest ``score``s of each
            iteration (over all EnvRunners of a kind; 0, the default: keep every recorded
            video). Each EnvRunner ships its own best of each ``sample()`` call, the driver
            keeps the iteration's best among them, so no more than ``keep_best +
            keep_worst`` videos per EnvRunner and ``sample()`` call cross the network.
        keep_worst: The same for the lowest scores (``-worst-{rank}-``).
        score: ``score(stats)`` ranks a video from its ``rlvideo.EpisodeStats`` (its
            episode's rewards as RLlib recorded them; higher is better); by default the
            episode's return (``stats.episode_return``), which RLlib reports as
            ``episode_return_max``/``min``. Runs on the EnvRunners and the driver.
        frame_stride: Render and record every ``frame_stride``-th step of an episode (and
            its last); 1 (the default): every step.
        on_video_saved: Called on the driver with the path of each video once it is in
            ``video_folder`` (e.g. to log it to W&B with ``wandb.Video(path)``).
        wandb: Also put each iteration's videos into the result as ``wandb.Video`` objects
            under `WANDB_KEY`, for Tune's ``WandbLoggerCallback`` (it logs a list of
            ``wandb.Video`` it finds in a result; it skips the paths). Needs wandb on the
            driver; the files must be readable where Tune's callback runs (the same
            machine, or a shared folder).
        mlflow: Also log each video the driver saves as an artifact of MLflow's active run
            in the driver's process (``mlflow.start_run()`` around your ``algo.train()``
            loop, or Tune's ``setup_mlflow``), in ``videos/training`` and
            ``videos/evaluation``. Needs mlflow on the driver; without an active run the
            videos are not logged, with a warning.
        tensorboard: Also write a text summary naming the iteration's videos (TensorBoard
            plays no MP4) into an event file in ``algorithm.logdir`` (one per iteration
            that saved videos), under ``rlvideo/training`` and ``rlvideo/evaluation`` at
            the iteration as step. Needs tensorboardX (Ray Tune's own dependency) on the
            driver.
        runner_folder: Where EnvRunners write their videos until they are shipped (a
            folder of their own in it, on their machine); ``None``: the system's temporary
            folder. Files are deleted once shipped.
        **encoder_options: ``rlvideo.VideoWriter`` options (``rlvideo.EncoderOptions``).
    """

    def __init__(
        self,
        video_folder: str | None = None,
        *,
        episode_trigger: Callable[[int], bool] | None = None,
        record_training: bool | Collection[int] = True,
        record_evaluation: bool | Collection[int] = True,
        env_indices: Sequence[int] = (0,),
        name_prefix: str = "rl-video",
        tag: str | None = None,
        fps: float | None = None,
        keep_best: int = 0,
        keep_worst: int = 0,
        score: ScoreFunction | None = None,
        frame_stride: int = 1,
        on_video_saved: VideoCallback | None = None,
        wandb: bool = False,
        mlflow: bool = False,
        tensorboard: bool = False,
        runner_folder: str | None = None,
        **encoder_options: Unpack[EncoderOptions],
    ) -> None:
        super().__init__()
        # Checked here, on the driver, where a mistake fails build_algo() (on an EnvRunner
        # it would fail every sample() call of every EnvRunner).
        check_file_name(name_prefix, "name_prefix")
        _check_tag(tag)
        make_selection(keep_best, keep_worst, score, name_prefix)  # checks the options
        if episode_trigger is not None and not callable(episode_trigger):
            raise TypeError(
                "episode_trigger must be a function of the episode index returning a bool, "
                f"got {type(episode_trigger).__name__}"
            )
        record_training = _check_env_runners(record_training, "record_training")
        record_evaluation = _check_env_runners(record_evaluation, "record_evaluation")
        # (the number of sub-envs is checked in on_algorithm_init, from the config)
        if env_indices is None:  # (check_env_choice's "every sub-env")
            raise TypeError("env_indices must be a sequence of ints (sub-env indices), got None")
        env_indices = check_env_choice(env_indices, "files", sys.maxsize).indices or ()
        check_options(30 if fps is None else fps, **encoder_options)
        if episode_trigger is None and (keep_best or keep_worst):
            episode_trigger = every_episode
        self.video_folder = video_folder
        self.episode_trigger = episode_trigger
        self.record_training = record_training
        self.record_evaluation = record_evaluation
        self.env_indices = tuple(env_indices)
        self.name_prefix = name_prefix
        self.tag = tag
        # Where the videos go in the EnvRunners' metrics and the result.
        self.videos_key = VIDEOS_KEY if tag is None else f"{VIDEOS_KEY}-{tag}"
        self.wandb_key = WANDB_KEY if tag is None else f"{WANDB_KEY}-{tag}"
        self.fps = fps
        self.keep_best = keep_best
        self.keep_worst = keep_worst
        self.score = score
        self.frame_stride = check_frame_stride(frame_stride)
        self.on_video_saved = on_video_saved
        self.wandb = wandb
        self.mlflow = mlflow
        self.tensorboard = tensorboard
        self.runner_folder = runner_folder
        self.encoder_options = encoder_options
        # On an EnvRunner: what it records, made at its first episode (None: it records
        # nothing). Unset on the driver.
        self._runner: _RunnerVideos | None = None
        self._runner_checked = False
        # Tells this callback's videos from those of other RecordVideoCallbacks of the same
        # algorithm (its EnvRunners' instances and the driver's have the same options).
        # On the driver: the videos of this result and the last, by item id: their paths
        # (None: not kept).
        self._written: list[dict[str, str | None]] = [{}, {}]
        self._tag = (
            f"tag={tag}"
            if tag is not None
            else repr(
                (video_folder, name_prefix, record_training, record_evaluation, self.env_indices)
            )
            + repr((keep_best, keep_worst, frame_stride))
        )

    def on_algorithm_init(self, *, algorithm: Any, **kwargs: Any) -> None:
        """Checks `env_indices` against the sub-envs each EnvRunner will have, that the
        episodes are single-agent ones, and that no other RecordVideoCallback of the
        algorithm would take this one's videos (same `tag`, or untagged with the same
        options)."""
        callbacks = getattr(algorithm, "callbacks", None)
        for other in callbacks if isinstance(callbacks, list) else []:
            if other is self or not isinstance(other, RecordVideoCallback):
                continue
            if other._tag == self._tag and self.tag is not None:
                raise ValueError(
                    f"two RecordVideoCallbacks of one algorithm have tag={self.tag!r}: "
                    "give each a tag of its own"
                )
            if other._tag == self._tag:
                warnings.warn(
                    "rlvideo.rllib: two RecordVideoCallbacks of one algorithm have the same "
                    "video_folder, name_prefix, EnvRunners, env_indices, keep_best, keep_worst "
                    "and frame_stride, and no tag: their videos mix; give each a tag=",
                    stacklevel=2,
                )
                break
        for other in callbacks if isinstance(callbacks, list) else []:
            # Untagged callbacks that keep their videos apart in their folders (another
            # video_folder, say) still share MLflow's videos/training: an episode both record
            # has one file name there, and the last logged replaces the other.
            if (
                other is not self
                and isinstance(other, RecordVideoCallback)
                and self.tag is None
                and other.tag is None
                and other._tag != self._tag
                and self.mlflow
                and other.mlflow
                and other.name_prefix == self.name_prefix
            ):
                warnings.warn(
                    "rlvideo.rllib: two untagged RecordVideoCallbacks of one algorithm with "
                    "mlflow=True and one name_prefix log into one MLflow folder "
                    "(videos/training), where a file name both write keeps only the last "
                    "video: give each a tag= (or a name_prefix of its own)",
                    stacklevel=2,
                )
                break
        if getattr(algorithm.config, "is_multi_agent", False) is True:
            raise TypeError(
                "rlvideo.rllib.RecordVideoCallback records single-agent episodes "
                "(SingleAgentEnvRunner), got a multi-agent config"
            )
        for config in (algorithm.config, getattr(algorithm, "evaluation_config", None)):
            num_envs = getattr(config, "num_envs_per_env_runner", None)
            if isinstance(num_envs, int):
                check_env_choice(self.env_indices, "files", num_envs)
        for option, package in (("mlflow", "mlflow"), ("tensorboard", "tensorboardX")):
            if getattr(self, option) and importlib.util.find_spec(package) is None:
                raise ImportError(
                    f"RecordVideoCallback({option}=True) needs {package} on the driver: "
                    f"pip install {package}"
                )

    # -- on the EnvRunners ------------------------------------------------------------------

    def _videos(self, env_runner: Any, env: Any) -> _RunnerVideos | None:
        if not self._runner_checked:
            self._runner_checked = True
            evaluation = bool(getattr(env_runner.config, "in_evaluation", False))
            chosen = self.record_evaluation if evaluation else self.record_training
            index = int(env_runner.worker_index or 0)
            if chosen is True or (not isinstance(chosen, bool) and index in chosen):
                # (A folder that cannot be made, on a full disk, say: this EnvRunner records
                # nothing, with a warning, and samples on.)
                with _failures_warned("this EnvRunner records no video"):
                    self._runner = _RunnerVideos(self, env, index, evaluation)
        return self._runner

    def on_episode_start(  # type: ignore[override]
        self, *, env_runner: Any, env: Any, env_index: int, **kwargs: Any
    ) -> None:
        videos = self._videos(env_runner, env)
        if videos is not None:
            with _failures_warned():
                videos.episode_started(env, env_index)

    def on_episode_step(  # type: ignore[override]
        self, *, episode: Any, env_runner: Any, env: Any, env_index: int, **kwargs: Any
    ) -> None:
        videos = self._videos(env_runner, env)
        if videos is not None:
            with _failures_warned():
                videos.step_taken(env, env_index, final=episode.is_done)

    def on_episode_end(  # type: ignore[override]
        self,
        *,
        episode: Any,
        env_runner: Any,
        env: Any,
        env_index: int,
        prev_episode_chunks: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        videos = self._videos(env_runner, env)
        if videos is not None:
            with _failures_warned():
                chunks = [*(prev_episode_chunks or ()), episode]
                rewards = [np.asarray(chunk.get_rewards(), np.float64) for chunk in chunks]
                videos.episode_ended(env_index, np.concatenate(rewards))

    def on_sample_end(  # type: ignore[override]
        self, *, metrics_logger: Any, **kwargs: Any
    ) -> None:
        if self._runner is not None:
            with _failures_warned():
                for item in self._runner.ship():
                    item["tag"] = self._tag
                    metrics_logger.log_value(self.videos_key, item, reduce="item_series")

    # -- on the driver ----------------------------------------------------------------------

    def on_evaluate_end(  # type: ignore[override]
        self, *, algorithm: Any, evaluation_metrics: dict[str, Any], **kwargs: Any
    ) -> None:
        """Writes an evaluation's videos when it ends: ``algo.evaluate()`` called on its own
        reaches no ``on_train_result``. Inside ``train()`` the evaluation belongs to the
        iteration being run (``algorithm.iteration`` counts those done); on its own, it is
        named after the next."""
        metrics = evaluation_metrics.get("env_runners") if evaluation_metrics else None
        self._report(self._take("evaluation", metrics, algorithm, algorithm.iteration + 1))

    def on_train_result(  # type: ignore[override]
        self, *, algorithm: Any, result: dict[str, Any], **kwargs: Any
    ) -> None:
        iteration = int(result.get("training_iteration") or algorithm.iteration)
        saved = self._take("training", result.get("env_runners"), algorithm, iteration)
        evaluation = result.get("evaluation")
        if isinstance(evaluation, dict):  # (written by on_evaluate_end, unless reported anew)
            saved += self._take("evaluation", evaluation.get("env_runners"), algorithm, iteration)
        # An item comes back at most once, in the next result: two results' ids suffice.
        self._written = [{}, self._written[0]]
        self._report(saved)

    def _take(self, kind: str, metrics: object, algorithm: Any, iteration: int) -> list[str]:
        """Writes the videos of this callback's items in `metrics` (an EnvRunners' results
        dict) into ``video_folder/kind`` and puts their paths in place of the items; returns
        the paths written."""
        key = self.videos_key
        if not isinstance(metrics, dict) or key not in metrics:
            return []
        items = metrics[key]
        if isinstance(items, dict):  # MetricsLogger.compile() unwraps a list of one
            items = [items]
        if not isinstance(items, list):
            return []
        # This callback's items: other RecordVideoCallbacks of the algorithm log under the
        # same key, and a result RLlib reports again holds paths, written already.
        ours = [i for i in items if isinstance(i, dict) and i.get("tag") == self._tag]
        if not ours:
            return []
        # RLlib reports an evaluation's metrics again in the next iteration's result
        # (compiled with the training ones): those videos were written (or dropped).
        before = {**self._written[1], **self._written[0]}
        new = [i for i in ours if i["id"] not in before]
        folder = self.video_folder or os.path.join(algorithm.logdir, "videos")
        if self.tag is not None:
            folder = os.path.join(folder, self.tag)
        paths = self._save(new, os.path.join(folder, kind), iteration, self._written[0])
        again = [path for i in ours if (path := before.get(i["id"])) is not None]
        others = [i for i in items if not any(i is o for o in ours)]
        metrics[key] = others + again + paths
        if self.wandb and paths:
            import wandb  # the driver's: imported only when asked for

            videos = [wandb.Video(path, format="mp4") for path in paths]
            metrics[self.wandb_key] = [*metrics.get(self.wandb_key, []), *videos]
        if paths:
            self._to_loggers(kind, paths, algorithm, iteration)
        return paths

    def _to_loggers(self, kind: str, paths: list[str], algorithm: Any, iteration: int) -> None:
        """With ``mlflow``/``tensorboard``: saved videos to MLflow's active run and a
        TensorBoard text. A failure warns: training goes on."""
        where = kind if self.tag is None else f"{self.tag}/{kind}"  # (as in video_folder)
        if self.mlflow:
            with _failures_warned("videos not logged to MLflow"):
                import mlflow  # type: ignore[import-not-found, unused-ignore]

                if mlflow.active_run() is None:
                    raise RuntimeError("no active MLflow run in this process (mlflow=True)")
                for path in paths:
                    mlflow_artifact(path, f"videos/{where}")
        if self.tensorboard:
            with _failures_warned("videos not named in TensorBoard"):
                from tensorboardX import SummaryWriter  # type: ignore[import-not-found, unused-ignore]

                # A writer of its own each time, closed at once: tensorboardX writes on a
                # thread that flush() does not wait for, and nothing closes a writer kept
                # open when the driver exits (RLlib has no callback for algo.stop()).
                # The file names sort in the order the files are made (tensorboardX's name
                # has the second, then this suffix): TensorBoard's Python loader follows
                # only files that sort after the one it read last, so "...-10-..." made in
                # the second of "...-9-..." was never shown live.
                suffix = f".rlvideo-{next(_EVENT_FILES):09d}-{kind}-{iteration}"
                with SummaryWriter(algorithm.logdir, filename_suffix=suffix) as writer:
                    tensorboard_text(writer, f"rlvideo/{where}", paths, iteration)

    def _report(self, paths: list[str]) -> None:
        if self.on_video_saved is not None:
            for path in paths:
                self.on_video_saved(path)

    def _save(
        self,
        items: list[dict[str, Any]],
        folder: str,
        iteration: int,
        written: dict[str, str | None],
    ) -> list[str]:
        """Writes the iteration's kept videos into `folder`; returns their paths. Notes in
        `written` each item's path by its id (None: not kept)."""
        written.update((item["id"], None) for item in items)
        prefix = f"{self.name_prefix}-iteration-{iteration}"
        named: list[tuple[str, dict[str, Any]]]
        if self.keep_best or self.keep_worst:
            ranking: Ranking[int] = Ranking(self.keep_best, self.keep_worst)
            score = self.score or episode_return
            for n, item in enumerate(items):
                ranking.offer(n, float(score(_stats(item))))
            width = len(str(max(self.keep_best, self.keep_worst)))
            named = [
                (ranked_name(f"{prefix}-{items[n]['name']}", prefix, best, worst, width), items[n])
                for n, best, worst in ranking.ranks()
            ]
        else:
            named = [(f"{prefix}-{item['name']}", item) for item in items]
        if not named:
            return []
        os.makedirs(folder, exist_ok=True)
        paths = []
        for name, item in named:
            paths.append(write_new_file(folder, name, item["data"]))
            written[item["id"]] = paths[-1]
        return paths


class _RunnerVideos:
    """What one EnvRunner records: a schedule and a `VideoSeries` per recorded sub-env,
    the ended episodes' stats, and the videos to ship at the end of the sample round."""

    def __init__(
        self, options: RecordVideoCallback, env: Any, worker_index: int, evaluation: bool
    ) -> None:
        kind = "evaluation" if evaluation else "training"
        if options.runner_folder is not None:
            os.makedirs(options.runner_folder, exist_ok=True)
        self.folder = tempfile.mkdtemp(
            prefix=f"rlvideo-{kind}-runner-{worker_index}-", dir=options.runner_folder
        )
        self.worker_index = worker_index
        fps = options.fps
        if fps is None:
            metadata = getattr(env, "metadata", None) or {}
            fps = strided_fps(metadata.get("render_fps") or 30, options.frame_stride)
        num_envs = getattr(env, "num_envs", 1)
        self.sub_envs: dict[int, _SubEnv] = {}
        check_env_choice(options.env_indices, "files", num_envs)
        for index in options.env_indices:
            series = VideoSeries(
                self.folder,
                fps,
                options.encoder_options,
                self._finished,
                frame_stride=options.frame_stride,
            )
            schedule = TriggerSchedule(
                options.episode_trigger, None, 0, f"runner-{worker_index}-env-{index}"
            )
            self.sub_envs[index] = _SubEnv(index, schedule, series, None)
        self.selection: KeptVideos | None = make_selection(
            options.keep_best, options.keep_worst, options.score, "local"
        )
        self.stats: dict[str, EpisodeStats] = {}  # by video name, for ended episodes
        self.finished: list[str] = []  # complete videos to ship (without a selection)

    def episode_started(self, env: Any, env_index: int) -> None:
        sub = self.sub_envs.get(env_index)
        if sub is None:
            return
        # A recording still going is an episode RLlib reset before it ended: the schedule
        # stops it, and with no stats its file is deleted once complete (_finished).
        sub.schedule.episode_started(sub)
        sub.series.after_event(functools.partial(sub.capture, _Frames(env)))

    def step_taken(self, env: Any, env_index: int, *, final: bool) -> None:
        sub = self.sub_envs.get(env_index)
        if sub is not None:
            sub.series.after_event(functools.partial(sub.capture, _Frames(env)), final=final)

    def episode_ended(self, env_index: int, rewards: np.ndarray) -> None:
        sub = self.sub_envs.get(env_index)
        if sub is None or not sub.recording:
            return
        name = sub.series.video_name
        assert name is not None
        self.stats[name] = EpisodeStats(name, rewards, sub.series.frames)
        sub.stop_recording()

    def _finished(self, path: str) -> None:
        """A video is complete: ranked (with a selection), else kept to ship; one whose
        episode never ended is deleted."""
        stats = self.stats.get(os.path.basename(path)[: -len(".mp4")])
        if stats is None:
            os.remove(path)
        elif self.selection is not None:
            self.selection.add(path, stats)
        else:
            self.finished.append(path)

    def ship(self) -> list[dict[str, Any]]:
        """Waits for the stopped videos, then returns the ones to ship (read and deleted
        here) with their episodes' stats."""
        for sub in self.sub_envs.values():
            sub.series.wait()
        if self.selection is not None:
            paths = [path for path, _, _ in self.selection.take()]
        else:
            paths, self.finished = self.finished, []
        items = []
        for path in paths:
            stats = self.stats[os.path.basename(path)[: -len(".mp4")]]
            with open(path, "rb") as file:
                data = file.read()
            os.remove(path)
            items.append(
                {
                    "name": stats.name,
                    "data": data,
                    "rewards": stats.rewards,
                    "frames": stats.frames,
                    "runner": self.worker_index,
                    "id": uuid.uuid4().hex,
                }
            )
        # Every ended episode's video is complete now: shipped, or deleted by the ranking.
        self.stats.clear()
        return items


@contextlib.contextmanager
def _failures_warned(what: str = "a video was lost") -> Iterator[None]:
    """A video that fails (a full disk, say) is lost with a warning and the EnvRunner samples
    on: an exception in a callback would fail its ``sample()``, and a restarted EnvRunner
    would meet the same disk."""
    try:
        yield
    except Exception as error:
        warnings.warn(f"rlvideo.rllib: {what}: {error!r}", stacklevel=3)


_EVENT_FILES = itertools.count()
"""Numbers the driver's TensorBoard event files in the order they are made."""

_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _check_tag(tag: object) -> None:
    """``tag``: None, or a name that is a folder name and a part of a result key."""
    if tag is not None and not isinstance(tag, str):
        raise TypeError(f"tag must be a str or None, got {type(tag).__name__}")
    if tag is not None and not _TAG.fullmatch(tag):
        raise ValueError(
            "tag must be letters, digits, '_', '-' and '.', starting with a letter or digit "
            f"(it names a folder and a result key), got {tag!r}"
        )
    if tag in ("training", "evaluation"):
        # (a tagged callback's folders are <tag>/training and <tag>/evaluation, beside an
        # untagged one's training/ and evaluation/: this tag would nest one inside the other)
        raise ValueError(f"tag must not be 'training' or 'evaluation' (folder names), got {tag!r}")


def _check_env_runners(chosen: object, what: str) -> bool | frozenset[int]:
    """``record_training``/``record_evaluation``: a bool, or EnvRunner indices."""
    if isinstance(chosen, bool):
        return chosen
    if isinstance(chosen, (str, bytes)) or not isinstance(chosen, Collection):
        raise TypeError(
            f"{what} must be True, False or a collection of EnvRunner indices (ints), "
            f"got {type(chosen).__name__}"
        )
    for index in chosen:
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, Integral):
            raise TypeError(
                f"{what} must hold EnvRunner indices (ints), got {type(index).__name__} {index!r}"
            )
        if index < 0:
            raise ValueError(f"{what} must hold EnvRunner indices (0 or more), got {index}")
    return frozenset(int(index) for index in chosen)


def _stats(item: dict[str, Any]) -> EpisodeStats:
    return EpisodeStats(item["name"], np.asarray(item["rewards"]), int(item["frames"]))
