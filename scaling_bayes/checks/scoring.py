"""Scores for probabilistic forecasts of loss, computed from predictive draws.

A forecast of ``k`` held-out runs is an array of predictive draws of shape ``(n_draws, k)``
(or ``(chain, draw, k)``, flattened to ``(chain * draw, k)``); ``observed`` holds the ``k``
losses that later happened. Every score here is defined on that pair, so the Bayesian model and
the Huber bootstrap baseline are scored the same way.

Definitions (``X``, ``X'`` independent draws of the predictive ``F``, ``y`` the observed loss):

- **CRPS** (continuous ranked probability score, Gneiting & Raftery 2007, eq. 21)
  ``CRPS(F, y) = E|X - y| - 0.5 E|X - X'|``, in the units of loss; lower is better; it reduces
  to the absolute error for a point forecast.
- **PIT** (probability integral transform) ``F(y)``: the share of draws below ``y``. Uniform on
  ``[0, 1]`` when the forecasts are calibrated; piled near 0 or 1 when they are over-confident.
- **Coverage** of the central ``p`` interval: the share of runs whose ``y`` lies between the
  ``(1 - p) / 2`` and ``(1 + p) / 2`` quantiles of the draws. Calibrated forecasts cover about
  ``p``; the count covered is then Binomial(``k``, ``p``).
- **Log predictive density** ``log p(y)`` of the observed loss, in nats, as a density on loss
  (not log loss); higher is better. From draws alone it needs a density estimate (a Gaussian
  kernel density estimate on log loss); when the model gives each draw a Student-t law for log
  loss, :func:`log_predictive_density_student_t` computes it exactly.
- **Absolute relative error** ``|y_hat - y| / y`` of the point forecast ``y_hat`` (the median
  of the draws); seed-to-seed noise puts a floor of about 4% on it (Choshen et al. 2024).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special, stats

from ..core.constants import INTERVAL_PROB
from ..core.exceptions import DataError, InputWarning, format_rows
from ..core.likelihood import STUDENT_T_LOG_LOSS
from ._inputs import check_prob

__all__ = [
    "COVERAGE_PROBS",
    "absolute_relative_error",
    "central_interval",
    "crps_from_draws",
    "crps_normal",
    "interval_coverage",
    "log_predictive_density",
    "log_predictive_density_student_t",
    "pit_values",
    "score_forecast",
    "summary_metrics",
]

#: Nominal masses of the central intervals whose coverage a backtest reports.
COVERAGE_PROBS: tuple[float, ...] = (0.50, 0.80, 0.90, 0.95)

#: Draws whose median differs from every observed loss by more than this factor are probably on
#: another scale (log loss against loss, or percent): the smallest ratio of loss to log loss
#: for a loss above 1 is e = 2.72, so this factor catches that mix-up.
_UNIT_SLIP_FACTOR: float = 2.0


# ---------------------------------------------------------------------------------- validation
def _runs(positions) -> str:
    """``'runs 0, 4'`` / ``'run 3'`` for error messages."""
    return format_rows(positions).replace("row", "run", 1)


def _as_float_array(values, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be numeric, got {type(values).__name__}: {err}") from None


def _check_observed(
    observed, name: str = "observed", *, positive: bool = False, unit: str = "runs"
) -> np.ndarray:
    """``observed`` as a finite 1-D float array (a scalar becomes one value).

    ``positive=True`` also refuses zero and negative values. The Huber baseline checks its
    scales and losses with this too (``unit="rows"``), so both say the same about bad values.
    """
    y = _as_float_array(observed, name)
    if y.ndim == 0:
        y = y.reshape(1)
    if y.ndim != 1:
        raise DataError(
            f"{name} must be a scalar or a 1-D array with one value per run, got shape {y.shape}"
        )
    if y.size == 0:
        raise DataError(f"{name} is empty; it needs one value per run")
    where = _runs if unit == "runs" else format_rows
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise DataError(f"{name} must be finite; {where(bad)} (0-based) are NaN or infinite")
    if positive:
        bad = np.flatnonzero(y <= 0)
        if bad.size:
            hint = (
                " Pass losses, not log losses or differences."
                if name in ("observed", "loss", "predicted")
                else " Pass raw counts or FLOPs."
            )
            raise DataError(
                f"{name} must be positive; {where(bad)} (0-based) are zero or negative.{hint}"
            )
    return y


def _check_draws(draws, n_runs: int, name: str = "draws", *, positive: bool = False) -> np.ndarray:
    """``draws`` as a finite ``(n_draws, n_runs)`` float array."""
    x = _as_float_array(draws, name)
    if x.ndim == 3:  # (chain, draw, run), as in Forecast.draws
        x = x.reshape(-1, x.shape[-1])
    elif x.ndim == 1 and n_runs == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise DataError(
            f"{name} must have shape (n_draws, n_runs) or (chain, draw, n_runs), got shape "
            f"{x.shape}; for one run pass a 1-D array of draws and a scalar observed"
        )
    if x.shape[1] != n_runs:
        raise DataError(
            f"{name} has {x.shape[1]} columns but observed has {n_runs} values; draws must have "
            "one column per observed run (shape (n_draws, n_runs)); transpose it if it is "
            "(n_runs, n_draws)"
        )
    if x.shape[0] == 0:
        raise DataError(f"{name} has no draws; it needs at least one draw per run")
    bad = np.flatnonzero(~np.isfinite(x).all(axis=0))
    if bad.size:
        raise DataError(
            f"{name} must be finite; the draws of {_runs(bad)} (0-based columns) contain NaN or "
            "infinite values"
        )
    if positive:
        bad = np.flatnonzero((x <= 0).any(axis=0))
        if bad.size:
            raise DataError(
                f"{name} must be positive (losses); the draws of {_runs(bad)} (0-based columns) "
                "contain zero or negative values"
            )
    return x


def _pair(draws, observed, *, positive: bool = False) -> tuple[np.ndarray, np.ndarray]:
    y = _check_observed(observed, positive=positive)
    return _check_draws(draws, y.size, positive=positive), y


def _bounds(x: np.ndarray, p: float) -> np.ndarray:
    """Lower and upper bounds of the central ``p`` interval of each column of draws ``x``."""
    return np.quantile(x, [(1.0 - p) / 2.0, (1.0 + p) / 2.0], axis=0)


def _warn_if_unit_slip(x: np.ndarray, y: np.ndarray) -> None:
    median = np.median(x, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(median / y)
    if np.all((ratio > _UNIT_SLIP_FACTOR) | (ratio < 1.0 / _UNIT_SLIP_FACTOR)):
        warnings.warn(
            f"the median draw differs from the observed loss by more than a factor "
            f"{_UNIT_SLIP_FACTOR:g} for every run (median ratio {np.median(ratio):.3g}); are draws "
            "and observed on the same scale (loss, not log loss)?",
            InputWarning,
            stacklevel=3,
        )


# ---------------------------------------------------------------------------------- scores
def crps_from_draws(draws: ArrayLike, observed: ArrayLike, *, fair: bool = False) -> np.ndarray:
    """CRPS of each run from predictive draws, exact for the draws' distribution, O(n log n).

    With ``x_(1) <= ... <= x_(n)`` the sorted draws of one run::

        CRPS = (1/n) sum_i |x_i - y|  -  (1/n^2) sum_i (2i - n - 1) x_(i)

    The second term is ``0.5 E|X - X'|`` over all ``n^2`` ordered pairs, rewritten with sorted
    draws so no ``n x n`` matrix is formed. This is the CRPS of the empirical distribution of the
    draws (always >= 0). It overstates the CRPS of the distribution the draws come from by
    ``E|X - X'| / (2n)``; ``fair=True`` divides the pair sum by ``n (n - 1)`` instead, which
    removes that bias (Ferro 2014, "fair" ensemble CRPS) but can be slightly negative.

    Parameters
    ----------
    draws : array_like, shape (n_draws, k) or (chain, draw, k)
        Predictive draws of each run's loss.
    observed : array_like, shape (k,)
        Observed losses (any real values; CRPS needs no positivity).
    fair : bool
        Use the unbiased (fair) pair term; needs at least two draws.

    Returns
    -------
    ndarray, shape (k,)
        CRPS per run, in the units of ``observed``.

    Examples
    --------
    >>> float(crps_from_draws([[1.0], [2.0], [3.0]], [2.0])[0])  # 2/3 - 4/9
    0.2222222222222222
    >>> float(crps_from_draws([[5.0]], [2.0])[0])  # one draw: the absolute error
    3.0
    """
    x, y = _pair(draws, observed)
    n = x.shape[0]
    if fair and n < 2:
        raise DataError(f"fair=True needs at least two draws per run, got {n}")
    x_sorted = np.sort(x, axis=0)
    weights = (2.0 * np.arange(1, n + 1) - n - 1.0)[:, None]
    half_pair_sum = np.sum(weights * x_sorted, axis=0)  # = 0.5 * sum_{i,j} |x_i - x_j|
    half_mean_spread = half_pair_sum / (n * (n - 1) if fair else n * n)
    return np.mean(np.abs(x - y), axis=0) - half_mean_spread


def crps_normal(mu: ArrayLike, sigma: ArrayLike, y: ArrayLike) -> np.ndarray:
    """CRPS of a normal predictive N(mu, sigma^2) at ``y``, in closed form.

    ``CRPS = sigma [z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)]`` with ``z = (y - mu) / sigma``
    (Gneiting & Raftery 2007, eq. 21). Arguments broadcast.

    Examples
    --------
    >>> round(float(crps_normal(0.0, 1.0, 0.0)), 4)  # (sqrt(2) - 1) / sqrt(pi)
    0.2337
    """
    mu = _as_float_array(mu, "mu")
    sigma = _as_float_array(sigma, "sigma")
    y = _as_float_array(y, "y")
    if np.any(~(sigma > 0)) or not np.all(np.isfinite(sigma)):
        raise DataError("sigma must be positive and finite (the predictive standard deviation)")
    z = (y - mu) / sigma
    return sigma * (
        z * (2.0 * special.ndtr(z) - 1.0) + 2.0 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi)
    )


def pit_values(
    draws: ArrayLike, observed: ArrayLike, *, ties: str = "mid", random_seed: int | None = None
) -> np.ndarray:
    """Probability integral transform: the share of draws below each observed value.

    ``PIT = (#{x < y} + w #{x == y}) / n``. Draws equal to ``y`` (ties, which happen for
    discrete or rounded predictives) count half with ``ties="mid"`` (mid-rank, the default,
    deterministic) or a uniform random share ``w ~ U(0, 1)`` with ``ties="random"`` (randomised
    PIT, exactly uniform for a calibrated discrete predictive). Without ties both are equal.

    Returns
    -------
    ndarray, shape (k,)
        Values in ``[0, 1]``; uniform when the forecasts are calibrated.

    Examples
    --------
    >>> pit_values([[1.0], [2.0], [2.0], [3.0]], [2.0]).tolist()
    [0.5]
    """
    x, y = _pair(draws, observed)
    below = np.sum(x < y, axis=0)
    equal = np.sum(x == y, axis=0)
    share: float | np.ndarray
    if ties == "mid":
        share = 0.5
    elif ties == "random":
        share = np.random.default_rng(random_seed).uniform(size=y.size)
    else:
        raise DataError(f"ties must be 'mid' or 'random', got {ties!r}")
    return (below + share * equal) / x.shape[0]


def central_interval(
    draws: ArrayLike, prob: float = INTERVAL_PROB
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the central ``prob`` interval of each run's draws.

    The bounds are the ``(1 - prob) / 2`` and ``(1 + prob) / 2`` sample quantiles (numpy's
    default linear interpolation).

    Examples
    --------
    >>> lower, upper = central_interval([[0.0], [1.0], [2.0], [3.0], [4.0]], prob=0.5)
    >>> float(lower[0]), float(upper[0])
    (1.0, 3.0)
    """
    p = check_prob(prob, "prob")
    x = _as_float_array(draws, "draws")
    if x.ndim == 1:
        x = x[:, None]
    x = _check_draws(x, x.shape[-1])
    lower, upper = _bounds(x, p)
    return lower, upper


