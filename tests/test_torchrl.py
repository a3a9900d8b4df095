"""TorchRL's own ``torchrl.record.VideoRecorder`` and ``rlvideo.torchrl.VideoRecorder`` side by
side in one ``Compose`` on the same env and rollout (so both see the very same calls): our
file, decoded, holds the frames TorchRL's transform kept (its CSVLogger ``video_format="pt"``
saves them as a tensor), as many, of the same size, PSNR >= 40 dB, under the name TorchRL's
logger gives its own file. Also: the W&B, MLflow and TensorBoard hand-over, bad input, and
``import rlvideo`` never importing torch or TorchRL."""

from __future__ import annotations

import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

# scripts/test.sh installs TorchRL (scripts/setup.sh) and sets RLVIDEO_REQUIRE_TORCHRL: there
# these tests must run, not skip.
if not os.environ.get("RLVIDEO_REQUIRE_TORCHRL"):
    pytest.importorskip("torchrl")

import torch
from tensordict import TensorDict
from torchrl.collectors import Collector
from torchrl.envs import Compose, GymEnv, SerialEnv, StepCounter, TransformedEnv
from torchrl.record import CSVLogger
from torchrl.record import VideoRecorder as TorchRLRecorder
from torchrl.record.loggers.mlflow import MLFlowLogger
from torchrl.record.loggers.tensorboard import TensorboardLogger

from rlvideo.torchrl import VideoRecorder
from tests.helpers import decode, psnr, stream_info

ROOT = Path(__file__).resolve().parent.parent


def cartpole(batch: int = 0) -> GymEnv | SerialEnv:
    def make() -> GymEnv:
        return GymEnv("CartPole-v1", from_pixels=True, pixels_only=False)

    return SerialEnv(batch, make) if batch else make()


class Pair:
    """TorchRL's recorder and ours, with the same arguments, in one Compose on `base`."""

    def __init__(self, base, tmp_path: Path, **kwargs) -> None:
        self.theirs_logger = CSVLogger("theirs", log_dir=str(tmp_path), video_format="pt")
        self.ours_logger = CSVLogger("ours", log_dir=str(tmp_path))
        self.theirs = TorchRLRecorder(self.theirs_logger, "run", **kwargs)
        self.ours = VideoRecorder(self.ours_logger, "run", **kwargs)
        self.env = TransformedEnv(base, Compose(self.theirs, self.ours))
        self.env.set_seed(0)
        torch.manual_seed(0)

    def dump(self, **kwargs) -> None:
        self.env.transform.dump(**kwargs)

    def videos(self, which: str) -> list[str]:
        return sorted(os.listdir(os.path.join(self.__dict__[f"{which}_logger"].experiment.log_dir,
                                              "videos")))  # fmt: skip

    def compare(self, name: str) -> list[np.ndarray]:
        """Our video `name` against TorchRL's: frame count, size, pixels. Returns TorchRL's
        frames, (T, H, W, C)."""
        folder = Path(self.ours_logger.experiment.log_dir) / "videos"
        kept = torch.load(Path(self.theirs_logger.experiment.log_dir) / "videos" / f"{name}.pt")
        assert kept.ndim == 5 and kept.shape[0] == 1, kept.shape  # (1, T, C, H, W)
        expected = kept[0].permute(0, 2, 3, 1).expand(-1, -1, -1, 3).numpy()
        ours = decode(folder / f"{name}.mp4")
        assert len(ours) == len(expected)
        assert ours[0].shape == expected[0].shape
        assert min(psnr(a, b) for a, b in zip(expected, ours)) >= 40
        return list(expected)


def test_a_rollout_records_the_frames_torchrl_keeps_under_its_file_name(tmp_path):
    pair = Pair(cartpole(), tmp_path)
    pair.env.rollout(15, break_when_any_done=False)
    assert pair.ours.skip == pair.theirs.skip == 2  # a single parent env: every 2nd call
    pair.dump()
    assert pair.videos("ours") == ["run_0.mp4"] and pair.videos("theirs") == ["run_0.pt"]
    frames = pair.compare("run_0")
    assert len(frames) == 8  # the reset and 15 steps: 16 calls, every 2nd recorded
    info = stream_info(tmp_path / "ours" / "videos" / "run_0.mp4")
    assert info["rate"] == 30 and (info["width"], info["height"]) == (600, 400)  # CSV's fps


