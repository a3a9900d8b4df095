"""keep_best / keep_worst / score (issue 24 part 1): every episode recorded, only the best and
worst kept. Real CartPole runs with seeded random actions; the test sums the rewards it was
given itself, decodes the kept files, and checks names, frame counts, what was deleted (and
when), what on_video_saved saw, and that the folder stays small over hundreds of episodes."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from rlvideo import EpisodeStats, RecordVideo
from rlvideo import vector as rlvector
from rlvideo._selection import Ranking, ranked_name
from tests.helpers import stream_info


class ShapedReward(gym.Wrapper):
    """CartPole's reward (always 1) made to vary: 1 minus the pole's tilt, so that episodes
    of the same length still differ in return."""

    def step(self, action: Any) -> Any:
        obs, _, terminated, truncated, info = self.env.step(action)
        return obs, 1.0 - 10 * abs(float(obs[2])), terminated, truncated, info


def cartpole(shaped: bool = False) -> gym.Env:
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    return ShapedReward(env) if shaped else env


def episodes(env: gym.Env, count: int, seed: int = 0, on_reset: Any = None) -> list[list[float]]:
    """Plays `count` episodes with seeded random actions; each episode's step rewards."""
    rng = np.random.default_rng(seed)
    out = []
    for episode in range(count):
        env.reset(seed=seed + episode)
        if on_reset is not None:
            on_reset(episode)
        rewards: list[float] = []
        done = False
        while not done:
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(2)))
            rewards.append(float(reward))
            done = terminated or truncated
        out.append(rewards)
    return out


def expected_ranks(scores: list[float], best: int, worst: int) -> dict[int, tuple[Any, Any]]:
    """{index: (best rank, worst rank)} computed directly: ties go to the earlier one."""
    by_best = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:best]
    by_worst = sorted(range(len(scores)), key=lambda i: (scores[i], i))[:worst]
    kept = set(by_best) | set(by_worst)
    return {
        i: (
            by_best.index(i) + 1 if i in by_best else None,
            by_worst.index(i) + 1 if i in by_worst else None,
        )
        for i in kept
    }


def name_of(prefix: str, rest: str, best: Any, worst: Any, width: int = 1) -> str:
    ranks = ([f"best-{best:0{width}d}"] if best else []) + (
        [f"worst-{worst:0{width}d}"] if worst else []
    )
    return f"{prefix}-{'-'.join(ranks)}-{rest}.mp4"


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def video_of(name: str) -> str:
    """The video a file is, or will be: a temporary `.NAME.mp4.<pid>-<n>.partial` is NAME.mp4's
    (a video being finished has two for a moment: the streamed file and its faststart copy)."""
    return name[1:].rsplit(".", 2)[0] if name.endswith(".partial") else name