def interval_coverage(
    draws: ArrayLike,
    observed: ArrayLike,
    probs: ArrayLike = COVERAGE_PROBS,
    *,
    ci_prob: float = 0.95,
) -> pd.DataFrame:
    """Empirical coverage of central predictive intervals, with binomial uncertainty.

    A run is covered by the central ``p`` interval when ``lower <= y <= upper``
    (:func:`central_interval`). If the forecasts are calibrated and runs independent, the
    number covered is Binomial(``n``, ``p``).

    Returns
    -------
    DataFrame
        One row per probability: ``nominal``; ``covered`` (count); ``n`` (runs); ``coverage``
        (``covered / n``); ``se``, the binomial standard error ``sqrt(p (1 - p) / n)`` expected
        under calibration (it does not vanish when every run is covered); ``ci_low``,
        ``ci_high``, the exact Clopper-Pearson ``ci_prob`` interval for the true coverage; and
        ``p_value``, the two-sided exact binomial test of coverage = nominal.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> table = interval_coverage(rng.normal(size=(1000, 200)), rng.normal(size=200))
    >>> table["nominal"].tolist()
    [0.5, 0.8, 0.9, 0.95]
    """
    x, y = _pair(draws, observed)
    level = check_prob(ci_prob, "ci_prob")
    probs = np.atleast_1d(np.asarray(probs, dtype=float))
    if probs.size == 0:
        raise DataError("probs is empty; pass interval masses such as (0.5, 0.9)")
    n = y.size
    rows = []
    for p in probs:
        p = check_prob(p, "probs")
        lower, upper = _bounds(x, p)
        covered = int(np.sum((lower <= y) & (y <= upper)))
        tail = (1.0 - level) / 2.0
        ci_low = 0.0 if covered == 0 else stats.beta.ppf(tail, covered, n - covered + 1)
        ci_high = 1.0 if covered == n else stats.beta.ppf(1.0 - tail, covered + 1, n - covered)
        rows.append(
            {
                "nominal": p,
                "covered": covered,
                "n": n,
                "coverage": covered / n,
                "se": float(np.sqrt(p * (1.0 - p) / n)),
                "ci_low": float(ci_low),
                "ci_high": float(ci_high),
                "p_value": float(stats.binomtest(covered, n, p).pvalue),
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["ci_prob"] = level
    return table


def _silverman_bandwidth(z: np.ndarray) -> np.ndarray:
    n = z.shape[0]
    sd = np.std(z, axis=0, ddof=1) if n > 1 else np.zeros(z.shape[1])
    q75, q25 = np.quantile(z, [0.75, 0.25], axis=0)
    spread = np.minimum(sd, (q75 - q25) / 1.349)
    spread = np.where(spread > 0, spread, sd)  # many tied draws: the IQR is 0 but sd is not
    return 0.9 * spread * n ** (-0.2)


def log_predictive_density(
    draws: ArrayLike, observed: ArrayLike, *, bandwidth: ArrayLike | None = None
) -> np.ndarray:
    """Log predictive density of each observed loss, from draws, by a kernel estimate.

    The density of log loss is estimated with a Gaussian kernel on the log draws ``z_i``::

        log p(y) = log[(1/n) sum_i phi((log y - z_i) / h) / h] - log y

    The last term is the Jacobian, so the result is a density on loss (nats), comparable with
    :func:`log_predictive_density_student_t`. Log loss is used because predictive draws of loss
    are right-skewed and near log-normal. The default bandwidth ``h`` is Silverman's rule,
    ``0.9 min(sd, IQR / 1.349) n^(-1/5)`` per run; the estimate then has the predictive's
    log-scale variance inflated by ``h^2`` (about 3% for 4000 draws), which barely moves the
    score. A forecast with no spread (a point forecast) gets ``-inf`` unless it is exact.

    Parameters
    ----------
    draws : array_like, shape (n_draws, k) or (chain, draw, k)
        Positive predictive draws of loss.
    observed : array_like, shape (k,)
        Positive observed losses.
    bandwidth : float, optional
        Kernel bandwidth on the log-loss scale, for every run. Default: Silverman's rule.

    Returns
    -------
    ndarray, shape (k,)
        Log density per run, in nats (on the loss scale).

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.exp(np.random.default_rng(1).normal(np.log(2.0), 0.05, size=(4000, 1)))
    >>> round(float(log_predictive_density(draws, [2.0])[0]), 1)  # exact: 1.39
    1.4
    """
    x, y = _pair(draws, observed, positive=True)
    z = np.log(x)
    log_y = np.log(y)
    if bandwidth is None:
        h = _silverman_bandwidth(z)
    else:
        h = _as_float_array(bandwidth, "bandwidth")
        if h.ndim != 0 or not np.isfinite(h) or h <= 0:
            raise DataError(
                f"bandwidth must be a positive number (log-loss scale), got {bandwidth}"
            )
        h = np.full(y.shape, float(h))
    out = np.full(y.size, -np.inf)
    spread = h > 0
    if np.any(spread):
        hs = h[spread]
        u = (log_y[spread] - z[:, spread]) / hs
        out[spread] = (
            special.logsumexp(-0.5 * u * u, axis=0)
            - np.log(x.shape[0])
            - np.log(hs)
            - 0.5 * np.log(2.0 * np.pi)
        )
    point = ~spread & np.all(z == log_y, axis=0)
    out[point] = np.inf
    return out - log_y


def _per_draw(values, name: str, shape: tuple[int, int], lead: tuple[int, ...]) -> np.ndarray:
    """Broadcast a per-draw parameter to ``shape = (n_draws, k)``."""
    a = _as_float_array(values, name)
    if len(lead) == 2 and a.ndim >= 2 and a.shape[:2] == lead:
        a = a.reshape(-1, *a.shape[2:])
    if a.ndim == 1:
        a = a[:, None] if a.size == shape[0] else a
    try:
        a = np.broadcast_to(a, shape)
    except ValueError:
        raise DataError(
            f"{name} must be a scalar, one value per draw (shape ({shape[0]},)) or one per draw "
            f"and run (shape {shape}), got shape {np.shape(values)}"
        ) from None
    if not np.all(np.isfinite(a)):
        raise DataError(f"{name} must be finite; it contains NaN or infinite values")
    return a


def log_predictive_density_student_t(
    mu_log: ArrayLike, sigma: ArrayLike, nu: ArrayLike, observed: ArrayLike
) -> np.ndarray:
    """Exact log predictive density of loss under a mixture of per-draw Student-t laws.

    For the package's likelihood ``log L = mu + sigma t_nu``, draw ``s`` of the posterior gives
    log loss a location ``mu_s`` (the log of the law's loss), scale ``sigma_s`` and degrees of
    freedom ``nu_s``. The predictive density of loss is the average over draws::

        log p(y) = logsumexp_s[log t_{nu_s}(log y; mu_s, sigma_s)] - log S - log y

    computed with log-sum-exp (no underflow in the tails); ``- log y`` is the Jacobian from
    log loss to loss. With a single draw it is the Student-t log density of ``log y`` minus
    ``log y``.

    Parameters
    ----------
    mu_log : array_like, shape (S, k) or (chain, draw, k)
        Log of the law's (noise-free) loss per draw and run.
    sigma, nu : array_like
        Scale (> 0) and degrees of freedom (> 0) per draw: scalars, shape ``(S,)`` (or
        ``(chain, draw)``), or per draw and run ``(S, k)``.
    observed : array_like, shape (k,)
        Positive observed losses.

    Returns
    -------
    ndarray, shape (k,)
        Log density per run, in nats (on the loss scale).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> lpd = log_predictive_density_student_t([[np.log(2.0)]], [0.05], [4.0], [2.1])
    >>> exact = stats.t.logpdf(np.log(2.1), 4.0, np.log(2.0), 0.05) - np.log(2.1)
    >>> bool(np.isclose(lpd[0], exact))
    True
    """
    y = _check_observed(observed, positive=True)
    mu_arr = _as_float_array(mu_log, "mu_log")
    lead = mu_arr.shape[:2] if mu_arr.ndim == 3 else ()
    mu = _check_draws(mu_arr, y.size, name="mu_log")
    shape = mu.shape
    scale = _per_draw(sigma, "sigma", shape, lead)
    dof = _per_draw(nu, "nu", shape, lead)
    if np.any(scale <= 0):
        raise DataError("sigma must be positive (the scale of log-loss noise)")
    if np.any(dof <= 0):
        raise DataError("nu must be positive (Student-t degrees of freedom)")
    log_y = np.log(y)
    log_t = STUDENT_T_LOG_LOSS.logpdf_link(log_y, mu=mu, noise={"sigma": scale, "nu": dof})
    return special.logsumexp(log_t, axis=0) - np.log(shape[0]) - log_y


def absolute_relative_error(predicted: ArrayLike, observed: ArrayLike) -> np.ndarray:
    """``|predicted - observed| / observed`` per run (a fraction, not a percentage).

    Examples
    --------
    >>> absolute_relative_error([2.2, 1.8], [2.0, 2.0]).round(3).tolist()
    [0.1, 0.1]
    """
    y = _check_observed(observed, positive=True)
    pred = _check_observed(predicted, "predicted")
    if pred.size != y.size and pred.size != 1:
        raise DataError(
            f"predicted has {pred.size} values but observed has {y.size}; pass one prediction "
            "per observed run"
        )
    return np.abs(pred - y) / y


# ---------------------------------------------------------------------------------- tables
def score_forecast(
    draws: ArrayLike,
    observed: ArrayLike,
    *,
    prob: float = INTERVAL_PROB,
    log_density: ArrayLike | None = None,
    index: Sequence[Hashable] | pd.Index | None = None,
    fair_crps: bool = False,
) -> pd.DataFrame:
    """Score a forecast of held-out runs: one row per run.

    Parameters
    ----------
    draws : array_like, shape (n_draws, k) or (chain, draw, k)
        Predictive draws of each run's loss (law plus run-to-run noise).
    observed : array_like, shape (k,)
        Observed losses.
    prob : float
        Mass of the central interval reported as ``lower``/``upper`` (default
        :data:`~scaling_bayes.core.constants.INTERVAL_PROB`).
    log_density : array_like, shape (k,), optional
        Log predictive density per run when the model gives it exactly (e.g. from
        :func:`log_predictive_density_student_t`); default: kernel estimate from the draws
        (:func:`log_predictive_density`).
    index : sequence, optional
        Row labels (e.g. the held-out runs' labels in the data).
    fair_crps : bool
        Passed to :func:`crps_from_draws` as ``fair``.

    Returns
    -------
    DataFrame
        ``observed``; ``median`` (the point forecast); ``lower``, ``upper`` (central ``prob``
        interval; ``prob`` is stored in ``.attrs["interval_prob"]``); ``covered``;
        ``abs_rel_error`` (of the median); ``pit`` (mid-rank ties); ``crps``; ``log_density``.

    Warns
    -----
    InputWarning
        The draws' median is more than a factor 2 away from every observed loss (draws of log
        loss scored against loss?).

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.random.default_rng(0).normal([2.0, 1.9], 0.05, size=(1000, 2))
    >>> table = score_forecast(draws, [2.03, 1.88])
    >>> list(table.columns)[:4]
    ['observed', 'median', 'lower', 'upper']
    """
    x, y = _pair(draws, observed)
    p = check_prob(prob, "prob")
    _warn_if_unit_slip(x, y)
    median = np.median(x, axis=0)
    lower, upper = _bounds(x, p)
    if log_density is None:
        lpd = log_predictive_density(x, y)
    else:
        lpd = _as_float_array(log_density, "log_density").reshape(-1)
        if lpd.size != y.size:
            raise DataError(
                f"log_density has {lpd.size} values but observed has {y.size}; pass one per run"
            )
    if index is not None and len(index) != y.size:
        raise DataError(f"index has {len(index)} labels but observed has {y.size} values")
    table = pd.DataFrame(
        {
            "observed": y,
            "median": median,
            "lower": lower,
            "upper": upper,
            "covered": (lower <= y) & (y <= upper),
            "abs_rel_error": absolute_relative_error(median, y),
            "pit": pit_values(x, y),
            "crps": crps_from_draws(x, y, fair=fair_crps),
            "log_density": lpd,
        },
        index=None if index is None else pd.Index(index),
    )
    table.attrs["interval_prob"] = p
    return table


def summary_metrics(
    draws: ArrayLike,
    observed: ArrayLike,
    *,
    probs: ArrayLike = COVERAGE_PROBS,
    log_density: ArrayLike | None = None,
    fair_crps: bool = False,
) -> pd.Series:
    """Pooled scores of a forecast of held-out runs, for tables that compare methods.

    Parameters are as in :func:`score_forecast`; ``probs`` are the interval masses whose
    coverage is reported.

    Returns
    -------
    Series
        ``n_runs``; ``coverage_50``, ``coverage_80``, ``coverage_90``, ``coverage_95`` (share of
        runs inside each central interval; one entry per ``probs``); ``median_abs_rel_error``
        and ``mean_abs_rel_error`` (of the median forecast, fractions); ``mean_crps`` (loss
        units); ``mean_log_density`` (nats per run, on the loss scale).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> metrics = summary_metrics(rng.normal(2.0, 0.05, (1000, 50)), rng.normal(2.0, 0.05, 50))
    >>> metrics.index.tolist()[:3]
    ['n_runs', 'coverage_50', 'coverage_80']
    """
    table = score_forecast(draws, observed, log_density=log_density, fair_crps=fair_crps)
    x, y = _pair(draws, observed)
    coverage = interval_coverage(x, y, probs)
    out = {"n_runs": float(y.size)}
    for nominal, covered in zip(coverage["nominal"], coverage["coverage"], strict=True):
        out[f"coverage_{100 * float(nominal):g}"] = float(covered)
    out["median_abs_rel_error"] = float(table["abs_rel_error"].median())
    out["mean_abs_rel_error"] = float(table["abs_rel_error"].mean())
    out["mean_crps"] = float(table["crps"].mean())
    out["mean_log_density"] = float(table["log_density"].mean())
    return pd.Series(out, name="metrics")
