"""rlvideo.rllib.RecordVideoCallback on a real local Ray cluster: RLlib PPO (new API stack) on
CartPole with 2 EnvRunners of 2 sub-envs each and an evaluation EnvRunner, a few short
iterations. One cluster and one algorithm serve the whole module (building one takes tens of
seconds); five callbacks record side by side in it:

- ``every``: every episode of both sub-envs on every EnvRunner, training and evaluation;
- ``best``: every training episode, the iteration's best and worst kept;
- ``default``: the defaults, on EnvRunner 1 only (sub-env 0, Gymnasium's capped cubic
  schedule), no evaluation;
- ``even`` and ``odd``: two callbacks that differ only in their trigger (sub-env 0's even
  or odd episodes, training only) and their ``tag``, with one ``video_folder`` (``odd``
  also to MLflow and TensorBoard).

An Atari game gets an algorithm of its own, sampled on the driver (no EnvRunner actors).

Needs Ray RLlib, which pins its own Gymnasium: scripts/test.sh runs this file in a venv of
its own (.venv-rllib) with RLVIDEO_REQUIRE_RAY=1, so that it cannot skip there; elsewhere it
skips when Ray is missing."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

if os.environ.get("RLVIDEO_REQUIRE_RAY") != "1":
    pytest.importorskip("ray.rllib", reason="Ray RLlib is missing: pip install rlvideo[rllib]")

import ray
from ray.rllib.algorithms.ppo import PPOConfig

from rlvideo.rllib import VIDEOS_KEY, WANDB_KEY, RecordVideoCallback
from tests.helpers import stream_info, wandb_offline_env

pytestmark = pytest.mark.timeout(300)

NAME = re.compile(
    r"rl-video-iteration-(\d+)-(?:((?:best|worst)-\d+(?:-worst-\d+)?)-)?"
    r"runner-(\d+)-env-(\d+)-episode-(\d+)\.mp4"
)


def frames(path: str | Path) -> int:
    return int(stream_info(path)["frames"])


class Run:
    """The module's algorithm and what its iterations reported."""

    def __init__(self, algo: Any, root: Path, tracking_uri: str, mlflow_run: str) -> None:
        self.algo = algo
        self.root = root
        self.tracking_uri = tracking_uri  # the driver's MLflow store (sqlite) and active run
        self.mlflow_run = mlflow_run
        self.results: list[dict[str, Any]] = []

    def train(self) -> dict[str, Any]:
        result = self.algo.train()
        self.results.append(result)
        return result

    def folder(self, callback: str, kind: str = "training") -> Path:
        return self.root / callback / kind

    def videos(self, callback: str, kind: str = "training", iteration: int | None = None) -> list:
        """(path, parsed name) of the videos in a folder, of one iteration if given."""
        found = []
        folder = self.folder(callback, kind)
        for path in sorted(folder.iterdir()) if folder.exists() else []:
            match = NAME.fullmatch(path.name)
            assert match, path.name
            if iteration is None or int(match[1]) == iteration:
                found.append((path, match))
        return found


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    root = tmp_path_factory.mktemp("rllib")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # pygame in the EnvRunners, quietly
    # The EnvRunners are processes Ray starts: they inherit this environment (PYTHONPATH).
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    # A real MLflow store, and a run active in the driver's process (mlflow=True logs there).
    import mlflow

    tracking_uri = f"sqlite:///{root / 'mlflow.db'}"
    mlflow.set_tracking_uri(tracking_uri)
    experiment = mlflow.create_experiment("rllib", artifact_location=(root / "mlflow").as_uri())
    mlflow_run = mlflow.start_run(experiment_id=experiment).info.run_id
    recorder = functools.partial(RecordVideoCallback, runner_folder=str(root / "runners"))
    config = (
        PPOConfig()
        .environment("CartPole-v1", env_config={"render_mode": "rgb_array"})
        .env_runners(num_env_runners=2, num_envs_per_env_runner=2)
        .training(train_batch_size_per_learner=400, minibatch_size=200, num_epochs=1)
        .evaluation(
            evaluation_interval=1,
            evaluation_duration=2,
            evaluation_duration_unit="episodes",
            evaluation_num_env_runners=0,
        )
        .fault_tolerance(restart_failed_env_runners=True)
        .callbacks(
            [
                functools.partial(
                    recorder,
                    str(root / "every"),
                    episode_trigger=lambda episode: True,
                    env_indices=(0, 1),
                    mlflow=True,
                    tensorboard=True,
                ),
                functools.partial(
                    recorder,
                    str(root / "best"),
                    keep_best=1,
                    keep_worst=1,
                    env_indices=(0, 1),
                    record_evaluation=False,
                ),
                functools.partial(
                    recorder, str(root / "default"), record_training=[1], record_evaluation=False
                ),
                *(
                    functools.partial(
                        recorder,
                        str(root / "tagged"),
                        tag=tag,
                        episode_trigger=lambda episode, parity=parity: episode % 2 == parity,
                        record_evaluation=False,
                        mlflow=tag == "odd",
                        tensorboard=tag == "odd",
                    )
                    for parity, tag in enumerate(("even", "odd"))
                ),
            ]
        )
    )
    algo = config.build_algo()
    run = Run(algo, root, tracking_uri, mlflow_run)
    try:
        for _ in range(2):
            run.train()
        yield run
    finally:
        algo.stop()
        ray.shutdown()
        mlflow.end_run()


