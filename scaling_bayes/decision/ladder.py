"""Across scales: which plan, where returns stop being worth it, and acceptability curves.

:func:`compare_scales` evaluates candidate plans on the same joint draws (one posterior draw and
one draw of every business input per row, shared by all plans), so differences between plans,
the probability that each is best and the marginal return of each step up the ladder are computed
draw by draw. Conventions: ROI = (V - C) / C, break-even 0; net benefit NB = V - C.

Marginal return along the ladder (plans sorted by expected cost): for the step from plan ``i-1``
to plan ``i``, ``dE[V]/dE[C]`` is the extra expected value per extra expected dollar and
``dE[NB]/dE[C] = dE[V]/dE[C] - 1`` the extra expected net benefit per extra dollar. The **stop
point** is the last plan before the first step whose expected marginal net benefit is negative;
it is reported with the probability that the next step would still pay, ``P(NB_{i+1} > NB_i)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..core.constants import INTERVAL_PROB
from ..core.exceptions import DataError
from .assess import RiskResult, _draw_fields, risk_from_draws
from .cost import COST_COMPONENTS
from .inputs import seed_entropy
from .joint import (
    LossDraws,
    PlanDraws,
    check_plans,
    check_reference_losses,
    check_threshold,
    check_workload,
    draw_count,
    joint_dataset,
    resolve_losses,
    simulate_plan,
)
from .metrics import (
    PARETO_K_MAX,
    ROI_CONVENTION,
    check_kpi_target,
    check_payback_target,
    effective_sample_size,
    evpi_from_draws,
    mcse_mean,
    p_kpi_target_met,
    pareto_khat,
    payback_summary,
    prob_exceeds,
)
from .plan import Investment
from .results import AcceptabilityCurve, DecisionResult, attach_legacy_attrs
from .value import LinearValue

if TYPE_CHECKING:
    import xarray as xr

    from ..core.forecast import Forecast
    from ..core.model import ScalingLawModel

__all__ = ["DO_NOTHING", "ScaleLadder", "acceptability_curve", "compare_scales"]

DO_NOTHING = "do nothing"


@dataclass(frozen=True, kw_only=True)
class ScaleLadder(DecisionResult):
    """What :func:`compare_scales` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per plan, sorted by expected cost (see :func:`compare_scales`).
    text : str
        A paragraph for a memo (written by the report layer).
    draws : list of PlanDraws
        Joint draws of each plan, in the table's order.
    losses : LossDraws
    threshold : float
    include_do_nothing : bool
        Whether "do nothing" (net benefit 0) is one of the options.
    entropy : int
        Seed entropy of the business-input draws.
    interval_prob : float
    currency : str
    n_draws : int
    ess_method, source : str
    best : str
        The option with the highest expected net benefit (may be "do nothing").
    stop_point : str
        The plan after which the expected marginal net benefit turns negative; the largest plan
        when no step within the ladder has a negative expected marginal net benefit
        (``stop_reached`` is then False).
    stop_reached : bool
    p_next_step_pays, p_next_step_pays_mc_se : float
        P(NB of the step after the stop point > 0) and its Monte Carlo error (NaN when the stop
        point is not reached).
    p_best_do_nothing, p_best_do_nothing_mc_se : float
        Share of draws in which doing nothing is best, and its Monte Carlo error (NaN without
        that option).
    evpi, evpi_mc_se : float
        Expected value of perfect information of the choice, and its Monte Carlo error.
    evpi_pareto_k : float
        Pareto k-hat of the regret draws behind the EVPI (above 0.7: unreliable).
    payback_target : float or None
        Payback target in months set in advance (``p_payback_within_target`` is against it).
    kpi_target : float or None
        KPI target on the forecast's scale (``p_kpi_target_met`` = P(loss <= target)).
    horizon_months : float
        Months the value is earned (median over draws; NaN for a present-value model):
        payback beyond it is censored (inf).
    converged : bool

    Examples
    --------
    See :func:`compare_scales`: ``ladder.best``, ``ladder.stop_point``,
    ``ladder.net_benefit_matrix()`` (draws x options, "do nothing" first), ``ladder.risk(plan)``
    (one plan's RiskResult from the ladder's own draws) and ``ScaleLadder.from_risk(risk)``.

    A fit that did not converge warned once, when it was fitted; the ladder does not warn
    again: ``converged`` is False and ``.text`` and every table built from it say so.
    """

    draws: list
    losses: LossDraws
    threshold: float
    include_do_nothing: bool
    entropy: int
    interval_prob: float
    currency: str
    n_draws: int
    ess_method: str
    source: str
    best: str
    stop_point: str
    stop_reached: bool
    p_next_step_pays: float
    p_next_step_pays_mc_se: float
    p_best_do_nothing: float
    p_best_do_nothing_mc_se: float = float("nan")
    evpi: float = float("nan")
    evpi_mc_se: float = float("nan")
    evpi_pareto_k: float = float("nan")
    payback_target: float | None = None
    kpi_target: float | None = None
    horizon_months: float = float("nan")

    @property
    def heavy_tailed(self) -> bool:
        """True when an expectation of some plan, or the EVPI, rests on a heavy tail (k > 0.7)."""
        return bool(self.table["heavy_tailed"].any()) or bool(self.evpi_pareto_k > PARETO_K_MAX)

    roi_convention = ROI_CONVENTION
    net_benefit = "NB = V - C (money; positive = gain)"
    marginal = (
        "dE[V]/dE[C] and dE[NB]/dE[C] = dE[V]/dE[C] - 1 from the previous plan "
        "(the first plan: from doing nothing); plans sorted by expected cost"
    )

    @property
    def joint(self) -> xr.Dataset:
        """The joint draws as an ``xarray.Dataset`` with dims ``(chain, draw, plan)``."""
        return joint_dataset(self.draws, self.losses.n_chains)

    def risk(self, plan: str | int | Investment) -> RiskResult:
        """The :class:`~scaling_bayes.decision.RiskResult` of one plan, from the ladder's draws.

        No new draws and no forecast: the per-plan table (ROI percentiles, VaR, CVaR, ...) is
        computed on the very joint draws behind the ladder's row, so both state the same
        probabilities and expectations.

        Parameters
        ----------
        plan : str, int or Investment
            The plan's label, its 0-based row in :attr:`table`, or the plan itself.

        Returns
        -------
        RiskResult

        Examples
        --------
        >>> import numpy as np
        >>> from scaling_bayes.decision import Investment, LinearValue, compare_scales
        >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6)
        >>> plans = [Investment(params=n, tokens=20 * n, value=value) for n in (1e9, 3e9)]
        >>> rng = np.random.default_rng(0)
        >>> loss = np.column_stack([rng.normal(m, 0.03, 1000) for m in (2.45, 2.35)])
        >>> ladder = compare_scales(loss, plans, random_seed=0)
        >>> risk = ladder.risk(1)
        >>> bool(risk.probability == ladder.table["p_roi_above_threshold"].iloc[1])
        True
        """
        j = self._row(plan)
        d = self.draws[j]
        scales = self.table.iloc[[j]][list(self.losses.scales.columns)].reset_index(drop=True)
        one = dataclasses.replace(self.losses, loss=d.loss[:, None], scales=scales)
        return risk_from_draws(
            d,
            one,
            threshold=self.threshold,
            entropy=self.entropy,
            interval_prob=self.interval_prob,
            payback_target=self.payback_target,
            kpi_target=self.kpi_target,
        )

    def cost_breakdown(self) -> pd.DataFrame:
        """The cost of each plan by part: the numbers behind a stacked cost bar.

        Returns
        -------
        pandas.DataFrame
            Long format, one row per plan and part of
            :data:`~scaling_bayes.decision.cost.COST_COMPONENTS` (in the table's order):
            ``plan``, ``component``, ``mean`` (the means sum to the plan's ``expected_cost``),
            ``median``, ``lower``, ``upper`` (central interval), ``share`` (of the expected
            cost) and ``currency``.

        Examples
        --------
        >>> import numpy as np
        >>> from scaling_bayes.decision import ComputeCost, Investment, LinearValue
        >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6)
        >>> cost = ComputeCost(mfu=0.4, fixed_usd=5e4)
        >>> plans = [Investment(params=n, tokens=20 * n, value=value, cost=cost)
        ...          for n in (1e9, 3e9)]
        >>> loss = np.random.default_rng(0).normal([2.45, 2.35], 0.03, (1000, 2))
        >>> ladder = compare_scales(loss, plans, random_seed=0)
        >>> totals = ladder.cost_breakdown().groupby("plan", sort=False)["mean"].sum()
        >>> bool(np.allclose(totals.to_numpy(), ladder.table["expected_cost"]))
        True
        """
        tail = (1 - self.interval_prob) / 2
        rows = []
        for d in self.draws:
            total = d.cost.mean()
            for part in COST_COMPONENTS:
                x = d.breakdown.get(part, np.zeros(d.loss.size))
                lo, mid, hi = np.quantile(x, [tail, 0.5, 1 - tail])
                rows.append(
                    {
                        "plan": d.plan.label,
                        "component": part,
                        "mean": float(x.mean()),
                        "median": float(mid),
                        "lower": float(lo),
                        "upper": float(hi),
                        "share": float(x.mean() / total),
                        "currency": self.currency,
                    }
                )
        return pd.DataFrame(rows)

    def payback_curve(self, months: ArrayLike | None = None) -> pd.DataFrame:
        """P(paid back within m months) of each plan: the numbers behind a payback plot.

        Parameters
        ----------
        months : array-like, optional
            Months to evaluate (default 0 to the horizon, monthly).

        Returns
        -------
        pandas.DataFrame
            ``plan``, ``months``, ``p_paid_back`` (share of draws whose payback period is at
            most ``months``; it stays below 1 when some draws never pay back within the
            horizon). Empty for present-value models (no payback period).
        """
        if months is None:
            end = self.horizon_months if np.isfinite(self.horizon_months) else 0.0
            months = np.arange(0.0, np.ceil(end) + 1.0)
        months = np.atleast_1d(np.asarray(months, dtype=float))
        if months.ndim != 1 or not np.isfinite(months).all() or (months < 0).any():
            raise DataError("months must be a 1-d list of non-negative numbers of months")
        frames = []
        for d in self.draws:
            m = np.sort(d.payback)
            if np.isnan(m).all():
                continue
            share = np.searchsorted(m, months, side="right") / m.size
            frames.append(
                pd.DataFrame({"plan": d.plan.label, "months": months, "p_paid_back": share})
            )
        if not frames:
            return pd.DataFrame(columns=["plan", "months", "p_paid_back"])
        return pd.concat(frames, ignore_index=True)

    @classmethod
    def from_risk(cls, risk: RiskResult, *, include_do_nothing: bool = True) -> ScaleLadder:
        """A one-plan ladder on a :class:`~scaling_bayes.decision.RiskResult`'s own draws.

        Examples
        --------
        >>> import numpy as np
        >>> from scaling_bayes.decision import Investment, LinearValue, assess_roi
        >>> plan = Investment(params=7e9, tokens=1.4e11,
        ...                   value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5))
        >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 1000), plan,
        ...                   random_seed=0)
        >>> ladder = ScaleLadder.from_risk(risk)
        >>> bool(ladder.table["p_roi_above_threshold"].iloc[0] == risk.probability)
        True
        """
        if not isinstance(risk, RiskResult):
            raise DataError(f"from_risk needs a RiskResult (assess_roi); got {type(risk).__name__}")
        return _ladder_from_draws(
            [risk.draws],
            risk.losses,
            threshold=risk.threshold,
            entropy=risk.entropy,
            interval_prob=risk.interval_prob,
            include_do_nothing=_check_include_do_nothing(include_do_nothing),
            payback_target=risk.payback_target,
            kpi_target=risk.kpi_target,
        )

    def _row(self, plan) -> int:
        labels = [d.plan.label for d in self.draws]
        if isinstance(plan, Investment):
            plan = plan.label
        if isinstance(plan, str):
            if plan not in labels:
                raise DataError(f"plan {plan!r} is not in the ladder; its plans are {labels}")
            return labels.index(plan)
        if isinstance(plan, int | np.integer) and not isinstance(plan, bool):
            if not 0 <= plan < len(labels):
                raise DataError(
                    f"plan row {plan} is out of range; give 0 to {len(labels) - 1} or a label"
                )
            return int(plan)
        raise DataError(
            f"plan must be a label, a 0-based row or an Investment; got {type(plan).__name__}"
        )

    def net_benefit_matrix(self) -> tuple[np.ndarray, list[str]]:
        """Net benefit draws, shape (n, options), and option names (with "do nothing")."""
        nb = np.column_stack([d.net_benefit for d in self.draws])
        names = [d.plan.label for d in self.draws]
        if self.include_do_nothing:
            nb = np.column_stack([np.zeros(nb.shape[0]), nb])
            names = [DO_NOTHING, *names]
        return nb, names


def compare_scales(
    source: ScalingLawModel | Forecast | ArrayLike,
    plans: Sequence[Investment],
    *,
    threshold: float = 0.0,
    random_seed: int | None = None,
    kind: str = "predictive",
    interval_prob: float = INTERVAL_PROB,
    include_do_nothing: bool = True,
    max_bytes: float | None = None,
    payback_target: float | None = None,
    kpi_target: float | None = None,
) -> ScaleLadder:
    """Compare candidate plans on the same joint draws: one row per plan.

    Parameters
    ----------
    source : ScalingLawModel, Forecast or array
        A fitted model (predicted at every plan's scale in one call; compute-only plans are
        allocated compute-optimally per draw), a forecast with one scale per plan, or loss draws
        of shape ``(draws, plans)``.
    plans : list of Investment
        Candidates, e.g. ``[plan_1b, plan_7b, plan_30b]`` or
        :func:`~scaling_bayes.decision.plans_from_budgets` over a grid of budgets.
    threshold : float
        ROI threshold (fraction).
    random_seed : int, optional
    kind : {"predictive", "mean"}
    interval_prob : float
    include_do_nothing : bool
        Count "do nothing" (net benefit 0) as an option in the best-plan probabilities, the
        recommendation and the EVPI.
    max_bytes : float, optional
        Memory limit of the comparison (default 4 GB); more plans x draws than fit are refused
        before any forecast is made (see :func:`~scaling_bayes.decision.check_workload`).
    payback_target : float, optional
        Payback target in months, set in advance: adds ``p_payback_within_target``.
    kpi_target : float, optional
        KPI the plan must reach, on the forecast's scale (a loss or error rate: reached when
        the forecast is at or below it): adds ``p_kpi_target_met``.

    Returns
    -------
    ScaleLadder
        ``.table`` columns: ``plan``, ``params``, ``tokens``, ``compute``,
        ``extrapolation_ratio``, ``interval_width``, ``width_noise``, ``width_law``,
        ``width_form`` (the forecast's 90% interval relative to its median and its split into
        noise, law parameters and form, ``Forecast.interval_parts``; NaN for draws without a
        split), ``expected_cost``, ``expected_value``,
        ``expected_net_benefit`` (+ ``_mc_se``, ``_lower``, ``_upper``),
        ``p_roi_above_threshold`` (+ ``_mc_se``), ``p_break_even``, ``expected_roi``,
        ``p_best`` (+ ``_mc_se``), ``marginal_value_per_extra_cost`` (dE[V]/dE[C] from the
        previous plan), ``marginal_net_benefit_per_extra_cost`` (dE[NB]/dE[C]),
        ``p_step_pays`` (P(NB_i > NB_{i-1})), ``stop_point``, ``gpu_hours``, ``energy_mwh``,
        ``co2e_t`` (medians), ``expected_net_benefit_pareto_k``, ``expected_roi_pareto_k``
        (Pareto k-hat of the draws behind each expectation) and ``heavy_tailed`` (some
        expectation of the plan has k-hat above 0.7 and is not reliable); the cost by part,
        ``expected_cost_data``, ``_compute``, ``_energy``, ``_carbon``, ``_fixed``,
        ``_integration``, ``_running`` (means; they sum to ``expected_cost``); the payback
        period in months ``payback_months_median``, ``_lower``, ``_upper`` (central interval;
        inf: not paid back within the horizon; NaN for a present-value model),
        ``p_payback_within_target`` (+ ``_mc_se``; NaN without a target),
        ``p_payback_within_horizon``, ``npv`` (E[V - C] with value and running costs
        discounted: the expected net benefit) and ``p_kpi_target_met`` (+ ``_mc_se``; NaN
        without a KPI target). Fields: ``best``, ``stop_point``, ``evpi``, ``evpi_mc_se``,
        ``p_best_do_nothing``, ``payback_target``, ``kpi_target``, ``horizon_months`` and the
        conventions. :meth:`ScaleLadder.cost_breakdown` and :meth:`ScaleLadder.payback_curve`
        give the numbers behind a cost bar and a payback plot.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import ComputeCost, Investment, LinearValue, compare_scales
    >>> rng = np.random.default_rng(0)
    >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6)
    >>> plans = [Investment(params=n, tokens=20 * n, value=value, cost=ComputeCost(mfu=0.4))
    ...          for n in (1e9, 3e9, 7e9)]
    >>> loss = np.column_stack([rng.normal(m, 0.03, 2000) for m in (2.45, 2.35, 2.30)])
    >>> ladder = compare_scales(loss, plans, random_seed=0)
    >>> ladder.best, ladder.stop_point
    ('7B params, 140B tokens', '7B params, 140B tokens')
    """
    plans = check_plans(plans)
    threshold = check_threshold(threshold)
    payback_target = check_payback_target(payback_target)
    kpi_target = check_kpi_target(kpi_target)
    include_do_nothing = _check_include_do_nothing(include_do_nothing)
    n_draws = draw_count(source)
    if n_draws is not None:
        check_workload(len(plans), n_draws, max_bytes=max_bytes)
    entropy = seed_entropy(random_seed)
    losses = resolve_losses(source, plans, entropy=entropy, kind=kind)
    check_reference_losses(plans, losses)
    draws = [simulate_plan(p, losses.loss[:, j], entropy) for j, p in enumerate(plans)]
    return _ladder_from_draws(
        draws,
        losses,
        threshold=threshold,
        entropy=entropy,
        interval_prob=interval_prob,
        include_do_nothing=include_do_nothing,
        payback_target=payback_target,
        kpi_target=kpi_target,
    )


def _check_include_do_nothing(include_do_nothing: object) -> bool:
    if not isinstance(include_do_nothing, bool):
        raise DataError(f"include_do_nothing must be True or False; got {include_do_nothing!r}")
    return include_do_nothing


def _ladder_from_draws(
    draws,
    losses,
    *,
    threshold,
    entropy,
    interval_prob,
    include_do_nothing,
    payback_target=None,
    kpi_target=None,
) -> ScaleLadder:
    """The ladder of joint draws already made (``draws[j]`` from ``losses.loss[:, j]``)."""
    order = np.argsort([d.cost.mean() for d in draws], kind="stable")
    draws = [draws[i] for i in order]
    scales = losses.scales.iloc[order].reset_index(drop=True)
    table, fields = _ladder_table(
        draws, scales, losses, threshold, interval_prob, include_do_nothing
    )
    extra = _kpi_columns(draws, losses.n_chains, interval_prob, payback_target, kpi_target)
    table = pd.concat([table, extra], axis=1)
    fields.update(
        payback_target=payback_target,
        kpi_target=kpi_target,
        horizon_months=horizon_months(draws[0]),
    )
    common = dict(
        table=table,
        draws=draws,
        losses=losses,
        threshold=threshold,
        include_do_nothing=include_do_nothing,
        entropy=entropy,
        interval_prob=interval_prob,
        **_draw_fields(losses, draws[0].plan.currency),
        **fields,
    )
    nb, _ = ScaleLadder(**common).net_benefit_matrix()
    evpi, evpi_se = evpi_from_draws(nb, losses.n_chains)
    regret = nb.max(axis=1) - nb[:, int(np.argmax(nb.mean(axis=0)))]
    ladder = ScaleLadder(**common, evpi=evpi, evpi_mc_se=evpi_se, evpi_pareto_k=pareto_khat(regret))
    attach_legacy_attrs(
        table,
        "ScaleLadder",
        {
            "roi_convention": ROI_CONVENTION,
            "net_benefit": ScaleLadder.net_benefit,
            "marginal": ScaleLadder.marginal,
            **ladder.fields(),
            "warning": ladder.warning,
        },
    )
    return ladder


def horizon_months(d: PlanDraws) -> float:
    """Months the plan's value is earned (median over draws; NaN for a present value)."""
    years = d.inputs.get("value.horizon_years")
    return float("nan") if years is None else float(np.median(years) * 12.0)


