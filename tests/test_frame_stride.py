"""frame_stride (issue 24 part 2, "render less"): a video renders and records every k-th step,
plus its first frame, the frame of the step that ends its episode and the last one
video_length allows, and plays at real time. Real CartPole with seeded actions; the env's
render calls are counted by a wrapper, the files decoded, and each frame matched against the
renders of an independent run that renders every step."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from rlvideo import EpisodeStats, RecordVideo
from rlvideo import vector as rlvector
from tests.helpers import decode, min_psnr, psnr, stream_info
from tests.test_best_episodes import ShapedReward

RENDER_FPS = 50  # CartPole-v1's


class CountRenders(gym.Wrapper):
    """Counts the env's render calls."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.renders = 0

    def render(self) -> Any:
        self.renders += 1
        return self.env.render()


def cartpole(shaped: bool = False) -> gym.Env:
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    return ShapedReward(env) if shaped else env


def play(env: gym.Env, episodes: int, seed: int = 0, *, render: bool = False) -> list[Any]:
    """Plays `episodes` seeded episodes with seeded random actions. Returns, per episode, its
    rewards, and with `render` the render after its reset and after each step."""
    rng = np.random.default_rng(seed)
    out = []
    for episode in range(episodes):
        env.reset(seed=seed + episode)
        renders = [env.render().copy()] if render else []
        rewards = []
        done = False
        while not done:
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(2)))
            rewards.append(float(reward))
            if render:
                renders.append(env.render().copy())
            done = terminated or truncated
        out.append((rewards, renders))
    return out


def strided(steps: int, stride: int, last: float = math.inf) -> list[int]:
    """The steps (0: the video's first frame) whose frames a video of `steps` steps after its
    first frame holds: every stride-th, the last step, and the step `last` that ends it."""
    end = int(min(steps, last))
    return sorted(set(range(0, end + 1, stride)) | {end})


def check_frames(path: Path, expected: list[np.ndarray], candidates: list[np.ndarray]) -> None:
    """The decoded video is `expected`, each frame nearest to its own render of `candidates`
    (all the renders of the run: a neighbouring step's would not do)."""
    decoded = decode(path)
    assert min_psnr(expected, decoded) > 35
    for frame, want in zip(decoded, expected):
        best = max(candidates, key=lambda c: psnr(c, frame))
        assert best is want or np.array_equal(best, want)


def test_single_env_renders_only_the_strided_steps_and_plays_at_real_time(tmp_path):
    stride = 3
    env = CountRenders(cartpole())
    recorder = RecordVideo(env, str(tmp_path), episode_trigger=lambda e: True, frame_stride=stride)
    played = play(recorder, 4)
    recorder.close()
    reference = play(cartpole(), 4, render=True)

    expected_renders = 0
    for episode, ((rewards, _), (ref_rewards, renders)) in enumerate(zip(played, reference)):
        assert rewards == ref_rewards  # the same run
        steps = len(rewards)
        chosen = strided(steps, stride)
        assert chosen[0] == 0 and chosen[-1] == steps  # the reset and the terminal frame
        expected_renders += len(chosen)
        path = tmp_path / f"rl-video-episode-{episode}.mp4"
        info = stream_info(path)
        assert info["frames"] == len(chosen) == math.ceil(steps / stride) + 1
        assert info["rate"] == Fraction(RENDER_FPS, stride)
        # Real time: each frame lasts `stride` steps, so each on-stride frame shows at its
        # step's time; the terminal one, off-stride, takes the next slot (under a stride late).
        assert info["duration"] == pytest.approx(len(chosen) * stride / RENDER_FPS)
        last_shown = info["duration"] - stride / RENDER_FPS
        assert steps / RENDER_FPS <= last_shown + 1e-9 < (steps + stride) / RENDER_FPS
        check_frames(path, [renders[i] for i in chosen], renders)
    assert env.renders == expected_renders


