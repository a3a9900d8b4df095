"""Choosing what to record from a vector env (issue 24 part 4): ``env_indices`` and
``layout`` of ``rlvideo.vector.RecordVideo`` and ``rlvideo.sb3.VecVideoRecorder``.

Each test runs a seeded CartPole vector env twice with the same actions: once through the
wrapper, once bare, keeping every sub-env's own render and episode ends; the decoded files
must be those renders (frame counts = the sub-env's episode lengths + 1, PSNR)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from rlvideo._frames import tile
from rlvideo.vector import RecordVideo
from tests.helpers import decode, min_psnr, stream_info

NUM_ENVS = 4
STEPS = 200


class CountRenders(gym.Wrapper):
    """Counts its env's renders (to check that unchosen sub-envs are not rendered)."""

    def __init__(self, env: gym.Env, counts: list[int], index: int) -> None:
        super().__init__(env)
        self.counts = counts
        self.index = index

    def render(self) -> Any:
        self.counts[self.index] += 1
        return self.env.render()


def make_envs(counts: list[int] | None = None, **kwargs: Any) -> gym.vector.SyncVectorEnv:
    counts = counts if counts is not None else [0] * NUM_ENVS

    def make(index: int):
        return lambda: CountRenders(gym.make("CartPole-v1", render_mode="rgb_array"), counts, index)

    return gym.vector.SyncVectorEnv([make(i) for i in range(NUM_ENVS)], **kwargs)


def actions(steps: int = STEPS, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).integers(2, size=(steps, NUM_ENVS))


def play(envs: Any, steps: int = STEPS) -> None:
    envs.reset(seed=7)
    for action in actions(steps):
        envs.step(action)


def reference_episodes(steps: int = STEPS) -> list[list[list[np.ndarray]]]:
    """Every sub-env's episodes, each the list of its frames, from a bare run with the same
    seed and actions (next-step autoreset: the step after an episode's last shows the next
    one's first state)."""
    envs = make_envs()
    envs.reset(seed=7)
    episodes: list[list[list[np.ndarray]]] = [[[sub.render()]] for sub in envs.envs]
    autoreset = [False] * NUM_ENVS
    for action in actions(steps):
        _, _, terminations, truncations, _ = envs.step(action)
        for i, sub in enumerate(envs.envs):
            if autoreset[i]:
                episodes[i].append([])
            episodes[i][-1].append(sub.render())
            autoreset[i] = bool(terminations[i] or truncations[i])
    envs.close()
    return episodes


@pytest.fixture(scope="module")
def episodes() -> list[list[list[np.ndarray]]]:
    return reference_episodes()


def test_one_file_per_chosen_sub_env_each_with_its_own_episodes(tmp_path: Path, episodes) -> None:
    counts = [0] * NUM_ENVS
    saved: list[str] = []
    envs = RecordVideo(
        make_envs(counts),
        str(tmp_path),
        episode_trigger=lambda e: e in (0, 2),
        env_indices=[3, 1],
        layout="files",
        on_video_saved=saved.append,
        threads=1,
    )
    play(envs)
    envs.close()
    names = {f"rl-video-env-{i}-episode-{n}.mp4" for i in (1, 3) for n in (0, 2)}
    assert {p.name for p in tmp_path.iterdir()} == names
    assert {Path(p).name for p in saved} == names
    for i in (1, 3):
        assert len(episodes[i]) > 3, "the run must end each sub-env's episode 2"
        for n in (0, 2):
            path = tmp_path / f"rl-video-env-{i}-episode-{n}.mp4"
            expected = episodes[i][n]  # the episode's steps + 1 (its reset frame)
            assert stream_info(path)["frames"] == len(expected), path.name
            decoded = decode(path)
            assert min_psnr(expected, decoded) >= 40, path.name
    # Sub-envs 0 and 2 were never rendered; 1 and 3 only while being recorded.
    assert counts[0] == counts[2] == 0
    for i in (1, 3):
        assert counts[i] == len(episodes[i][0]) + len(episodes[i][2])