def test_every_episode_reaches_the_driver_complete(run: Run) -> None:
    """Each iteration's episodes, all of them (both sub-envs of both EnvRunners), are files
    in the driver's folder that decode, one frame per step plus the reset's: their count,
    shortest and longest length are what RLlib reports for the iteration. (Its
    ``episode_len_mean`` is a mean of the EnvRunners' means, not of the episodes.)"""
    for iteration, result in enumerate(run.results, 1):
        runners = result["env_runners"]
        videos = run.videos("every", iteration=iteration)
        assert len(videos) == runners["num_episodes"] > 0
        assert {str(path) for path, _ in videos} <= set(runners[VIDEOS_KEY])
        lengths = [frames(path) - 1 for path, _ in videos]  # CartPole: return = length
        assert {int(m[3]) for _, m in videos} == {1, 2}
        assert {int(m[4]) for _, m in videos} == {0, 1}
        if iteration == 1:  # (later iterations' metrics are smoothed over earlier ones)
            assert min(lengths) == runners["episode_len_min"]
            assert max(lengths) == runners["episode_len_max"]
    assert not list(run.root.rglob("*.part"))


def test_best_and_worst_of_each_iteration(run: Run) -> None:
    """keep_best=1, keep_worst=1: one video each per iteration over both EnvRunners, the
    episodes of the highest and lowest return RLlib reports, as the ``every`` callback's
    files of the iteration show."""
    for iteration, result in enumerate(run.results, 1):
        returns = [frames(path) - 1 for path, _ in run.videos("every", iteration=iteration)]
        kept = {m[2]: frames(path) - 1 for path, m in run.videos("best", iteration=iteration)}
        assert kept == {"best-1": max(returns), "worst-1": min(returns)}
        if iteration == 1:
            runners = result["env_runners"]
            assert kept["best-1"] == runners["episode_return_max"]
            assert kept["worst-1"] == runners["episode_return_min"]


def test_evaluation_is_recorded_apart(run: Run) -> None:
    """Evaluation episodes land in ``evaluation/`` (the local evaluation EnvRunner, index 0);
    the episode the evaluation cut short when its 2 episodes were done is not kept. The
    callbacks with ``record_evaluation=False`` record none."""
    for iteration, result in enumerate(run.results, 1):
        evaluation = result["evaluation"]["env_runners"]
        videos = run.videos("every", "evaluation", iteration)
        assert len(videos) == evaluation["num_episodes"] == 2
        assert {int(m[3]) for _, m in videos} == {0}
        assert sorted(frames(path) - 1 for path, _ in videos) == sorted(
            [evaluation["episode_len_min"], evaluation["episode_len_max"]]
        )
    assert not run.folder("best", "evaluation").exists()
    assert not run.folder("default", "evaluation").exists()


def test_defaults_record_sub_env_0_on_the_chosen_env_runner(run: Run) -> None:
    """record_training=[1] and the defaults: EnvRunner 1's sub-env 0 alone, its episodes
    picked by Gymnasium's capped cubic schedule (0, 1, 8, ...)."""
    videos = run.videos("default")
    episodes = sorted(int(m[5]) for _, m in videos)
    # The ``every`` callback records each episode of the same sub-env, counted alike: the
    # defaults keep exactly those the schedule picks (one may be an iteration's only video).
    every = {int(m[5]) for _, m in run.videos("every") if (m[3], m[4]) == ("1", "0")}
    assert episodes == sorted(every & {0, 1, 8, 27, 64})
    assert episodes[:2] == [0, 1]
    assert {(int(m[3]), int(m[4])) for _, m in videos} == {(1, 0)}
    for path, _ in videos:
        assert frames(path) >= 9  # a whole CartPole episode: at least 8 steps