def test_dump_twice_with_suffix_and_step_and_an_empty_dump(tmp_path):
    pair = Pair(cartpole(), tmp_path, skip=3, fps=15)
    pair.env.rollout(10, break_when_any_done=False)
    pair.dump()
    pair.dump()  # nothing recorded since: no file, but the counter moves on, as in TorchRL
    pair.env.rollout(7, break_when_any_done=False)
    pair.dump(suffix="eval")
    pair.env.rollout(5, break_when_any_done=False)
    pair.dump(step=42)
    assert pair.videos("ours") == ["run_0.mp4", "run_42.mp4", "run_eval_2.mp4"]
    assert pair.videos("theirs") == ["run_0.pt", "run_42.pt", "run_eval_2.pt"]
    assert [len(pair.compare(n)) for n in ("run_0", "run_eval_2", "run_42")] == [3, 2, 2]
    assert pair.ours.iter == pair.theirs.iter == 4
    assert stream_info(tmp_path / "ours" / "videos" / "run_0.mp4")["rate"] == 15


@pytest.mark.parametrize("size", [128, 450])  # inside the frame, and wider than its 400 rows
def test_center_crop(tmp_path, size):
    # TorchRL's crop needs torchvision (scripts/setup.sh installs it); ours does not.
    if not os.environ.get("RLVIDEO_REQUIRE_TORCHRL"):
        pytest.importorskip("torchvision")
    pair = Pair(cartpole(), tmp_path, center_crop=size, skip=1)
    pair.env.rollout(4, break_when_any_done=False)
    pair.dump()
    frames = pair.compare("run_0")
    assert frames[0].shape == (size, size, 3)


def test_center_crop_0_is_no_crop_as_in_torchrl(tmp_path):
    pair = Pair(cartpole(), tmp_path, center_crop=0, skip=1)  # (TorchRL: `if center_crop:`)
    pair.env.rollout(3, break_when_any_done=False)
    pair.dump()
    assert pair.compare("run_0")[0].shape == (400, 600, 3)


@pytest.mark.parametrize("batch", [2, 3])  # 3: a 2x2 grid with a black cell
def test_a_batched_env_is_one_grid(tmp_path, batch):
    pair = Pair(cartpole(batch), tmp_path)
    assert pair.ours.make_grid and pair.ours.skip == 1  # TorchRL's defaults for a batched env
    pair.env.rollout(4, break_when_any_done=False)
    pair.dump()
    frames = pair.compare("run_0")
    cols = math.ceil(math.sqrt(batch))
    assert frames[0].shape == (400 * math.ceil(batch / cols), 600 * cols, 3)
    assert len(frames) == 5
    if batch == 3:
        assert not frames[0][400:, 600:].any()


@pytest.mark.filterwarnings("ignore:Nested TransformedEnvs are automatically unwrapped")
def test_a_recorder_cloned_by_a_nested_transformed_env_records_and_delivers(tmp_path):
    # TransformedEnv(TransformedEnv(base, recorder), t) rebuilds the transforms from clones
    # (Transform.clone: a shallow copy); the original recorder is then dropped here. The clone
    # must record and deliver its video, as TorchRL's clone does.
    pair = Pair(cartpole(), tmp_path, skip=1)
    pair.env = TransformedEnv(pair.env, StepCounter())
    assert pair.env.transform[1] is not pair.ours  # a clone
    del pair.ours, pair.theirs
    gc.collect()
    pair.env.rollout(4, break_when_any_done=False)
    pair.dump()
    assert pair.videos("ours") == ["run_0.mp4"] and pair.videos("theirs") == ["run_0.pt"]
    assert len(pair.compare("run_0")) == 5


