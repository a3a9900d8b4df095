"""Bjontegaard delta rate: how many more bytes one encoder needs than another for the same
quality, averaged over the quality range both rate-distortion curves cover.

The piecewise-cubic variant: log rate as a function of PSNR, interpolated by a monotone
piecewise-cubic Hermite curve (PCHIP, Fritsch-Carlson slopes, as scipy's PchipInterpolator)
through each curve's points, integrated over the PSNR interval both cover. Bjontegaard's
original (VCEG-M33) fits one cubic polynomial instead, which through 4 points can swing
between them; with 3 or 4 points per curve the monotone curve is the safer one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import numpy as np

Floats = Union[Sequence[float], np.ndarray]

#: Samples per curve for the integral (trapezoid rule on the interpolant): far below 0.01% of
#: error for curves of a few points.
_SAMPLES = 4001


def _pchip_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Fritsch-Carlson slopes at each point: zero at a local extremum (so the curve does not
    overshoot the data), a weighted harmonic mean of the neighbouring secants elsewhere, and
    the three-point formula (clamped) at the ends."""
    h = np.diff(x)
    delta = np.diff(y) / h
    d = np.zeros_like(y)
    if len(x) == 2:
        return np.full_like(y, delta[0])
    for k in range(1, len(x) - 1):
        if delta[k - 1] * delta[k] > 0:
            w1, w2 = 2 * h[k] + h[k - 1], h[k] + 2 * h[k - 1]
            d[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k])
    for end, near, far in ((0, 0, 1), (-1, -1, -2)):
        h0, h1, s0, s1 = h[near], h[far], delta[near], delta[far]
        slope = ((2 * h0 + h1) * s0 - h0 * s1) / (h0 + h1)
        if np.sign(slope) != np.sign(s0):
            slope = 0.0
        elif np.sign(s0) != np.sign(s1) and abs(slope) > 3 * abs(s0):
            slope = 3 * s0
        d[end] = slope
    return d


def pchip(x: Floats, y: Floats, at: np.ndarray) -> np.ndarray:
    """The monotone piecewise-cubic Hermite interpolant through (x, y) (x strictly
    increasing), evaluated at `at` (within [x[0], x[-1]])."""
    xs, ys = np.asarray(x, np.float64), np.asarray(y, np.float64)
    assert len(xs) >= 2 and np.all(np.diff(xs) > 0), f"x must increase strictly: {xs}"
    d = _pchip_slopes(xs, ys)
    k = np.clip(np.searchsorted(xs, at, side="right") - 1, 0, len(xs) - 2)
    h = xs[k + 1] - xs[k]
    t = (at - xs[k]) / h
    h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
    h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
    return h00 * ys[k] + h10 * h * d[k] + h01 * ys[k + 1] + h11 * h * d[k + 1]


def bd_rate(reference: Sequence[tuple[float, float]], test: Sequence[tuple[float, float]]) -> float:
    """Bjontegaard delta rate of `test` against `reference`, in percent: +20.0 means `test`
    needs 20% more bytes than `reference` for the same PSNR, on average over the PSNR range
    both cover. Each curve is a list of (rate, PSNR) points (bytes or bits, the unit cancels),
    at least two, with distinct PSNRs; their order does not matter."""

    def curve(points: Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        rate, quality = np.array(sorted(points, key=lambda p: p[1]), np.float64).T
        assert len(rate) >= 2 and np.all(rate > 0), f"need 2+ positive rates: {points}"
        assert np.all(np.diff(quality) > 0), f"PSNRs must be distinct: {points}"
        return quality, np.log(rate)

    (q_ref, r_ref), (q_test, r_test) = curve(reference), curve(test)
    low, high = max(q_ref[0], q_test[0]), min(q_ref[-1], q_test[-1])
    assert low < high, f"the curves share no PSNR range: {reference} against {test}"
    at = np.linspace(low, high, _SAMPLES)
    gap = pchip(q_test, r_test, at) - pchip(q_ref, r_ref, at)
    mean_gap = float(np.sum((gap[1:] + gap[:-1]) / 2) / (len(at) - 1))
    return 100.0 * (np.exp(mean_gap) - 1.0)
