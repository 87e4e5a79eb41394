"""Decision metrics from joint draws of value V and cost C, with Monte Carlo standard errors.

Definitions and sign conventions (EVPI: Raiffa and Schlaifer 1961; VaR and CVaR: Rockafellar and
Uryasev 2000; ESS: Vehtari et al. 2021, arXiv:1903.08008), used in every table and text of the
risk module:

* **ROI = (V - C) / C**, break-even at 0. (Some tools call V / C "ROI", break-even 1; here
  V / C appears only as E[V] / E[C], labelled as a ratio, never as an ROI.)
* **Net benefit** NB = V - C (money; positive = gain). ROI is a ratio: in draws where V < 0
  it *rises* towards -1 as the cost grows, so plans are compared (best plan, stop point, EVPI)
  on net benefit, while P(ROI > t) = P(V > (1 + t) C) stays monotone in cost for t > -1.
* **P(ROI > t)** = share of joint draws with ROI above ``t``; its Monte Carlo standard error is
  ``sqrt(p (1 - p) / ESS)``.
* **VaR_a** = minus the (1 - a) quantile of the net gain: money lost (positive) in the worst
  (1 - a) of outcomes; negative when even those outcomes gain.
* **CVaR_a** = minus the mean net gain in that worst (1 - a) tail, computed as
  ``-(q + E[min(NB - q, 0)] / (1 - a))`` with ``q`` the (1 - a) quantile (Rockafellar and
  Uryasev 2002; equal to the tail mean for continuous distributions).

Effective sample size (ESS): for independent joint draws (plain arrays of loss draws) ESS is the
number of draws. For draws from MCMC chains it is estimated per quantity by ArviZ
(``arviz.ess(method="mean")``; quantiles with ``arviz.mcse(method="quantile")``) on the
(chain, draw) array, capped at the number of draws; results say which was used.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from ..core._arviz import ess as az_ess
from ..core._arviz import mcse as az_mcse
from ..core._arviz import psislw as az_psislw
from ..core.constants import INTERVAL_PROB
from ..core.exceptions import DataError, MonteCarloWarning

__all__ = [
    "MonteCarloWarning",
    "conditional_value_at_risk",
    "decision_metrics",
    "effective_sample_size",
    "evpi_from_draws",
    "mcse_mean",
    "mcse_quantile",
    "pareto_khat",
    "payback_summary",
    "prob_exceeds",
    "roi",
    "value_at_risk",
]

#: Columns of every metric table (``metric`` becomes the index).
METRIC_COLUMNS = (
    "metric",
    "estimate",
    "mc_se",
    "lower",
    "upper",
    "unit",
    "statistic",
    "definition",
)

ROI_CONVENTION = "ROI = (V - C) / C, break-even 0 (V value, C cost; not V / C)"

#: Above this Pareto k-hat the Monte Carlo estimate of an expectation is unreliable: the draws'
#: tail is too heavy for the mean to settle (Vehtari et al. 2024, "Pareto smoothed importance
#: sampling", JMLR 25(72), section 3: k > 0.7).
PARETO_K_MAX = 0.7


def pareto_khat(x: np.ndarray) -> float:
    """Pareto k-hat of the heavier tail of the draws ``x``, as PSIS estimates it.

    A generalized Pareto distribution is fitted to the largest draws of ``x`` and of ``-x``
    (ArviZ's ``psislw`` fit: the ``min(n / 5, 3 sqrt(n))`` largest); the larger shape ``k`` is
    returned. Above :data:`PARETO_K_MAX` (0.7) the sample mean of ``x`` is not a reliable
    estimate of its expectation (with ``k >= 1`` the expectation does not even exist): it moves
    from seed to seed however many draws are taken. NaN when a tail has too few distinct values
    to fit (bounded or discrete draws, whose means are reliable).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> light = np.random.default_rng(0).normal(size=4000)
    >>> heavy = stats.pareto(0.5).rvs(4000, random_state=1)   # infinite mean
    >>> bool(pareto_khat(light) < 0.7), bool(pareto_khat(heavy) > 0.7)
    (True, True)
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    x = x[np.isfinite(x)]
    n = x.size
    if n < 20 or np.ptp(x) <= 0:
        return float("nan")
    m = int(min(0.2 * n, 3 * np.sqrt(n)))
    ks = []
    for tail in (x, -x):
        if np.unique(np.partition(tail, n - m - 1)[n - m - 1 :]).size < 5:
            continue  # no tail to fit
        # PSIS fits the exceedances over the cutoff, which a shift leaves unchanged; shifting to
        # [ptp, 2 ptp] keeps every log finite.
        with np.errstate(over="ignore", under="ignore"):  # exp of far-off weights in the fit
            _, k = az_psislw(np.log(tail - tail.min() + np.ptp(tail)))
        ks.append(float(k))
    return max(ks) if ks else float("nan")


# ---------------------------------------------------------------------- effective sample size
def _chains(x: np.ndarray, n_chains: int) -> np.ndarray:
    if n_chains < 1 or x.size % n_chains:
        raise DataError(f"{x.size} draws cannot be split into {n_chains} chains of equal length")
    return x.reshape(n_chains, -1)


def effective_sample_size(x: ArrayLike, n_chains: int | None = None) -> float:
    """Effective sample size of the mean of ``x``.

    Parameters
    ----------
    x : array of shape (n,)
        Draws, chains stacked (chain-major, as ``Forecast.flat_draws`` returns them).
    n_chains : int, optional
        Number of MCMC chains the draws come from; ``None`` means independent draws
        (ESS = n). With chains, ``arviz.ess(method="mean")`` on the (chain, draw) array, capped
        at the number of draws.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=4000)
    >>> effective_sample_size(x)
    4000.0
    >>> 3000 < effective_sample_size(x, n_chains=4) <= 4000
    True
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    n = x.size
    if n_chains is None:
        return float(n)
    chains = _chains(x, n_chains)
    if chains.shape[1] < 4 or np.ptp(x) < np.finfo(float).resolution:
        return float(n)
    return float(min(az_ess(chains, method="mean"), n))


# ---------------------------------------------------------------------- Monte Carlo errors
def mcse_mean(x: ArrayLike, n_chains: int | None = None) -> float:
    """Monte Carlo standard error of the mean of ``x``: ``sd / sqrt(ESS)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=10_000)
    >>> round(mcse_mean(x), 3)
    0.01
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    if x.size < 2:
        return float("nan")
    return float(x.std(ddof=1) / np.sqrt(effective_sample_size(x, n_chains)))