def test_a_batch_without_grid_is_recorded_frame_after_frame(tmp_path):
    pair = Pair(cartpole(2), tmp_path, make_grid=False, max_frames=7)
    pair.env.rollout(5, break_when_any_done=False)
    pair.dump()
    frames = pair.compare("run_0")
    assert len(frames) == 7  # 6 calls x 2 sub-envs, cut at max_frames as TorchRL cuts


def standalone(pixels: torch.Tensor, tmp_path: Path, **kwargs) -> tuple[list, list]:
    """TorchRL's and our recorder called on a batch of data (no env), each dumped."""
    theirs_logger = CSVLogger("theirs", log_dir=str(tmp_path), video_format="pt")
    theirs = TorchRLRecorder(theirs_logger, "data", **kwargs)
    ours = VideoRecorder(CSVLogger("ours", log_dir=str(tmp_path)), "data", **kwargs)
    for recorder in (theirs, ours):
        out = recorder(TensorDict({"pixels": pixels}, []))
        assert out["pixels"] is pixels  # the data passes unchanged
        recorder.dump()
    kept = torch.load(tmp_path / "theirs" / "videos" / "data_0.pt")[0]
    expected = list(kept.permute(0, 2, 3, 1).expand(-1, -1, -1, 3).numpy())
    return expected, decode(tmp_path / "ours" / "videos" / "data_0.mp4")


@pytest.mark.parametrize("layout", ["TCHW", "THWC", "T1HW", "HW"])
def test_a_batch_of_data_in_either_channel_order(tmp_path, cartpole_frames, layout):
    frames = torch.from_numpy(np.stack(cartpole_frames[:6]))  # (T, H, W, 3)
    if layout == "TCHW":
        frames = frames.permute(0, 3, 1, 2)
    elif layout == "T1HW":
        frames = frames[..., 1].unsqueeze(1)  # one gray channel, channels first
    elif layout == "HW":
        frames = frames[0, ..., 1]  # one gray frame
    expected, ours = standalone(frames, tmp_path)
    assert len(ours) == len(expected) == (1 if layout == "HW" else 6)
    assert ours[0].shape == expected[0].shape == (400, 600, 3)
    assert min(psnr(a, b) for a, b in zip(expected, ours)) >= 40


def test_float_pixels_in_0_1_are_scaled_not_truncated(tmp_path, cartpole_frames):
    # Differs on purpose: TorchRL's .to(torch.uint8) truncates [0, 1] floats to a black video.
    frames = torch.from_numpy(np.stack(cartpole_frames[:3])).float() / 255
    expected, ours = standalone(frames, tmp_path)
    assert max(int(frame.max()) for frame in expected) <= 1
    assert min(psnr(a, b) for a, b in zip(cartpole_frames[:3], ours)) >= 40


def test_dump_on_done_dumps_each_episode(tmp_path):
    pair = Pair(cartpole(), tmp_path, dump_on_done=True, skip=1)
    pair.env.rollout(30, break_when_any_done=False)
    assert pair.videos("theirs") == ["run_0.pt", "run_1.pt"]  # (seed 0: episodes of 14, 10)
    assert pair.videos("ours") == [n.replace(".pt", ".mp4") for n in pair.videos("theirs")]
    for name in pair.videos("theirs"):
        pair.compare(name[: -len(".pt")])


def test_a_collector_s_last_batch_is_dumped_after_it_closed_the_env(tmp_path):
    # A Collector closes its env once total_frames are collected, before the loop body sees
    # the last batch; TorchRL's close() keeps the frames, so the loop's dump() logs them.
    pair = Pair(cartpole(), tmp_path, skip=1)
    collector = Collector(pair.env, policy=None, frames_per_batch=5, total_frames=10)
    for _ in collector:
        pair.dump()
    assert (
        pair.videos("ours")
        == ["run_0.mp4", "run_1.mp4"]
        == [n.replace(".pt", ".mp4") for n in pair.videos("theirs")]
    )
    assert [len(pair.compare(n)) for n in ("run_0", "run_1")] == [6, 5]


