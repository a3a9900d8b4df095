"""The options are typed once (``rlvideo.EncoderOptions``) and type checkers see them where
they are passed: mypy, run on a user's code, accepts every option by its name and type and
names each misspelt or mistyped one, for ``VideoWriter``, ``check_options`` and the wrappers
(``**encoder_options: Unpack[EncoderOptions]``)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy")

USER_CODE = textwrap.dedent(
    """\
    import gymnasium as gym
    import rlvideo.vector
    from rlvideo import EncoderOptions, RecordVideo, VideoWriter, check_options

    env = gym.make("CartPole-v1", render_mode="rgb_array")
    good: EncoderOptions = {"quantizer": 100, "chroma": "444", "memory_budget": 1 << 20}
    RecordVideo(env, "videos", quantizer=100, chroma="444", on_video_saved=print)
    VideoWriter("a.mp4", 30, speed=5, static_skip=False)
    check_options(30, **good)
    RecordVideo(env, "videos", quantiser=100)  # line 10
    VideoWriter("a.mp4", 30, chroma="422")  # line 11
    check_options(30, speed="fast")  # line 12
    rlvideo.vector.RecordVideo(gym.make_vec("CartPole-v1", 2), "v", tiles=1.5)  # line 13
    rlvideo.vector.RecordVideo(gym.make_vec("CartPole-v1", 2), "v", env_indices=[1], layout="files")
    rlvideo.vector.RecordVideo(gym.make_vec("CartPole-v1", 2), "v", layout="tiles")  # line 15
    """
)


@pytest.mark.timeout(300)
def test_mypy_names_each_bad_option_and_accepts_the_good_ones(tmp_path: Path) -> None:
    (tmp_path / "user.py").write_text(USER_CODE)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = re.findall(r"^user\.py:(\d+): error: (.*)$", proc.stdout, re.MULTILINE)
    assert [int(line) for line, _ in errors] == [10, 11, 12, 13, 15], proc.stdout + proc.stderr
    messages = [message for _, message in errors]
    assert 'Unexpected keyword argument "quantiser"' in messages[0], messages
    assert '"chroma"' in messages[1] and "Literal['420', '444']" in messages[1], messages
    assert '"speed"' in messages[2] and 'expected "int"' in messages[2], messages
    assert '"tiles"' in messages[3] and 'expected "int"' in messages[3], messages
    assert '"layout"' in messages[4] and "Literal['grid', 'files']" in messages[4], messages
