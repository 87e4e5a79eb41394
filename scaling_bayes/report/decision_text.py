"""Decision results in words: the paragraphs behind ``.text`` of every decision result.

The decision layer computes numbers only; this module writes them as English paragraphs and
registers one writer per result class in
:data:`scaling_bayes.decision.results.TEXT_RENDERERS` when it is imported (``import
scaling_bayes`` imports it), so ``result.text`` works without the decision layer importing the
report layer. Probabilities carry IPCC likelihood terms and their Monte Carlo errors (see
:mod:`scaling_bayes.report.wording`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from ..core.constants import INTERVAL_PROB
from ..core.diagnostics import NOT_CONVERGED_BANNER
from ..decision.ladder import DO_NOTHING
from ..decision.metrics import PARETO_K_MAX
from ..decision.results import TEXT_RENDERERS
from .wording import format_money, format_percent, likelihood_words

if TYPE_CHECKING:
    import pandas as pd

    from ..decision import (
        AcceptabilityCurve,
        EVPIResult,
        PilotValue,
        RiskResult,
        ScaleLadder,
        TargetBudget,
        TornadoResult,
    )

__all__ = [
    "acceptability_text",
    "evpi_text",
    "ladder_text",
    "pilot_text",
    "risk_text",
    "tail_note",
    "target_budget_text",
    "tornado_text",
]


def risk_text(result: RiskResult) -> str:
    """The memo paragraph of an ROI assessment (a :class:`~scaling_bayes.decision.RiskResult`)."""
    plan, table, losses = result.plan, result.table, result.losses
    cur = result.currency
    n = result.n_draws
    t = result.threshold
    pct = f"{round(result.interval_prob * 100)}%"
    lvl = f"{round(result.var_level * 100)}%"

    def est(key):
        return table.loc[key, "estimate"]

    def words(key):
        return likelihood_words(est(key), table.loc[key, "mc_se"], n)

    parts = []
    if not result.converged:
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
        f"{format_money(cast(float, table.loc['expected_net_benefit', 'lower']), cur)} to "
        f"{format_money(cast(float, table.loc['expected_net_benefit', 'upper']), cur)}) on an "
        f"expected cost of {format_money(est('expected_cost'), cur)}."
    )
    nb_row = cast("pd.Series", table.loc["expected_net_benefit"])
    note = tail_note(
        "expected net benefit",
        nb_row["estimate"],
        nb_row["lower"],
        nb_row["upper"],
        nb_row["pareto_k"],
        pct,
    )
    parts += [note] if note else []
    if table.loc["expected_roi", "unreliable"]:
        parts.append(
            tail_note(
                "expected ROI", 0.0, 0.0, 0.0, cast(float, table.loc["expected_roi", "pareto_k"])
            )
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
        f"{_num(cast(float, table.loc['gpu_hours', 'lower']))}-"
        f"{_num(cast(float, table.loc['gpu_hours', 'upper']))}), "
        f"{_num(est('energy_mwh'))} MWh and {_num(est('co2e_t'))} t CO2e."
    )
    parts.append(f"Assumptions: {plan.describe()}")
    ratio = result.extrapolation_ratio
    if np.isfinite(ratio):
        what = "training compute" if _on_compute(losses) else "scale"
        parts.append(
            f"The forecast reaches {ratio:.3g}x the largest {what} observed; "
            "forecast errors grow with this ratio."
        )
    source = {
        "model": "the fitted scaling law",
        "forecast": "the forecast",
        "draws": "the loss draws given",
    }[losses.source]
    parts.append(
        f"Probabilities are shares of {n:,} joint draws of {source} and the business inputs "
        f"({result.ess_method}); ± is one Monte Carlo standard error."
    )
    return " ".join(parts)


def tail_note(
    what: str, mean: float, lower: float, upper: float, k: float, pct: str = "90%"
) -> str:
    """Why an expectation cannot be read at face value, or ``""`` when it can.

    Flags an expectation whose draws have a Pareto k-hat above 0.7 (see
    :func:`~scaling_bayes.decision.metrics.pareto_khat`), and says why when a mean lies outside
    its own central interval.

    Examples
    --------
    >>> tail_note("expected net benefit", 5.0, 0.0, 10.0, 0.2)
    ''
    >>> tail_note("expected net benefit", 50.0, 0.0, 10.0, 0.2)[:58]
    'The expected net benefit lies outside its own 90% interval'
    """
    outside = bool(np.isfinite(mean) and not lower <= mean <= upper)
    if np.isfinite(k) and k > PARETO_K_MAX:
        where = f" and lies outside its own {pct} interval" if outside else ""
        return (
            f"The {what} is not a reliable estimate{where}: its draws have a heavy tail (Pareto "
            f"k-hat {k:.2f}, above {PARETO_K_MAX:g}), so a few extreme draws dominate the mean "
            "and it changes from seed to seed; read the median and the interval instead."
        )
    if outside:
        return (
            f"The {what} lies outside its own {pct} interval because a few extreme draws pull the "
            "mean past most outcomes (a strongly skewed distribution); read the median and the "
            "interval as well."
        )
    return ""


def _num(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.3g}M"
    if x >= 1e3:
        return f"{x / 1e3:.3g}k"
    return f"{x:.3g}"


def ladder_text(result: ScaleLadder) -> str:
    """The memo paragraph of a scale comparison (a :class:`~scaling_bayes.decision.ScaleLadder`)."""
    table = result.table
    a = result
    cur = a.currency
    n = a.n_draws
    parts = []
    if not a.converged:
        parts.append(f"{NOT_CONVERGED_BANNER}.")
    best = a.best
    if best == DO_NOTHING:
        top = cast("pd.Series", table.loc[cast(int, table["expected_net_benefit"].idxmax())])
        parts.append(
            f"No plan has a positive expected net benefit (NB = V - C); the best, {top['plan']}, "
            f"expects {format_money(top['expected_net_benefit'], cur)}. Doing nothing is best in "
            f"expectation."
        )
    else:
        row = table.loc[table["plan"] == best].iloc[0]
        p_words = likelihood_words(
            row["p_roi_above_threshold"], row["p_roi_above_threshold_mc_se"], n
        )
        parts.append(
            f"Of {len(table)} plans, {best} has the highest expected net benefit, "
            f"{format_money(row['expected_net_benefit'], cur)} "
            f"({round(a.interval_prob * 100)}% interval "
            f"{format_money(row['expected_net_benefit_lower'], cur)} to "
            f"{format_money(row['expected_net_benefit_upper'], cur)}); it is the best option in "
            f"{format_percent(row['p_best'])} of draws and is {p_words} to return more than "
            f"{format_percent(a.threshold)} (ROI = (V - C) / C, "
            "break-even 0)."
        )
        note = tail_note(
            "expected net benefit",
            row["expected_net_benefit"],
            row["expected_net_benefit_lower"],
            row["expected_net_benefit_upper"],
            row["expected_net_benefit_pareto_k"],
            f"{round(a.interval_prob * 100)}%",
        )
        parts += [note] if note else []
    heavy = [str(p) for p in table.loc[table["heavy_tailed"], "plan"]]
    if heavy:
        parts.append(
            f"The expectations of {', '.join(heavy)} rest on a heavy tail of the business inputs "
            f"(Pareto k-hat above {PARETO_K_MAX:g}): they are not reliable estimates, and neither "
            "is a choice made on them."
        )
    if a.stop_reached:
        parts.append(
            f"Returns stop being worth it after {a.stop_point}: the next step up costs more "
            "than it adds in expectation, though it still pays with probability "
            f"{likelihood_words(a.p_next_step_pays, a.p_next_step_pays_mc_se, n)}."
        )
    else:
        parts.append(
            "Every step up the ladder adds expected net benefit: the stop point lies beyond the "
            f"largest plan, {a.stop_point} (larger plans extrapolate further)."
        )
    if a.include_do_nothing:
        parts.append(f"Doing nothing is best in {format_percent(a.p_best_do_nothing)} of draws.")
    parts.append(
        f"Perfect information would be worth {format_money(a.evpi, cur)} (EVPI, Monte Carlo "
        f"error {format_money(a.evpi_mc_se, cur)}): the most any further study could be worth."
    )
    if a.evpi_pareto_k > PARETO_K_MAX:
        parts.append(tail_note("EVPI", 0.0, 0.0, 0.0, a.evpi_pareto_k))
    ratio = table["extrapolation_ratio"].max()
    if np.isfinite(ratio):
        what = "compute" if _on_compute(a.losses) else "scale"
        parts.append(f"The largest plan reaches {ratio:.3g}x the largest {what} observed.")
    parts.append(f"Based on {n:,} joint draws shared by all plans ({a.ess_method}).")
    return " ".join(parts)


def _on_compute(losses) -> bool:
    """Whether the extrapolation ratio is one of training compute (a language model's plans);
    a law on a data axis alone (labelled images) has no compute axis to speak of."""
    scales = getattr(losses, "scales", None)
    if scales is None or "compute" not in scales:
        return True
    return bool(np.isfinite(scales["compute"].to_numpy(dtype=float)).all())


def pilot_text(result: PilotValue) -> str:
    """The memo paragraph of a pilot's value (a :class:`~scaling_bayes.decision.PilotValue`)."""
    table = result.table
    a = result
    cur = a.currency

    def est(key):
        return table.loc[key, "estimate"]

    def err(key):
        return format_money(table.loc[key, "mc_se"], cur)

    enbs, enbs_low = est("expected_net_benefit_of_sampling"), est("enbs_cross_fitted")
    if enbs > 0 and enbs_low > 0:
        verdict = "The pilot is worth running before committing"
    elif enbs <= 0 and enbs_low <= 0:
        verdict = "The pilot is not worth its cost"
    else:
        verdict = "Whether the pilot is worth its cost is unclear (the two estimates disagree)"
    parts = [f"{NOT_CONVERGED_BANNER}."] if not a.converged else []
    parts.append(
        f"{verdict}: one more run at {a.pilot} is expected to add "
        f"{format_money(est('evsi'), cur)} (EVSI, Monte Carlo error {err('evsi')}; cross-fitted "
        f"estimate {format_money(est('evsi_cross_fitted'), cur)}) against an expected cost of "
        f"{format_money(est('pilot_cost'), cur)}, an expected net benefit of sampling of "
        f"{format_money(enbs, cur)}."
    )
    parts.append(
        f"Today's choice is {a.chosen_now}; the pilot would change it in "
        f"{format_percent(est('p_decision_changes'))} of simulated results. Perfect information "
        f"would be worth {format_money(est('evpi'), cur)} (EVPI), the ceiling for any study."
    )
    parts.append(
        f"Decisions maximise expected net benefit (NB = V - C); {a.n_outer:,} simulated pilot "
        f"results reweight {a.n_draws:,} posterior draws (median effective draws "
        f"{est('importance_ess_median'):,.0f})."
    )
    return " ".join(parts)


def target_budget_text(result: TargetBudget) -> str:
    """The paragraph of a :class:`~scaling_bayes.decision.TargetBudget`."""
    a = result
    answer, p_at, se, reachable = a.compute, a.probability, a.mc_se, a.reachable
    hi = a.compute_bounds[1]
    unit = a.loss_unit
    what = "the law's loss" if a.kind == "mean" else "the loss of one run"
    target = f"{a.target_loss:g} {unit}".strip()
    parts = [f"{NOT_CONVERGED_BANNER}."] if not a.converged else []
    if not reachable:
        parts.append(
            f"No budget up to {hi:.3g} FLOPs gives a {a.prob:.0%} chance that {what} reaches "
            f"{target}; the chance at that budget is {likelihood_words(p_at, se)}."
        )
        if np.isfinite(a.p_reachable_at_any_budget):
            parts.append(
                f"The irreducible loss is below the target in only "
                f"{a.p_reachable_at_any_budget:.0%} of posterior draws."
            )
        return " ".join(parts)
    err = a.compute_mc_se_factor
    err_text = f" (Monte Carlo error about ±{100 * (err - 1):.0f}%)" if np.isfinite(err) else ""
    parts.append(
        f"The smallest training budget with at least a {a.prob:.0%} chance that {what} "
        f"reaches {target} is {answer:.3g} FLOPs{err_text}; there the chance is "
        f"{likelihood_words(p_at, se)}."
    )
    if np.isfinite(a.params_median):
        parts.append(
            f"Allocated compute-optimally that is about {a.params_median:.3g} parameters on "
            f"{a.tokens_median:.3g} tokens (posterior medians)."
        )
    if np.isfinite(a.cost_median):
        cur = cast(str, a.currency)  # set whenever the budget was costed
        parts.append(
            f"It would take about {a.gpu_hours_median:.3g} GPU-hours and cost "
            f"{format_money(a.cost_median, cur)} ({round(INTERVAL_PROB * 100)}% interval "
            f"{format_money(a.cost_lower, cur)} to {format_money(a.cost_upper, cur)})."
        )
    max_c = a.max_observed_compute
    if np.isfinite(max_c):
        parts.append(f"That is {answer / max_c:.3g}x the largest compute observed.")
    return " ".join(parts)


def evpi_text(result: EVPIResult) -> str:
    """One sentence on an :class:`~scaling_bayes.decision.results.EVPIResult`."""
    cur = result.currency
    parts = [f"{NOT_CONVERGED_BANNER}."] if not result.converged else []
    parts.append(
        f"Perfect information would be worth {format_money(result.value, cur)} (EVPI, Monte "
        f"Carlo error {format_money(result.mc_se, cur)}): the most any further study could be "
        "worth."
    )
    return " ".join(parts)


def tornado_text(result: TornadoResult) -> str:
    """A paragraph on a :class:`~scaling_bayes.decision.results.TornadoResult`."""
    table = result.table
    parts = [f"{NOT_CONVERGED_BANNER}."] if not result.converged else []
    if table.empty:
        parts.append(f"No input of plan {result.plan} is uncertain, so nothing swings.")
        return " ".join(parts)
    top = table.iloc[0]
    what = result.metric.replace("_", " ")
    parts.append(
        f"For plan {result.plan}, {top['label']} moves the {what} most: from "
        f"{_metric(top['metric_at_low'], result.unit)} to "
        f"{_metric(top['metric_at_high'], result.unit)} between its "
        f"{round(result.low * 100)}th and {round(result.high * 100)}th percentiles (base "
        f"{_metric(result.base, result.unit)}; {result.method})."
    )
    return " ".join(parts)


def acceptability_text(result: AcceptabilityCurve) -> str:
    """A paragraph on an :class:`~scaling_bayes.decision.results.AcceptabilityCurve`."""
    parts = [f"{NOT_CONVERGED_BANNER}."] if not result.converged else []
    for plan, value in result.break_even.items():
        if np.isfinite(value):
            parts.append(f"{plan} breaks even in expectation at {value:.3g} {result.lambda_unit}.")
        else:
            parts.append(f"{plan} does not improve on the baseline in expectation.")
    return " ".join(parts)


def _metric(x: float, unit: str) -> str:
    if unit == "probability":
        return f"{100 * x:.0f}%"
    if unit == "fraction":
        return format_percent(x)
    return format_money(x, unit)


TEXT_RENDERERS.update(
    RiskResult=risk_text,
    ScaleLadder=ladder_text,
    PilotValue=pilot_text,
    TargetBudget=target_budget_text,
    EVPIResult=evpi_text,
    TornadoResult=tornado_text,
    AcceptabilityCurve=acceptability_text,
)