def test_close_keeps_the_video_for_dump_and_dropping_the_recorder_deletes_it(tmp_path):
    pair = Pair(cartpole(), tmp_path)
    pair.env.rollout(6, break_when_any_done=False)
    pair.env.close()
    pair.dump()  # after close, as TorchRL's frames are
    assert pair.videos("ours") == ["run_0.mp4"]
    assert len(pair.compare("run_0")) == 3  # calls 2, 4 and 6 of 7 (skip=2)
    for _ in range(2):  # (skip=2)
        pair.ours(TensorDict({"pixels": torch.zeros(16, 16, 3, dtype=torch.uint8)}, []))
    staged = pair.ours._series.video_name
    assert staged is not None
    pair.env.close()
    del pair
    gc.collect()
    assert not [n for n in os.listdir(tempfile.gettempdir()) if staged in n]


def test_a_recorder_dropped_without_dump_leaves_no_file(cartpole_frames):
    recorder = VideoRecorder(None, "dropped", video_folder=tempfile.mkdtemp())
    recorder(TensorDict({"pixels": torch.from_numpy(cartpole_frames[0])}, []))
    staged = recorder._series.video_name
    assert staged is not None
    del recorder
    gc.collect()
    assert not [n for n in os.listdir(tempfile.gettempdir()) if staged in n]


@pytest.mark.parametrize(
    ("pixels", "error", "match"),
    [
        (torch.zeros(8, 8, 4, dtype=torch.uint8), ValueError, r"shape \(8, 8, 4\)"),
        (torch.zeros(8, dtype=torch.uint8), ValueError, "pixels must be shaped"),
        (torch.zeros(8, 8, 3, dtype=torch.int64), TypeError, "int64"),
        (torch.full((8, 8, 3), 200.0), ValueError, "divide by 255"),
    ],
)
def test_bad_pixels_raise_naming_what_came(pixels, error, match, tmp_path):
    recorder = VideoRecorder(None, "bad", video_folder=tmp_path)
    with pytest.raises(error, match=match):
        recorder(TensorDict({"pixels": pixels}, []))


def test_a_frame_of_another_size_raises(tmp_path):
    recorder = VideoRecorder(None, "sizes", video_folder=tmp_path)
    recorder(TensorDict({"pixels": torch.zeros(16, 16, 3, dtype=torch.uint8)}, []))
    with pytest.raises(ValueError, match=r"first had \(16, 16, 3\), this one \(16, 24, 3\)"):
        recorder(TensorDict({"pixels": torch.zeros(16, 24, 3, dtype=torch.uint8)}, []))
    recorder.dump()  # the frames before the bad one make a video
    assert [len(decode(tmp_path / "sizes_0.mp4"))] == [1]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"skip": 0}, ValueError, "skip must be a positive integer"),
        ({"max_frames": 0}, ValueError, "max_frames must be a positive integer"),
        ({"center_crop": 1.5}, TypeError, "center_crop must be an int"),
        ({"quantizer": 300}, ValueError, "quantizer must be between 0 and 255"),
        ({"video_codec": "libx264"}, TypeError, "video_codec: options of TorchRL's own"),
        ({"tag": None}, TypeError, "tag must be a str"),
        ({"tag": "../up"}, ValueError, "tag must name a file inside"),
        ({"logger": object()}, TypeError, "got builtins.object"),
        ({"video_folder": "elsewhere"}, ValueError, "video_folder is for logger=None"),
    ],
)
def test_bad_arguments_raise_at_construction(tmp_path, kwargs, error, match):
    arguments = {"logger": CSVLogger("exp", log_dir=str(tmp_path)), "tag": "run", **kwargs}
    with pytest.raises(error, match=match):
        VideoRecorder(**arguments)


