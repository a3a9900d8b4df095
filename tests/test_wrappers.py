"""RecordVideo behaviour beyond the differential matrix: construction, callbacks, background
finishing, bad frames, save_video and the schedule."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.save_video import capped_cubic_video_schedule as gym_schedule
from gymnasium.utils.save_video import save_video as gym_save_video

import rlvideo
from rlvideo import RecordVideo, capped_cubic_video_schedule, save_video
from tests.helpers import decode, min_psnr, play, stream_info

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("render_mode", [None, "human", "ansi"])
def test_render_modes_without_images_are_rejected_like_gymnasium(tmp_path, render_mode):
    env = gym.make("CartPole-v1", render_mode=render_mode)
    with pytest.raises(ValueError, match=f"Render mode is {render_mode}, which is incompatible"):
        RecordVideo(env, str(tmp_path))


def test_spec_records_the_wrapper_and_fps_comes_from_metadata(tmp_path):
    env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), str(tmp_path / "v"))
    assert env.frames_per_sec == 50  # CartPole's render_fps
    assert env.spec.additional_wrappers[-1].name == "RecordVideo"
    assert env.spec.additional_wrappers[-1].kwargs["video_folder"] == str(tmp_path / "v")
    env.close()
    env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), str(tmp_path), fps=12)
    play(env, 5)
    env.close()
    assert stream_info(tmp_path / "rl-video-episode-0.mp4")["rate"] == 12


def test_the_spec_is_gymnasiums_and_rebuilds_our_options(tmp_path):
    """With Gymnasium's arguments only, the spec saves what Gymnasium's wrapper saves; our own
    (keep_best, frame_stride, encoder options) are saved too when given, so that
    ``gym.make(env.spec)`` rebuilds the wrapper with them instead of silently dropping them."""

    def make(recorder, folder, **options):
        env = gym.make("CartPole-v1", render_mode="rgb_array")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return recorder(env, str(tmp_path / folder), name_prefix="p", **options)

    ours, theirs = make(RecordVideo, "a"), make(gym.wrappers.RecordVideo, "b")
    assert ours.spec.additional_wrappers[-1].kwargs.keys() == (
        theirs.spec.additional_wrappers[-1].kwargs.keys()
    )
    ours.close()
    theirs.close()

    env = make(RecordVideo, "c", keep_best=1, frame_stride=2, quantizer=90, keep_worst=0)
    saved = env.spec.additional_wrappers[-1].kwargs
    assert (saved["keep_best"], saved["frame_stride"], saved["quantizer"]) == (1, 2, 90)
    assert "keep_worst" not in saved  # given at its default: Gymnasium's spec shape
    env.close()
    rebuilt = gym.make(env.spec)
    assert rebuilt.frames_per_sec == 25  # CartPole's 50 fps at frame_stride=2
    play(rebuilt, 60)
    rebuilt.close()
    kept = sorted(p.name for p in (tmp_path / "c").glob("*.mp4"))
    assert len(kept) == 1 and kept[0].startswith("p-best-1-episode-"), kept


def test_existing_folder_warns_about_overwriting(tmp_path):
    with pytest.warns(UserWarning, match="Overwriting existing videos"):
        RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), str(tmp_path)).close()


def test_callback_runs_on_the_caller_thread_with_a_complete_file(tmp_path):
    seen: list[tuple[str, int, bool, str]] = []
    phase = "reset"  # where the wrapper is when a callback runs: reset, step or close

    def saved(path: str) -> None:
        seen.append((path, threading.get_ident(), Path(path).is_file(), phase))

    env = RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        str(tmp_path),
        episode_trigger=lambda e: True,
        on_video_saved=saved,
    )
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    for episode in range(4):
        while True:
            phase = "step"
            *_, terminated, truncated, _ = env.step(int(rng.integers(2)))
            if terminated or truncated:
                break
        if episode == 1:  # let the first two videos finish while the loop runs
            deadline = time.monotonic() + 30
            while not all(w.done for w in env._recorder.pending) and time.monotonic() < deadline:
                time.sleep(0.01)
        phase = "reset"
        env.reset()
    env.step(0)
    phase = "close"
    env.close()
    files = sorted(str(p) for p in tmp_path.glob("*.mp4"))
    assert sorted(path for path, *_ in seen) == files and len(files) == 5
    assert {thread for _, thread, _, _ in seen} == {threading.get_ident()}
    assert all(complete for _, _, complete, _ in seen)
    # Videos done while the loop runs are reported from reset()/step(), not held for close().
    phases = [where for *_, where in seen]
    assert phases[0] in ("step", "reset") and phases[-1] == "close", phases


def test_videos_finished_at_exit_are_not_reported(tmp_path):
    """Python exiting without close() still finishes every video (tests/test_interrupts.py),
    but on_video_saved runs only from step(), reset() and close(): never at exit."""
    script = textwrap.dedent(
        f"""
        import os, sys, time
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        import gymnasium as gym
        from rlvideo import RecordVideo
        env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), {str(tmp_path)!r},
                          episode_trigger=lambda e: True,
                          on_video_saved=lambda path: print("saved", path, flush=True))
        env.reset(seed=0)
        for step in range(150):
            *_, terminated, truncated, _ = env.step(step % 2)
            if terminated or truncated:
                env.reset()
        # At least one report from the loop: wait for the oldest pending video, then poll
        # as the next step() would.
        while env._recorder.pending and not env._recorder.pending[0].done:
            time.sleep(0.01)
        env._recorder.poll()
        unreported = [str(w.path) for w in env._recorder.pending]
        unreported.append(os.path.join({str(tmp_path)!r}, f"{{env.name_prefix}}-episode-"
                                       f"{{env.episode_id}}.mp4"))  # the one in progress
        for path in unreported:
            print("unreported", path, flush=True)
        raise RuntimeError("training crashed")  # no env.close()
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert run.returncode == 1 and "training crashed" in run.stderr, run.stderr[-2000:]
    lines = [line.split(" ", 1) for line in run.stdout.splitlines()]
    saved = [path for kind, path in lines if kind == "saved"]
    unreported = [path for kind, path in lines if kind == "unreported"]
    assert saved and unreported, run.stdout
    files = sorted(str(p) for p in tmp_path.iterdir())
    assert sorted(saved + unreported) == files  # each video reported at most once ...
    assert all(stream_info(path)["frames"] > 0 for path in files)  # ... and all complete
    assert not set(saved) & set(unreported)
    # The last line printed is the last "unreported" one: nothing was reported at exit.
    assert lines[-1] == ["unreported", unreported[-1]]