def test_files_keep_each_sub_envs_own_best_episode(tmp_path: Path, episodes) -> None:
    envs = RecordVideo(
        make_envs(), str(tmp_path), layout="files", keep_best=1, name_prefix="run", threads=1
    )
    play(envs)
    envs.close()
    names = set()
    for i in range(NUM_ENVS):
        # CartPole pays 1 a step: the longest complete episode is the best (the earlier on a
        # tie); the episode still running at close is scored on its part.
        lengths = [len(frames) - 1 for frames in episodes[i]]
        best = max(range(len(lengths)), key=lambda n: (lengths[n], -n))
        names.add(f"run-env-{i}-best-1-episode-{best}.mp4")
        assert stream_info(tmp_path / f"run-env-{i}-best-1-episode-{best}.mp4")["frames"] == (
            len(episodes[i][best])
        )
    assert {p.name for p in tmp_path.iterdir()} == names


def test_a_grid_of_two_of_four_sub_envs(tmp_path: Path, episodes) -> None:
    counts = [0] * NUM_ENVS
    envs = RecordVideo(
        make_envs(counts),
        str(tmp_path),
        episode_trigger=lambda e: e == 1,
        env_indices=[2, 0],
        threads=1,
    )
    play(envs)
    envs.close()
    # Episodes are sub-env 2's (the first chosen); the frames show 2 then 0, side by side.
    path = tmp_path / "rl-video-episode-1.mp4"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    info = stream_info(path)
    assert (info["width"], info["height"]) == (2 * 600, 400)
    start = len(episodes[2][0])  # the step (the frame after reset's) that began episode 1
    frames_2 = episodes[2][1]
    all_0 = [frame for episode in episodes[0] for frame in episode]
    frames_0 = all_0[start : start + len(frames_2)]
    expected = [tile([a, b], cols=2) for a, b in zip(frames_2, frames_0)]
    assert info["frames"] == len(frames_2)
    assert min_psnr(expected, decode(path)) >= 40
    assert counts[1] == counts[3] == 0
    assert counts[0] == counts[2] == len(frames_2)


def test_files_compose_with_frame_stride(tmp_path: Path, episodes) -> None:
    envs = RecordVideo(
        make_envs(),
        str(tmp_path),
        episode_trigger=lambda e: e == 0,
        env_indices=[1],
        layout="files",
        frame_stride=2,
        threads=1,
    )
    play(envs)
    envs.close()
    frames = episodes[1][0]
    # The first frame, every 2nd step after it and the episode's last.
    expected = frames[::2] + ([frames[-1]] if (len(frames) - 1) % 2 else [])
    path = tmp_path / "rl-video-env-1-episode-0.mp4"
    assert stream_info(path)["frames"] == len(expected)
    assert min_psnr(expected, decode(path)) >= 40


@pytest.mark.skipif(not hasattr(gym.vector, "AutoresetMode"), reason="Gymnasium 1.1+")
def test_files_with_same_step_autoreset(tmp_path: Path) -> None:
    same_step = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}
    # The bare run: the render after the step that ends an episode shows the next one's
    # first state (Gymnasium warns that videos lack an episode's last frame).
    envs = make_envs(**same_step)
    envs.reset(seed=7)
    episodes: list[list[list[np.ndarray]]] = [[[sub.render()]] for sub in envs.envs]
    for action in actions():
        _, _, terminations, truncations, _ = envs.step(action)
        for i, sub in enumerate(envs.envs):
            if terminations[i] or truncations[i]:
                episodes[i].append([])
            episodes[i][-1].append(sub.render())
    envs.close()
    with pytest.warns(UserWarning, match="same-step"):
        envs = RecordVideo(
            make_envs(**same_step),
            str(tmp_path),
            episode_trigger=lambda e: e in (0, 1),
            env_indices=[0, 2],
            layout="files",
            threads=1,
        )
    play(envs)
    envs.close()
    for i in (0, 2):
        for n in (0, 1):
            path = tmp_path / f"rl-video-env-{i}-episode-{n}.mp4"
            assert stream_info(path)["frames"] == len(episodes[i][n]), path.name
            assert min_psnr(episodes[i][n], decode(path)) >= 40, path.name