def test_tagged_callbacks_keep_their_videos_apart(run: Run) -> None:
    """Two callbacks alike but for their trigger, with one video_folder: their tags keep
    their videos in folders and result keys of their own, each holding exactly the episodes
    its trigger picks (of those the ``every`` callback recorded on sub-env 0), none in the
    untagged places; ``odd``'s MLflow artifacts and TensorBoard texts are under its tag."""
    from mlflow import MlflowClient
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    for iteration, result in enumerate(run.results, 1):
        runners = result["env_runners"]
        every = {(m[3], m[5]) for _, m in run.videos("every", iteration=iteration) if m[4] == "0"}
        for parity, tag in enumerate(("even", "odd")):
            videos = run.videos(f"tagged/{tag}", iteration=iteration)
            assert {str(path) for path, _ in videos} == set(runners.get(f"{VIDEOS_KEY}-{tag}", []))
            assert {(m[3], m[5]) for _, m in videos} == {
                (runner, episode) for runner, episode in every if int(episode) % 2 == parity
            }
            assert not {str(path) for path, _ in videos} & set(runners[VIDEOS_KEY])
        assert run.videos("tagged/even", iteration=iteration) or run.videos(
            "tagged/odd", iteration=iteration
        )
    assert sorted(p.name for p in (run.root / "tagged").iterdir()) == ["even", "odd"]
    assert [p.name for p in (run.root / "tagged" / "even").iterdir()] == ["training"]
    odd = sorted(path.name for path, _ in run.videos("tagged/odd"))
    listed = MlflowClient(run.tracking_uri).list_artifacts(run.mlflow_run, "videos/odd/training")
    assert sorted(a.path for a in listed) == [f"videos/odd/training/{name}" for name in odd]
    events = EventAccumulator(run.algo.logdir, size_guidance={"tensors": 0})
    events.Reload()
    texts = events.Tensors("rlvideo/odd/training/text_summary")
    named = [t.tensor_proto.string_val[0].decode() for t in texts]
    assert sorted(re.findall(r"rl-video-\S+\.mp4", "\n".join(named))) == odd


def pong_ram(env_config: Any) -> Any:
    """Pong with its RAM as float observations (an MLP's input) and its screen rendered."""
    import gymnasium as gym
    import numpy as np

    env = gym.make(
        "ale_py:ALE/Pong-v5", obs_type="ram", render_mode="rgb_array", max_episode_steps=60
    )
    return gym.wrappers.DtypeObservation(env, np.float32)


def test_atari_episodes_on_the_local_env_runner(run: Run) -> None:
    """An Atari game (Pong, RAM observations so that PPO's default MLP takes them, the screen
    rendered) sampled by the local EnvRunner (``num_env_runners=0``, index 0), episodes cut
    at 60 steps: every episode is a 160x210 video of 61 frames at the game's 30 fps."""
    from ray.tune.registry import register_env

    register_env("rlvideo-pong-ram", pong_ram)
    folder = run.root / "atari"
    config = (
        PPOConfig()
        .environment("rlvideo-pong-ram")
        .env_runners(num_env_runners=0)
        .training(train_batch_size_per_learner=130, minibatch_size=130, num_epochs=1)
        .callbacks(
            functools.partial(
                RecordVideoCallback, str(folder), episode_trigger=lambda episode: True
            )
        )
    )
    algo = config.build_algo()
    try:
        result = algo.train()
    finally:
        algo.stop()
    videos = sorted((folder / "training").iterdir())
    assert len(videos) == result["env_runners"]["num_episodes"] == 2
    for path in videos:
        assert NAME.fullmatch(path.name)[3] == "0"  # type: ignore[index]
        info = stream_info(path)
        assert (info["width"], info["height"], info["frames"]) == (160, 210, 61), info
        assert info["rate"] == 30


def test_mlflow_gets_each_saved_video_as_an_artifact_of_the_active_run(
    run: Run, tmp_path: Path
) -> None:
    """mlflow=True (the ``every`` callback; the driver has an active run): every video the
    driver saved is an artifact of that run in the real tracking store, in
    ``videos/training`` or ``videos/evaluation`` under the file's own name, byte for byte."""
    from mlflow import MlflowClient

    client = MlflowClient(run.tracking_uri)
    for kind in ("training", "evaluation"):
        saved = sorted(path for path, _ in run.videos("every", kind))
        assert saved
        listed = client.list_artifacts(run.mlflow_run, f"videos/{kind}")
        assert sorted(a.path for a in listed) == [f"videos/{kind}/{p.name}" for p in saved]
        for path in (saved[0], saved[-1]):
            got = client.download_artifacts(
                run.mlflow_run, f"videos/{kind}/{path.name}", str(tmp_path)
            )
            assert Path(got).read_bytes() == path.read_bytes()
            assert frames(got) == frames(path) >= 2


