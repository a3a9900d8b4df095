"""The benchmarks' two modes, read here and nowhere else.

Full (the default): the sizes, counts and rounds the README's numbers come from
(scripts/bench.sh). Quick (``RLVIDEO_BENCH_QUICK=1``): tiny sizes, so that scripts/test.sh can
run every benchmark once, with ``--benchmark-disable``, and a suite that no longer runs fails
CI; the same code paths run (peers, recorders, decoding and comparing), but the numbers mean
nothing.
"""

from __future__ import annotations

import math
import os
from typing import Any, TypeVar

T = TypeVar("T")

QUICK: bool = os.environ.get("RLVIDEO_BENCH_QUICK") == "1"


def pick(full: T, quick: T) -> T:
    """`full`, or `quick` in quick mode."""
    return quick if QUICK else full


def seconds(benchmark: Any, stat: str) -> float:
    """`benchmark.stats[stat]` (e.g. "min", "mean"), or NaN under ``--benchmark-disable``,
    which runs the target once untimed and keeps no stats; the code around it still runs."""
    return benchmark.stats[stat] if benchmark.enabled else math.nan