def _kpi_columns(draws, chains, interval_prob, payback_target, kpi_target) -> pd.DataFrame:
    """Cost by part, payback period, NPV and the KPI target, one row per plan."""
    rows = []
    for d in draws:
        row = {
            f"expected_cost_{part}": float(d.breakdown.get(part, np.zeros(1)).mean())
            for part in COST_COMPONENTS
        }
        pay = payback_summary(
            d.payback, target=payback_target, n_chains=chains, interval_prob=interval_prob
        )
        row.update(
            payback_months_median=pay["median"],
            payback_months_lower=pay["lower"],
            payback_months_upper=pay["upper"],
            p_payback_within_target=pay["p_within_target"],
            p_payback_within_target_mc_se=pay["p_within_target_mc_se"],
            p_payback_within_horizon=pay["p_within_horizon"],
            npv=float(d.net_benefit.mean()),
        )
        p, se = p_kpi_target_met(d.loss, kpi_target, chains)
        row.update(p_kpi_target_met=p, p_kpi_target_met_mc_se=se)
        rows.append(row)
    return pd.DataFrame(rows)


def _tail_columns(nb: np.ndarray, d) -> dict:
    """Pareto k-hat of the draws behind a plan's expectations, and whether any is unreliable."""
    k_nb, k_roi = pareto_khat(nb), pareto_khat(d.roi)
    worst = np.nanmax([k_nb, k_roi, pareto_khat(d.value), pareto_khat(d.cost), -np.inf])
    return {
        "expected_net_benefit_pareto_k": k_nb,
        "expected_roi_pareto_k": k_roi,
        "heavy_tailed": bool(worst > PARETO_K_MAX),
    }