def test_stride_one_renders_every_step(tmp_path):
    env = CountRenders(cartpole())
    recorder = RecordVideo(env, str(tmp_path), episode_trigger=lambda e: e == 1)
    played = play(recorder, 3)
    recorder.close()
    steps = len(played[1][0])
    assert env.renders == steps + 1
    info = stream_info(tmp_path / "rl-video-episode-1.mp4")
    assert info["frames"] == steps + 1 and info["rate"] == RENDER_FPS


def test_a_given_fps_is_kept_and_plays_faster(tmp_path):
    recorder = RecordVideo(
        cartpole(), str(tmp_path), episode_trigger=lambda e: e == 0, fps=50, frame_stride=2
    )
    assert recorder.frames_per_sec == 50
    steps = len(play(recorder, 1)[0][0])
    recorder.close()
    info = stream_info(tmp_path / "rl-video-episode-0.mp4")
    assert info["rate"] == 50 and info["frames"] == math.ceil(steps / 2) + 1


@pytest.mark.parametrize("render_fps,stride,fps", [(50, 2, 25), (50, 3, 50 / 3), (None, 2, 15)])
def test_default_fps_is_render_fps_over_the_stride(tmp_path, render_fps, stride, fps):
    env = cartpole()
    env.metadata = {**env.metadata, "render_fps": render_fps}
    if render_fps is None:
        del env.metadata["render_fps"]
    recorder = RecordVideo(env, str(tmp_path), frame_stride=stride)
    assert recorder.frames_per_sec == pytest.approx(fps)
    recorder.close()


def test_video_length_counts_steps_and_ends_on_its_last_step(tmp_path):
    # Episode videos cut at 10 steps, stride 3: steps 0, 3, 6, 9 and 10 (5 frames, not 11).
    env = CountRenders(cartpole())
    recorder = RecordVideo(
        env, str(tmp_path), episode_trigger=lambda e: True, video_length=10, frame_stride=3
    )
    played = play(recorder, 3)
    recorder.close()
    reference = play(cartpole(), 3, render=True)
    total = 0
    for episode, (_, renders) in enumerate(reference):
        steps = len(played[episode][0])
        chosen = strided(steps, 3, last=10)
        total += len(chosen)
        if steps >= 10:
            assert chosen == [0, 3, 6, 9, 10]
        path = tmp_path / f"rl-video-episode-{episode}.mp4"
        assert stream_info(path)["frames"] == len(chosen)
        check_frames(path, [renders[i] for i in chosen], renders)
    assert env.renders == total


def test_step_trigger_counts_the_stride_from_the_trigger(tmp_path):
    # A step video from step 5 for 7 steps, stride 2: the state after step 5, then 2, 4, 6
    # and 7 steps later.
    env = CountRenders(cartpole())
    recorder = RecordVideo(
        env, str(tmp_path), step_trigger=lambda s: s == 5, video_length=7, frame_stride=2
    )
    played = play(recorder, 3, seed=0)
    recorder.close()
    reference = play(cartpole(), 3, seed=0, render=True)
    assert [r for r, _ in played] == [r for r, _ in reference]
    # The renders of the run as the wrapper sees its events: each reset, then each step.
    events = [frame for _, renders in reference for frame in renders]
    # Global step 5 is the event after the sixth step (events[0] is the reset).
    first_steps = len(reference[0][0])
    assert first_steps > 12  # the video stays in episode 0 with this seed
    start = 6
    chosen = [start + i for i in strided(7, 2)]
    assert chosen == [6, 8, 10, 12, 13]
    path = tmp_path / "rl-video-step-5.mp4"
    assert stream_info(path)["frames"] == 5
    check_frames(path, [events[i] for i in chosen], events)
    assert env.renders == 5