def test_tensorboard_names_each_iteration_s_videos(run: Run) -> None:
    """tensorboard=True: an event file in ``algorithm.logdir`` (read back with TensorBoard's
    own reader) holds, per iteration that saved videos, one text summary under
    ``rlvideo/training`` (``rlvideo/evaluation``) at the iteration as step naming each."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(run.algo.logdir, size_guidance={"tensors": 0})
    events.Reload()
    for kind in ("training", "evaluation"):
        expected: dict[int, list[str]] = {}
        for path, match in run.videos("every", kind):
            expected.setdefault(int(match[1]), []).append(str(path))
        texts = events.Tensors(f"rlvideo/{kind}/text_summary")
        assert sorted(event.step for event in texts) == sorted(expected) != []
        for event in texts:
            text = event.tensor_proto.string_val[0].decode()
            named = re.findall(r"MP4 video \(TensorBoard cannot play it\): (\S+)", text)
            assert sorted(named) == sorted(expected[event.step])


def test_a_killed_env_runner_leaves_no_corrupt_file_and_training_goes_on(run: Run) -> None:
    """SIGKILL to EnvRunner 1 between iterations (its episodes in progress are being
    recorded): the next iteration trains on EnvRunner 2, RLlib restores EnvRunner 1 (a new
    process) and it records again; every file under a final name, in the driver's folder and
    in the EnvRunners' own, decodes complete."""

    def pids() -> dict[int, int]:
        return dict(
            run.algo.env_runner_group.foreach_env_runner(
                lambda runner: (runner.worker_index, os.getpid()), local_env_runner=False
            )
        )

    killed = pids()[1]
    os.kill(killed, signal.SIGKILL)
    result = run.train()
    assert result["env_runners"]["num_episodes"] > 0
    deadline = time.monotonic() + 120
    while 1 not in pids() and time.monotonic() < deadline:  # Ray restarts the process
        run.algo.env_runner_group.probe_unhealthy_env_runners()
        time.sleep(1)
    assert pids()[1] != killed
    result = run.train()
    iteration = len(run.results)
    assert {int(m[3]) for _, m in run.videos("every", iteration=iteration)} == {1, 2}
    # The killed EnvRunner's videos in progress stay under their temporary names.
    assert list((run.root / "runners").rglob("*.partial"))
    for path in run.root.rglob("*.mp4"):
        info = stream_info(path)
        assert info["frames"] >= 2 and info["width"] in (600, 160), path


class Episode:
    """What the callback reads of RLlib's SingleAgentEpisode."""

    def __init__(self) -> None:
        self.rewards: list[float] = []
        self.is_done = False

    def get_rewards(self) -> list[float]:
        return self.rewards


class Logger:
    """What the callback calls of RLlib's MetricsLogger."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def log_value(self, key: str, value: Any, reduce: str) -> None:
        assert (key, reduce) == (VIDEOS_KEY, "item_series")
        self.items.append(value)


def drive(callback: RecordVideoCallback, env: Any, episodes: list[int], logger: Any = None) -> Any:
    """Calls the hooks as an EnvRunner does for sub-env 0's episodes of these lengths (a
    negative one: RLlib resets it before it ends), then ends the sample round (logging to
    `logger`, by default a `Logger`)."""
    runner = SimpleNamespace(config=SimpleNamespace(in_evaluation=False), worker_index=1)
    hooks = {"env_runner": runner, "env": env, "env_index": 0}
    env.reset(seed=0)
    for length in episodes:
        episode = Episode()
        callback.on_episode_start(episode=episode, **hooks)
        for t in range(abs(length)):
            env.step(np.zeros(env.num_envs, dtype=np.int64))
            episode.rewards.append(1.0)
            episode.is_done = t == length - 1
            callback.on_episode_step(episode=episode, **hooks)
        if length > 0:
            callback.on_episode_end(episode=episode, prev_episode_chunks=[], **hooks)
    logger = Logger() if logger is None else logger
    callback.on_sample_end(env_runner=runner, metrics_logger=logger)
    return logger


@pytest.fixture
def vector_env() -> Iterator[Any]:
    import gymnasium as gym

    env = gym.make_vec("CartPole-v1", num_envs=2, render_mode="rgb_array")
    yield env
    env.close()


def test_an_episode_reset_before_its_end_is_not_shipped(tmp_path: Path, vector_env: Any) -> None:
    """Without a cluster, the hooks called as an EnvRunner calls them: an episode RLlib
    abandons (a second on_episode_start, no on_episode_end) leaves no file; the next one is
    shipped with its frames and rewards, and the EnvRunner's folder is left empty."""
    callback = RecordVideoCallback(runner_folder=str(tmp_path), episode_trigger=lambda e: True)
    logger = drive(callback, vector_env, [-5, 7])
    [item] = logger.items
    assert item["name"] == "runner-1-env-0-episode-1" and item["frames"] == 8
    assert list(item["rewards"]) == [1.0] * 7
    assert item["data"][4:8] == b"ftyp"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.filterwarnings("ignore:Ignored saving a video as there were zero frames")
