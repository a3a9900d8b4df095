"""`tests/bd_rate.py` on curves whose Bjontegaard delta rate is known exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.bd_rate import bd_rate, pchip

#: A rate-PSNR curve shaped like a real one: each 3 dB costs more bytes than the last.
CURVE = [(1000.0, 30.0), (2100.0, 34.0), (4000.0, 36.5), (9000.0, 39.0)]


def test_the_same_curve_at_1_2_times_the_rate_is_plus_20_percent() -> None:
    scaled = [(1.2 * rate, psnr) for rate, psnr in CURVE]
    assert bd_rate(CURVE, scaled) == pytest.approx(20.0, abs=1e-9)
    assert bd_rate(scaled, CURVE) == pytest.approx(100 / 1.2 - 100, abs=1e-9)
    assert bd_rate(CURVE, CURVE) == 0.0
    assert bd_rate(CURVE[::-1], scaled[::-1]) == pytest.approx(20.0, abs=1e-9)  # any order


def test_only_the_psnr_range_both_curves_cover_counts() -> None:
    """Log rate linear in PSNR, the curves sampled at different PSNRs over different ranges
    (overlap 33-38 dB), the second's log rate growing faster: the gap is 0.05 (q - 33), and
    its mean over the overlap 0.125. Piecewise-cubic Hermite interpolation is exact on lines,
    so the answer is exp(0.125) - 1 to rounding."""

    def reference(q: float) -> float:
        return math.exp(5 + 0.3 * q)

    def test(q: float) -> float:
        return math.exp(5 + 0.3 * q + 0.05 * (q - 33))

    ref = [(reference(q), q) for q in (30.0, 32.0, 35.0, 38.0)]
    other = [(test(q), q) for q in (33.0, 34.5, 36.0, 41.0)]
    assert bd_rate(ref, other) == pytest.approx(100 * (math.exp(0.125) - 1), abs=1e-6)


def test_the_interpolation_passes_through_the_points_without_overshooting() -> None:
    psnrs = [psnr for _, psnr in CURVE]
    logs = [math.log(rate) for rate, _ in CURVE]
    assert np.allclose(pchip(psnrs, logs, np.array(psnrs)), logs)
    between = pchip(psnrs, logs, np.linspace(psnrs[0], psnrs[-1], 1001))
    assert np.all(np.diff(between) >= 0), "monotone points, monotone curve"
    # A flat stretch stays flat (a single cubic through these 4 points dips below 1).
    flat = pchip([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 1.0, 2.0], np.linspace(1, 2, 101))
    assert np.allclose(flat, 1.0)


def test_curves_it_cannot_compare_are_refused() -> None:
    with pytest.raises(AssertionError, match="share no PSNR range"):
        bd_rate(CURVE[:2], CURVE[2:])
    with pytest.raises(AssertionError, match="distinct"):
        bd_rate(CURVE, [(1000.0, 30.0), (1100.0, 30.0), (1500.0, 33.0)])