def test_the_terminal_frame_is_captured_off_stride(tmp_path):
    env = CountRenders(cartpole())
    recorder = RecordVideo(env, str(tmp_path), episode_trigger=lambda e: True, frame_stride=4)
    played = play(recorder, 6, seed=1)
    recorder.close()
    reference = play(cartpole(), 6, seed=1, render=True)
    off_stride = [e for e, (r, _) in enumerate(played) if len(r) % 4]
    assert off_stride  # episodes whose last step is not a multiple of the stride
    for episode in off_stride:
        renders = reference[episode][1]
        decoded = decode(tmp_path / f"rl-video-episode-{episode}.mp4")
        assert psnr(decoded[-1], renders[-1]) > 35  # how the episode ended
        assert psnr(decoded[-2], renders[len(renders) - 1 - len(played[episode][0]) % 4]) > 35


def test_keep_best_ranks_by_every_step_not_only_the_rendered_ones(tmp_path):
    seen: list[EpisodeStats] = []

    def score(stats: EpisodeStats) -> float:
        seen.append(stats)
        return stats.episode_return

    env = CountRenders(cartpole(shaped=True))
    recorder = RecordVideo(env, str(tmp_path), keep_best=2, score=score, frame_stride=2)
    played = play(recorder, 8, seed=3)
    recorder.close()
    returns = [sum(rewards) for rewards, _ in played]
    assert len(seen) == 8
    for stats in seen:
        episode = int(stats.name.rsplit("-", 1)[1])
        rewards = played[episode][0]
        assert stats.steps == len(rewards)  # skipped steps' rewards counted
        assert stats.episode_return == pytest.approx(returns[episode])
        assert stats.frames == math.ceil(len(rewards) / 2) + 1
    best = sorted(range(8), key=lambda e: (-returns[e], e))[:2]
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == [f"rl-video-best-{r + 1}-episode-{e}.mp4" for r, e in enumerate(best)]
    for rank, episode in enumerate(best):
        path = tmp_path / f"rl-video-best-{rank + 1}-episode-{episode}.mp4"
        assert stream_info(path)["frames"] == math.ceil(len(played[episode][0]) / 2) + 1
    assert env.renders == sum(math.ceil(len(r) / 2) + 1 for r, _ in played)


class CountVectorRenders(gym.vector.VectorWrapper):
    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.renders = 0

    def render(self) -> Any:
        self.renders += 1
        return self.env.render()


def play_vector(envs: Any, steps: int, seed: int = 0, *, render: bool = False) -> Any:
    """Seeded random actions; the first env's episode lengths (steps to its end), and with
    `render` the first env's render after the reset and each step."""
    rng = np.random.default_rng(seed)
    envs.reset(seed=seed)
    renders = [envs.render()[0].copy()] if render else []
    lengths, length = [], 0
    for _ in range(steps):
        actions = rng.integers(2, size=envs.num_envs)
        _, _, terminations, truncations, _ = envs.step(actions)
        length += 1
        if render:
            renders.append(envs.render()[0].copy())
        if terminations[0] or truncations[0]:
            lengths.append(length)
            length = -1  # the next step is the autoreset (next-step mode), a new episode's 0
    return lengths, renders


@pytest.mark.parametrize("first_only", [True, False])
def test_vector_env(tmp_path, first_only):
    def make() -> Any:
        return gym.make_vec(
            "CartPole-v1", num_envs=2, render_mode="rgb_array", vectorization_mode="sync"
        )

    envs = CountVectorRenders(make())
    recorder = rlvector.RecordVideo(
        envs,
        str(tmp_path),
        record_first_only=first_only,
        episode_trigger=lambda e: e < 2,
        frame_stride=2,
    )
    lengths, _ = play_vector(recorder, 80)
    recorder.close()
    assert len(lengths) >= 3
    _, renders = play_vector(make(), 80, render=True)
    assert recorder.frames_per_sec == 25
    offset = 0  # where the first env's episode starts among `renders`
    for episode in range(2):
        chosen = strided(lengths[episode], 2)
        path = tmp_path / f"rl-video-episode-{episode}.mp4"
        info = stream_info(path)
        assert info["frames"] == len(chosen) and info["rate"] == 25
        if first_only:
            check_frames(path, [renders[offset + i] for i in chosen], renders)
        offset += lengths[episode] + 1
    assert envs.renders == sum(len(strided(n, 2)) for n in lengths[:2])