def size(path: Path) -> int:
    """A file's size, 0 if it is gone (a partial file renamed, a video deleted meanwhile)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


@pytest.fixture
def tmp_path(tmp_path: Path) -> Path:
    """A video folder that does not exist yet (no "Overwriting existing videos" warning)."""
    return tmp_path / "videos"


def test_keeps_the_best_and_worst_episodes_by_return(tmp_path):
    """30 CartPole episodes, all recorded (no trigger given); the 3 best and 2 worst by the
    return the env gave are kept, renamed by rank at close, each with its episode's frames,
    and on_video_saved sees exactly those, best first, at close."""
    saved: list[str] = []
    env = RecordVideo(
        cartpole(shaped=True), str(tmp_path), keep_best=3, keep_worst=2, on_video_saved=saved.append
    )
    rewards = episodes(env, 30)
    assert saved == []  # ranks still change: nothing is reported before close
    env.close()

    returns = [sum(r) for r in rewards]
    assert len(set(returns)) == len(returns)  # shaped rewards: no ties to hide an error
    ranks = expected_ranks(returns, 3, 2)
    order = sorted(ranks, key=lambda i: (ranks[i][0] or 99, ranks[i][1] or 99))
    expected = [name_of("rl-video", f"episode-{i}", *ranks[i]) for i in order]
    assert [os.path.basename(p) for p in saved] == expected
    assert all(os.path.dirname(p) == str(tmp_path) for p in saved)
    assert files(tmp_path) == sorted(expected)  # the rest deleted, nothing half-written
    for i in order:
        info = stream_info(tmp_path / name_of("rl-video", f"episode-{i}", *ranks[i]))
        assert info["frames"] == len(rewards[i]) + 1  # the reset frame, then one per step


def test_a_video_that_cannot_make_the_cut_is_deleted_once_the_better_ones_are_complete(
    tmp_path,
):
    """Checked at every reset once pending videos are done: the folder holds exactly the
    videos the ranking can still keep, under Gymnasium's names, and nothing else."""
    env = RecordVideo(cartpole(shaped=True), str(tmp_path), keep_best=2)
    recorder = env._recorder
    played: list[float] = []

    def on_reset(episode: int) -> None:
        # The previous episode's video stopped at this reset; let it finish, then poll.
        deadline = time.monotonic() + 60
        while recorder.pending and time.monotonic() < deadline:
            time.sleep(0.01)
            recorder.poll()
        assert not recorder.pending
        kept = expected_ranks(played, 2, 0)
        assert [f for f in files(tmp_path) if not f.startswith(".")] == sorted(
            f"rl-video-episode-{i}.mp4" for i in kept
        )

    rng = np.random.default_rng(5)
    for episode in range(12):
        env.reset(seed=episode)
        on_reset(episode)
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(2)))
            total += float(reward)
            done = terminated or truncated
        played.append(total)
    env.close()
    assert len(files(tmp_path)) == 2


def test_disk_use_stays_bounded_over_hundreds_of_episodes(tmp_path):
    """250 short episodes, every one recorded, keep_best=3 and keep_worst=3: at every reset
    the folder holds at most the 6 kept videos plus those still encoding or not yet polled,
    and its size stays near 6 videos' worth; at close exactly the right 6 remain."""
    env = RecordVideo(cartpole(shaped=True), str(tmp_path), keep_best=3, keep_worst=3)
    most_files, most_bytes, most_pending = 0, 0, 0

    def on_reset(episode: int) -> None:
        nonlocal most_files, most_bytes, most_pending
        names = files(tmp_path)
        videos = {video_of(name) for name in names}
        pending = len(env._recorder.pending)
        assert len(videos) <= 6 + pending + 1, (names, pending)  # +1: this reset's new video
        most_files = max(most_files, len(videos))
        most_pending = max(most_pending, pending)
        most_bytes = max(most_bytes, sum(size(tmp_path / n) for n in names))

    rewards = episodes(env, 250, seed=11, on_reset=on_reset)
    env.close()
    returns = [sum(r) for r in rewards]
    ranks = expected_ranks(returns, 3, 3)
    assert files(tmp_path) == sorted(name_of("rl-video", f"episode-{i}", *ranks[i]) for i in ranks)
    kept_bytes = sum(p.stat().st_size for p in tmp_path.iterdir())
    biggest = max(p.stat().st_size for p in tmp_path.iterdir())
    # Bounded by the kept videos plus the few in flight, not by the 250 recorded.
    assert most_files <= 6 + most_pending + 1
    assert most_pending <= 20, most_pending
    assert most_bytes <= kept_bytes + (most_pending + 1) * 4 * biggest, (most_bytes, kept_bytes)


def test_video_length_scores_the_recorded_part(tmp_path):
    """A video cut by video_length is scored over the steps it shows: with video_length=15,
    the return of each episode's first 15 steps (episodes shorter than that: all of it)."""
    env = RecordVideo(cartpole(shaped=True), str(tmp_path), video_length=15, keep_best=2)
    rewards = episodes(env, 20, seed=3)
    env.close()
    recorded = [r[:15] for r in rewards]
    ranks = expected_ranks([sum(r) for r in recorded], 2, 0)
    assert len(ranks) == 2
    for i, (best, _) in ranks.items():
        path = tmp_path / name_of("rl-video", f"episode-{i}", best, None)
        assert stream_info(path)["frames"] == len(recorded[i]) + 1
    assert len(files(tmp_path)) == 2


