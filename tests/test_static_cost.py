"""The static path must cost no bytes (issues 22, 27): at equal quality, a video encoded with
`static_skip=True` (the default) may be only a little larger than the same frames encoded
with `static_skip=False`, on static renders, on moving cameras (CarRacing, a MuJoCo tracking
camera) and where every block moves.

Each clip is encoded at 3 quantizers with the skip on and off (1 thread, 1 tile), decoded by
dav1d (PyAV) and compared with its source on RGB; the Bjontegaard delta rate of the two
rate-PSNR curves (`tests/bd_rate.py`) says how many more bytes the skip needs for the same
PSNR. The issue's target is at most +5% on every clip; where the encoder misses it today, the
bound is a regression guard a little above the measured number, and its comment says so.

The static decision once cost nothing in the partition search (its distortion counted as 0,
before e28415e): every partly changed block was split around its unchanged part, whose error
then went unseen. Those encodes passed every other test; here CarRacing, balanced CartPole and
Breakout fail (the numbers are at `CASES`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from rlvideo import VideoWriter
from tests import corpus
from tests.bd_rate import bd_rate
from tests.helpers import decode

#: Base quantizers of each curve: rlvideo's default (120) in the middle of the range the
#: issue measured.
QUANTIZERS = (80, 120, 160)


def clip_psnr(frames: list[np.ndarray], decoded: list[np.ndarray]) -> float:
    """PSNR of a whole clip: the squared error pooled over every frame and RGB channel."""
    assert len(decoded) == len(frames), (len(decoded), len(frames))
    squared = sum(
        float(np.sum((d.astype(np.float64) - f.astype(np.float64)) ** 2))
        for d, f in zip(decoded, frames)
    )
    return float(10 * np.log10(255.0**2 * sum(f.size for f in frames) / squared))


def rate_psnr_curve(
    frames: list[np.ndarray], folder: Path, fps: float, static_skip: bool
) -> list[tuple[float, float]]:
    """(bytes, PSNR) of `frames` encoded at each of `QUANTIZERS`, 1 thread, 1 tile."""
    curve = []
    for quantizer in QUANTIZERS:
        path = folder / f"q{quantizer}-skip{int(static_skip)}.mp4"
        with VideoWriter(
            path, fps, quantizer=quantizer, static_skip=static_skip, threads=1, tiles=1
        ) as writer:
            for frame in frames:
                writer.write(frame)
        curve.append((float(path.stat().st_size), clip_psnr(frames, decode(path))))
    return curve


class Case(NamedTuple):
    make: Callable[[], list[np.ndarray]]
    fps: float
    bound: float  # the largest Bjontegaard delta rate allowed, in percent


#: The measured numbers: with the static decision at the distortion it leaves (e28415e), and
#: at cost 0 before it (b4f9323), which must fail.
CASES: dict[str, Case] = {
    # A moving camera, 40 frames: +35.4% (cost 0: +74.7%); +26.5% since blocks an eighth or
    # more changed are tried whole (a quarter before: +34.6%); +16.5% since fast_intra_decision
    # tries intra on blocks partly unchanged (the moving track around the still car). Over the
    # +5% target: a regression guard.
    "carracing": Case(lambda: corpus.car_racing(40), 50, 20.0),
    # A MuJoCo tracking camera (HalfCheetah-v5, 480x480), 40 frames: the floor and the body
    # change in every frame, the sky above the horizon does not (36% of 8x8 blocks change):
    # +2.3% (bytes without / with the skip at 80, 120, 160: 209,010 / 210,289, 136,415 /
    # 137,236, 74,220 / 74,862; PSNR 0.04-0.15 dB lower with it). The bound is the issue's
    # +5% target.
    "halfcheetah": Case(lambda: corpus.half_cheetah(40), 20, 5.0),
    # A balanced episode, 60 frames: +5.1% (cost 0: +13.2%); +6.6% since static_skip also
    # turns on the fork's first real-time steps (fast_inter_decision, skip_ends_split); +4.5%
    # with fast_intra_decision; +5.6% since fast_inter_decision codes three candidates of
    # the blocks an object uncovers, not one, so that no trail stays (test_faithful.py's
    # texture case): over 600 frames three cost -0.1% (Bjontegaard, rt_decision.rs), so the
    # 60 frames' three points (3-5 KB files) move by noise here. Over the +5% target: a
    # regression guard a little above.
    "balanced_cartpole": Case(lambda: corpus.balanced_cartpole(60), 50, 6.0),
    # 60 frames: +1.3% (cost 0: +3.1%; +1.6% with the eighth line; +2.5% with
    # fast_intra_decision, whose Bjontegaard delta over 600 Breakout frames is +0.4%), within
    # the target. RGB PSNR barely moves on Atari frames (31.0-30.5 dB from quantizer 80 to 160:
    # 4:2:0 chroma of saturated sprites), so a few bytes move this number (3.7-4.6 KB files).
    # The bound lies a little above.
    "breakout": Case(lambda: list(corpus.env_renders("ALE/Breakout-v5", 60, 6)), 30, 3.0),
    # Every 8x8 block changes in every frame, so the skip never fires: the same bytes with
    # and without it at every quantizer, +0.0% (cost 0 too), until static_skip turned on the
    # fork's fast_inter_decision, which codes one inter candidate instead of all: +3.9%
    # (40 and 60 frames: +8.3%, +5.4%); +5.1% with fast_coeff_rate; +0.3% since a close
    # second candidate is coded too (rt_decision.rs second_is_close; 40 frames: +3.6%);
    # +2.2% since fast_changed_intra codes one intra mode of a changed block (40: +3.5%).
    # The bound is the issue's +5% target.
    "pan": Case(lambda: corpus.pan(192, 256, 20), 30, 5.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_skip_costs_few_bytes_at_equal_quality(tmp_path: Path, name: str) -> None:
    """The Bjontegaard delta rate of static_skip=True against False is within the clip's
    bound: the skip may save CPU, not cost bytes."""
    case = CASES[name]
    frames = case.make()
    without = rate_psnr_curve(frames, tmp_path, case.fps, static_skip=False)
    with_skip = rate_psnr_curve(frames, tmp_path, case.fps, static_skip=True)
    for curve in (without, with_skip):  # fewer bytes and a lower PSNR at each higher quantizer
        assert all(a[0] > b[0] and a[1] > b[1] for a, b in zip(curve, curve[1:])), curve
    delta = bd_rate(without, with_skip)
    assert delta <= case.bound, (
        f"{name}: static_skip=True needs {delta:+.1f}% bytes for the same PSNR (bound "
        f"{case.bound:+.1f}%); (bytes, dB) without: {without}, with: {with_skip}"
    )