def _exceedance(columns, cutoff: float, chains) -> tuple[list[float], list[float]]:
    """``P(column > cutoff)`` and its Monte Carlo error for each column (:func:`prob_exceeds`)."""
    found = [prob_exceeds(column, cutoff, chains) for column in columns]
    return [p for p, _, _ in found], [se for _, se, _ in found]


def _ladder_table(draws, scales, losses, threshold, interval_prob, include_do_nothing):
    chains = losses.n_chains
    tail = (1 - interval_prob) / 2
    nb = np.column_stack([d.net_benefit for d in draws])
    rows = []
    for j, d in enumerate(draws):
        p, se, _ = prob_exceeds(d.roi, threshold, chains)
        p0, _, _ = prob_exceeds(d.roi, 0.0, chains)
        lo, hi = np.quantile(nb[:, j], [tail, 1 - tail])
        rows.append(
            {
                "expected_cost": d.cost.mean(),
                "expected_value": d.value.mean(),
                "expected_net_benefit": nb[:, j].mean(),
                "expected_net_benefit_mc_se": mcse_mean(nb[:, j], chains),
                "expected_net_benefit_lower": lo,
                "expected_net_benefit_upper": hi,
                "p_roi_above_threshold": p,
                "p_roi_above_threshold_mc_se": se,
                "p_break_even": p0,
                "expected_roi": d.roi.mean(),
                "gpu_hours": np.median(d.footprint["gpu_hours"]),
                "energy_mwh": np.median(d.footprint["energy_mwh"]),
                "co2e_t": np.median(d.footprint["co2e_t"]),
                **_tail_columns(nb[:, j], d),
            }
        )
    table = pd.concat([scales, pd.DataFrame(rows)], axis=1)

    # probability that each option is best, draw by draw
    options = np.column_stack([np.zeros(nb.shape[0]), nb]) if include_do_nothing else nb
    winner = np.argmax(options, axis=1)
    offset = 1 if include_do_nothing else 0
    wins = [(winner == j + offset).astype(float) for j in range(nb.shape[1])]
    p_best, p_best_se = _exceedance(wins, 0.5, chains)
    table["p_best"] = p_best
    table["p_best_mc_se"] = p_best_se

    # marginal returns between neighbouring plans (sorted by expected cost)
    ev = table["expected_value"].to_numpy()
    ec = table["expected_cost"].to_numpy()
    d_cost = np.diff(np.concatenate([[0.0], ec]))
    d_value = np.diff(np.concatenate([[0.0], ev]))
    with np.errstate(divide="ignore", invalid="ignore"):
        table["marginal_value_per_extra_cost"] = d_value / d_cost
        table["marginal_net_benefit_per_extra_cost"] = d_value / d_cost - 1.0
    steps = np.column_stack([nb[:, :1], np.diff(nb, axis=1)])
    p_step, p_step_se = _exceedance([steps[:, j] for j in range(nb.shape[1])], 0.0, chains)
    table["p_step_pays"] = p_step
    table["p_step_pays_mc_se"] = p_step_se
    expected_steps = steps.mean(axis=0)
    negative = np.flatnonzero(expected_steps[1:] < 0)
    stop = int(negative[0]) if negative.size else nb.shape[1] - 1
    table["stop_point"] = (np.arange(nb.shape[1]) == stop) & bool(negative.size)

    means = nb.mean(axis=0)
    best_plan = int(np.argmax(means))
    best = table["plan"].iloc[best_plan]
    if include_do_nothing and means[best_plan] <= 0:
        best = DO_NOTHING
    if include_do_nothing:
        p_nothing, p_nothing_se, _ = prob_exceeds((winner == 0).astype(float), 0.5, chains)
    else:
        p_nothing, p_nothing_se = float("nan"), float("nan")
    fields = {
        "best": str(best),
        "stop_point": str(table["plan"].iloc[stop]),
        "stop_reached": bool(negative.size),
        "p_next_step_pays": float(p_step[stop + 1]) if negative.size else float("nan"),
        "p_next_step_pays_mc_se": float(p_step_se[stop + 1]) if negative.size else float("nan"),
        "p_best_do_nothing": float(p_nothing),
        "p_best_do_nothing_mc_se": float(p_nothing_se),
    }
    return table, fields