def test_triggered_episodes_and_a_custom_score(tmp_path):
    """Only triggered episodes (even ones) are recorded and ranked; score gets each one's
    EpisodeStats (name, rewards as the env gave them, frames) and ranks by what it returns
    (here: the shortest episodes are the best)."""
    seen: dict[str, EpisodeStats] = {}

    def shortest(stats: EpisodeStats) -> float:
        seen[stats.name] = stats
        return -stats.steps

    env = RecordVideo(
        cartpole(shaped=True),
        str(tmp_path),
        episode_trigger=lambda e: e % 2 == 0,
        name_prefix="eval",
        keep_best=2,
        score=shortest,
    )
    rewards = episodes(env, 16, seed=21)
    env.close()
    assert sorted(seen) == sorted(f"eval-episode-{i}" for i in range(0, 16, 2))
    for i in range(0, 16, 2):
        stats = seen[f"eval-episode-{i}"]
        np.testing.assert_allclose(stats.rewards, rewards[i])
        assert stats.frames == len(rewards[i]) + 1
        assert math.isclose(stats.episode_return, sum(rewards[i]))
    lengths = {i: len(rewards[i]) for i in range(0, 16, 2)}
    ranks = expected_ranks([-lengths.get(i, 10**9) for i in range(16)], 2, 0)
    assert files(tmp_path) == sorted(
        name_of("eval", f"episode-{i}", best, None) for i, (best, _) in ranks.items()
    )


def test_step_trigger_videos_are_ranked_too(tmp_path):
    """Step-triggered videos (rl-video-step-N) are ranked like episode ones."""
    env = RecordVideo(
        cartpole(shaped=True),
        str(tmp_path),
        step_trigger=lambda s: s % 40 == 0,
        video_length=20,
        keep_worst=1,
    )
    episodes(env, 10, seed=2)
    env.close()
    (name,) = files(tmp_path)
    assert name.startswith("rl-video-worst-1-step-") and name.endswith(".mp4")
    assert stream_info(tmp_path / name)["frames"] == 21


@pytest.mark.parametrize("record_first_only", [True, False])
def test_vector_env_ranks_the_first_envs_episodes(tmp_path, record_first_only):
    """A vector env's videos follow the first env's episodes (Gymnasium's rule). Their
    score's rewards are the first env's with record_first_only, else every sub-env's (the
    grid shows them all): the test sums both itself and compares with what score got."""
    seen: dict[str, EpisodeStats] = {}

    def by_return(stats: EpisodeStats) -> float:
        seen[stats.name] = stats
        return stats.episode_return

    envs = gym.make_vec("CartPole-v1", num_envs=2, render_mode="rgb_array")
    envs = gym.wrappers.vector.TransformReward(envs, lambda r: r * np.array([1.0, 3.0]))
    envs = rlvector.RecordVideo(
        envs,
        str(tmp_path),
        record_first_only=record_first_only,
        keep_best=2,
        keep_worst=1,
        score=by_return,
    )
    rng = np.random.default_rng(4)
    envs.reset(seed=4)
    per_episode: list[list[np.ndarray]] = [[]]
    autoreset = False
    for _ in range(300):
        _, rewards, terminations, truncations, _ = envs.step(rng.integers(2, size=2))
        if autoreset:  # the first env's reset step: the first frame of a new video
            per_episode.append([])
        else:
            per_episode[-1].append(np.array(rewards, dtype=np.float64))
        autoreset = bool(terminations[0] or truncations[0])
    envs.close()

    assert sorted(seen) == sorted(f"rl-video-episode-{i}" for i in range(len(per_episode)))
    returns = []
    for i, steps in enumerate(per_episode):
        expected = np.array(steps) if record_first_only is False else np.array(steps)[:, 0]
        stats = seen[f"rl-video-episode-{i}"]
        np.testing.assert_allclose(stats.rewards, expected)
        assert stats.frames == len(steps) + 1
        returns.append(float(expected.sum()))
    ranks = expected_ranks(returns, 2, 1)
    assert files(tmp_path) == sorted(name_of("rl-video", f"episode-{i}", *ranks[i]) for i in ranks)
    for i in ranks:
        path = tmp_path / name_of("rl-video", f"episode-{i}", *ranks[i])
        assert stream_info(path)["frames"] == len(per_episode[i]) + 1


