"""Gather the results a memo states, from the objects it was built from (no text, no figures).

The memo restates results; it does not recompute them. The scale ladder is the source of every
comparison across plans. The per-plan tables (ROI percentiles, VaR, CVaR) come from
:func:`~scaling_bayes.decision.assess_roi` run on *the ladder's own joint draws* of each plan: the
same loss draws (passed as a forecast with the ladder's chains), the same seed entropy (so the
business inputs are drawn from the same streams) and the same threshold, which gives the same
value and cost draws and therefore the same probabilities as the ladder's table; this is
checked, and a mismatch stops the memo. A single :class:`~scaling_bayes.decision.RiskResult` is
turned into a one-plan ladder the same way in reverse.

Warnings the user has already seen when computing the results (extrapolation, convergence,
inputs) are not repeated here; the memo states them in its text instead.
"""

from __future__ import annotations

import dataclasses
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.exceptions import (
    ConfigError,
    ConvergenceWarning,
    DataError,
    ExtrapolationWarning,
    InputWarning,
    ScalingBayesError,
)
from ..core.forecast import Forecast
from ..decision import (
    RiskResult,
    ScaleLadder,
    acceptability_curve,
    assess_roi,
    compare_scales,
    tornado,
)

__all__ = ["Evidence", "gather", "quiet"]

#: Probabilities restated from the ladder must equal the per-plan results to this tolerance.
_SAME = {"rtol": 1e-12, "atol": 1e-15}


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
    tornado : pandas.DataFrame or None
        Tornado of the lead plan's expected net benefit.
    curve : pandas.DataFrame or None
        Acceptability curve of every plan; ``curve_problem`` says why it is missing.
    converged : bool
        The fit and every result built on it converged.
    """

    model: object
    ladder: ScaleLadder
    risks: list | None
    single: bool
    lead: int | None
    tornado: pd.DataFrame | None
    curve: pd.DataFrame | None
    curve_problem: str | None
    pilot: object
    prior_sensitivity: object
    backtest: object
    converged: bool

    @property
    def plans(self) -> list:
        """The Investments in the ladder's order."""
        return [d.plan for d in self.ladder.draws]


@contextmanager
def quiet():
    """A context that silences the warnings a memo restates in words instead."""
    with warnings.catch_warnings():
        for category in (ConvergenceWarning, ExtrapolationWarning, InputWarning):
            warnings.filterwarnings("ignore", category=category)
        yield


def gather(model, result, *, pilot=None, prior_sensitivity=None, backtest=None) -> Evidence:
    """Collect the ladder, per-plan risks, tornado and acceptability curve behind a memo.

    Parameters
    ----------
    model : ScalingLawModel
        Fitted.
    result : ScaleLadder or RiskResult
    pilot, prior_sensitivity, backtest : optional
        Passed through (already validated by the memo).

    Returns
    -------
    Evidence
    """
    converged = bool(model.diagnostics().converged) and bool(result.converged)
    with quiet():
        if isinstance(result, RiskResult):
            ladder = _ladder_of(result)
            single = True
        else:
            ladder = result
            single = False
        if not converged:
            return Evidence(
                model=model,
                ladder=ladder,
                risks=None,
                single=single,
                lead=None,
                tornado=None,
                curve=None,
                curve_problem="withheld",
                pilot=pilot,
                prior_sensitivity=prior_sensitivity,
                backtest=backtest,
                converged=False,
            )
        risks = [result] if single else [_risk_of(ladder, j) for j in range(len(ladder.draws))]
        for j, risk in enumerate(risks):
            _check_same(ladder, j, risk)
        nb = ladder.table["expected_net_benefit"].to_numpy()
        lead = int(np.argmax(nb))
        table = tornado(risks[lead])
        try:
            curve, problem = acceptability_curve(ladder), None
        except DataError as err:
            curve, problem = None, str(err)
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
        converged=True,
    )


def _as_source(loss: np.ndarray, n_chains: int | None, scales: pd.DataFrame, converged: bool):
    """The loss draws of one plan as the source they came from (chains kept for the ESS)."""
    if n_chains is None:
        return loss
    draws = loss.reshape(n_chains, -1, 1)
    row = scales.iloc[0]
    fc = Forecast.from_draws(
        draws,
        params=[row["params"]],
        tokens=[row["tokens"]],
        compute=[row["compute"]],
        converged=converged,
    )
    table = fc.scales.copy()
    table["extrapolation_ratio"] = float(row["extrapolation_ratio"])
    return dataclasses.replace(fc, scales=table)


def _risk_of(ladder: ScaleLadder, j: int) -> RiskResult:
    """assess_roi on the ladder's joint draws of plan ``j`` (same draws, seed and threshold)."""
    d = ladder.draws[j]
    losses = ladder.losses
    scales = ladder.table.iloc[[j]][["params", "tokens", "compute", "extrapolation_ratio"]]
    source = _as_source(d.loss, losses.n_chains, scales, losses.converged)
    return assess_roi(
        source,
        d.plan,
        threshold=ladder.threshold,
        random_seed=ladder.entropy,
        kind=losses.kind,
        interval_prob=ladder.table.attrs["interval_prob"],
    )


def _ladder_of(risk: RiskResult) -> ScaleLadder:
    """A one-plan ladder on the RiskResult's joint draws (same draws, seed and threshold)."""
    scales = risk.losses.scales[["params", "tokens", "compute", "extrapolation_ratio"]]
    source = _as_source(risk.draws.loss, risk.losses.n_chains, scales, risk.losses.converged)
    if isinstance(source, np.ndarray):
        source = source[:, None]
    return compare_scales(
        source,
        [risk.plan],
        threshold=risk.threshold,
        random_seed=risk.entropy,
        kind=risk.losses.kind,
        interval_prob=risk.table.attrs["interval_prob"],
    )


def _check_same(ladder: ScaleLadder, j: int, risk: RiskResult) -> None:
    row = ladder.table.iloc[j]
    pairs = {
        "p_roi_above_threshold": ("p_roi_above_threshold", "estimate"),
        "p_roi_above_threshold_mc_se": ("p_roi_above_threshold", "mc_se"),
        "p_break_even": ("p_break_even", "estimate"),
        "expected_net_benefit": ("expected_net_benefit", "estimate"),
        "expected_cost": ("expected_cost", "estimate"),
    }
    for column, (metric, field) in pairs.items():
        a, b = float(row[column]), float(risk.table.loc[metric, field])
        if not np.isclose(a, b, **_SAME):
            raise ScalingBayesError(
                f"internal consistency check failed for plan {row['plan']!r}: the ladder's "
                f"{column} is {a!r} but the per-plan assessment gives {b!r}; the memo is not "
                "written rather than state two different numbers (please report this)"
            )


def check_result_matches_model(model, result) -> None:
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