# ---------------------------------------------------------------------- acceptability
def acceptability_curve(
    result: ScaleLadder | RiskResult,
    *,
    lambdas: ArrayLike | None = None,
    n_points: int = 60,
    baseline_loss: float | None = None,
) -> AcceptabilityCurve:
    """P(net benefit > 0) against the value of one unit of loss improvement (CEAC).

    ``NB(lambda) = lambda x H x (baseline - L) - C`` per draw, with ``H`` the value model's
    horizon factor (1 for a present value) and no floor at zero; the break-even ``lambda`` is
    where the expected net benefit crosses 0, ``E[C] / E[H (baseline - L)]``.

    Parameters
    ----------
    result : ScaleLadder or RiskResult
    lambdas : array-like, optional
        Money per unit of loss improvement (per year with a horizon); by default
        ``n_points`` values spaced geometrically around the break-even values.
    baseline_loss : float, optional
        Needed when a plan's value model is not a :class:`LinearValue`.

    Returns
    -------
    AcceptabilityCurve
        ``.table`` in long format: ``plan``, ``lambda``, ``p_net_benefit_positive``, ``mc_se``,
        ``expected_net_benefit``; ``.break_even`` maps each plan to its break-even lambda (inf
        when the plan cannot improve on the baseline in expectation).

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import ComputeCost, Investment, LinearValue, assess_roi
    >>> plan = Investment(params=7e9, tokens=1.4e11, cost=ComputeCost(mfu=0.4),
    ...                   value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6))
    >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 4000), plan, random_seed=0)
    >>> curve = acceptability_curve(risk)
    >>> round(curve.break_even[plan.label] / 1e3)   # E[C] / E[0.3] in USD per nat
    41
    """
    draws = result.draws if isinstance(result.draws, list) else [result.draws]
    chains = result.losses.n_chains
    gains, costs, labels = [], [], []
    for d in draws:
        value = d.plan.value
        if isinstance(value, LinearValue):
            base = value.baseline_loss
        elif baseline_loss is not None:
            base = float(baseline_loss)
        else:
            raise DataError(
                f"plan {d.plan.label!r} has a {type(value).__name__}; give baseline_loss= (the "
                "loss of the model in use) to define the improvement the curve prices"
            )
        value_in = {k.split(".", 1)[1]: v for k, v in d.inputs.items() if k.startswith("value.")}
        factor = value.factor(value_in, d.loss.size)
        gains.append(factor * (base - d.loss))
        costs.append(d.cost)
        labels.append(d.plan.label)
    break_even = {}
    for label, g, c in zip(labels, gains, costs, strict=True):
        mean_gain = g.mean()
        break_even[label] = float(c.mean() / mean_gain) if mean_gain > 0 else float("inf")
    if lambdas is None:
        finite = [b for b in break_even.values() if np.isfinite(b)]
        if not finite:
            raise DataError("no plan improves on the baseline in expectation; give lambdas=")
        lambdas = np.geomspace(min(finite) / 10, max(finite) * 10, n_points)
    lambdas = np.atleast_1d(np.asarray(lambdas, dtype=float))
    if lambdas.ndim != 1 or (lambdas < 0).any() or not np.isfinite(lambdas).all():
        raise DataError("lambdas must be a 1-d list of non-negative money amounts")
    frames = []
    for label, g, c in zip(labels, gains, costs, strict=True):
        nb = lambdas[:, None] * g[None, :] - c[None, :]
        positive = (nb > 0).astype(float)
        p = positive.mean(axis=1)
        ess = np.array([effective_sample_size(row, chains) for row in positive])
        frames.append(
            pd.DataFrame(
                {
                    "plan": label,
                    "lambda": lambdas,
                    "p_net_benefit_positive": p,
                    "mc_se": np.sqrt(p * (1 - p) / ess),
                    "expected_net_benefit": nb.mean(axis=1),
                }
            )
        )
    curve = pd.concat(frames, ignore_index=True)
    out = AcceptabilityCurve(
        table=curve,
        break_even=break_even,
        lambda_unit=f"{draws[0].plan.currency} per unit of loss"
        + (" per year" if draws[0].plan.value.horizon_years is not None else ""),
        net_benefit="NB(lambda) = lambda x horizon factor x (baseline - loss) - cost",
        converged=bool(result.losses.converged),
    )
    attach_legacy_attrs(curve, "AcceptabilityCurve", {**out.fields(), "warning": out.warning})
    return out