def test_files_and_grid_of_an_async_vector_env(tmp_path: Path, episodes) -> None:
    # An AsyncVectorEnv renders every sub-env (once per step) and the chosen are picked.
    def make_async() -> gym.vector.AsyncVectorEnv:
        make = lambda: gym.make("CartPole-v1", render_mode="rgb_array")  # noqa: E731
        return gym.vector.AsyncVectorEnv([make] * NUM_ENVS)

    envs = RecordVideo(
        make_async(),
        str(tmp_path / "files"),
        episode_trigger=lambda e: e == 1,
        env_indices=[3, 1],
        layout="files",
        threads=1,
    )
    play(envs)
    envs.close()
    for i in (1, 3):
        path = tmp_path / "files" / f"rl-video-env-{i}-episode-1.mp4"
        assert stream_info(path)["frames"] == len(episodes[i][1]), path.name
        assert min_psnr(episodes[i][1], decode(path)) >= 40, path.name
    envs = RecordVideo(
        make_async(), str(tmp_path / "grid"), episode_trigger=lambda e: e == 0, env_indices=[1]
    )
    play(envs)
    envs.close()
    path = tmp_path / "grid" / "rl-video-episode-0.mp4"
    assert stream_info(path)["frames"] == len(episodes[1][0])
    assert min_psnr(episodes[1][0], decode(path)) >= 40


def test_files_without_indices_record_every_sub_env(tmp_path: Path, episodes) -> None:
    envs = RecordVideo(
        make_envs(), str(tmp_path), episode_trigger=lambda e: e == 0, layout="files", threads=1
    )
    play(envs, 30)
    envs.close()
    assert {p.name for p in tmp_path.iterdir()} == {
        f"rl-video-env-{i}-episode-0.mp4" for i in range(NUM_ENVS)
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"env_indices": [4]}, ValueError, r"in range\(num_envs\) = range\(4\), got 4"),
        ({"env_indices": [-1]}, ValueError, "got -1"),
        ({"env_indices": [1, 2, 1]}, ValueError, "must not repeat an index, got 1 twice"),
        ({"env_indices": []}, ValueError, "at least one sub-env"),
        ({"env_indices": [1.0]}, TypeError, "must hold ints.*float"),
        ({"env_indices": [True]}, TypeError, "must hold ints.*bool"),
        ({"env_indices": 2}, TypeError, "must be a sequence of ints.*int"),
        ({"env_indices": "01"}, TypeError, "must be a sequence of ints.*str"),
        ({"layout": "tiles"}, ValueError, "layout must be 'grid' or 'files', got 'tiles'"),
        ({"record_first_only": True, "env_indices": [0]}, ValueError, "record_first_only"),
        ({"record_first_only": True, "layout": "files"}, ValueError, "record_first_only"),
    ],
)
def test_bad_choices_are_refused_before_the_folder_is_made(
    tmp_path: Path, kwargs: dict, error: type, message: str
) -> None:
    folder = tmp_path / "videos"
    with pytest.raises(error, match=message):
        RecordVideo(make_envs(), str(folder), **kwargs)
    assert not folder.exists()


def test_numpy_indices_are_taken(tmp_path: Path) -> None:
    envs = RecordVideo(make_envs(), str(tmp_path), env_indices=np.array([3]), layout="files")
    play(envs, 5)
    envs.close()
    assert [p.name for p in tmp_path.iterdir()] == ["rl-video-env-3-episode-0.mp4"]


# Stable-Baselines3: the trigger's windows are the VecEnv's steps; a VecEnv resets a finished
# episode within the step (its render after the step shows the next episode's first state).

SB3_STEPS = 60


def sb3_venv(counts: list[int] | None = None, subprocess: bool = False) -> Any:
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    counts = counts if counts is not None else [0] * NUM_ENVS

    def make(index: int):
        return lambda: CountRenders(gym.make("CartPole-v1", render_mode="rgb_array"), counts, index)

    fns = [make(i) for i in range(NUM_ENVS)]
    # fork: a forkserver worker would import SB3, and so PyTorch, afresh.
    venv = SubprocVecEnv(fns, start_method="fork") if subprocess else DummyVecEnv(fns)
    venv.seed(5)
    return venv


def sb3_reference(steps: int = SB3_STEPS) -> tuple[list[list[np.ndarray]], np.ndarray]:
    """Every sub-env's render after reset and after each step, and the rewards, of a bare
    DummyVecEnv with the seed and actions `sb3_play` uses."""
    venv = sb3_venv()
    venv.reset()
    renders = [[env.render()] for env in venv.envs]
    rewards = []
    for action in actions(steps):
        _, reward, _, _ = venv.step(action)
        rewards.append(reward)
        for i, env in enumerate(venv.envs):
            renders[i].append(env.render())
    venv.close()
    return renders, np.array(rewards)


def sb3_play(wrapper: Any, steps: int = SB3_STEPS) -> None:
    wrapper.reset()
    for action in actions(steps):
        wrapper.step(action)
    wrapper.close()