def test_a_failing_recording_warns_and_sampling_goes_on(tmp_path: Path, vector_env: Any) -> None:
    """A video that cannot be written (its folder gone, as on a full or lost disk) is lost
    with a warning; the hooks raise nothing, so the EnvRunner's sample() goes on."""
    callback = RecordVideoCallback(runner_folder=str(tmp_path), episode_trigger=lambda e: True)
    drive(callback, vector_env, [3])
    assert callback._runner is not None
    os.rmdir(callback._runner.folder)
    with pytest.warns(UserWarning, match="rlvideo.rllib: a video was lost"):
        logger = drive(callback, vector_env, [4])
    assert logger.items == []


def test_a_lone_video_and_one_reported_again_are_written_once(
    tmp_path: Path, vector_env: Any
) -> None:
    """The items go through RLlib's own MetricsLogger, as from an EnvRunner to the driver:
    its ``compile()`` gives a list of one item as the item itself (a lone video in an
    iteration, as every iteration of one EnvRunner with ``keep_best=1`` has), which is
    written all the same; and an evaluation's items come again in the next iteration's
    result (RLlib compiles them with the training metrics), which are not written twice."""
    from ray.rllib.utils.metrics.metrics_logger import MetricsLogger

    callback = RecordVideoCallback(
        str(tmp_path / "videos"), runner_folder=str(tmp_path), episode_trigger=lambda e: True
    )
    algorithm = SimpleNamespace(logdir=str(tmp_path), iteration=0)
    root = MetricsLogger(root=True)
    runner = MetricsLogger()
    drive(callback, vector_env, [7], runner)
    root.aggregate([runner.reduce()], key="env_runners")
    result = {**root.compile(), "training_iteration": 1}
    callback.on_train_result(algorithm=algorithm, result=result)
    [path] = result["env_runners"][VIDEOS_KEY]
    assert Path(path).name == "rl-video-iteration-1-runner-1-env-0-episode-0.mp4"
    assert frames(path) == 8

    # Iteration 2 trains (its metrics compiled), then evaluates (peeked, as evaluate() does).
    training = root.compile()
    drive(callback, vector_env, [5], runner)
    root.aggregate([runner.reduce()], key=("evaluation", "env_runners"))
    evaluation = root.peek("evaluation", latest_merged_only=True)
    result = {**training, "evaluation": evaluation, "training_iteration": 2}
    callback.on_train_result(algorithm=algorithm, result=result)
    [path] = result["evaluation"]["env_runners"][VIDEOS_KEY]
    assert frames(path) == 6
    result = {**root.compile(), "training_iteration": 3}  # no evaluation in iteration 3
    callback.on_train_result(algorithm=algorithm, result=result)
    assert result["evaluation"]["env_runners"][VIDEOS_KEY] == [path]
    assert sorted(p.name for p in (tmp_path / "videos").rglob("*.mp4")) == [
        "rl-video-iteration-1-runner-1-env-0-episode-0.mp4",
        "rl-video-iteration-2-runner-1-env-0-episode-1.mp4",
    ]


