"""CartPole-v1, random policy, 300 episodes with fixed seeds and actions: wall time including
close(), and time blocked in step()/reset()/close() beyond the env's own work, for the env
alone (rendering the same frames), Gymnasium's RecordVideo and ours. Targets: blocked at most
1/20 of Gymnasium's, wall at most 1/2. Also ours with frame_stride=2 (issue 24: render every
2nd step) and the loop not recorded at all, whose wall time the report subtracts to give each
recorder's overhead on the run.

`test_training_loop_car_racing` (issue 22): CarRacing-v3 (600x400, the camera following a car
steered at random), every 2nd of 4 episodes of 500 steps recorded, Gymnasium's RecordVideo
beside ours and the loop that only renders the same frames. Target: the wall time a recorder
adds above rendering alone at most 0.1x Gymnasium's.

Quick mode (benchmarks/mode.py): 30 CartPole episodes; 2 CarRacing episodes of 20 steps.

rlvideo's wrapper runs with its progress reports on and pytest's capture off for the loop, so
whoever runs this sees what a user sees while close() waits for the last videos.

    .venv/bin/python -m pytest benchmarks/test_training_loop.py --benchmark-only
"""

from __future__ import annotations

import pytest

from benchmarks.mode import pick
from benchmarks.recorders import GYMNASIUM, RLVIDEO
from benchmarks.training_loop import (
    ENV_ALONE,
    NOT_RECORDED,
    RECORDERS,
    SCHEDULES,
    LoopResult,
    run_loop,
)

EPISODES = pick(300, 30)
#: The episodes each schedule records among the first EPISODES: every 10th, and the cubes
#: (0, 1, 8, 27, 64, 125, 216) of the default schedule.
VIDEOS = pick(
    {"every 10th episode": 30, "default schedule": 7},
    {"every 10th episode": 3, "default schedule": 4},
)


@pytest.mark.parametrize("recorder", RECORDERS)
@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_training_loop(benchmark, tmp_path, capsys, schedule, recorder):
    benchmark.group = f"CartPole-v1 training loop, {EPISODES} episodes, {schedule}"
    results: list[LoopResult] = []

    def run() -> None:
        folder = tmp_path / f"round{len(results)}"
        with capsys.disabled():
            results.append(
                run_loop(recorder, folder, EPISODES, SCHEDULES[schedule], show_progress=True)
            )

    benchmark.pedantic(run, rounds=1, iterations=1)
    result = results[-1]
    benchmark.extra_info.update(result.info())
    if recorder not in (ENV_ALONE, NOT_RECORDED):
        assert result.videos == VIDEOS[schedule]


CAR_EPISODES = pick(4, 2)
CAR_STEPS = pick(500, 20)


def every_2nd(episode: int) -> bool:
    return episode % 2 == 0


@pytest.mark.parametrize("recorder", [NOT_RECORDED, ENV_ALONE, GYMNASIUM, RLVIDEO])
def test_training_loop_car_racing(benchmark, tmp_path, capsys, recorder):
    benchmark.group = (
        f"CarRacing-v3 training loop, {CAR_EPISODES} episodes of {CAR_STEPS} steps, every 2nd"
    )
    results: list[LoopResult] = []

    def run() -> None:
        with capsys.disabled():
            results.append(
                run_loop(
                    recorder,
                    tmp_path,
                    CAR_EPISODES,
                    every_2nd,
                    show_progress=True,
                    env_id="CarRacing-v3",
                    max_episode_steps=CAR_STEPS,
                )
            )

    benchmark.pedantic(run, rounds=1, iterations=1)
    result = results[-1]
    benchmark.extra_info.update(result.info())
    assert result.steps == CAR_EPISODES * CAR_STEPS, "an episode ended before its time limit"
    if recorder in (GYMNASIUM, RLVIDEO):
        assert result.videos == CAR_EPISODES // 2