def test_a_suffix_leading_out_of_the_folder_raises_and_the_video_waits(tmp_path):
    recorder = VideoRecorder(None, "run", video_folder=tmp_path / "videos")
    recorder(TensorDict({"pixels": torch.zeros(16, 16, 3, dtype=torch.uint8)}, []))
    with pytest.raises(ValueError, match=r"tag with its suffix must name a file inside .*/\.\./"):
        recorder.dump(suffix="/../../escaped")
    assert os.listdir(tmp_path) == []
    recorder.dump(suffix="ok")  # the video was kept for a dump that names it well
    assert os.listdir(tmp_path / "videos") == ["run_ok_0.mp4"]


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_recorder_records_its_own_video(tmp_path, how):
    # TorchRL's recorder pickles and deep-copies; a copy (a worker process's, say) must record
    # and deliver its own video, and leave the original's alone.
    import copy
    import pickle

    logger = CSVLogger("exp", log_dir=str(tmp_path))
    recorder = VideoRecorder(logger, "run", skip=1)
    recorder(TensorDict({"pixels": torch.zeros(16, 16, 3, dtype=torch.uint8)}, []))
    twin = copy.deepcopy(recorder) if how == "deepcopy" else pickle.loads(pickle.dumps(recorder))
    for _ in range(3):
        twin(TensorDict({"pixels": torch.full((16, 16, 3), 255, dtype=torch.uint8)}, []))
    twin.dump(suffix="twin")
    recorder.dump()
    videos = Path(logger.experiment.log_dir) / "videos"
    if how == "pickle":  # (the logger was pickled too: the same folder)
        videos = Path(twin.logger.experiment.log_dir) / "videos"
    assert sorted(os.listdir(videos)) == ["run_0.mp4", "run_twin_0.mp4"]
    assert len(decode(videos / "run_0.mp4")) == 1
    twins = decode(videos / "run_twin_0.mp4")
    assert len(twins) == 3 and all(frame.mean() > 250 for frame in twins)  # its own frames


def test_without_a_logger_or_folder_nothing_is_encoded(tmp_path):
    recorder = VideoRecorder(None, None)
    recorder(TensorDict({"pixels": torch.zeros(16, 16, 3, dtype=torch.uint8)}, []))
    assert recorder._series.writer is None
    recorder.dump()
    assert recorder.iter == 1
    with pytest.raises(NotImplementedError, match="keeps no frames"):
        recorder.to_animation()


def test_video_folder_with_a_nested_tag_and_on_video_saved(tmp_path, cartpole_frames):
    saved: list[str] = []
    recorder = VideoRecorder(None, "eval/video", video_folder=tmp_path, on_video_saved=saved.append)
    for frame in cartpole_frames[:3]:
        recorder(TensorDict({"pixels": torch.from_numpy(frame)}, []))
    recorder.dump(step=5)
    assert saved == [str(tmp_path / "eval" / "video_5.mp4")]
    assert len(decode(saved[0])) == 3


@pytest.fixture
def mlflow_store(tmp_path):
    """A real MLflow tracking store (sqlite, as TorchRL's MLFlowLogger asks since MLflow
    3.10) and artifact folder in `tmp_path`; the run TorchRL's logger starts is ended after."""
    if not os.environ.get("RLVIDEO_REQUIRE_TORCHRL"):
        pytest.importorskip("mlflow")
    import mlflow

    yield f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "artifacts"
    mlflow.end_run()


