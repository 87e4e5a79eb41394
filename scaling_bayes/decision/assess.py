"""The probability that one investment pays off: :func:`assess_roi`.

Turns loss draws at the plan's scale into joint draws of value and cost and reports every
decision metric with its Monte Carlo error, as a table and as a paragraph a board member can
read. Conventions: ROI = (V - C) / C with break-even 0; VaR and CVaR are money lost (positive).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..core.constants import INTERVAL_PROB
from .cost import COST_COMPONENTS
from .inputs import seed_entropy
from .joint import (
    LossDraws,
    PlanDraws,
    check_plans,
    check_reference_losses,
    check_threshold,
    joint_dataset,
    resolve_losses,
    simulate_plan,
)
from .metrics import (
    METRIC_COLUMNS,
    PARETO_K_MAX,
    ROI_CONVENTION,
    check_kpi_target,
    check_payback_target,
    decision_metrics,
    ess_method,
    mcse_mean,
    mcse_quantile,
    p_kpi_target_met,
    pareto_khat,
    payback_summary,
)
from .plan import Investment
from .results import DecisionResult, attach_legacy_attrs

if TYPE_CHECKING:
    import xarray as xr

    from ..core.forecast import Forecast
    from ..core.model import ScalingLawModel

__all__ = ["RiskResult", "assess_roi", "risk_from_draws"]

_FOOTPRINT = (
    ("gpu_hours", "GPU-hours", "GPU-hours of training"),
    ("energy_mwh", "MWh", "energy: GPU-hours x board power x PUE"),
    ("co2e_t", "t CO2e", "emissions: energy x grid intensity"),
)


@dataclass(frozen=True, kw_only=True)
class RiskResult(DecisionResult):
    """What :func:`assess_roi` returns.

    Attributes
    ----------
    plan : Investment
    threshold : float
        The ROI threshold ``t`` (fraction).
    table : pandas.DataFrame
        One row per metric (see :func:`~scaling_bayes.decision.metrics.decision_metrics`) plus
        ``loss``, ``gpu_hours``, ``energy_mwh`` and ``co2e_t`` (medians with intervals); the
        cost by part ``cost_data``, ``cost_compute``, ``cost_energy``, ``cost_carbon``,
        ``cost_fixed``, ``cost_integration``, ``cost_running`` (means, summing to
        ``expected_cost``); ``payback_months`` (median with central interval; inf: not paid
        back within the horizon), ``p_payback_within_horizon``, ``p_payback_within_target``,
        ``npv`` (E[V - C]) and ``p_kpi_target_met`` (NaN without the targets).
    text : str
        One paragraph for a memo (written by the report layer).
    draws : PlanDraws
        The joint draws (``draws.frame()`` for a DataFrame).
    losses : LossDraws
        The loss draws and where they came from.
    entropy : int
        Seed entropy of the business-input draws.
    interval_prob, var_level : float
        Mass of the central intervals; level of VaR and CVaR.
    currency : str
    n_draws : int
        Joint draws behind every number.
    ess_method : str
        How the effective sample sizes were obtained.
    source, kind : str
        Where the loss draws came from (``"model"``, ``"forecast"``, ``"draws"``) and which
        (``"predictive"`` or ``"mean"``).
    random_seed : int or None
    extrapolation_ratio : float
        Plan compute over the largest observed compute (NaN when unknown).
    payback_target : float or None
        Payback target in months set in advance.
    kpi_target : float or None
        KPI target on the forecast's scale (met when the forecast is at or below it).
    converged : bool

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue, assess_roi
    >>> plan = Investment(params=7e9, tokens=1.4e11,
    ...                   value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5))
    >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 2000), plan, random_seed=0)
    >>> risk.roi_convention
    'ROI = (V - C) / C, break-even 0 (V value, C cost; not V / C)'
    >>> 0 <= risk.probability <= 1
    True
    """

    plan: Investment
    threshold: float
    draws: PlanDraws
    losses: LossDraws
    entropy: int
    interval_prob: float
    var_level: float
    currency: str
    n_draws: int
    ess_method: str
    source: str
    kind: str
    random_seed: int | None
    extrapolation_ratio: float
    payback_target: float | None = None
    kpi_target: float | None = None

    roi_convention = ROI_CONVENTION

    @property
    def joint(self) -> xr.Dataset:
        """The joint draws as an ``xarray.Dataset`` with dims ``(chain, draw, plan)``."""
        return joint_dataset([self.draws], self.losses.n_chains)

    @property
    def heavy_tailed(self) -> bool:
        """True when an expectation in the table rests on a heavy tail (Pareto k-hat > 0.7)."""
        return bool(self.table["unreliable"].any())

    @property
    def probability(self) -> float:
        """P(ROI > threshold)."""
        return float(self.table.loc["p_roi_above_threshold", "estimate"])

    @property
    def assumptions(self) -> str:
        """The plan's scale, cost and value assumptions in words."""
        return self.plan.describe()