@pytest.mark.parametrize("subprocess", [False, True], ids=["DummyVecEnv", "SubprocVecEnv"])
def test_sb3_one_file_per_chosen_sub_env(tmp_path: Path, capsys, subprocess: bool) -> None:
    pytest.importorskip("stable_baselines3")
    from rlvideo.sb3 import VecVideoRecorder

    counts = [0] * NUM_ENVS
    renders, _ = sb3_reference()
    wrapper = VecVideoRecorder(
        sb3_venv(counts, subprocess),
        str(tmp_path),
        record_video_trigger=lambda step: step in (0, 30),
        video_length=20,
        env_indices=[2],
        layout="files",
        threads=1,
    )
    sb3_play(wrapper)
    names = [f"rl-video-env-2-step-{a}-to-step-{a + 20}.mp4" for a in (0, 30)]
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    assert capsys.readouterr().out.splitlines() == [
        f"Saving video to {tmp_path / name}" for name in names
    ]
    for a, name in zip((0, 30), names):
        expected = renders[2][a : a + 21]  # the frame at the trigger, then one per step
        assert stream_info(tmp_path / name)["frames"] == 21
        assert min_psnr(expected, decode(tmp_path / name)) >= 40, name
    if not subprocess:  # (a SubprocVecEnv's renders are counted in its workers)
        assert counts == [0, 0, 42, 0]  # only the chosen sub-env, only while recording


def test_sb3_a_grid_of_two_of_four_and_per_file_best(tmp_path: Path) -> None:
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.vec_env.base_vec_env import tile_images

    from rlvideo.sb3 import VecVideoRecorder

    renders, _ = sb3_reference()
    wrapper = VecVideoRecorder(
        sb3_venv(),
        str(tmp_path / "grid"),
        record_video_trigger=lambda step: step == 10,
        video_length=15,
        env_indices=[3, 0],
        threads=1,
    )
    sb3_play(wrapper)
    path = tmp_path / "grid" / "rl-video-step-10-to-step-25.mp4"
    info = stream_info(path)
    # SB3's tiling: ceil(sqrt(2)) = 2 rows of 1.
    assert (info["width"], info["height"], info["frames"]) == (600, 2 * 400, 16)
    expected = [tile_images([renders[3][t], renders[0][t]]) for t in range(10, 26)]
    assert min_psnr(expected, decode(path)) >= 40
    seen: list[tuple[str, tuple[int, ...]]] = []
    # keep_best with a file per sub-env: each sub-env's own windows ranked by its own
    # rewards (CartPole pays 1 a step, so a window cut by an episode's end scores the same:
    # the earlier is kept on a tie).
    wrapper = VecVideoRecorder(
        sb3_venv(),
        str(tmp_path / "best"),
        record_video_trigger=lambda step: step % 20 == 0,
        video_length=10,
        env_indices=[1, 3],
        layout="files",
        keep_best=1,
        score=lambda stats: seen.append((stats.name, stats.rewards.shape)) or 0.0,
        threads=1,
    )
    sb3_play(wrapper)
    # Each file is scored on its own sub-env's rewards (the window the last step started
    # holds its first frame alone when close() ends it).
    assert sorted(seen) == [
        (f"rl-video-env-{i}-step-{a}-to-step-{a + 10}", (10,) if a < SB3_STEPS else (0,))
        for i in (1, 3)
        for a in (0, 20, 40, 60)
    ]
    kept = sorted(p.name for p in (tmp_path / "best").iterdir())
    assert kept == [
        "rl-video-env-1-best-1-step-0-to-step-10.mp4",
        "rl-video-env-3-best-1-step-0-to-step-10.mp4",
    ]


def test_sb3_bad_choices_are_refused_before_the_folder_is_made(tmp_path: Path) -> None:
    pytest.importorskip("stable_baselines3")
    from rlvideo.sb3 import VecVideoRecorder

    folder = tmp_path / "videos"
    for kwargs, error in [
        ({"env_indices": [NUM_ENVS]}, ValueError),
        ({"env_indices": [0, 0]}, ValueError),
        ({"env_indices": ["1"]}, TypeError),
        ({"layout": "mosaic"}, ValueError),
    ]:
        with pytest.raises(error):
            VecVideoRecorder(sb3_venv(), str(folder), lambda step: True, **kwargs)
    assert not folder.exists()