def test_mlflow_gets_the_artifact_torchrl_would_name(mlflow_store, cartpole_frames):
    from mlflow import MlflowClient

    uri, artifacts = mlflow_store
    logger = MLFlowLogger("exp", tracking_uri=uri, artifact_location=str(artifacts))
    recorder = VideoRecorder(logger, "run")
    for frames in (3, 4):
        for frame in cartpole_frames[:frames]:
            recorder(TensorDict({"pixels": torch.from_numpy(frame)}, []))
        recorder.dump()
    recorder(TensorDict({"pixels": torch.from_numpy(cartpole_frames[0])}, []))
    recorder.dump(suffix="eval", step=12)
    assert logger.video_log_counter == 3
    run_id = logger.experiment.info.run_id
    client = MlflowClient(uri)
    assert client.get_run(run_id).info.experiment_id == logger.id
    # TorchRL's names: {tag}.mp4 at step 0, else {tag}_step_{step:04}.mp4, in videos/
    assert [f.path for f in client.list_artifacts(run_id, "videos")] == [
        "videos/run.mp4",
        "videos/run_eval_step_0012.mp4",
        "videos/run_step_0001.mp4",
    ]
    for name, count in (("run.mp4", 3), ("run_step_0001.mp4", 4), ("run_eval_step_0012.mp4", 1)):
        local = client.download_artifacts(run_id, f"videos/{name}", str(artifacts.parent / "dl"))
        assert str(artifacts) not in local  # a download, not the store's own file
        assert len(decode(local)) == count
        assert stream_info(local)["rate"] == 30  # MLFlowLogger's video_fps
    # The staged files are gone (MLflow copied them into its store).
    staged = f".rlvideo-torchrl-{os.getpid()}-"
    assert not [n for n in os.listdir(tempfile.gettempdir()) if n.startswith(staged)]


def test_tensorboard_gets_the_file_beside_its_events_and_a_text_naming_it(tmp_path):
    if not os.environ.get("RLVIDEO_REQUIRE_TORCHRL"):
        pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logger = TensorboardLogger("exp", log_dir=str(tmp_path / "tb"))
    logger.log_scalar("reward", 1.0, step=0)  # TorchRL's own events, beside ours
    recorder = VideoRecorder(logger, "run")
    for step in (0, 5):
        for _ in range(2 + step):
            recorder(TensorDict({"pixels": torch.zeros(16, 16, 3, dtype=torch.uint8)}, []))
        recorder.dump(step=step)
    logger.experiment.flush()
    folder = tmp_path / "tb" / "exp"
    assert logger.experiment.log_dir == str(folder)
    paths = [folder / "videos" / f"run_{step}.mp4" for step in (0, 5)]
    assert [len(decode(path)) for path in paths] == [2, 7]
    events = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    events.Reload()
    assert events.Tags()["scalars"] == ["reward"]
    # add_text's summary: the text plugin's tag {tag}/text_summary, a string tensor
    texts = events.Tensors("run/text_summary")
    assert [event.step for event in texts] == [0, 5]
    assert [event.tensor_proto.string_val[0].decode() for event in texts] == [
        f"MP4 video (TensorBoard cannot play it): {path}" for path in paths
    ]


WANDB_SCRIPT = """
import json, os, sys
from torchrl.envs import Compose, GymEnv, TransformedEnv
from torchrl.record import VideoRecorder as TorchRLRecorder
from torchrl.record.loggers.wandb import WandbLogger
from rlvideo.torchrl import VideoRecorder

logger = WandbLogger("exp", offline=True, save_dir=sys.argv[1], log_env_packages=False)
env = TransformedEnv(GymEnv("CartPole-v1", from_pixels=True, pixels_only=False),
                     Compose(TorchRLRecorder(logger, "theirs"), VideoRecorder(logger, "ours")))
env.set_seed(0)
for _ in range(2):
    env.rollout(8, break_when_any_done=False)
    env.transform.dump()
media = os.path.join(logger.experiment.dir, "media", "videos")
logger.experiment.finish()
print(json.dumps({"media": media, "left": os.listdir(os.environ["TMPDIR"])}))
"""