def assess_roi(
    source: ScalingLawModel | Forecast | ArrayLike,
    plan: Investment,
    *,
    threshold: float = 0.0,
    random_seed: int | None = None,
    kind: str = "predictive",
    interval_prob: float = INTERVAL_PROB,
    var_level: float = 0.95,
    payback_target: float | None = None,
    kpi_target: float | None = None,
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
    payback_target : float, optional
        Payback target in months, set in advance (adds ``p_payback_within_target``).
    kpi_target : float, optional
        KPI to reach on the forecast's scale (adds ``p_kpi_target_met`` = P(loss <= target)).

    Returns
    -------
    RiskResult
        ``.table`` and ``.text``; ROI = (V - C) / C, break-even 0. Draws from a fit that did
        not converge are not warned about again (the fit warned once): ``converged`` is False
        and ``.text`` opens with the not-converged banner.

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
    payback_target = check_payback_target(payback_target)
    kpi_target = check_kpi_target(kpi_target)
    entropy = seed_entropy(random_seed)
    losses = resolve_losses(source, [plan], entropy=entropy, kind=kind)
    check_reference_losses([plan], losses)
    draws = simulate_plan(plan, losses.loss[:, 0], entropy)
    return risk_from_draws(
        draws,
        losses,
        threshold=threshold,
        entropy=entropy,
        interval_prob=interval_prob,
        var_level=var_level,
        random_seed=random_seed,
        payback_target=payback_target,
        kpi_target=kpi_target,
    )


def risk_from_draws(
    draws: PlanDraws,
    losses: LossDraws,
    *,
    threshold: float,
    entropy: int,
    interval_prob: float = INTERVAL_PROB,
    var_level: float = 0.95,
    random_seed: int | None = None,
    payback_target: float | None = None,
    kpi_target: float | None = None,
) -> RiskResult:
    """The :class:`RiskResult` of joint draws already made (no new draws, no forecast).

    :func:`assess_roi` calls it on fresh draws; :meth:`ScaleLadder.risk
    <scaling_bayes.decision.ScaleLadder.risk>` on one plan of a ladder, so the per-plan table
    and the ladder state the same numbers by construction.

    Parameters
    ----------
    draws : PlanDraws
        Joint draws of the plan.
    losses : LossDraws
        Where the loss draws came from, with one column and one row of scales (this plan).
    threshold : float
        ROI threshold (already checked).
    entropy : int
        Seed entropy the business inputs were drawn with.
    interval_prob, var_level : float
    random_seed : int, optional
        The seed the caller gave, recorded on the result.
    payback_target, kpi_target : float, optional
        Targets set in advance (already checked).

    Returns
    -------
    RiskResult
    """
    plan = draws.plan
    table = decision_metrics(
        draws.value,
        draws.cost,
        threshold=threshold,
        n_chains=losses.n_chains,
        interval_prob=interval_prob,
        var_level=var_level,
        currency=plan.currency,
    )
    table = pd.concat(
        [
            table,
            _median_rows(draws, losses, interval_prob),
            _kpi_rows(draws, losses, interval_prob, payback_target, kpi_target),
        ]
    )
    # medians are not expectations: no Pareto k, never flagged
    table["unreliable"] = table["pareto_k"] > PARETO_K_MAX
    scale = losses.scales.iloc[0]
    result = RiskResult(
        plan=plan,
        threshold=threshold,
        table=table,
        draws=draws,
        losses=losses,
        entropy=entropy,
        interval_prob=interval_prob,
        var_level=var_level,
        kind=losses.kind,
        random_seed=random_seed,
        extrapolation_ratio=float(scale["extrapolation_ratio"]),
        payback_target=payback_target,
        kpi_target=kpi_target,
        **_draw_fields(losses, plan.currency),
    )
    attach_legacy_attrs(
        table,
        "RiskResult",
        {
            "plan": plan.label,
            "roi_convention": ROI_CONVENTION,
            **result.fields(),
            "seed_entropy": entropy,
            "assumptions": plan.describe(),
            "warning": result.warning,
        },
        {"plan": "plan.label", "seed_entropy": "entropy"},
    )
    return result


def _draw_fields(losses: LossDraws, currency: str) -> dict:
    """The fields a result of joint draws states about them (shared with the scale ladder)."""
    return {
        "currency": currency,
        "n_draws": losses.n_draws,
        "ess_method": ess_method(losses.n_chains),
        "source": losses.source,
        "converged": losses.converged,
    }


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


def _kpi_rows(draws: PlanDraws, losses: LossDraws, interval_prob, payback_target, kpi_target):
    """Cost by part, payback period, NPV and the KPI target as rows of the metric table."""
    chains = losses.n_chains
    tail = (1 - interval_prob) / 2
    pct = f"{round(interval_prob * 100)}%"
    cur = draws.plan.currency
    rows = []
    for part in COST_COMPONENTS:
        x = draws.breakdown.get(part, np.zeros(draws.loss.size))
        lo, hi = np.quantile(x, [tail, 1 - tail])
        se = mcse_mean(x, chains) if np.ptp(x) > 0 else 0.0
        rows.append(
            (
                f"cost_{part}",
                x.mean(),
                se,
                lo,
                hi,
                cur,
                "mean",
                f"E[{part} cost] (the parts sum to the expected cost); bounds: central {pct} "
                "interval",
            )
        )
    pay = payback_summary(
        draws.payback, target=payback_target, n_chains=chains, interval_prob=interval_prob
    )
    rows.append(
        (
            "payback_months",
            pay["median"],
            np.nan,
            pay["lower"],
            pay["upper"],
            "months",
            "median",
            "months until cumulative discounted value less running costs exceeds the one-off "
            f"cost (inf: not within the horizon); bounds: central {pct} interval",
        )
    )
    rows.append(
        (
            "p_payback_within_horizon",
            pay["p_within_horizon"],
            pay["p_within_horizon_mc_se"],
            np.nan,
            np.nan,
            "probability",
            "share of draws",
            "P(payback within the value horizon)",
        )
    )
    target = "no target" if payback_target is None else f"{payback_target:g} months"
    rows.append(
        (
            "p_payback_within_target",
            pay["p_within_target"],
            pay["p_within_target_mc_se"],
            np.nan,
            np.nan,
            "probability",
            "share of draws",
            f"P(payback <= target) with target {target}",
        )
    )
    nb = draws.net_benefit
    lo, hi = np.quantile(nb, [tail, 1 - tail])
    rows.append(
        (
            "npv",
            nb.mean(),
            mcse_mean(nb, chains),
            lo,
            hi,
            cur,
            "mean",
            "net present value E[V - C], value and running costs discounted (= expected net "
            f"benefit); bounds: central {pct} interval",
        )
    )
    p, se = p_kpi_target_met(draws.loss, kpi_target, chains)
    kpi = "no target" if kpi_target is None else f"{kpi_target:g}"
    rows.append(
        (
            "p_kpi_target_met",
            p,
            se,
            np.nan,
            np.nan,
            "probability",
            "share of draws",
            f"P(forecast <= KPI target) with target {kpi}",
        )
    )
    out = pd.DataFrame(rows, columns=list(METRIC_COLUMNS)).set_index("metric")
    out["pareto_k"] = np.nan
    # NPV is the expected net benefit: flagged on the same heavy tail
    out.loc["npv", "pareto_k"] = pareto_khat(nb)
    return out