def test_stop_recording_does_not_wait_and_close_does(tmp_path):
    env = RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"),
        str(tmp_path),
        step_trigger=lambda s: s == 0,
    )
    env.reset(seed=0)
    for _ in range(120):  # a long video, so encoding is still under way at stop
        env.step(0)
        if not env.recording:
            break
        env.unwrapped.state = np.zeros(4)  # keep the pole up: one long episode
    env.stop_recording()
    assert env._recorder.pending, "stop_recording() should leave the encode in the background"
    assert not (tmp_path / "rl-video-step-0.mp4").exists()
    env.close()
    assert stream_info(tmp_path / "rl-video-step-0.mp4")["frames"] == 120


def test_a_non_array_frame_stops_the_recording_with_a_warning(tmp_path):
    class FlakyRender(gym.Wrapper):
        calls = 0

        def render(self):
            self.calls += 1
            return None if self.calls == 4 else self.env.render()

    env = RecordVideo(FlakyRender(gym.make("CartPole-v1", render_mode="rgb_array")), str(tmp_path))
    with pytest.warns(UserWarning, match="Recording stopped: expected type of frame"):
        play(env, 10)
    env.close()
    assert stream_info(tmp_path / "rl-video-episode-0.mp4")["frames"] == 3


def test_a_bad_float_frame_ends_the_video_with_a_warning_and_the_loop_goes_on(tmp_path):
    class FloatRender(gym.Wrapper):
        calls = 0

        def render(self):
            self.calls += 1
            frame = self.env.render()
            return frame.astype(np.float32) if self.calls == 4 else frame

    env = RecordVideo(
        FloatRender(gym.make("CartPole-v1", render_mode="rgb_array")),
        str(tmp_path),
        episode_trigger=lambda e: True,
    )
    env.reset(seed=0)
    # A 0-255 render as float: refused (not clipped to white), naming the range found.
    with pytest.warns(
        UserWarning, match=r"Recording stopped: .*\[0, 1\]; got values from 0 to 255"
    ):
        for _ in range(3):
            env.step(0)
    assert not env.recording
    # The loop goes on: the episode ends and the next one is recorded whole.
    steps, done = 3, False
    while not done:
        *_, terminated, truncated, _ = env.step(0)
        done = terminated or truncated
        steps += 1
    env.reset()
    next_steps, done = 0, False
    while not done:
        *_, terminated, truncated, _ = env.step(1)
        done = terminated or truncated
        next_steps += 1
    env.close()
    assert steps > 3
    assert len(decode(tmp_path / "rl-video-episode-0.mp4")) == 3  # reset and 2 steps
    assert len(decode(tmp_path / "rl-video-episode-1.mp4")) == next_steps + 1


