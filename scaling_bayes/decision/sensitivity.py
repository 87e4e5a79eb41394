"""Which assumption drives the answer: a one-at-a-time tornado.

Each uncertain business input is moved to its 10th and then its 90th percentile while every other
input keeps its joint draws; the forecast loss (the scaling-law uncertainty, posterior and run
noise together) is one more bar, moved the same way. The swing of a decision metric between the
two ends shows whether the forecast or the business assumptions drive the decision.

One-at-a-time swings ignore interactions and correlations between inputs; read them as a ranking
of drivers, not as a decomposition of the variance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from .assess import RiskResult
from .inputs import input_quantile, is_uncertain
from .joint import simulate_plan
from .results import TornadoResult, attach_legacy_attrs

__all__ = ["TORNADO_METRICS", "tornado"]

#: Metrics the tornado can swing, with their unit (``None``: the plan's currency).
TORNADO_METRICS = {
    "expected_net_benefit": None,
    "p_roi_above_threshold": "probability",
    "expected_roi": "fraction",
}

_LABELS = {
    "cost.usd_per_gpu_hour": "price per GPU-hour",
    "cost.mfu": "model FLOPs utilisation (MFU)",
    "cost.fixed_usd": "fixed costs (data, staff, operations)",
    "cost.power_kw": "board power per GPU (kW)",
    "cost.pue": "data-centre PUE",
    "cost.grid_gco2_per_kwh": "grid carbon intensity",
    "cost.usd_per_kwh": "energy price",
    "cost.usd_per_tonne_co2e": "carbon price",
    "value.usd_per_loss_unit": "value per unit of loss reduction",
    "value.usd_if_met": "value if the target is met",
    "value.horizon_years": "value horizon (years)",
    "value.discount_rate": "discount rate",
}
LOSS_INPUT = "loss"


def tornado(
    risk: RiskResult, *, metric: str = "expected_net_benefit", low: float = 0.10, high: float = 0.90
) -> TornadoResult:
    """One-at-a-time swings of each uncertain input between two percentiles.

    Parameters
    ----------
    risk : RiskResult
        From :func:`~scaling_bayes.decision.assess_roi`; its joint draws and seed are reused.
    metric : {"expected_net_benefit", "p_roi_above_threshold", "expected_roi"}
        The decision metric to swing (the threshold is the assessment's).
    low, high : float
        Percentiles the inputs move to (default 10th and 90th).

    Returns
    -------
    TornadoResult
        ``.table``: one row per uncertain input, largest swing first: ``input``, ``label``,
        ``input_at_low``, ``input_at_high`` (the input's value at each percentile),
        ``metric_at_low``, ``metric_at_high`` and ``swing`` (absolute difference).
        The row ``loss`` is the scaling-law forecast. Fields: ``metric``, ``base`` (the
        metric with every input uncertain), ``fixed_inputs`` (inputs given as numbers),
        ``threshold``, ``unit``, ``plan``, ``converged``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from scaling_bayes.decision import ComputeCost, Investment, LinearValue, assess_roi
    >>> plan = Investment(params=7e9, tokens=1.4e11, cost=ComputeCost(fixed_usd=4e4),
    ...                   value=LinearValue(baseline_loss=2.6,
    ...                                     usd_per_loss_unit=stats.uniform(2e5, 2e5)))
    >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 4000), plan, random_seed=0)
    >>> tornado(risk).table["input"].tolist()
    ['value.usd_per_loss_unit', 'loss', 'cost.usd_per_gpu_hour', 'cost.mfu']
    """
    if metric not in TORNADO_METRICS:
        raise DataError(f"metric must be one of {sorted(TORNADO_METRICS)}; got {metric!r}")
    if not (0 < low < high < 1):
        raise DataError(f"need 0 < low < high < 1 (e.g. 0.1 and 0.9); got {low!r}, {high!r}")
    plan = risk.plan
    loss = risk.draws.loss
    threshold = risk.threshold

    def evaluate(draws) -> float:
        if metric == "expected_net_benefit":
            return float(draws.net_benefit.mean())
        if metric == "expected_roi":
            return float(draws.roi.mean())
        return float((draws.roi > threshold).mean())

    rows = []
    fixed_inputs = []
    for name, (value, _) in plan.input_specs().items():
        if not is_uncertain(value):
            fixed_inputs.append(name)
            continue
        ends = [input_quantile(value, q) for q in (low, high)]
        results = [evaluate(simulate_plan(plan, loss, risk.entropy, fixed={name: x})) for x in ends]
        rows.append((name, _LABELS.get(name, name.split(".", 1)[1]), *ends, *results))
    if np.ptp(loss) > 0:
        ends = list(np.quantile(loss, [low, high]))
        results = [evaluate(simulate_plan(plan, np.full(loss.size, x), risk.entropy)) for x in ends]
        rows.append((LOSS_INPUT, "forecast loss (scaling law)", *ends, *results))
    table = pd.DataFrame(
        rows,
        columns=[
            "input",
            "label",
            "input_at_low",
            "input_at_high",
            "metric_at_low",
            "metric_at_high",
        ],
    )
    table["swing"] = (table["metric_at_high"] - table["metric_at_low"]).abs()
    table = table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    base = evaluate(risk.draws)
    result = TornadoResult(
        table=table,
        metric=metric,
        base=base,
        low=low,
        high=high,
        threshold=threshold,
        unit=TORNADO_METRICS[metric] or plan.currency,
        fixed_inputs=fixed_inputs,
        plan=plan.label,
        method=(
            f"one at a time: each input at its {round(low * 100)}th and {round(high * 100)}th "
            "percentile, every other input keeping its joint draws"
        ),
        converged=risk.converged,
    )
    attach_legacy_attrs(
        table,
        "TornadoResult",
        {**result.fields(), "roi_convention": risk.roi_convention, "warning": result.warning},
    )
    return result
