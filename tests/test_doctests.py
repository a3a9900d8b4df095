"""The package's docstring examples run, as Gymnasium runs its own in CI: every ``>>>`` in
``python/rlvideo`` is executed against the installed package, each module's in a fresh
temporary folder (the examples write ``videos/``), and the videos the wrappers' examples
promise are decoded."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import rlvideo
from tests.helpers import stream_info

MODULES = ["rlvideo", *sorted(m.name for m in pkgutil.iter_modules(rlvideo.__path__, "rlvideo."))]

#: Modules whose docstrings must hold examples (a module that lost them fails here).
WITH_EXAMPLES = {
    "rlvideo._env_select",
    "rlvideo._frames",
    "rlvideo._options",
    "rlvideo._schedule",
    "rlvideo._selection",
    "rlvideo._series",
    "rlvideo.record_video",
    "rlvideo.rllib",
    "rlvideo.saving",
    "rlvideo.sb3",
    "rlvideo.schedules",
    "rlvideo.torchrl",
    "rlvideo.vector",
}

#: Files each wrapper's example writes, with their frame counts (None: at least one frame).
VIDEOS: dict[str, dict[str, int | None]] = {
    "rlvideo.record_video": {f"rl-video-episode-{e}.mp4": None for e in (0, 10, 20, 30, 40)},
    "rlvideo.vector": {"rl-video-episode-0.mp4": None},
    "rlvideo.sb3": {"random-agent-step-0-to-step-100.mp4": 101},
    "rlvideo.saving": {"rl-video-episode-0.mp4": None},
}


def test_every_module_with_examples_is_listed() -> None:
    assert set(WITH_EXAMPLES) <= set(MODULES), sorted(set(WITH_EXAMPLES) - set(MODULES))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, tmp_path: Path, monkeypatch, capsys) -> None:
    if name == "rlvideo.sb3" and importlib.util.find_spec("stable_baselines3") is None:
        pytest.skip("Stable-Baselines3 is not installed")
    if name == "rlvideo.torchrl" and importlib.util.find_spec("torchrl") is None:
        pytest.skip("TorchRL is not installed")
    if name == "rlvideo.rllib" and importlib.util.find_spec("ray") is None:
        pytest.skip("Ray RLlib is not installed (scripts/rllib_tests.sh runs this one)")
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    report = capsys.readouterr().out
    assert failed == 0, report
    assert (attempted > 0) == (name in WITH_EXAMPLES), (name, attempted)
    for video, frames in VIDEOS.get(name, {}).items():
        info = stream_info(tmp_path / "videos" / video)
        assert (info["frames"] == frames) if frames is not None else (info["frames"] > 0), video