def prob_exceeds(
    x: ArrayLike, threshold: float, n_chains: int | None = None
) -> tuple[float, float, float]:
    """``P(x > threshold)`` with its Monte Carlo standard error ``sqrt(p (1 - p) / ESS)``.

    Returns
    -------
    (p, mc_se, ess)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=10_000)
    >>> p, se, ess = prob_exceeds(x, 0.0)
    >>> round(p, 2), round(se, 3), ess
    (0.5, 0.005, 10000.0)
    """
    indicator = (np.asarray(x, dtype=float).reshape(-1) > threshold).astype(float)
    p = float(indicator.mean())
    ess = effective_sample_size(indicator, n_chains)
    return p, float(np.sqrt(p * (1.0 - p) / ess)), ess


def mcse_quantile(
    x: ArrayLike, prob: float, n_chains: int | None = None, *, sorted_x: np.ndarray | None = None
) -> float:
    """Monte Carlo standard error of the ``prob`` quantile of ``x``.

    With chains: ``arviz.mcse(method="quantile")`` on the (chain, draw) array. For independent
    draws (ESS of the indicator ``x <= q`` equal to n) the same construction: a Beta
    distribution for the rank of the quantile, half the distance between the order statistics
    at its 16th and 84th percentiles.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=10_000)
    >>> round(mcse_quantile(x, 0.5), 2)   # asymptotically sqrt(0.25 / n) / phi(0) = 0.0125
    0.01
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    if n_chains is not None:
        chains = _chains(x, n_chains)
        if chains.shape[1] >= 4 and np.ptp(x) >= np.finfo(float).resolution:
            return float(az_mcse(chains, method="quantile", prob=prob))
    s = np.sort(x) if sorted_x is None else sorted_x
    n = s.size
    lo, hi = np.atleast_1d(stats.beta.ppf([0.1586553, 0.8413447], n * prob + 1, n * (1 - prob) + 1))
    i1 = int(np.clip(np.floor(lo * n - 1), 0, n - 1))
    i2 = int(np.clip(np.ceil(hi * n - 1), 0, n - 1))
    return float((s[i2] - s[i1]) / 2)


# ---------------------------------------------------------------------- metrics
def roi(value: ArrayLike, cost: ArrayLike) -> np.ndarray:
    """Return on investment per draw, ``(V - C) / C`` (break-even 0).

    Examples
    --------
    >>> roi([1.5e6, 0.5e6], [1e6, 1e6])
    array([ 0.5, -0.5])
    """
    value = np.asarray(value, dtype=float)
    cost = np.asarray(cost, dtype=float)
    if (cost <= 0).any() or not np.isfinite(cost).all():
        raise DataError(
            "ROI = (V - C) / C needs a positive, finite cost in every draw; some cost draws are "
            "zero, negative or not finite (check prices, MFU and fixed costs)"
        )
    return (value - cost) / cost


def value_at_risk(net_gain: ArrayLike, level: float = 0.95) -> float:
    """VaR at ``level``: minus the ``1 - level`` quantile of net gain (money lost, positive).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> net = stats.norm(1.0, 2.0).ppf((np.arange(100_000) + 0.5) / 100_000)
    >>> round(value_at_risk(net, 0.95), 2)    # -(1 - 1.645 x 2)
    2.29
    """
    _check_level(level)
    return float(-np.quantile(np.asarray(net_gain, dtype=float), 1.0 - level))


def conditional_value_at_risk(net_gain: ArrayLike, level: float = 0.95) -> float:
    """CVaR at ``level``: minus the mean net gain in the worst ``1 - level`` of draws.

    Computed as ``-(q + E[min(NB - q, 0)] / (1 - level))`` with ``q`` the ``1 - level``
    quantile (Rockafellar and Uryasev 2002), which is the tail mean for continuous outcomes.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> net = stats.norm(1.0, 2.0).ppf((np.arange(100_000) + 0.5) / 100_000)
    >>> round(conditional_value_at_risk(net, 0.95), 2)   # -(1 - 2 x phi(1.645) / 0.05)
    3.13
    """
    _check_level(level)
    x = np.asarray(net_gain, dtype=float)
    tail = 1.0 - level
    q = np.quantile(x, tail)
    return float(-(q + np.minimum(x - q, 0.0).mean() / tail))


def _cvar_mcse(x, level: float, n_chains) -> float:
    tail = 1.0 - level
    q = np.quantile(x, tail)
    shortfall = np.minimum(x - q, 0.0)
    return mcse_mean(shortfall, n_chains) / tail


def _check_level(level: float) -> None:
    if not 0.5 <= level < 1:
        raise DataError(f"level must be in [0.5, 1), e.g. 0.95; got {level!r}")


def decision_metrics(
    value: ArrayLike,
    cost: ArrayLike,
    *,
    threshold: float = 0.0,
    n_chains: int | None = None,
    interval_prob: float = INTERVAL_PROB,
    var_level: float = 0.95,
    currency: str = "USD",
) -> pd.DataFrame:
    """Every decision metric of one plan from joint draws of value and cost.

    Parameters
    ----------
    value, cost : arrays of shape (n,)
        Joint draws of present value V and cost C (same currency).
    threshold : float
        ROI threshold ``t`` as a fraction (0.20 = 20%).
    n_chains : int, optional
        MCMC chains behind the draws (``None``: independent draws, ESS = n).
    interval_prob : float
        Mass of the central intervals (default :data:`~scaling_bayes.core.constants.INTERVAL_PROB`).
    var_level : float
        Level of VaR and CVaR (default 0.95).

    Returns
    -------
    pandas.DataFrame
        Index ``metric``; columns ``estimate``, ``mc_se`` (Monte Carlo standard error),
        ``lower``/``upper`` (central interval of the quantity over draws, where meaningful),
        ``unit``, ``statistic``, ``definition``, ``pareto_k`` (Pareto k-hat of the draws behind
        an expectation, see :func:`pareto_khat`; NaN for probabilities and quantiles) and
        ``unreliable`` (``pareto_k > 0.7``: the expectation rests on a heavy tail and is not a
        reliable estimate). Rows: ``p_roi_above_threshold``,
        ``p_break_even``, ``expected_roi``, ``roi_p05`` ... ``roi_p95``,
        ``expected_value_over_expected_cost``, ``var``, ``cvar``, ``expected_net_benefit``,
        ``expected_value``, ``expected_cost``. ``attrs`` hold the conventions.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> table = decision_metrics(rng.normal(1.3e6, 2e5, 4000), np.full(4000, 1e6), threshold=0.2)
    >>> float(table.loc["p_roi_above_threshold", "estimate"].round(2))   # 1 - Phi(-0.5) = 0.69
    0.68
    """
    v = np.asarray(value, dtype=float).reshape(-1)
    c = np.asarray(cost, dtype=float).reshape(-1)
    if v.shape != c.shape:
        raise DataError(f"value has {v.size} draws but cost has {c.size}; they must match")
    if not np.isfinite(v).all():
        raise DataError("value draws must be finite")
    _check_level(var_level)
    if not 0 < interval_prob < 1:
        raise DataError(f"interval_prob must be in (0, 1), e.g. 0.9; got {interval_prob!r}")
    r = roi(v, c)
    nb = v - c
    tail = (1.0 - interval_prob) / 2.0
    pct = f"{round(interval_prob * 100)}%"
    lvl = f"{round(var_level * 100)}%"

    def interval(x):
        return np.quantile(x, [tail, 1.0 - tail])

    rows = []

    def add(metric, estimate, se, bounds, unit, statistic, definition):
        lo, hi = (np.nan, np.nan) if bounds is None else bounds
        rows.append(
            (metric, float(estimate), float(se), float(lo), float(hi), unit, statistic, definition)
        )

    p, se, _ = prob_exceeds(r, threshold, n_chains)
    add(
        "p_roi_above_threshold",
        p,
        se,
        None,
        "probability",
        "share of draws",
        f"P(ROI > {threshold:g})",
    )
    p0, se0, _ = prob_exceeds(r, 0.0, n_chains)
    add("p_break_even", p0, se0, None, "probability", "share of draws", "P(ROI > 0) = P(V > C)")
    add(
        "expected_roi",
        r.mean(),
        mcse_mean(r, n_chains),
        interval(r),
        "fraction",
        "mean",
        f"E[ROI]; bounds: central {pct} interval of ROI",
    )
    sorted_r = np.sort(r)
    for q in (0.05, 0.25, 0.50, 0.75, 0.95):
        add(
            f"roi_p{round(q * 100):02d}",
            np.quantile(sorted_r, q),
            mcse_quantile(r, q, n_chains, sorted_x=sorted_r),
            None,
            "fraction",
            "quantile",
            f"{round(q * 100)}th percentile of ROI",
        )
    mv, mc = v.mean(), c.mean()
    ratio = mv / mc
    ratio_se = mcse_mean(v - ratio * c, n_chains) / mc
    add(
        "expected_value_over_expected_cost",
        ratio,
        ratio_se,
        None,
        "ratio (break-even 1)",
        "ratio of means",
        "E[V] / E[C]: a benefit-cost ratio, break-even 1, NOT an ROI; "
        "the ROI of expected amounts is this minus 1",
    )
    var = value_at_risk(nb, var_level)
    add(
        "var",
        var,
        mcse_quantile(nb, 1.0 - var_level, n_chains),
        None,
        currency,
        "minus quantile",
        f"VaR {lvl}: minus the {round((1 - var_level) * 100)}th percentile of "
        "net benefit (money lost, positive; negative = even the worst outcomes gain)",
    )
    add(
        "cvar",
        conditional_value_at_risk(nb, var_level),
        _cvar_mcse(nb, var_level, n_chains),
        None,
        currency,
        "minus tail mean",
        f"CVaR {lvl}: minus the mean net benefit in the worst "
        f"{round((1 - var_level) * 100)}% of draws (money lost, positive)",
    )
    add(
        "expected_net_benefit",
        nb.mean(),
        mcse_mean(nb, n_chains),
        interval(nb),
        currency,
        "mean",
        f"E[V - C]; bounds: central {pct} interval of net benefit",
    )
    add(
        "expected_value",
        mv,
        mcse_mean(v, n_chains),
        interval(v),
        currency,
        "mean",
        f"E[V]; bounds: central {pct} interval",
    )
    add(
        "expected_cost",
        mc,
        mcse_mean(c, n_chains),
        interval(c),
        currency,
        "mean",
        f"E[C]; bounds: central {pct} interval",
    )
    table = pd.DataFrame(rows, columns=list(METRIC_COLUMNS)).set_index("metric")
    k_nb = pareto_khat(nb)
    k_v, k_c = pareto_khat(v), pareto_khat(c)
    table["pareto_k"] = pd.Series(
        {
            "expected_roi": pareto_khat(r),
            "expected_value_over_expected_cost": np.fmax(k_v, k_c),
            "cvar": k_nb,
            "expected_net_benefit": k_nb,
            "expected_value": k_v,
            "expected_cost": k_c,
        }
    )
    table["unreliable"] = table["pareto_k"] > PARETO_K_MAX
    table.attrs.update(
        roi_convention=ROI_CONVENTION,
        threshold=threshold,
        var_level=var_level,
        interval_prob=interval_prob,
        currency=currency,
        n_draws=int(v.size),
        ess_method=ess_method(n_chains),
    )
    return table


def evpi_from_draws(net_benefit: ArrayLike, n_chains: int | None = None) -> tuple[float, float]:
    """EVPI of a choice among options from joint draws of their net benefit.

    ``EVPI = E[max_d NB_d] - max_d E[NB_d]``: what removing all uncertainty would be worth
    before choosing (Raiffa and Schlaifer 1961). The Monte Carlo standard error is that of the
    mean of the regret ``max_d NB_d - NB_{d*}``, with ``d*`` the option best in expectation.

    Parameters
    ----------
    net_benefit : array of shape (n, options)
        Joint draws; include a column of zeros for "do nothing" if it is an option.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(0.0, 1.0, 100_000)
    >>> evpi, se = evpi_from_draws(np.column_stack([np.zeros_like(x), x]))
    >>> round(evpi, 2)      # E[max(X, 0)] for X ~ N(0, 1) is 1 / sqrt(2 pi) = 0.399
    0.4
    """
    nb = np.asarray(net_benefit, dtype=float)
    if nb.ndim != 2 or nb.shape[1] < 1:
        raise DataError(f"net_benefit must have shape (draws, options); got {nb.shape}")
    chosen = int(np.argmax(nb.mean(axis=0)))
    regret = nb.max(axis=1) - nb[:, chosen]
    return float(regret.mean()), mcse_mean(regret, n_chains)


def payback_summary(
    months: ArrayLike,
    *,
    target: float | None = None,
    n_chains: int | None = None,
    interval_prob: float = INTERVAL_PROB,
) -> dict[str, float]:
    """The payback period's distribution from its draws (months; inf = not within the horizon).

    Quantiles are read off the sorted draws without interpolation (an interval may end at inf:
    some draws never pay back). ``p_within_target`` is P(payback <= target months) and
    ``p_within_horizon`` P(payback < inf), each with its Monte Carlo error; all NaN when the
    draws are NaN (a present-value model has no payback period).

    Examples
    --------
    >>> import numpy as np
    >>> months = np.r_[np.full(60, 10.0), np.full(30, 30.0), np.full(10, np.inf)]
    >>> out = payback_summary(months, target=24)
    >>> out["median"], out["upper"], out["p_within_target"], out["p_within_horizon"]
    (10.0, inf, 0.6, 0.9)
    """
    m = np.asarray(months, dtype=float).reshape(-1)
    nan = float("nan")
    keys = ("median", "lower", "upper", "p_within_target", "p_within_target_mc_se")
    out = dict.fromkeys((*keys, "p_within_horizon", "p_within_horizon_mc_se"), nan)
    if m.size == 0 or np.isnan(m).all():
        return out
    tail = (1.0 - interval_prob) / 2.0
    lo, mid, hi = np.quantile(m, [tail, 0.5, 1.0 - tail], method="inverted_cdf")
    out.update(median=float(mid), lower=float(lo), upper=float(hi))
    p, se, _ = prob_exceeds(np.isfinite(m).astype(float), 0.5, n_chains)
    out.update(p_within_horizon=p, p_within_horizon_mc_se=se)
    if target is not None:
        p, se, _ = prob_exceeds((m <= float(target)).astype(float), 0.5, n_chains)
        out.update(p_within_target=p, p_within_target_mc_se=se)
    return out


def _one_number(value: Any) -> float:
    """``value`` as a float when it is one real number (not a bool, text or array); else NaN."""
    if isinstance(value, bool | str) or np.ndim(value) != 0:
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def check_payback_target(payback_target: Any) -> float | None:
    """A payback target in months: None, or a positive finite number (months are not years).

    Examples
    --------
    >>> check_payback_target(24)
    24.0
    >>> check_payback_target(0)
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.DataError: payback_target must be a positive number of months \
(e.g. 24 for two years); got 0
    """
    if payback_target is None:
        return None
    months = _one_number(payback_target)
    if not np.isfinite(months) or months <= 0:
        raise DataError(
            "payback_target must be a positive number of months (e.g. 24 for two years); got "
            f"{payback_target!r}"
        )
    return months


def check_kpi_target(kpi_target: Any) -> float | None:
    """A KPI target on the forecast's scale (the loss or metric a plan must reach), or None."""
    if kpi_target is None:
        return None
    value = _one_number(kpi_target)
    if not np.isfinite(value):
        raise DataError(
            f"kpi_target must be one finite number on the forecast's scale (e.g. 0.05 for an "
            f"error rate of 5%); got {kpi_target!r}"
        )
    return value