def test_a_frame_size_change_stops_the_recording_instead_of_crashing(tmp_path):
    class Resizing(gym.Wrapper):
        calls = 0

        def render(self):
            self.calls += 1
            frame = self.env.render()
            return frame[:200] if self.calls > 5 else frame

    env = RecordVideo(Resizing(gym.make("CartPole-v1", render_mode="rgb_array")), str(tmp_path))
    with pytest.warns(UserWarning, match="Recording stopped: .*first frame's size 600x400"):
        play(env, 10)
    env.close()
    assert stream_info(tmp_path / "rl-video-episode-0.mp4")["frames"] == 5


def test_encoder_options_reach_the_writer_and_bad_ones_fail_early(tmp_path):
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    with pytest.raises(ValueError, match="speed must be"):
        RecordVideo(env, str(tmp_path), speed=42)
    with pytest.raises(ValueError, match="quantizer must be between 0 and 255, got 300"):
        RecordVideo(env, str(tmp_path), quantizer=300)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        RecordVideo(env, str(tmp_path), colour="blue")
    small = RecordVideo(env, str(tmp_path / "q255"), quantizer=255)
    play(small, 30)
    small.close()
    large = RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"), str(tmp_path / "q10"), quantizer=10
    )
    play(large, 30)
    large.close()
    assert (tmp_path / "q255" / "rl-video-episode-0.mp4").stat().st_size < (
        tmp_path / "q10" / "rl-video-episode-0.mp4"
    ).stat().st_size


def test_vector_wrapper_needs_a_valid_render_mode(tmp_path):
    envs = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync")
    with pytest.raises(ValueError, match="Render mode is None"):
        rlvideo.vector.RecordVideo(envs, str(tmp_path))


def test_capped_cubic_schedule_matches_gymnasium():
    assert [capped_cubic_video_schedule(e) for e in range(5000)] == [
        gym_schedule(e) for e in range(5000)
    ]