def test_a_video_in_both_lists_names_both_ranks(tmp_path):
    """Fewer episodes than keep_best + keep_worst: every one is kept, one file each, its name
    saying every rank it has; ranks are zero-padded when k has two digits."""
    saved: list[str] = []
    env = RecordVideo(
        cartpole(shaped=True),
        str(tmp_path),
        keep_best=10,
        keep_worst=1,
        on_video_saved=saved.append,
    )
    rewards = episodes(env, 3, seed=8)
    env.close()
    returns = [sum(r) for r in rewards]
    ranks = expected_ranks(returns, 10, 1)
    expected = sorted(name_of("rl-video", f"episode-{i}", *ranks[i], width=2) for i in ranks)
    assert files(tmp_path) == expected
    assert any("-worst-01-" in name and "-best-03-" in name for name in expected)
    assert sorted(os.path.basename(p) for p in saved) == expected


def test_without_the_options_nothing_changes(tmp_path):
    """No option: no selection, Gymnasium's default schedule (episodes 0, 1, 8, ...), every
    video reported as it finishes."""
    saved: list[str] = []
    env = RecordVideo(cartpole(), str(tmp_path), on_video_saved=saved.append)
    assert env._recorder.selection is None
    episodes(env, 10)
    env.close()
    assert files(tmp_path) == ["rl-video-episode-0.mp4", "rl-video-episode-1.mp4",
                               "rl-video-episode-8.mp4"]  # fmt: skip
    assert len(saved) == 3


