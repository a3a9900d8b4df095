"""The cross-entropy method on a linear policy: a CartPole learner that needs only numpy.

Each iteration samples a population of weight vectors from a Gaussian, plays one episode with
each, and refits the Gaussian to the best few. On CartPole-v1 this reaches the 500-step cap in
a handful of iterations, fast enough for a demo on two cores (no PyTorch, no GPU).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class LinearPolicy:
    """Push right when `observation . weights[:-1] + weights[-1] > 0`, else left."""

    weights: np.ndarray

    def act(self, observation: np.ndarray) -> int:
        return int(float(observation @ self.weights[:-1]) + float(self.weights[-1]) > 0.0)


@dataclass
class CrossEntropy:
    """A diagonal Gaussian over policy weights, refitted to the elite of each population."""

    dimension: int
    population: int = 40
    elite_fraction: float = 0.2
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    # Start at zero (an agent that always pushes left: clearly untrained in the first video)
    # with a wide spread to explore.
    mean: np.ndarray = field(init=False)
    std: np.ndarray = field(init=False)
    # Extra spread added at each refit, so the Gaussian does not collapse onto the first
    # lucky elite before it has seen the 500-step cap (Szita & Lorincz's noisy CEM).
    extra_std: float = 1.0

    def __post_init__(self) -> None:
        self.mean = np.zeros(self.dimension)
        self.std = np.ones(self.dimension)

    def policy(self) -> LinearPolicy:
        """The current best guess: the Gaussian's mean."""
        return LinearPolicy(self.mean.copy())

    def sample(self) -> list[LinearPolicy]:
        draws = self.rng.normal(self.mean, self.std, size=(self.population, self.dimension))
        return [LinearPolicy(w) for w in draws]

    def update(self, candidates: list[LinearPolicy], returns: list[float]) -> None:
        elite_count = max(2, round(self.population * self.elite_fraction))
        best = np.argsort(returns)[::-1][:elite_count]
        elite = np.stack([candidates[i].weights for i in best])
        self.mean = elite.mean(axis=0)
        self.std = elite.std(axis=0) + self.extra_std
        self.extra_std *= 0.8  # less exploration once the elite agree