def test_save_video_matches_gymnasium(tmp_path, cartpole_frames):
    frames = cartpole_frames[:60]
    kwargs = {
        "episode_trigger": lambda e: True,
        "step_trigger": lambda s: s % 20 == 0,
        "video_length": 15,
        "episode_index": 3,
        "step_starting_index": 40,
        "fps": 50,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gym_save_video(list(frames), str(tmp_path / "gym"), **kwargs)
    save_video(list(frames), str(tmp_path / "ours"), **kwargs)
    gym_names = sorted(p.name for p in (tmp_path / "gym").glob("*.mp4"))
    our_names = sorted(p.name for p in (tmp_path / "ours").glob("*.mp4"))
    assert (
        our_names
        == gym_names
        == [
            "rl-video-episode-3.mp4",
            "rl-video-step-40.mp4",
            "rl-video-step-60.mp4",
            "rl-video-step-80.mp4",
        ]
    )
    assert min_psnr(frames[:15], decode(tmp_path / "ours" / "rl-video-episode-3.mp4")) >= 40
    # step 40 is frame 1 (frame 0 is the reset frame), step 60 is frame 21, ...
    assert min_psnr(frames[21:36], decode(tmp_path / "ours" / "rl-video-step-60.mp4")) >= 40
    assert len(decode(tmp_path / "ours" / "rl-video-step-80.mp4")) == 15


def test_save_video_needs_fps(tmp_path, cartpole_frames):
    with pytest.raises(TypeError, match="fps"):
        save_video(cartpole_frames[:2], str(tmp_path))


def test_render_passes_history_through_like_gymnasium(tmp_path):
    """With rgb_array_list, frames the wrapper took from the env come back from render()."""
    from gymnasium.wrappers import RecordVideo as GymRecordVideo

    def lengths(cls, folder: Path) -> list[int]:
        env = cls(
            gym.make("CartPole-v1", render_mode="rgb_array_list"),
            str(folder),
            episode_trigger=lambda e: e % 2 == 0,
        )
        out = []
        rng = np.random.default_rng(1)
        env.reset(seed=2)
        for step in range(60):
            *_, terminated, truncated, _ = env.step(int(rng.integers(2)))
            if step % 7 == 0:
                out.append(len(env.render()))
            if terminated or truncated:
                env.reset()
        env.close()
        return out

    ours = lengths(RecordVideo, tmp_path / "ours")
    assert ours == lengths(GymRecordVideo, tmp_path / "gym")
    assert max(ours) > 1  # the history really was handed back


@pytest.mark.parametrize("prefix", ["../escape", "sub/dir", "a\0b", "/abs"])
def test_name_prefix_cannot_leave_the_video_folder(tmp_path, prefix):
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    with pytest.raises(ValueError, match="name_prefix must be a plain file name"):
        RecordVideo(env, str(tmp_path / "videos"), name_prefix=prefix)
    assert not list(tmp_path.rglob("*.mp4"))


def test_start_recording_checks_the_name_too(tmp_path):
    env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), str(tmp_path / "v"))
    env.reset(seed=0)
    with pytest.raises(ValueError, match="video name must be a plain file name"):
        env.start_recording("../outside")
    env.close()
    assert not (tmp_path / "outside.mp4").exists()


def test_dot_dot_inside_a_name_stays_inside(tmp_path):
    env = RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"), str(tmp_path / "v"), name_prefix=".."
    )
    play(env, 3)
    env.close()
    assert [p.name for p in (tmp_path / "v").iterdir()] == ["..-episode-0.mp4"]


def test_a_folder_name_the_file_system_rejects_fails_at_construction(tmp_path):
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    with pytest.raises(ValueError, match="null"):
        RecordVideo(env, str(tmp_path / "bad\0name"))
    with pytest.raises(OSError) as info:
        RecordVideo(env, str(tmp_path / ("x" * 300)))
    assert info.value.filename is not None


def test_a_name_too_long_for_the_file_system_is_a_clear_oserror(tmp_path):
    env = RecordVideo(
        gym.make("CartPole-v1", render_mode="rgb_array"), str(tmp_path), name_prefix="n" * 300
    )
    with pytest.raises(OSError) as info:
        env.reset(seed=0)  # the first frame opens the file
    assert "n" * 300 in str(info.value.filename)
    env.close()
    assert list(tmp_path.iterdir()) == []