def test_sb3(tmp_path, capsys):
    from stable_baselines3.common.vec_env import DummyVecEnv

    from rlvideo.sb3 import VecVideoRecorder

    counted = [CountRenders(cartpole()) for _ in range(2)]
    venv = DummyVecEnv([lambda env=env: env for env in counted])  # type: ignore[misc]
    recorder = VecVideoRecorder(
        venv, str(tmp_path), lambda step: step in (0, 30), video_length=10, frame_stride=3
    )
    assert recorder.frames_per_sec == RENDER_FPS / 3
    recorder.reset()
    for _ in range(45):
        recorder.step(np.zeros(2, dtype=int))
    recorder.close()
    out = capsys.readouterr().out
    for name in ("rl-video-step-0-to-step-10.mp4", "rl-video-step-30-to-step-40.mp4"):
        assert f"Saving video to {tmp_path / name}" in out
        info = stream_info(tmp_path / name)
        assert info["frames"] == len(strided(10, 3)) == 5  # steps 0, 3, 6, 9, 10
        assert info["rate"] == Fraction(RENDER_FPS, 3)
    assert [env.renders for env in counted] == [10, 10]


@pytest.mark.parametrize(
    "stride,error",
    [
        (0, ValueError),
        (-2, ValueError),
        (1.5, TypeError),
        (2.0, TypeError),
        (True, TypeError),
        ("2", TypeError),
        (None, TypeError),
    ],
)
def test_bad_strides_are_refused(tmp_path, stride, error):
    with pytest.raises(error, match="frame_stride"):
        RecordVideo(cartpole(), str(tmp_path), frame_stride=stride)
    envs = gym.make_vec("CartPole-v1", num_envs=2, render_mode="rgb_array")
    with pytest.raises(error, match="frame_stride"):
        rlvector.RecordVideo(envs, str(tmp_path), frame_stride=stride)
    from stable_baselines3.common.vec_env import DummyVecEnv

    from rlvideo.sb3 import VecVideoRecorder

    venv = DummyVecEnv([cartpole])
    with pytest.raises(error, match="frame_stride"):
        VecVideoRecorder(venv, str(tmp_path), lambda s: s == 0, frame_stride=stride)


def test_numpy_int_stride_is_accepted(tmp_path):
    recorder = RecordVideo(cartpole(), str(tmp_path), frame_stride=np.int64(2))
    assert recorder._recorder.frame_stride == 2
    recorder.close()


def test_render_list_modes_are_refused_above_stride_one(tmp_path):
    env = gym.make("CartPole-v1", render_mode="rgb_array_list")
    with pytest.raises(ValueError, match="rgb_array"):
        RecordVideo(env, str(tmp_path), frame_stride=2)
    RecordVideo(env, str(tmp_path / "ok"), frame_stride=1).close()


def test_a_step_video_across_an_episode_end_keeps_its_terminal_frame(tmp_path):
    # Seed 4's first episode has 11 steps. A step video from step 5, stride 4, video_length
    # 12: video_length counts the frames the video would hold at stride 1 (the next
    # episode's reset among them, as in Gymnasium), i.e. the events 6..18 of the run
    # (events[0] is the first reset); of those, every 4th from the first, the terminal one
    # (event 11) and the last (event 18).
    env = CountRenders(cartpole())
    recorder = RecordVideo(
        env, str(tmp_path), step_trigger=lambda s: s == 5, video_length=12, frame_stride=4
    )
    played = play(recorder, 2, seed=4)
    recorder.close()
    reference = play(cartpole(), 2, seed=4, render=True)
    assert len(played[0][0]) == 11
    events = [frame for _, renders in reference for frame in renders]
    chosen = [6, 10, 11, 14, 18]  # 6 + 0, 4, (terminal), 8, 12
    path = tmp_path / "rl-video-step-5.mp4"
    assert stream_info(path)["frames"] == len(chosen)
    check_frames(path, [events[i] for i in chosen], events)
    assert env.renders == len(chosen)