BAD = [
    ({"keep_best": -1}, ValueError, "keep_best must be 0"),
    ({"keep_worst": -3}, ValueError, "keep_worst must be 0"),
    ({"keep_best": 2.0}, TypeError, "keep_best must be an int"),
    ({"keep_best": True}, TypeError, "keep_best must be an int"),
    ({"keep_worst": "3"}, TypeError, "keep_worst must be an int"),
    ({"keep_best": 3, "score": "return"}, TypeError, "score must be a function"),
    ({"score": lambda stats: 0.0}, ValueError, "give one of them too"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD)
def test_bad_option_values_are_refused_at_construction(tmp_path, kwargs, error, message):
    folder = tmp_path / "videos"
    with pytest.raises(error, match=message):
        RecordVideo(cartpole(), str(folder), **kwargs)
    envs = gym.make_vec("CartPole-v1", num_envs=2, render_mode="rgb_array")
    with pytest.raises(error, match=message):
        rlvector.RecordVideo(envs, str(folder), **kwargs)
    envs.close()
    assert not folder.exists()  # refused before anything was made


@pytest.mark.parametrize(
    ("score", "error"), [(lambda stats: "high", TypeError), (lambda stats: math.nan, ValueError)]
)
def test_a_score_that_is_not_a_number_is_raised_and_the_video_left_alone(tmp_path, score, error):
    env = RecordVideo(cartpole(), str(tmp_path), keep_best=1, score=score)
    episodes(env, 1)
    with pytest.raises(error, match="rl-video-episode-0"):
        env.close()
    assert files(tmp_path) == ["rl-video-episode-0.mp4"]  # complete, unranked, not deleted


def test_ranking_alone():
    """The pure ranking: ties keep the earlier entry; an entry once left out is never kept
    again; a name says the ranks after the prefix (or first, for a name of another form)."""
    ranking: Ranking[str] = Ranking(best=2, worst=0)
    assert ranking.offer("a", 1.0) == []
    assert ranking.offer("b", 1.0) == []
    assert ranking.offer("c", 1.0) == ["c"]  # a tie: the earlier ones stay
    assert ranking.offer("d", 2.0) == ["b"]
    assert ranking.ranks() == [("d", 1, None), ("a", 2, None)]
    assert ranked_name("rl-video-episode-4", "rl-video", 1, 2, 1) == (
        "rl-video-best-1-worst-2-episode-4"
    )
    assert ranked_name("mine-7", "rl-video", None, 12, 2) == "worst-12-mine-7"


def test_sb3_keeps_the_best_and_worst_windows(tmp_path):
    """SB3's VecVideoRecorder records windows of video_length steps when the trigger fires;
    with keep_best/keep_worst each window is scored by every sub-env's rewards over its steps
    (the tiled render shows them all): the test sums them from what step() returned."""
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.vec_env import DummyVecEnv

    from rlvideo.sb3 import VecVideoRecorder

    saved: list[str] = []
    seen: dict[str, EpisodeStats] = {}

    def by_return(stats: EpisodeStats) -> float:
        seen[stats.name] = stats
        return stats.episode_return

    venv = DummyVecEnv([lambda: cartpole(shaped=True)] * 2)
    venv.seed(6)
    recorder = VecVideoRecorder(
        venv,
        str(tmp_path),
        lambda step: step % 30 == 0,
        video_length=20,
        keep_best=2,
        keep_worst=1,
        score=by_return,
        on_video_saved=saved.append,
    )
    rng = np.random.default_rng(6)
    recorder.reset()
    rewards = [np.zeros(2)]  # rewards[k]: the k-th step's (step_id k)
    for _ in range(170):  # windows start at steps 0, 30, ..., 150 and end 20 steps later
        rewards.append(recorder.step(rng.integers(2, size=2))[1].astype(np.float64))
    recorder.close()

    starts = range(0, 170, 30)
    names = [f"rl-video-step-{s}-to-step-{s + 20}" for s in starts]
    assert sorted(seen) == sorted(names)
    returns = []
    for start, name in zip(starts, names):
        expected = np.array(rewards[start + 1 : start + 21])  # steps between its 21 frames
        np.testing.assert_allclose(seen[name].rewards, expected)
        assert seen[name].frames == 21
        returns.append(float(expected.sum()))
    ranks = expected_ranks(returns, 2, 1)
    order = sorted(ranks, key=lambda i: (ranks[i][0] or 99, ranks[i][1] or 99))
    expected_names = [
        name_of("rl-video", f"step-{starts[i]}-to-step-{starts[i] + 20}", *ranks[i]) for i in order
    ]
    assert [os.path.basename(p) for p in saved] == expected_names
    assert files(tmp_path) == sorted(expected_names)
    for name in expected_names:
        assert stream_info(tmp_path / name)["frames"] == 21


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD)
def test_sb3_refuses_bad_option_values(tmp_path, kwargs, error, message):
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.vec_env import DummyVecEnv

    from rlvideo.sb3 import VecVideoRecorder

    venv = DummyVecEnv([cartpole])
    with pytest.raises(error, match=message):
        VecVideoRecorder(venv, str(tmp_path), lambda step: True, **kwargs)
    assert not tmp_path.exists()


def test_wandb_logging_sees_only_the_kept_videos(tmp_path, monkeypatch):
    """W&B's monitor_gym logging is one of the finished-video reporters: with keep_best it is
    called at close, with the kept videos' final paths only."""
    logged: list[str] = []
    monkeypatch.setattr("rlvideo._gymnasium.log_if_monitoring", logged.append)
    env = RecordVideo(cartpole(shaped=True), str(tmp_path), keep_best=2)
    rewards = episodes(env, 8, seed=9)
    assert logged == []
    env.close()
    ranks = expected_ranks([sum(r) for r in rewards], 2, 0)
    assert sorted(os.path.basename(p) for p in logged) == files(tmp_path)
    assert files(tmp_path) == sorted(
        name_of("rl-video", f"episode-{i}", best, None) for i, (best, _) in ranks.items()
    )