WANDB_SCRIPT = """
import json, os, pickle, sys, types
import numpy as np
import wandb
from ray.air.integrations.wandb import _clean_log, _is_allowed_type
from ray.tune.utils import flatten_dict
import rlvideo
from rlvideo.rllib import VIDEOS_KEY, WANDB_KEY, RecordVideoCallback

folder = sys.argv[1]
path = os.path.join(folder, "episode.mp4")  # a video as an EnvRunner ships it
with rlvideo.VideoWriter(path, 30) as writer:
    for t in range(10):
        writer.write(np.full((64, 96, 3), 20 * t, np.uint8))
callback = RecordVideoCallback(os.path.join(folder, "videos"), wandb=True)
item = {"name": "runner-1-env-0-episode-0", "data": open(path, "rb").read(),
        "rewards": np.ones(9), "frames": 10, "runner": 1, "tag": callback._tag, "id": "1"}
result = {"training_iteration": 3, "env_runners": {VIDEOS_KEY: [item], "num_episodes": 1}}
callback.on_train_result(algorithm=types.SimpleNamespace(logdir=folder), result=result)
result = pickle.loads(pickle.dumps(result))  # as Tune hands a result to its callbacks
# What Tune's WandbLoggerCallback does with it (log_trial_result, then _handle_result).
flat = flatten_dict(_clean_log(result), delimiter="/")
logged = {key: value for key, value in flat.items() if _is_allowed_type(value)}
run = wandb.init(project="rlvideo-test")
wandb.log(logged)
media = os.path.join(run.dir, "media", "videos")
wandb.finish()
print(json.dumps({"media": media, "logged": sorted(logged),
                  "paths": result["env_runners"][VIDEOS_KEY]}))
"""


def test_tune_wandb_logger_logs_the_files(tmp_path: Path) -> None:
    """wandb=True: the result holds ``wandb.Video`` objects of the driver's files, which
    Tune's ``WandbLoggerCallback`` keeps (and a pickled round trip, as Tune makes, keeps);
    wandb (offline) stores our file byte for byte. The paths themselves it skips."""
    if os.environ.get("RLVIDEO_REQUIRE_RAY") != "1":
        pytest.importorskip("wandb")
    env = wandb_offline_env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", WANDB_SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    [path] = report["paths"]
    assert Path(path) == tmp_path / "videos" / "training" / (
        "rl-video-iteration-3-runner-1-env-0-episode-0.mp4"
    )
    assert f"env_runners/{WANDB_KEY}" in report["logged"]
    assert f"env_runners/{VIDEOS_KEY}" not in report["logged"]
    [logged] = Path(report["media"]).rglob("*.mp4")
    assert logged.read_bytes() == Path(path).read_bytes() == (tmp_path / "episode.mp4").read_bytes()


def test_import_rlvideo_imports_no_ray() -> None:
    code = """
import sys
import rlvideo, rlvideo.vector, rlvideo.record_video, rlvideo.notebook, rlvideo.saving
print(sorted(m for m in sys.modules if m.split(".")[0] == "ray"))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_ray_the_error_names_the_extra() -> None:
    code = """
import sys
sys.modules["ray"] = None  # as if it were not installed
try:
    import rlvideo.rllib
except ImportError as error:
    print(error)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "pip install 'rlvideo[rllib]'" in done.stdout, done.stdout


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (
            {"record_training": 1},
            TypeError,
            "record_training must be True, False or a coll.*got int",
        ),
        ({"record_evaluation": "1"}, TypeError, "record_evaluation must be .* got str"),
        ({"record_training": [1.0]}, TypeError, "EnvRunner indices \\(ints\\), got float 1.0"),
        ({"record_training": [-1]}, ValueError, "record_training .* \\(0 or more\\), got -1"),
        ({"env_indices": 0}, TypeError, "env_indices must be a sequence of ints.*got int"),
        ({"env_indices": None}, TypeError, "env_indices must be a sequence of ints.*got None"),
        ({"env_indices": []}, ValueError, "env_indices must choose at least one sub-env"),
        ({"env_indices": [0, 0]}, ValueError, "env_indices must not repeat an index, got 0"),
        ({"env_indices": [-1]}, ValueError, "env_indices must be in range"),
        ({"episode_trigger": 5}, TypeError, "episode_trigger must be a function .* got int"),
        ({"fps": 0}, ValueError, "fps must be a number above 0"),
        ({"quantizer": -5}, ValueError, "quantizer must be between 0 and 255, got -5"),
        ({"bogus": 1}, TypeError, "bogus"),
        ({"tag": 1}, TypeError, "tag must be a str or None, got int"),
        ({"tag": ""}, ValueError, "tag must be letters, digits, .* got ''"),
        ({"tag": "a/b"}, ValueError, "tag must be .*starting with a letter or digit.* got 'a/b'"),
        ({"tag": ".."}, ValueError, "tag must be .* got '..'"),
        ({"tag": "training"}, ValueError, "tag must not be 'training' or .* got 'training'"),
    ],
)
def test_bad_options_fail_on_the_driver(options: dict[str, Any], error: type, message: str) -> None:
    """A bad option fails where the callback is made (RLlib makes the driver's at
    build_algo()), naming what was expected and what came; on an EnvRunner it would fail
    (or silently do nothing in) every sample() call."""
    with pytest.raises(error, match=message):
        RecordVideoCallback(**options)


