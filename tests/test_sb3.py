"""Stable-Baselines3's own VecVideoRecorder and rlvideo.sb3's, run side by side on the same
VecEnvs (DummyVecEnv and SubprocVecEnv), seeds and actions: the same files, the same frame
count in each (both decoded), ours equal to what the envs rendered (PSNR >= 40 dB) and
SB3's showing the same frames, the same stream size and rate, the same printed lines and
warnings. Also: close() leaves every video complete, SB3's algorithms train through ours, and
``import rlvideo`` never imports SB3 or PyTorch."""

from __future__ import annotations

import gc
import inspect
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3.common.vec_env import (
    DummyVecEnv,
    SubprocVecEnv,
    VecEnv,
    VecEnvWrapper,
)
from stable_baselines3.common.vec_env import VecVideoRecorder as SB3VecVideoRecorder

from rlvideo.sb3 import VecVideoRecorder
from tests.helpers import decode, psnr, stream_info


class RenderSpy(VecEnvWrapper):
    """Sits under the recorder and keeps a copy of every frame it captures; `broken` lists
    the render calls (counted from 0) that return None instead, as a broken env would."""

    def __init__(self, venv: VecEnv, broken: tuple[int, ...] = ()) -> None:
        super().__init__(venv)
        self.frames: list[np.ndarray] = []
        self.broken = broken
        self.calls = 0

    def reset(self) -> Any:
        return self.venv.reset()

    def step_wait(self) -> Any:
        return self.venv.step_wait()

    def render(self, mode: str | None = None) -> Any:
        self.calls += 1
        if self.calls - 1 in self.broken:
            return None
        out = self.venv.render(mode=mode)
        self.frames.append(out.copy())
        return out


def logging_videos(cls: type) -> type:
    """The recorder class, noting each video's name as it starts and, as it stops, how many
    frames it got. When a reset() cuts a video short, SB3 has already set video_name to the
    next one's, so a stopping video is named by the last name that started."""

    class Logged(cls):  # type: ignore[misc, valid-type]
        def _start_recording(self) -> None:
            super()._start_recording()  # stops the video in progress, if any, first
            self.started.append(self.video_name)

        def _stop_recording(self) -> None:
            frames = getattr(self, "recorded_frames", None)  # SB3's list
            self.intended[self.started[-1]] = len(frames) if frames is not None else -1
            super()._stop_recording()

    return Logged


def make_venv(vec_cls: type, env_id: str, num_envs: int) -> VecEnv:
    def make() -> gym.Env:
        return gym.make(env_id, render_mode="rgb_array")

    if vec_cls is SubprocVecEnv:
        # fork: a forkserver worker imports SB3, and so PyTorch, afresh (seconds each).
        return SubprocVecEnv([make] * num_envs, start_method="fork")
    return DummyVecEnv([make] * num_envs)


def actions(space: gym.Space, num_envs: int, rng: np.random.Generator) -> np.ndarray:
    if isinstance(space, gym.spaces.Discrete):
        return rng.integers(space.n, size=num_envs)
    return rng.uniform(space.low, space.high, (num_envs, *space.shape)).astype(space.dtype)


