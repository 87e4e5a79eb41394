"""The probability that one investment pays off: :func:`assess_roi`.

Turns loss draws at the plan's scale into joint draws of value and cost and reports every
decision metric with its Monte Carlo error, as a table and as a paragraph a board member can
read. Conventions: ROI = (V - C) / C with break-even 0; VaR and CVaR are money lost (positive).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.constants import INTERVAL_PROB
from ..core.diagnostics import NOT_CONVERGED_BANNER
from .inputs import seed_entropy
from .joint import (
    LossDraws,
    PlanDraws,
    check_plans,
    check_reference_losses,
    check_threshold,
    resolve_losses,
    simulate_plan,
    warn_unconverged,
)
from .metrics import (
    METRIC_COLUMNS,
    ROI_CONVENTION,
    decision_metrics,
    ess_method,
    mcse_quantile,
)
from .plan import Investment
from .wording import format_money, format_percent, likelihood_words

__all__ = ["RiskResult", "assess_roi"]

_FOOTPRINT = (
    ("gpu_hours", "GPU-hours", "GPU-hours of training"),
    ("energy_mwh", "MWh", "energy: GPU-hours x board power x PUE"),
    ("co2e_t", "t CO2e", "emissions: energy x grid intensity"),
)


@dataclass(frozen=True)
class RiskResult:
    """What :func:`assess_roi` returns.

    Attributes
    ----------
    plan : Investment
    threshold : float
        The ROI threshold ``t`` (fraction).
    table : pandas.DataFrame
        One row per metric (see :func:`~scaling_bayes.decision.metrics.decision_metrics`) plus
        ``loss``, ``gpu_hours``, ``energy_mwh`` and ``co2e_t`` (medians with intervals).
        ``attrs`` hold the ROI convention, threshold, seed, ESS method and convergence verdict.
    text : str
        One paragraph for a memo.
    draws : PlanDraws
        The joint draws (``draws.frame()`` for a DataFrame).
    losses : LossDraws
        The loss draws and where they came from.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue, assess_roi
    >>> plan = Investment(params=7e9, tokens=1.4e11,
    ...                   value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5))
    >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 2000), plan, random_seed=0)
    >>> risk.table.attrs["roi_convention"]
    'ROI = (V - C) / C, break-even 0 (V value, C cost; not V / C)'
    >>> 0 <= risk.probability <= 1
    True
    """

    plan: Investment
    threshold: float
    table: pd.DataFrame
    text: str
    draws: PlanDraws
    losses: LossDraws
    entropy: int

    @property
    def converged(self) -> bool:
        return bool(self.table.attrs["converged"])

    @property
    def probability(self) -> float:
        """P(ROI > threshold)."""
        return float(self.table.loc["p_roi_above_threshold", "estimate"])

    def __str__(self) -> str:
        return self.text


def assess_roi(
    source,
    plan: Investment,
    *,
    threshold: float = 0.0,
    random_seed: int | None = None,
    kind: str = "predictive",
    interval_prob: float = INTERVAL_PROB,
    var_level: float = 0.95,
) -> RiskResult:
    """Probability that an investment pays off, and every decision metric around it.

    Parameters
    ----------
    source : ScalingLawModel, Forecast or array
        A fitted model (predicted at the plan's scale), a forecast holding the plan's scale, or
        loss draws of shape ``(draws,)``.
    plan : Investment
    threshold : float
        ROI threshold as a fraction: 0.20 asks for P(ROI > 20%). Values above 5 in magnitude
        warn (probably percents).
    random_seed : int, optional
        Seeds the business-input draws and the forecast noise; same seed, same numbers.
    kind : {"predictive", "mean"}
        ``"predictive"`` (default): the loss the run will show, law plus run-to-run noise;
        ``"mean"``: the law alone.
    interval_prob : float
        Mass of the central intervals (default 0.90).
    var_level : float
        Level of VaR and CVaR (default 0.95).

    Returns
    -------
    RiskResult
        ``.table`` and ``.text``; ROI = (V - C) / C, break-even 0.

    Raises
    ------
    DataError
        Bad plans, thresholds or draws; value functions returning the wrong shape or NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from scaling_bayes.decision import ComputeCost, Investment, LinearValue, assess_roi
    >>> loss = np.random.default_rng(0).normal(2.3, 0.05, 4000)
    >>> plan = Investment(params=7e9, tokens=1.4e11,
    ...                   cost=ComputeCost(usd_per_gpu_hour=stats.uniform(2, 2), fixed_usd=40_000),
    ...                   value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=3e5))
    >>> risk = assess_roi(loss, plan, threshold=0.2, random_seed=0)
    >>> risk.table.loc["p_roi_above_threshold", ["estimate", "mc_se"]].round(3).tolist()
    [0.97, 0.003]
    """
    plan = check_plans(plan)[0]
    threshold = check_threshold(threshold)
    entropy = seed_entropy(random_seed)
    losses = resolve_losses(source, [plan], entropy=entropy, kind=kind)
    check_reference_losses([plan], losses)
    draws = simulate_plan(plan, losses.loss[:, 0], entropy)
    table = decision_metrics(
        draws.value,
        draws.cost,
        threshold=threshold,
        n_chains=losses.n_chains,
        interval_prob=interval_prob,
        var_level=var_level,
        currency=plan.currency,
    )
    table = pd.concat([table, _median_rows(draws, losses, interval_prob)])
    scale = losses.scales.iloc[0]
    table.attrs.update(
        plan=plan.label,
        roi_convention=ROI_CONVENTION,
        threshold=threshold,
        interval_prob=interval_prob,
        var_level=var_level,
        currency=plan.currency,
        n_draws=losses.n_draws,
        ess_method=ess_method(losses.n_chains),
        source=losses.source,
        kind=kind,
        random_seed=random_seed,
        seed_entropy=entropy,
        extrapolation_ratio=float(scale["extrapolation_ratio"]),
        assumptions=plan.describe(),
        converged=losses.converged,
        warning="" if losses.converged else NOT_CONVERGED_BANNER,
    )
    text = risk_text(plan, table, losses)
    warn_unconverged(losses.converged, "ROI assessment")
    return RiskResult(
        plan=plan,
        threshold=threshold,
        table=table,
        text=text,
        draws=draws,
        losses=losses,
        entropy=entropy,
    )


def _median_rows(draws: PlanDraws, losses: LossDraws, interval_prob: float) -> pd.DataFrame:
    tail = (1 - interval_prob) / 2
    pct = f"{round(interval_prob * 100)}%"
    rows = []
    series = [("loss", draws.loss, "loss", f"forecast loss ({losses.kind})")]
    series += [(key, draws.footprint[key], unit, what) for key, unit, what in _FOOTPRINT]
    for key, x, unit, what in series:
        lo, mid, hi = np.quantile(x, [tail, 0.5, 1 - tail])
        se = mcse_quantile(x, 0.5, losses.n_chains) if np.ptp(x) > 0 else 0.0
        rows.append(
            (key, mid, se, lo, hi, unit, "median", f"{what}; bounds: central {pct} interval")
        )
    return pd.DataFrame(rows, columns=list(METRIC_COLUMNS)).set_index("metric")


def risk_text(plan: Investment, table: pd.DataFrame, losses: LossDraws) -> str:
    """The memo paragraph of an ROI assessment (see :func:`assess_roi`)."""
    a = table.attrs
    cur = a["currency"]
    n = a["n_draws"]
    t = a["threshold"]
    pct = f"{round(a['interval_prob'] * 100)}%"
    lvl = f"{round(a['var_level'] * 100)}%"

    def est(key):
        return table.loc[key, "estimate"]

    def words(key):
        return likelihood_words(est(key), table.loc[key, "mc_se"], n)

    parts = []
    if not a["converged"]:
        parts.append(f"{NOT_CONVERGED_BANNER}.")
    parts.append(
        f"Training {plan.label} is {words('p_roi_above_threshold')} to return more than "
        f"{format_percent(t)} on its cost (ROI > {t:g}, where ROI = (V - C) / C and break-even "
        f"is 0), and {words('p_break_even')} at least to break even (ROI > 0)."
    )
    parts.append(
        f"Median ROI is {format_percent(est('roi_p50'))} ({pct} of outcomes between "
        f"{format_percent(est('roi_p05'))} and {format_percent(est('roi_p95'))}); expected net "
        f"benefit {format_money(est('expected_net_benefit'), cur)} ({pct} interval "
        f"{format_money(table.loc['expected_net_benefit', 'lower'], cur)} to "
        f"{format_money(table.loc['expected_net_benefit', 'upper'], cur)}) on an expected cost "
        f"of {format_money(est('expected_cost'), cur)}."
    )
    var, cvar = est("var"), est("cvar")
    if var > 0:
        parts.append(
            f"In the worst {100 - int(lvl[:-1])}% of outcomes it loses at least "
            f"{format_money(var, cur)} (VaR {lvl}) and on average {format_money(cvar, cur)} "
            f"(CVaR {lvl})."
        )
    elif cvar > 0:
        parts.append(
            f"Even the {100 - int(lvl[:-1])}th percentile outcome gains "
            f"{format_money(-var, cur)} (VaR {lvl} = {format_money(var, cur)}), but the worst "
            f"tail loses {format_money(cvar, cur)} on average (CVaR {lvl})."
        )
    else:
        parts.append(
            f"Even the worst {100 - int(lvl[:-1])}% of outcomes gain money on average "
            f"(VaR {lvl} {format_money(var, cur)}, CVaR {lvl} {format_money(cvar, cur)}; "
            "negative = gain)."
        )
    parts.append(
        f"The run needs about {_num(est('gpu_hours'))} GPU-hours ({pct} interval "
        f"{_num(table.loc['gpu_hours', 'lower'])}-{_num(table.loc['gpu_hours', 'upper'])}), "
        f"{_num(est('energy_mwh'))} MWh and {_num(est('co2e_t'))} t CO2e."
    )
    parts.append(f"Assumptions: {plan.describe()}")
    ratio = a.get("extrapolation_ratio", np.nan)
    if np.isfinite(ratio):
        parts.append(
            f"The forecast reaches {ratio:.3g}x the largest training compute observed; "
            "forecast errors grow with this ratio."
        )
    source = {
        "model": "the fitted scaling law",
        "forecast": "the forecast",
        "draws": "the loss draws given",
    }[losses.source]
    parts.append(
        f"Probabilities are shares of {n:,} joint draws of {source} and the business inputs "
        f"({a['ess_method']}); ± is one Monte Carlo standard error."
    )
    return " ".join(parts)


def _num(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.3g}M"
    if x >= 1e3:
        return f"{x / 1e3:.3g}k"
    return f"{x:.3g}"