def test_env_indices_beyond_the_sub_envs_fail_at_algorithm_init() -> None:
    """env_indices out of the EnvRunners' sub-envs (training or evaluation config) fail in
    on_algorithm_init, on the driver, before any EnvRunner samples."""
    callback = RecordVideoCallback(env_indices=(0, 2))
    training = SimpleNamespace(num_envs_per_env_runner=3)
    evaluation = SimpleNamespace(num_envs_per_env_runner=2)
    callback.on_algorithm_init(algorithm=SimpleNamespace(config=training, evaluation_config=None))
    with pytest.raises(ValueError, match=r"range\(num_envs\) = range\(2\), got 2"):
        callback.on_algorithm_init(
            algorithm=SimpleNamespace(config=training, evaluation_config=evaluation)
        )


def test_two_callbacks_with_one_tag_fail_at_algorithm_init() -> None:
    """Two RecordVideoCallbacks of one algorithm with one tag would take each other's
    videos: on_algorithm_init (on the driver) fails; untagged ones alike in every option
    that tells their videos apart are warned about (today's behaviour, kept); a tag each
    and neither happens."""
    config = SimpleNamespace(num_envs_per_env_runner=1)

    def init(*callbacks: RecordVideoCallback) -> None:
        algorithm = SimpleNamespace(
            config=config, evaluation_config=None, callbacks=list(callbacks)
        )
        for callback in callbacks:
            callback.on_algorithm_init(algorithm=algorithm)

    with pytest.raises(ValueError, match=r"two RecordVideoCallbacks .* tag='best'"):
        init(RecordVideoCallback(tag="best"), RecordVideoCallback(tag="best", keep_best=1))
    with pytest.warns(UserWarning, match="their videos mix; give each a tag="):
        init(RecordVideoCallback(), RecordVideoCallback(episode_trigger=lambda e: e < 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init(RecordVideoCallback(tag="all"), RecordVideoCallback(tag="few"))
        init(RecordVideoCallback(), RecordVideoCallback(tag="few"))
        init(RecordVideoCallback("a", mlflow=True), RecordVideoCallback("b", name_prefix="b"))
    # Apart in their folders, but one MLflow folder: an episode both record, one artifact.
    with pytest.warns(UserWarning, match="one MLflow folder .*give each a tag="):
        init(RecordVideoCallback("a", mlflow=True), RecordVideoCallback("b", mlflow=True))


def test_the_driver_never_replaces_a_file_in_a_shared_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trials of a Tune run may write into one video_folder: a name another process takes
    between the check and the rename keeps its file, and another process's file being
    written under a temporary name is left alone; each video gets its own final name."""
    from rlvideo._files import write_new_file

    busy = tmp_path / ".rl-video-iteration-1-runner-1-env-0-episode-0.mp4.part"
    busy.write_bytes(b"another trial's video, being written")
    taken = tmp_path / "rl-video-iteration-1-runner-1-env-0-episode-0.mp4"
    taken.write_bytes(b"another trial's video")
    monkeypatch.setattr(os.path, "exists", lambda path: False)  # taken after the check
    path = write_new_file(str(tmp_path), taken.stem, b"ours")
    assert Path(path).name == "rl-video-iteration-1-runner-1-env-0-episode-0-2.mp4"
    assert Path(path).read_bytes() == b"ours"
    assert taken.read_bytes() == b"another trial's video"
    assert busy.read_bytes() == b"another trial's video, being written"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [busy.name, taken.name, Path(path).name]
    )


def test_a_runner_folder_that_cannot_be_made_warns_and_sampling_goes_on(
    tmp_path: Path, vector_env: Any
) -> None:
    """The EnvRunner's own folder cannot be made (here: runner_folder is a file; a full
    disk, say): a warning, no video, and no hook raises (which would fail sample() on every
    EnvRunner RLlib restarts)."""
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    callback = RecordVideoCallback(runner_folder=str(blocker), episode_trigger=lambda e: True)
    with pytest.warns(UserWarning, match="rlvideo.rllib: this EnvRunner records no video"):
        logger = drive(callback, vector_env, [3])
    assert logger.items == []


def test_a_multi_agent_config_fails_at_algorithm_init() -> None:
    """Multi-agent episodes (their rewards are per agent) are not supported: a TypeError
    saying so on the driver, not a warning per episode on every EnvRunner."""
    config = SimpleNamespace(is_multi_agent=True, num_envs_per_env_runner=1)
    with pytest.raises(TypeError, match=r"single-agent episodes .* got a multi-agent config"):
        RecordVideoCallback().on_algorithm_init(algorithm=SimpleNamespace(config=config))
    config = PPOConfig().environment("CartPole-v1")  # RLlib's own property: single-agent
    RecordVideoCallback().on_algorithm_init(algorithm=SimpleNamespace(config=config))


def test_an_evaluation_on_its_own_is_written_when_it_ends(tmp_path: Path, vector_env: Any) -> None:
    """``algo.evaluate()`` outside ``train()`` reaches no ``on_train_result``:
    ``on_evaluate_end`` writes its videos (named after the next iteration) and puts their
    paths in the returned metrics; the next iteration's result, which reports them again,
    does not write them twice."""
    from ray.rllib.utils.metrics.metrics_logger import MetricsLogger

    callback = RecordVideoCallback(
        str(tmp_path / "videos"), runner_folder=str(tmp_path), episode_trigger=lambda e: True
    )
    root = MetricsLogger(root=True)
    runner = MetricsLogger()
    drive(callback, vector_env, [6, 4], runner)
    root.aggregate([runner.reduce()], key=("evaluation", "env_runners"))
    evaluation = root.peek("evaluation", latest_merged_only=True)  # as evaluate() returns
    algorithm = SimpleNamespace(logdir=str(tmp_path), iteration=3)  # 3 train() calls done
    callback.on_evaluate_end(algorithm=algorithm, evaluation_metrics=evaluation)
    paths = evaluation["env_runners"][VIDEOS_KEY]
    assert sorted(Path(path).name for path in paths) == [
        "rl-video-iteration-4-runner-1-env-0-episode-0.mp4",
        "rl-video-iteration-4-runner-1-env-0-episode-1.mp4",
    ]
    assert sorted(frames(path) for path in paths) == [5, 7]
    result = {**root.compile(), "training_iteration": 4}
    callback.on_train_result(algorithm=algorithm, result=result)
    assert sorted(result["evaluation"]["env_runners"][VIDEOS_KEY]) == sorted(paths)
    assert len(list((tmp_path / "videos").rglob("*.mp4"))) == 2


def test_tensorboard_files_sort_in_the_order_they_are_made(tmp_path: Path) -> None:
    """TensorBoard's Python loader, followed live, reads only event files that sort after
    the last it read: iterations 9, 10 and 11 made within one second must all show (with
    the iteration in the name, "-10-" sorted before "-9-" and was skipped)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    callback = RecordVideoCallback(str(tmp_path / "videos"), tensorboard=True)
    algorithm = SimpleNamespace(logdir=str(tmp_path / "logdir"))
    live = EventAccumulator(algorithm.logdir, size_guidance={"tensors": 0})
    for iteration in (9, 10, 11):
        callback._to_loggers("training", [f"/videos/{iteration}.mp4"], algorithm, iteration)
        live.Reload()
    assert [e.step for e in live.Tensors("rlvideo/training/text_summary")] == [9, 10, 11]


def test_mlflow_without_an_active_run_warns_and_the_video_is_saved(
    tmp_path: Path, vector_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mlflow=True in a driver with no active MLflow run: a warning says the videos were not
    logged; the result and the folder have them all the same (training goes on)."""
    import mlflow

    monkeypatch.setattr(mlflow, "active_run", lambda: None)  # (the module's run is active)
    callback = RecordVideoCallback(
        str(tmp_path / "videos"),
        runner_folder=str(tmp_path),
        episode_trigger=lambda e: True,
        mlflow=True,
    )
    items = drive(callback, vector_env, [4]).items
    result = {"training_iteration": 1, "env_runners": {VIDEOS_KEY: items}}
    algorithm = SimpleNamespace(logdir=str(tmp_path), iteration=0)
    with pytest.warns(UserWarning, match="videos not logged to MLflow.*no active MLflow run"):
        callback.on_train_result(algorithm=algorithm, result=result)
    [path] = result["env_runners"][VIDEOS_KEY]
    assert frames(path) == 5


@pytest.mark.parametrize(
    ("option", "package"), [("mlflow", "mlflow"), ("tensorboard", "tensorboardX")]
)
def test_a_logger_option_without_its_package_fails_at_algorithm_init(
    option: str, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == package else find_spec(name, *a),
    )
    callback = RecordVideoCallback(**{option: True})
    with pytest.raises(
        ImportError, match=rf"\({option}=True\) needs {package}.*pip install {package}"
    ):
        callback.on_algorithm_init(algorithm=SimpleNamespace(config=SimpleNamespace()))