def run(cls: type, folder: Path, config: dict[str, Any]) -> tuple[Any, list, list]:
    """(wrapper, frames it captured, warnings through Gymnasium's logger) of one run."""
    venv = make_venv(config["vec"], config["env"], config["num_envs"])
    venv.seed(3)
    spy = RenderSpy(venv, config.get("broken", ()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wrapper = logging_videos(cls)(spy, str(folder), **config["kwargs"])
        wrapper.started, wrapper.intended = [], {}
        rng = np.random.default_rng(7)
        wrapper.reset()
        for _ in range(config["steps"]):
            wrapper.step(actions(wrapper.action_space, wrapper.num_envs, rng))
            if wrapper.step_id in config.get("resets", ()):
                wrapper.reset()
        wrapper.close()
    # Gymnasium's logger (which both recorders warn through) marks its messages.
    gym_warnings = [str(w.message) for w in caught if "WARN: " in str(w.message)]
    return wrapper, spy.frames, gym_warnings


def split(started: list[str], counts: dict[str, int], frames: list) -> dict[str, list]:
    """Captured frames split, in recording order, among the videos (distinct names) by
    their frame counts."""
    out, at = {}, 0
    for name in started:
        out[name] = frames[at : at + counts[name]]
        at += counts[name]
    assert at == len(frames), f"{len(frames)} frames captured, {at} in videos"
    return out


def decode_folder(folder: Path) -> dict[str, list[np.ndarray]]:
    assert not [p.name for p in folder.iterdir() if not p.name.endswith(".mp4")]
    return {p.name: decode(p) for p in sorted(folder.glob("*.mp4"))}


def compare(tmp_path: Path, config: dict[str, Any], stdout: Callable[[], str]) -> None:
    sb3_dir, our_dir = tmp_path / "sb3", tmp_path / "rlvideo"
    reference, sb3_captured, sb3_warnings = run(SB3VecVideoRecorder, sb3_dir, config)
    sb3_printed = [line for line in stdout().splitlines() if line.startswith("Saving video to")]
    wrapper, captured, our_warnings = run(VecVideoRecorder, our_dir, config)
    our_printed = [line for line in stdout().splitlines() if line.startswith("Saving video to")]
    assert reference.started, "the configuration recorded nothing; the test would prove nothing"

    # The same render calls at the same steps, so the same frames went to both recorders.
    assert len(captured) == len(sb3_captured)
    assert all(np.array_equal(a, b) for a, b in zip(captured, sb3_captured))
    assert wrapper.started == reference.started
    assert wrapper.step_id == reference.step_id
    assert wrapper.video_name == reference.video_name
    assert os.path.relpath(wrapper.video_path, our_dir) == os.path.relpath(
        reference.video_path, sb3_dir
    )
    assert wrapper.recording is reference.recording is False
    assert our_warnings == sb3_warnings
    assert our_printed == [line.replace(str(sb3_dir), str(our_dir)) for line in sb3_printed]

    ours, theirs = decode_folder(our_dir), decode_folder(sb3_dir)
    # Each video that SB3's recorder collected frames for is a file of ours with exactly those
    # frames. SB3 leaves no file for a video that a triggered reset() cut short: it writes it
    # under the next video's name, which the next video then overwrites (kept on purpose).
    nonempty = {name for name, count in reference.intended.items() if count > 0}
    assert set(ours) == nonempty
    assert set(theirs) == nonempty - config.get("lost", set())
    assert {name: len(frames) for name, frames in ours.items()} == {
        name: reference.intended[name] for name in nonempty
    }
    expected = split(reference.started, reference.intended, captured)
    for name, frames in ours.items():
        assert min(psnr(e, d) for e, d in zip(expected[name], frames)) >= 40, name
        rate = stream_info(our_dir / name)["rate"]
        assert rate == wrapper.frames_per_sec == reference.frames_per_sec
        if name in theirs:
            # SB3's file: the same frames (moviepy sometimes writes one fewer than it is
            # given) at the same size and rate, in H.264 at moviepy's default quality.
            assert len(theirs[name]) in (len(frames), len(frames) - 1), name
            assert theirs[name][0].shape == frames[0].shape == expected[name][0].shape
            assert stream_info(sb3_dir / name)["rate"] == rate
            assert moviepy_min_psnr(expected[name], theirs[name]) >= 30, name


def moviepy_min_psnr(expected: list[np.ndarray], decoded: list[np.ndarray]) -> float:
    """The worst frame's PSNR, each frame of moviepy's file taken against the frame it was
    meant to be or the one before or after: moviepy picks frames by time in floating point,
    and at 30 fps runs of frames show the one before (moviepy 2.1)."""
    return min(
        max(psnr(expected[j], frame) for j in range(max(0, i - 1), min(len(expected), i + 2)))
        for i, frame in enumerate(decoded)
    )


CONFIGS: dict[str, dict[str, Any]] = {
    # SB3's documentation example ("Record a Video"), with one import changed.
    "docs-example": {
        "vec": DummyVecEnv,
        "env": "CartPole-v1",
        "num_envs": 1,
        "kwargs": {
            "record_video_trigger": lambda x: x == 0,
            "video_length": 100,
            "name_prefix": "random-agent-CartPole-v1",
        },
        "steps": 101,
    },
    # Videos of 26 frames every 60 steps; the last one is ended by close().
    "dummy-cartpole-1": {
        "vec": DummyVecEnv,
        "env": "CartPole-v1",
        "num_envs": 1,
        "kwargs": {"record_video_trigger": lambda s: s % 60 == 0, "video_length": 25},
        "steps": 130,
    },
    # Three envs tiled 2x2 by SB3, the fourth tile black; a trigger not at step 0.
    "dummy-cartpole-3": {
        "vec": DummyVecEnv,
        "env": "CartPole-v1",
        "num_envs": 3,
        "kwargs": {"record_video_trigger": lambda s: s == 10, "video_length": 12},
        "steps": 40,
    },
    # Pendulum: 500x500 at 30 fps (CartPole: 600x400 at 50).
    "dummy-pendulum-1": {
        "vec": DummyVecEnv,
        "env": "Pendulum-v1",
        "num_envs": 1,
        "kwargs": {
            "record_video_trigger": lambda s: s % 50 == 10,
            "video_length": 30,
            "name_prefix": "pendulum",
        },
        "steps": 100,
    },
    # Two envs tiled 2x1 (1000x500); the second trigger fires after the first video ends.
    "subproc-pendulum-2": {
        "vec": SubprocVecEnv,
        "env": "Pendulum-v1",
        "num_envs": 2,
        "kwargs": {"record_video_trigger": lambda s: s in (0, 33), "video_length": 15},
        "steps": 60,
    },
    # reset() while recording: at step 45 (trigger off) the video goes on; at 60 (trigger on)
    # it ends and the next starts, which close() ends.
    "subproc-cartpole-2-resets": {
        "vec": SubprocVecEnv,
        "env": "CartPole-v1",
        "num_envs": 2,
        "kwargs": {"record_video_trigger": lambda s: s % 20 == 0, "video_length": 25},
        "steps": 70,
        "resets": (45, 60),
        "lost": {"rl-video-step-40-to-step-65.mp4"},
    },
    # The trigger fires at the step a video ends, where SB3 does not look at it: videos at
    # 0-10, 20-30 and 40-45 (ended by close).
    "subproc-cartpole-1": {
        "vec": SubprocVecEnv,
        "env": "CartPole-v1",
        "num_envs": 1,
        "kwargs": {"record_video_trigger": lambda s: s % 10 == 0, "video_length": 10},
        "steps": 45,
    },
    # A render that returns None: at the first frame of a video (SB3 warns it has no frames
    # to save) and in the middle of one (the frames so far are saved), each with a warning.
    "broken-renders": {
        "vec": DummyVecEnv,
        "env": "CartPole-v1",
        "num_envs": 1,
        "kwargs": {"record_video_trigger": lambda s: s % 20 == 0, "video_length": 10},
        "steps": 70,
        "broken": (0, 16),
    },
}


@pytest.mark.parametrize("config", list(CONFIGS))
def test_matches_stable_baselines3(tmp_path, capsys, config):
    compare(tmp_path, CONFIGS[config], lambda: capsys.readouterr().out)


def test_same_signature_as_stable_baselines3():
    """SB3's parameters, in order, with their defaults (video_length=200 among them), then
    ours, keyword-only."""
    theirs = inspect.signature(SB3VecVideoRecorder.__init__).parameters
    ours = list(inspect.signature(VecVideoRecorder.__init__).parameters.values())
    assert [(p.name, p.kind, p.default) for p in ours[: len(theirs)]] == [
        (p.name, p.kind, p.default) for p in theirs.values()
    ]
    assert theirs["video_length"].default == 200 and theirs["name_prefix"].default == "rl-video"
    extra = ours[len(theirs) :]
    assert len(extra) > 1  # on_video_saved, disable_logger, keep_best, ..., **encoder_options
    assert [p.kind for p in extra] == [inspect.Parameter.KEYWORD_ONLY] * (len(extra) - 1) + [
        inspect.Parameter.VAR_KEYWORD
    ]


def test_constructor_checks_as_stable_baselines3(tmp_path, monkeypatch):
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    for cls in (SB3VecVideoRecorder, VecVideoRecorder):
        venv = DummyVecEnv([lambda: gym.make("CartPole-v1")])  # render_mode None
        message = r"^The render_mode must be 'rgb_array', not None$"
        with pytest.raises(AssertionError, match=message):
            cls(venv, str(tmp_path / "none"), lambda s: True)
        gc.collect()
        # SB3's __del__ on the half-built wrapper raises (no recorded_frames); ours does not.
        assert bool(unraisable) == (cls is SB3VecVideoRecorder)
        unraisable.clear()
        venv.close()
    # An existing folder is used without a warning, by both.
    (tmp_path / "existing").mkdir()
    for cls in (SB3VecVideoRecorder, VecVideoRecorder):
        venv = DummyVecEnv([lambda: gym.make("CartPole-v1", render_mode="rgb_array")])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            recorder = cls(venv, str(tmp_path / "existing"), lambda s: False)
        assert [str(w.message) for w in caught] == []
        assert recorder.video_folder == str(tmp_path / "existing")
        assert recorder.frames_per_sec == 50 and recorder.step_id == 0 and not recorder.recording
        assert isinstance(recorder, VecEnvWrapper) and recorder.env is venv
        recorder.close()
    # Ours also checks its own arguments at once: nothing is created for a bad one.
    venv = DummyVecEnv([lambda: gym.make("CartPole-v1", render_mode="rgb_array")])
    with pytest.raises(ValueError, match="path separators"):
        VecVideoRecorder(venv, str(tmp_path / "a"), lambda s: True, name_prefix="x/y")
    with pytest.raises(ValueError, match="speed must be"):
        VecVideoRecorder(venv, str(tmp_path / "b"), lambda s: True, speed=42)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    with pytest.raises(AttributeError, match="no recorded_frames"):
        _ = VecVideoRecorder(venv, str(tmp_path / "c"), lambda s: False).recorded_frames
    gc.collect()
    assert unraisable == []


def test_close_leaves_every_video_complete(tmp_path):
    """Videos that end inside step_wait finish encoding in the background; close() ends the
    one in progress and returns only once every file is complete, each reported (in order)
    to on_video_saved with its final path."""
    saved: list[tuple[str, int]] = []

    def on_video_saved(path: str) -> None:
        saved.append((os.path.basename(path), stream_info(path)["frames"]))

    venv = DummyVecEnv([lambda: gym.make("CartPole-v1", render_mode="rgb_array")] * 4)
    recorder = VecVideoRecorder(
        venv, str(tmp_path), lambda s: s % 25 == 0, video_length=20, on_video_saved=on_video_saved
    )
    recorder.reset()
    for _ in range(60):  # videos at steps 0-20, 25-45 and 50-60 (ended by close)
        recorder.step(np.zeros(4, dtype=np.int64))
    recorder.close()
    names = ["rl-video-step-0-to-step-20.mp4", "rl-video-step-25-to-step-45.mp4"]
    names.append("rl-video-step-50-to-step-70.mp4")
    assert saved == list(zip(names, [21, 21, 11]))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)  # nothing half-written
    assert [len(decode(tmp_path / name)) for name in names] == [21, 21, 11]
    assert not recorder.recording


def test_a_recorder_dropped_without_close_still_finishes_its_video(tmp_path):
    """SB3's warns "Unable to save last video" and loses the frames; ours, dropped while
    recording, finishes the video in progress (its writer does, when it is dropped)."""
    venv = DummyVecEnv([lambda: gym.make("CartPole-v1", render_mode="rgb_array")] * 2)
    spy = RenderSpy(venv)
    recorder = VecVideoRecorder(spy, str(tmp_path), lambda s: s == 0, video_length=100)
    recorder.reset()
    for _ in range(30):
        recorder.step(np.zeros(2, dtype=np.int64))
    assert recorder.recording
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del recorder
        gc.collect()
    assert [str(w.message) for w in caught] == []
    path = tmp_path / "rl-video-step-0-to-step-100.mp4"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no .partial left
    decoded = decode(path)
    assert len(decoded) == len(spy.frames) == 31
    assert min(psnr(a, b) for a, b in zip(spy.frames, decoded)) >= 40
    venv.close()


def test_stable_baselines3_trains_through_it(tmp_path, monkeypatch):
    """An SB3 algorithm takes the wrapper as its VecEnv (no re-wrapping) and learns through
    it, its reset() and steps starting and ending the videos."""
    from stable_baselines3 import A2C

    # learn() makes a log folder, in the system's temp folder unless told otherwise.
    monkeypatch.setenv("SB3_LOGDIR", str(tmp_path / "sb3-log"))

    venv = DummyVecEnv([lambda: gym.make("CartPole-v1", render_mode="rgb_array")] * 2)
    recorder = VecVideoRecorder(venv, str(tmp_path), lambda s: s % 15 == 0, video_length=8)
    model = A2C("MlpPolicy", recorder, n_steps=5, seed=0, device="cpu")
    assert model.get_env() is recorder
    model.learn(total_timesteps=80)  # 40 steps of 2 envs
    recorder.close()
    assert {p.name: len(decode(p)) for p in sorted(tmp_path.glob("*.mp4"))} == {
        "rl-video-step-0-to-step-8.mp4": 9,
        "rl-video-step-15-to-step-23.mp4": 9,
        "rl-video-step-30-to-step-38.mp4": 9,
    }


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_import_rlvideo_imports_neither_sb3_nor_torch():
    code = """
import sys
import rlvideo, rlvideo.vector, rlvideo.record_video, rlvideo.notebook, rlvideo.saving
from rlvideo import RecordVideo, VideoWriter, save_video, capped_cubic_video_schedule
print(sorted(m for m in sys.modules if m.split(".")[0] in ("stable_baselines3", "torch")))
"""
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_sb3_the_error_names_the_extra():
    code = """
import sys
sys.modules["stable_baselines3"] = None  # as if it were not installed
import rlvideo, rlvideo.vector  # fine without it
try:
    import rlvideo.sb3
except ImportError as error:
    print(error)
"""
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert "pip install 'rlvideo[sb3]'" in done.stdout, done.stdout