@pytest.mark.filterwarnings("ignore:.*autoreset mode is same-step")
def test_vector_same_step_autoreset_counts_the_last_steps_reward(tmp_path):
    """Same-step autoreset renders the next episode at the step that ended one, so an
    episode's video lacks its last step (Gymnasium warns); that step's reward still counts in
    the episode it ended: the score is the episode's return."""
    AutoresetMode = getattr(gym.vector, "AutoresetMode", None)
    if AutoresetMode is None:
        pytest.skip("Gymnasium 1.0 has no same-step autoreset")

    seen: dict[str, EpisodeStats] = {}

    def by_return(stats: EpisodeStats) -> float:
        seen[stats.name] = stats
        return stats.episode_return

    envs = gym.make_vec(
        "CartPole-v1",
        num_envs=2,
        render_mode="rgb_array",
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP},
        wrappers=[ShapedReward],
    )
    envs = rlvector.RecordVideo(
        envs, str(tmp_path), record_first_only=True, keep_best=1, score=by_return
    )
    rng = np.random.default_rng(12)
    envs.reset(seed=12)
    per_episode: list[list[float]] = [[]]
    ended = False
    for _ in range(200):
        if ended:
            per_episode.append([])
        _, rewards, terminations, truncations, _ = envs.step(rng.integers(2, size=2))
        per_episode[-1].append(float(rewards[0]))
        ended = bool(terminations[0] or truncations[0])
    envs.close()
    assert len(per_episode) > 3
    for i, steps in enumerate(per_episode):
        stats = seen[f"rl-video-episode-{i}"]
        np.testing.assert_allclose(stats.rewards, steps)
        finished = i < len(per_episode) - 1 or ended
        assert stats.frames == len(steps) + (0 if finished else 1)
    best = max(range(len(per_episode)), key=lambda i: (sum(per_episode[i]), -i))
    assert files(tmp_path) == [f"rl-video-best-1-episode-{best}.mp4"]


def test_kept_videos_alone(tmp_path):
    """The files side without an env: a video left out is deleted at once (one already gone
    is fine); finish renames the kept ones, and a rename that fails leaves that video under
    its recorded name, reported there, with the error returned."""
    from rlvideo._selection import KeptVideos

    tmp_path.mkdir()
    kept = KeptVideos(2, 0, lambda stats: stats.episode_return, "p")
    paths = []
    for episode, total in enumerate([3.0, 5.0, 1.0, 4.0]):
        path = tmp_path / f"p-episode-{episode}.mp4"
        path.write_bytes(b"video")
        paths.append(str(path))
        kept.add(str(path), EpisodeStats(path.stem, np.array([total]), 2))
    assert files(tmp_path) == ["p-episode-1.mp4", "p-episode-3.mp4"]
    (tmp_path / "p-episode-4.mp4").write_bytes(b"video")
    os.remove(tmp_path / "p-episode-4.mp4")  # gone before it is ranked and dropped
    kept.add(str(tmp_path / "p-episode-4.mp4"), EpisodeStats("p-episode-4", np.zeros(1), 2))

    (tmp_path / "p-best-2-episode-3.mp4").mkdir()  # a rename target that cannot be replaced
    (tmp_path / "p-best-2-episode-3.mp4" / "x").write_bytes(b"")
    final, error = kept.finish()
    assert final == [str(tmp_path / "p-best-1-episode-1.mp4"), paths[3]]
    assert isinstance(error, OSError)
    assert (tmp_path / "p-best-1-episode-1.mp4").read_bytes() == b"video"
    assert (tmp_path / "p-episode-3.mp4").read_bytes() == b"video"