def test_wandb_offline_logs_our_file_as_torchrl_logs_its_video(tmp_path):
    if not os.environ.get("RLVIDEO_REQUIRE_WANDB"):
        pytest.importorskip("wandb")
    pytest.importorskip("moviepy")  # TorchRL's WandbLogger encodes its videos with it
    staging = tmp_path / "tmp"
    staging.mkdir()
    env = {
        **os.environ,
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(tmp_path),
        "WANDB_CONFIG_DIR": str(tmp_path / "config"),
        "WANDB_CACHE_DIR": str(tmp_path / "cache"),
        "TMPDIR": str(staging),
    }
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(WANDB_SCRIPT), str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.splitlines()[-1])
    assert not [n for n in out["left"] if n.startswith(".rlvideo-torchrl")]  # temporary files gone
    media = sorted(Path(out["media"]).iterdir())
    # wandb names media {key}_{its step}_{hash}.mp4: each dump logs both tags.
    ours = [p for p in media if p.name.startswith("ours_")]
    theirs = [p for p in media if p.name.startswith("theirs_")]
    assert len(ours) == len(theirs) == 2, media
    for mine, torchrl_s in zip(ours, theirs):
        info, reference_info = stream_info(mine), stream_info(torchrl_s)
        assert info["decoder"] == "libdav1d"
        assert info["rate"] == reference_info["rate"] == 32  # WandbLogger's video_fps
        decoded, reference = decode(mine), decode(torchrl_s)  # theirs: H.264 from moviepy
        assert len(decoded) == len(reference) == 4  # the 2nd, 4th, ... of the reset + 8 steps
        assert decoded[0].shape == reference[0].shape
        assert min(psnr(a, b) for a, b in zip(decoded, reference)) >= 30  # both lossy


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_import_rlvideo_imports_neither_torchrl_nor_torch():
    done = run_python(
        """
        import sys
        import rlvideo, rlvideo.vector, rlvideo.record_video, rlvideo.notebook, rlvideo.saving
        frameworks = ("torchrl", "tensordict", "torch")
        print(sorted(m for m in sys.modules if m.split(".")[0] in frameworks))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_torchrl_the_error_names_the_extra():
    done = run_python(
        """
        import sys
        sys.modules["torch"] = None  # as if it were not installed (TorchRL needs it)
        import rlvideo
        try:
            import rlvideo.torchrl
        except ImportError as error:
            print(error)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'rlvideo[torchrl]'" in done.stdout, done.stdout


def test_a_video_folder_that_is_the_temporary_folder_keeps_the_file():
    # Videos are staged there too: the staged file is deleted, the delivered one is not.
    tag = f"kept-{os.getpid()}"
    recorder = VideoRecorder(None, tag, video_folder=tempfile.gettempdir())
    recorder(TensorDict({"pixels": torch.zeros(16, 16, 3, dtype=torch.uint8)}, []))
    recorder.dump()
    path = Path(tempfile.gettempdir()) / f"{tag}_0.mp4"
    try:
        assert len(decode(path)) == 1
    finally:
        path.unlink(missing_ok=True)


def test_a_move_across_file_systems_never_shows_a_partial_file(tmp_path, monkeypatch):
    # The temporary folder is often another file system (a tmpfs): os.rename fails with
    # EXDEV and the file is copied. A copy that fails must leave nothing under the final name.
    import errno
    import shutil

    rename = os.rename

    def cross_device(src, dst, *args, **kwargs):
        if os.path.dirname(src) == tempfile.gettempdir():  # the staged video
            raise OSError(errno.EXDEV, "Invalid cross-device link", src)
        rename(src, dst)

    def copy_then_fail(src, dst, *args, **kwargs):
        with open(dst, "wb") as file:
            file.write(b"\0" * 10)  # a half-written file, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", dst)

    recorder = VideoRecorder(None, "moved", video_folder=tmp_path)
    recorder(TensorDict({"pixels": torch.zeros(16, 16, 3, dtype=torch.uint8)}, []))
    monkeypatch.setattr(os, "rename", cross_device)
    monkeypatch.setattr(os, "replace", cross_device)
    with monkeypatch.context() as patch:
        for name in ("copy2", "copyfile", "copy"):
            patch.setattr(shutil, name, copy_then_fail)
        with pytest.raises(OSError, match="No space left"):
            recorder.dump()
    assert os.listdir(tmp_path) == []
    recorder(TensorDict({"pixels": torch.zeros(16, 16, 3, dtype=torch.uint8)}, []))
    recorder.dump()  # across file systems, copied whole (the failed dump did not count, as
    assert os.listdir(tmp_path) == ["moved_0.mp4"]  # in TorchRL when log_video raises)
    assert len(decode(tmp_path / "moved_0.mp4")) == 1
