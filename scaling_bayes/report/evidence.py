"""Gather the results a memo states, from the objects it was built from (no text, no figures).

The memo restates results; it does not recompute them. The scale ladder is the source of every
comparison across plans, and :meth:`ScaleLadder.risk <scaling_bayes.decision.ScaleLadder.risk>`
gives each plan's RiskResult (ROI percentiles, VaR, CVaR) from the ladder's own joint draws; a
single RiskResult becomes a one-plan ladder with :meth:`ScaleLadder.from_risk
<scaling_bayes.decision.ScaleLadder.from_risk>`. Both live in the decision layer, so the numbers
agree by construction and nothing is cross-checked here.

The tornado of the lead plan and the acceptability curve are decision results too. The caller
may pass them (``RiskMemo(..., tornado=, acceptability=)``), which is preferred: the memo then
only reads. When they are not given, :func:`gather` calls
:func:`~scaling_bayes.decision.tornado` and :func:`~scaling_bayes.decision.acceptability_curve`
once, on the results it was given: the same calls a caller would make, so a memo built from
results alone stays a one-liner.

Warnings are not silenced here: the fit warned once about convergence, and results read later
do not warn again (they carry ``converged`` instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np

from ..core.exceptions import ConfigError, DataError
from ..decision import (
    AcceptabilityCurve,
    RiskResult,
    ScaleLadder,
    acceptability_curve,
    tornado,
)
from ..decision.results import TornadoResult

if TYPE_CHECKING:
    from ..checks.backtest import Backtest
    from ..checks.forms import FormCheck
    from ..checks.prior_checks import PriorSensitivity
    from ..core.model import ScalingLawModel
    from ..decision import PilotValue

__all__ = ["Evidence", "gather"]


@dataclass(frozen=True)
class Evidence:
    """Everything a memo states, as result objects (see :func:`gather`).

    Attributes
    ----------
    model : ScalingLawModel
    ladder : ScaleLadder
        One row per plan, sorted by expected cost; plan ``k`` (1-based) is row ``k - 1``.
    risks : list of RiskResult or None
        Per plan, in the ladder's order; None when the fit did not converge (withheld).
    single : bool
        The memo was built from one RiskResult.
    lead : int or None
        0-based row of the plan with the highest expected net benefit (None when withheld).
    tornado : TornadoResult or None
        Tornado of the lead plan's expected net benefit.
    curve : AcceptabilityCurve or None
        Acceptability curve of every plan; ``curve_problem`` says why it is missing.
    converged : bool
        The fit and every result built on it converged.
    form_check : FormCheck or None
        The plans' forecasts beside a mixture of plausible forms.
    form_ladder : ScaleLadder or None
        The same plans compared on the mixture's forecasts.
    """

    model: ScalingLawModel
    ladder: ScaleLadder
    risks: list[RiskResult] | None
    single: bool
    lead: int | None
    tornado: TornadoResult | None
    curve: AcceptabilityCurve | None
    curve_problem: str | None
    pilot: PilotValue | None
    prior_sensitivity: PriorSensitivity | None
    backtest: Backtest | None
    converged: bool
    form_check: FormCheck | None = None
    form_ladder: ScaleLadder | None = None

    @property
    def plans(self) -> list:
        """The Investments in the ladder's order."""
        return [d.plan for d in self.ladder.draws]


def gather(
    model: ScalingLawModel,
    result: ScaleLadder | RiskResult,
    *,
    pilot: PilotValue | None = None,
    prior_sensitivity: PriorSensitivity | None = None,
    backtest: Backtest | None = None,
    form_check: FormCheck | None = None,
    form_ladder: ScaleLadder | None = None,
    tornado_result: TornadoResult | None = None,
    curve: AcceptabilityCurve | None = None,
) -> Evidence:
    """Collect the ladder, per-plan risks, tornado and acceptability curve behind a memo.

    Parameters
    ----------
    model : ScalingLawModel
        Fitted.
    result : ScaleLadder or RiskResult
    pilot, prior_sensitivity, backtest, form_check, form_ladder : optional
        Passed through (already validated by the memo).
    tornado_result : TornadoResult, optional
        Tornado of the lead plan (checked by the memo); computed here when not given.
    curve : AcceptabilityCurve, optional
        Acceptability curve of every plan; computed here when not given.

    Returns
    -------
    Evidence
    """
    converged = bool(model.diagnostics().converged) and bool(result.converged)
    single = isinstance(result, RiskResult)
    # (``single`` says which of the two ``result`` is: cast for the type checker)
    ladder = (
        ScaleLadder.from_risk(cast(RiskResult, result)) if single else cast(ScaleLadder, result)
    )
    risks: list[RiskResult] | None = None
    lead: int | None = None
    table: TornadoResult | None = None
    problem: str | None = "withheld"
    if converged:
        risks = (
            [cast(RiskResult, result)]
            if single
            else [ladder.risk(j) for j in range(len(ladder.draws))]
        )
        lead = lead_row(ladder)
        table = tornado_result if tornado_result is not None else tornado(risks[lead])
        problem = None
        if curve is None:
            try:
                curve = acceptability_curve(ladder)
            except DataError as err:
                problem = str(err)
    else:
        curve = None  # withheld, as every decision result
    return Evidence(
        model=model,
        ladder=ladder,
        risks=risks,
        single=single,
        lead=lead,
        tornado=table,
        curve=curve,
        curve_problem=problem,
        pilot=pilot,
        prior_sensitivity=prior_sensitivity,
        backtest=backtest,
        converged=converged,
        form_check=form_check,
        form_ladder=form_ladder,
    )


def lead_row(ladder: ScaleLadder) -> int:
    """0-based row of the plan with the highest expected net benefit."""
    return int(np.argmax(ladder.table["expected_net_benefit"].to_numpy()))


def check_result_matches_model(model: ScalingLawModel, result: ScaleLadder | RiskResult) -> None:
    """Raise ConfigError unless ``result`` was computed from ``model``'s posterior.

    Results must come from the model itself (``compare_scales(model, plans)`` or
    ``assess_roi(model, plan)``); the draws of the irreducible loss E they carry must be the
    model's.
    """
    losses = result.losses
    if losses.source != "model":
        raise ConfigError(
            f"ladder_or_risk was computed from {losses.source!r}, not from the fitted model, so "
            "the memo cannot trace its numbers to this fit; compute it with "
            "compare_scales(model, plans, ...) or assess_roi(model, plan, ...)"
        )
    mine = model.posterior_draws().get("E")
    theirs = losses.irreducible
    n_model = int(np.prod([model.idata_.posterior.sizes[d] for d in ("chain", "draw")]))
    same = losses.n_draws == n_model and (
        (mine is None and theirs is None)
        or (mine is not None and theirs is not None and np.array_equal(mine, theirs))
    )
    if not same:
        raise ConfigError(
            "ladder_or_risk was computed from another fit than model (its posterior draws differ); "
            "pass the model the results were computed from"
        )