def p_kpi_target_met(
    loss: np.ndarray, kpi_target: float | None, n_chains: int | None
) -> tuple[float, float]:
    """``P(loss <= kpi_target)`` over a plan's draws, with its Monte Carlo standard error.

    Parameters
    ----------
    loss : numpy.ndarray
        Forecast loss draws of one plan.
    kpi_target : float or None
        The target (already checked by :func:`check_kpi_target`); None gives ``(nan, nan)``.
    n_chains : int or None
        Chains behind the draws (None: independent draws).

    Returns
    -------
    (p, mc_se)

    Examples
    --------
    >>> import numpy as np
    >>> p_kpi_target_met(np.array([0.1, 0.2, 0.3, 0.4]), 0.25, None)[0]
    0.5
    """
    if kpi_target is None:
        return float("nan"), float("nan")
    p, se, _ = prob_exceeds((loss <= kpi_target).astype(float), 0.5, n_chains)
    return p, se


def ess_method(n_chains: int | None) -> str:
    """How the effective sample sizes behind the standard errors were obtained, in words."""
    if n_chains is None:
        return "independent draws: ESS = number of draws"
    return (
        f"draws from {n_chains} MCMC chain(s): ESS estimated per quantity (split-chain, "
        "Geyer initial monotone sequence, as arviz.ess), capped at the number of draws"
    )
