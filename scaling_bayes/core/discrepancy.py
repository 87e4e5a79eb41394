"""Structured model discrepancy: how far a law's form may be off, growing with extrapolation.

A fitted law is uncertain in two ways. Its parameters are uncertain given its form, which the
posterior captures; and its form may be wrong, which no posterior fitted on the same runs can see
(Kennedy and O'Hagan 2001, "Bayesian calibration of computer models", JRSS B 63: 425-464). This
module adds the second kind on log loss::

    log L_new = log L_law + tau * d * z,        z ~ N(0, 1) shared by the scales of one draw,

where ``d`` is a distance of the forecast from the data (:func:`extrapolation_distance`: zero
inside the data's range, the e-folds beyond it along each axis plus the e-folds of ``ln(D/N)``
outside the range the runs covered) and ``tau`` is the relative error of the law per e-fold. A
discrepancy only widens extrapolations by as much as its scale allows, so ``tau`` cannot be
learned from the study being forecast: it is learned from other studies' held-out errors
(:func:`tau_posterior`, a 1-D grid posterior in which each study counts once) and carried as that
posterior, so a forecast integrates over ``tau`` rather than plugging in one value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .exceptions import ConfigError, DataError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["Discrepancy", "extrapolation_distance", "tau_posterior"]

#: Grid of tau (relative error of the law's log loss per e-fold of extrapolation) on which the
#: posterior of tau is computed.
TAU_GRID = np.round(np.arange(0.0, 0.1000001, 0.001), 4)


def _log_range(values, name: str) -> tuple[float, float]:
    arr = np.asarray(values, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise DataError(
            f"scales of axis '{name}' must be positive and finite to measure extrapolation; "
            "pass raw counts or FLOPs without zeros or NaN"
        )
    logs = np.log(arr)
    return float(logs.min()), float(logs.max())


def extrapolation_distance(
    train: Mapping[str, np.ndarray], new: Mapping[str, np.ndarray]
) -> np.ndarray:
    """E-folds by which each new scale lies outside the training runs' range.

    For each axis present in both ``train`` and ``new``, the distance is
    ``max(0, ln(x / x_max), ln(x_min / x))``; the axes combine as a Euclidean norm. When both
    ``params`` and ``tokens`` are given, compute (their product, unless given) counts as an axis
    too, and the e-folds of ``ln(D/N)`` outside the runs' range of tokens per parameter are
    added: a law fitted on one regime of the data/parameter trade-off may not hold in another.

    Parameters
    ----------
    train, new : mapping of axis name to array
        Scales of the training runs and of the forecasts (raw counts or FLOPs).

    Returns
    -------
    numpy.ndarray
        One distance per new scale (0 inside the data's range).

    Examples
    --------
    >>> import numpy as np
    >>> d = extrapolation_distance({"params": [1e8, 1e9]}, {"params": [5e8, 1e9 * np.e**2]})
    >>> [round(float(v), 6) for v in d]
    [0.0, 2.0]
    """
    train, new = dict(train), dict(new)
    if {"params", "tokens"} <= set(train) & set(new):
        # The corner of large N and large D is outside the runs even when each axis is not.
        for side in (train, new):
            side.setdefault(
                "compute",
                np.asarray(side["params"], dtype=float) * np.asarray(side["tokens"], dtype=float),
            )
    axes = [a for a in new if a in train]
    if not axes:
        raise DataError(
            "no common axis between the training runs and the forecast scales; forecast on the "
            f"axes the law was fitted on ({', '.join(train)})"
        )
    k = np.atleast_1d(np.asarray(new[axes[0]], dtype=float)).shape[0]
    squares = np.zeros(k)
    for axis in axes:
        lo, hi = _log_range(train[axis], axis)
        z = np.log(np.atleast_1d(np.asarray(new[axis], dtype=float)))
        squares += np.maximum(0.0, np.maximum(z - hi, lo - z)) ** 2
    distance = np.sqrt(squares)
    if "params" in axes and "tokens" in axes:
        ratio_train = np.asarray(train["tokens"], dtype=float) / np.asarray(
            train["params"], dtype=float
        )
        lo, hi = _log_range(ratio_train, "tokens per parameter")
        ratio = np.log(
            np.atleast_1d(np.asarray(new["tokens"], dtype=float))
            / np.atleast_1d(np.asarray(new["params"], dtype=float))
        )
        distance = distance + np.maximum(0.0, np.maximum(ratio - hi, lo - ratio))
    return distance


@dataclass(frozen=True)
class Discrepancy:
    """A discrepancy scale ``tau`` carried as a posterior on a grid.

    Attributes
    ----------
    tau_grid : numpy.ndarray
        Values of tau (relative error of log loss per e-fold of extrapolation), ascending, >= 0.
    tau_prob : numpy.ndarray
        Posterior probability of each grid value (sums to 1).

    Examples
    --------
    >>> import numpy as np
    >>> disc = Discrepancy(np.array([0.0, 0.01]), np.array([0.5, 0.5]))
    >>> round(disc.mean_tau, 4)
    0.005
    >>> bool(np.all(disc.log_offsets(np.array([0.0, 1.0]), n_draws=4, random_seed=0)[:, 0] == 0))
    True
    """

    tau_grid: np.ndarray
    tau_prob: np.ndarray

    def __post_init__(self) -> None:
        grid = np.asarray(self.tau_grid, dtype=float)
        prob = np.asarray(self.tau_prob, dtype=float)
        if grid.ndim != 1 or grid.shape != prob.shape or grid.size == 0:
            raise ConfigError(
                "tau_grid and tau_prob must be 1-D arrays of the same, non-zero length; got "
                f"shapes {grid.shape} and {prob.shape}"
            )
        if np.any(grid < 0) or not np.all(np.isfinite(grid)):
            raise ConfigError("tau_grid must hold finite values >= 0, e.g. [0, 0.005, 0.01]")
        if np.any(prob < 0) or not np.isclose(prob.sum(), 1.0, atol=1e-6):
            raise ConfigError(
                f"tau_prob must be probabilities summing to 1; they sum to {prob.sum():.6g}"
            )
        object.__setattr__(self, "tau_grid", grid)
        object.__setattr__(self, "tau_prob", prob / prob.sum())

    @classmethod
    def none(cls) -> Discrepancy:
        """No discrepancy: the law's form is trusted completely."""
        return cls(np.array([0.0]), np.array([1.0]))

    @property
    def mean_tau(self) -> float:
        """Posterior mean of tau."""
        return float(np.sum(self.tau_grid * self.tau_prob))

    def quantile(self, q: float) -> float:
        """Posterior quantile of tau (the smallest grid value whose CDF reaches ``q``)."""
        cdf = np.cumsum(self.tau_prob)
        return float(self.tau_grid[min(int(np.searchsorted(cdf, q)), cdf.size - 1)])

    def draw_tau(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws of tau from its grid posterior."""
        return rng.choice(self.tau_grid, size=n, p=self.tau_prob)

    def log_offsets(
        self, distance: ArrayLike, *, n_draws: int, random_seed: int | None = None
    ) -> np.ndarray:
        """Draws of the discrepancy on log loss, shape ``(n_draws, k)``.

        Each draw takes one tau from its posterior and one ``z ~ N(0, 1)`` shared by all ``k``
        scales (the law is off in one direction at a time), times the distance of each scale.
        """
        d = np.atleast_1d(np.asarray(distance, dtype=float))
        rng = np.random.default_rng(random_seed)
        tau = self.draw_tau(rng, n_draws)
        z = rng.standard_normal(n_draws)
        return (tau * z)[:, None] * d[None, :]

    def to_dict(self) -> dict:
        """Plain lists, for JSON."""
        return {"tau_grid": self.tau_grid.tolist(), "tau_prob": self.tau_prob.tolist()}


def tau_posterior(
    mu: ArrayLike,
    sd: ArrayLike,
    observed_log: ArrayLike,
    distance: ArrayLike,
    study: ArrayLike,
    *,
    tau_grid: ArrayLike = TAU_GRID,
    prior_scale: float = 0.02,
) -> Discrepancy:
    """Grid posterior of tau from held-out errors of other studies, each study counted once.

    Each held-out run ``i`` of study ``s`` has a predictive distribution of its log loss
    (approximated as normal, mean ``mu_i`` and sd ``sd_i``, from a law fitted without it) and a
    distance ``d_i`` from its study's training data. With the discrepancy,
    ``log y_i ~ N(mu_i, sd_i^2 + tau^2 d_i^2)``. Errors within a study come from one fitted law
    and are strongly correlated, so each study's log likelihood is its runs' average: a study
    counts as one observation. The prior is half-normal with scale ``prior_scale``.

    Parameters
    ----------
    mu, sd, observed_log, distance : array-like of shape (n,)
    study : array-like of shape (n,)
        Study label of each run.
    tau_grid : array-like
        Grid of tau values (>= 0).
    prior_scale : float
        Scale of the half-normal prior of tau.

    Returns
    -------
    Discrepancy

    Examples
    --------
    >>> import numpy as np
    >>> d = np.full(40, 2.0)
    >>> err = np.random.default_rng(1).normal(0, 0.02, 40)  # 1% per e-fold at 2 e-folds
    >>> post = tau_posterior(np.zeros(40), np.full(40, 1e-3), err, d, np.repeat(np.arange(8), 5))
    >>> 0.005 < post.mean_tau < 0.02
    True
    """
    mu, sd, y, d = (np.asarray(v, dtype=float) for v in (mu, sd, observed_log, distance))
    study = np.asarray(study)
    if not (mu.shape == sd.shape == y.shape == d.shape == study.shape) or mu.ndim != 1:
        raise DataError("mu, sd, observed_log, distance and study must be 1-D of one length")
    if not np.all(np.isfinite(np.concatenate([mu, sd, y, d]))) or np.any(sd <= 0):
        raise DataError("mu, sd, observed_log and distance must be finite, and sd positive")
    grid = np.asarray(tau_grid, dtype=float)
    loglik = np.zeros(grid.size)
    for label in np.unique(study):
        m = study == label
        var = sd[m][None, :] ** 2 + (grid[:, None] * d[m][None, :]) ** 2
        ll = -0.5 * (np.log(2 * np.pi * var) + (y[m] - mu[m])[None, :] ** 2 / var)
        loglik += ll.mean(axis=1)
    logpost = loglik - 0.5 * (grid / prior_scale) ** 2
    prob = np.exp(logpost - logpost.max())
    return Discrepancy(grid, prob / prob.sum())
