"""The neutral recording layer, driven as a new integration (an RLlib callback, a TorchRL
transform) would drive it, without Gymnasium's wrappers: one `TriggerSchedule` per env index
fed episode and step events, a `VideoSeries` per env index, frames that are channels-first
array-likes (as a torch tensor is), warnings and reporters passed in. The videos are decoded
and compared with the frames that went in."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlvideo._frames import as_frame, tile
from rlvideo._schedule import TriggerSchedule
from rlvideo._series import VideoSeries
from tests.helpers import decode, min_psnr, psnr


class ArrayLike:
    """Not a numpy array, but convertible to one (``__array__``), as a CPU tensor is."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        return self.array


class EnvIndexRecorder:
    """A minimal integration: the controls a schedule drives, over one series."""

    def __init__(self, folder: Path, index: int, saved: list[str], warnings: list[str]) -> None:
        self.schedule = TriggerSchedule(lambda e: e % 2 == 0, None, 0, f"env{index}")
        self.series = VideoSeries(
            str(folder), 25, {"threads": 1}, None, reporters=[saved.append], warn=warnings.append
        )

    @property
    def recording(self) -> bool:
        return self.series.recording

    def start_recording(self, video_name: str) -> None:
        self.series.restart(video_name, self.stop_recording)

    def stop_recording(self) -> None:
        self.series.stop()

    def frame(self, chw: ArrayLike) -> None:
        self.series.after_event(lambda: self.series.add(as_frame(chw, channels_first=True)))


def frame_at(index: int, t: int) -> np.ndarray:
    """A (3, 48, 64) channels-first frame that differs per env and per step."""
    frame = np.zeros((3, 48, 64), np.uint8)
    frame[index % 3] = 40 + 7 * t
    frame[:, 10 + t % 20 : 20 + t % 20, 5:15] = 250
    return frame


def test_an_integration_records_per_env_index_through_the_neutral_layer(tmp_path: Path) -> None:
    saved: list[str] = []
    warnings: list[str] = []
    recorders = [EnvIndexRecorder(tmp_path, i, saved, warnings) for i in range(2)]
    lengths = {0: [5, 7, 4, 6], 1: [3, 9, 5]}  # episode lengths per env index, in steps
    sent: dict[str, list[np.ndarray]] = {}
    for index, recorder in enumerate(recorders):
        t = 0
        for length in lengths[index]:
            recorder.schedule.episode_started(recorder)  # on_episode_start
            for _ in range(length):
                recorder.schedule.step_taken(recorder)  # on_episode_step
                chw = frame_at(index, t)
                if recorder.recording:
                    sent.setdefault(f"{recorder.series.video_name}.mp4", []).append(chw)
                recorder.frame(ArrayLike(chw))
                t += 1
        recorder.series.close()
    # Episodes 0 and 2 of each env index, each whole, under the index's own prefix.
    names = ["env0-episode-0.mp4", "env0-episode-2.mp4", "env1-episode-0.mp4", "env1-episode-2.mp4"]
    assert sorted(Path(p).name for p in saved) == names
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    for name in names:
        decoded = decode(tmp_path / name)
        expected = [np.moveaxis(chw, 0, -1) for chw in sent[name]]
        assert len(decoded) == len(expected), name
        assert min_psnr(expected, decoded) > 30, name  # saturated colours at 4:2:0
        # Each decoded frame is the one sent at its place, not a neighbour.
        for i, frame in enumerate(decoded):
            assert max(range(len(expected)), key=lambda j: psnr(expected[j], frame)) == i, name
    assert warnings == []


def test_warnings_and_reporters_go_where_the_integration_says(tmp_path: Path) -> None:
    warnings: list[str] = []
    calls: list[tuple[str, str]] = []
    series = VideoSeries(
        str(tmp_path),
        30,
        {},
        lambda path: calls.append(("on_video_saved", Path(path).name)),
        reporters=[lambda path: calls.append(("reporter", Path(path).name))],
        warn=warnings.append,
    )
    series.start("a")
    assert series.add(np.zeros((16, 16, 3), np.uint8))
    assert not series.add("not a frame")  # stops the video, saying why, through `warn`
    assert warnings == [
        "Recording stopped: expected type of frame returned by render to be a numpy array, "
        "got instead <class 'str'>."
    ]
    series.start("b")
    series.stop()  # no frame: nothing to save, said through `warn`
    series.close()
    assert warnings[1:] == ["Ignored saving a video as there were zero frames to save."]
    assert calls == [("on_video_saved", "a.mp4"), ("reporter", "a.mp4")]
    assert [len(decode(tmp_path / "a.mp4"))] == [1]


def test_a_batch_of_channels_first_frames_becomes_one_tiled_picture() -> None:
    batch = np.stack([frame_at(i, 3) for i in range(4)])  # (4, 3, 48, 64)
    frames = as_frame(ArrayLike(batch), channels_first=True)
    assert isinstance(frames, np.ndarray) and frames.shape == (4, 48, 64, 3)
    grid = tile(frames, cols=2)
    assert grid.shape == (96, 128, 3)
    for i in range(4):
        row, col = divmod(i, 2)
        cell = grid[row * 48 : (row + 1) * 48, col * 64 : (col + 1) * 64]
        assert np.array_equal(cell, np.moveaxis(batch[i], 0, -1)), i
