"""Joint draws: forecast loss, business inputs, and the cost and value they imply.

A *source* of loss draws is a fitted :class:`~scaling_bayes.ScalingLawModel` (predicted at each
plan's scale), a :class:`~scaling_bayes.Forecast`, or plain arrays of loss draws. Draw ``i`` of
every plan comes from the same posterior draw (one ``predict`` call serves all plans) and the
same business-input draws (common random numbers, see :mod:`scaling_bayes.decision.inputs`), so
differences between plans are computed within each joint draw.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike

from ..core.exceptions import ConfigError, DataError, InputWarning
from ..core.forecast import Forecast
from .cost import COST_COMPONENTS
from .inputs import child_seed, sample_inputs
from .plan import Investment
from .value import payback_months

if TYPE_CHECKING:
    from ..core.model import ScalingLawModel

__all__ = [
    "INTERVAL_PART_COLUMNS",
    "LossDraws",
    "PlanDraws",
    "check_workload",
    "joint_dataset",
    "resolve_losses",
    "simulate_plan",
]

#: Thresholds above this are probably percents (20 meaning 20%).
PERCENT_SUSPECT = 5.0


@dataclass(frozen=True)
class LossDraws:
    """Loss draws for a list of plans, with what is known about where they came from."""

    loss: np.ndarray  # (n, k)
    n_chains: int | None
    converged: bool
    source: str
    scales: pd.DataFrame
    irreducible: np.ndarray | None = None
    kind: str = "predictive"

    @property
    def n_draws(self) -> int:
        return int(self.loss.shape[0])


@dataclass(frozen=True)
class PlanDraws:
    """Joint draws of one plan: loss, sampled inputs, value, cost and footprint.

    ``breakdown`` holds the cost's parts (:data:`~scaling_bayes.decision.cost.COST_COMPONENTS`:
    data, compute, energy, carbon, fixed, integration, running), which sum to ``cost`` draw by
    draw; ``value_per_year`` and ``running_per_year`` are None and zero for a present-value
    model. ``payback`` gives the months until the plan pays back.
    """

    plan: Investment
    loss: np.ndarray
    inputs: dict
    value: np.ndarray
    cost: np.ndarray
    footprint: dict = field(default_factory=dict)
    breakdown: dict = field(default_factory=dict)
    value_per_year: np.ndarray | None = None
    running_per_year: np.ndarray | None = None

    @property
    def upfront(self) -> np.ndarray:
        """One-off cost per draw: the cost without the discounted running costs."""
        running = self.breakdown.get("running")
        return self.cost if running is None else self.cost - running

    @property
    def payback(self) -> np.ndarray:
        """Months until the plan pays back, per draw (inf: not within the horizon; NaN: no
        value per year to pay back from). See :func:`~scaling_bayes.decision.payback_months`."""
        if self.value_per_year is None:
            return np.full(self.loss.size, np.nan)
        running = 0.0 if self.running_per_year is None else self.running_per_year
        return payback_months(
            self.upfront,
            self.value_per_year - running,
            self.inputs["value.discount_rate"],
            self.inputs["value.horizon_years"],
        )

    @property
    def net_benefit(self) -> np.ndarray:
        """V - C per draw."""
        return self.value - self.cost

    @property
    def roi(self) -> np.ndarray:
        """(V - C) / C per draw."""
        return (self.value - self.cost) / self.cost

    def frame(self) -> pd.DataFrame:
        """Every joint draw as a row (inputs, loss, value, cost, footprint, net benefit, ROI)."""
        data = {
            "loss": self.loss,
            **self.inputs,
            **self.footprint,
            "value": self.value,
            "cost": self.cost,
            **{f"cost_{k}": v for k, v in self.breakdown.items()},
            "net_benefit": self.net_benefit,
            "roi": self.roi,
            "payback_months": self.payback,
        }
        return pd.DataFrame(data)


#: Variables of :func:`joint_dataset`, with their units (``None``: the plans' currency).
JOINT_VARIABLES = {
    "loss": "loss",
    "cost": None,
    "value": None,
    "net_benefit": None,
    "roi": "fraction (ROI = (V - C) / C)",
}


def joint_dataset(draws: list[PlanDraws], n_chains: int | None) -> xr.Dataset:
    """Joint draws of several plans as an ``xarray.Dataset`` with dims ``(chain, draw, plan)``.

    Variables ``loss``, ``cost``, ``value``, ``net_benefit`` and ``roi``; the cost's parts
    ``cost_data``, ``cost_compute``, ``cost_energy``, ``cost_carbon``, ``cost_fixed``,
    ``cost_integration`` and ``cost_running``, which sum to ``cost``; and ``payback_months``
    (inf: not paid back within the horizon; NaN: a present-value model). Draw ``i`` of every
    plan shares one posterior draw and one draw of every business input. Independent draws
    (``n_chains=None``) are one chain. ArviZ reads it directly: ``arviz.ess(ds, method="mean")``
    gives the effective sample size of every variable and plan.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue
    >>> plan = Investment(params=1e9, tokens=2e10,
    ...                   value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6))
    >>> d = simulate_plan(plan, np.random.default_rng(0).normal(2.4, 0.05, 400), entropy=0)
    >>> joint_dataset([d], n_chains=4)["net_benefit"].dims
    ('chain', 'draw', 'plan')
    """
    if not draws:
        raise DataError("joint_dataset needs the draws of at least one plan")
    chains = 1 if n_chains is None else int(n_chains)
    n = draws[0].loss.size
    if n % chains:
        raise DataError(f"{n} draws cannot be split into {chains} chains of equal length")
    names = [d.plan.label for d in draws]
    currency = draws[0].plan.currency
    data = {}
    series: dict[str, tuple[str | None, Callable[..., Any]]] = {
        var: (unit, lambda d, v=var: getattr(d, v)) for var, unit in JOINT_VARIABLES.items()
    }
    for part in COST_COMPONENTS:
        series[f"cost_{part}"] = (None, lambda d, k=part: _part(d, k))
    series["payback_months"] = (
        "months (inf: not paid back within the horizon)",
        lambda d: d.payback,
    )
    for var, (unit, get) in series.items():
        stacked = np.stack([np.asarray(get(d), dtype=float) for d in draws], axis=-1)
        data[var] = xr.DataArray(
            stacked.reshape(chains, n // chains, len(draws)),
            dims=("chain", "draw", "plan"),
            attrs={"units": unit or currency},
        )
    return xr.Dataset(
        data,
        coords={"chain": np.arange(chains), "draw": np.arange(n // chains), "plan": names},
        attrs={"independent_draws": n_chains is None},
    )


def _part(d: PlanDraws, part: str) -> np.ndarray:
    out = d.breakdown.get(part)
    return np.zeros(d.loss.size) if out is None else out


def simulate_plan(
    plan: Investment, loss: np.ndarray, entropy: int, *, fixed: Mapping[str, float] | None = None
) -> PlanDraws:
    """Sample the plan's inputs jointly with ``loss``; evaluate its cost and value.

    Cost = the cost model's one-off parts (data, compute, energy, carbon, fixed) + the plan's
    integration + its running costs per year times the value model's annuity factor (the same
    horizon and discount rate as the value).
    """
    loss = np.asarray(loss, dtype=float)
    n = loss.size
    draws = sample_inputs(plan.input_specs(), n, entropy, fixed=fixed)
    cost_in = {k.split(".", 1)[1]: v for k, v in draws.items() if k.startswith("cost.")}
    value_in = {k.split(".", 1)[1]: v for k, v in draws.items() if k.startswith("value.")}
    footprint = plan.cost.evaluate(plan.flops, cost_in, data_size=plan.tokens)
    cost = footprint.pop("cost")
    running_year = footprint.pop("running_per_year")
    if plan.running_per_year is not None:
        running_year = draws.get("plan.running_per_year", np.zeros(n))
    factor = plan.value.factor(value_in, n)
    breakdown = {part: footprint.pop(f"cost_{part}", np.zeros(n)) for part in COST_COMPONENTS}
    # added only when present: plans without them cost what they cost in earlier releases
    if plan.has_integration:
        breakdown["integration"] = draws["plan.integration"]
        cost = cost + breakdown["integration"]
    if plan.has_running:
        breakdown["running"] = running_year * factor
        cost = cost + breakdown["running"]
    else:
        running_year = np.zeros(n)
    if (cost <= 0).any():
        raise DataError(
            f"plan {plan.label!r}: {int((cost <= 0).sum())} cost draws are not positive, so ROI "
            "= (V - C) / C is undefined; give a positive price or fixed cost"
        )
    # value = value per year x annuity factor, as ValueModel.evaluate computes it
    yearly = plan.value.yearly_or_present(loss, value_in)
    value = yearly * factor
    per_year = yearly if plan.value.horizon_years is not None else None
    return PlanDraws(
        plan=plan,
        loss=loss,
        inputs=draws,
        value=value,
        cost=cost,
        footprint=footprint,
        breakdown=breakdown,
        value_per_year=per_year,
        running_per_year=running_year,
    )


# ---------------------------------------------------------------------- sources
def is_model(source: object) -> bool:
    return hasattr(source, "predict") and hasattr(source, "posterior_draws")


def resolve_losses(
    source: ScalingLawModel | Forecast | ArrayLike,
    plans: list[Investment],
    *,
    entropy: int,
    kind: str = "predictive",
) -> LossDraws:
    """Loss draws of every plan from a fitted model, a Forecast or arrays (see module doc)."""
    if kind not in ("predictive", "mean"):
        raise DataError(f"kind must be 'predictive' (law + run noise) or 'mean'; got {kind!r}")
    if is_model(source):
        return _from_model(source, plans, entropy, kind)
    if isinstance(source, Forecast):
        return _from_forecast(source, plans, kind)
    return _from_arrays(source, plans, kind)


def _from_model(model, plans, entropy, kind) -> LossDraws:
    if not hasattr(model, "idata_"):
        raise DataError("the model is not fitted; call model.fit(data) before assessing plans")
    calls = _predict_calls(model, plans)
    columns: dict[int, np.ndarray] = {}
    rows: dict[int, dict] = {}
    converged = True
    n_chains = None
    for stream, (index, scales) in enumerate(calls):
        if not index:
            continue
        fc = model.predict(**scales, random_seed=child_seed(entropy, stream))
        converged &= bool(fc.converged)
        n_chains = int(fc.idata.predictions.sizes["chain"])
        flat = fc.flat_draws(kind)
        alloc = fc.allocation
        for j, i in enumerate(index):
            columns[i] = flat[:, j]
            row = {**fc.scales.iloc[j].to_dict(), **_interval_parts(fc, j, kind)}
            if alloc is not None:
                row["params"] = float(np.median(alloc["params_opt"].values[..., j]))
                row["tokens"] = float(np.median(alloc["tokens_opt"].values[..., j]))
            rows[i] = row
    loss = np.column_stack([columns[i] for i in range(len(plans))])
    irreducible = model.posterior_draws().get("E")
    return LossDraws(
        loss=loss,
        n_chains=n_chains,
        converged=converged,
        source="model",
        scales=_scales_table(plans, [rows[i] for i in range(len(plans))]),
        irreducible=irreducible,
        kind=kind,
    )


def _predict_calls(model, plans) -> list[tuple[list[int], dict]]:
    """Which plans go into which ``model.predict`` call, with the scales to pass."""
    axis = getattr(model, "x", None)
    if axis in ("params", "tokens", "compute"):  # a one-axis law: predict from its axis only
        values = []
        for plan in plans:
            value = plan.flops if axis == "compute" else getattr(plan, axis)
            if value is None:
                raise DataError(
                    f"the model's law is on {axis} but plan {plan.label!r} gives no {axis}; "
                    f"give {axis}= to the Investment"
                )
            values.append(value)
        return [(list(range(len(plans))), {axis: values})]
    for plan in plans:
        if plan.data_only:
            raise DataError(
                f"plan {plan.label!r} gives only tokens= (a data size) but the model's law "
                f"{getattr(model, 'law', '?')!r} forecasts on params and tokens; fit a law on the "
                "data axis (law='power', x='tokens') or give the plan params="
            )
    explicit = [i for i, p in enumerate(plans) if not p.compute_optimal]
    optimal = [i for i, p in enumerate(plans) if p.compute_optimal]
    return [
        (
            explicit,
            {
                "params": [plans[i].params for i in explicit],
                "tokens": [plans[i].tokens for i in explicit],
            },
        ),
        (optimal, {"compute": [plans[i].compute for i in optimal]}),
    ]


def _from_forecast(fc: Forecast, plans, kind) -> LossDraws:
    flat = fc.flat_draws(kind)
    k = fc.n_scales
    scales = fc.scales
    if k == len(plans):
        order = list(range(k))
        for i, plan in enumerate(plans):
            if not _matches(plan, scales.iloc[i]):
                raise DataError(
                    f"forecast scale {i} ({_describe_row(scales.iloc[i])}) does not match plan "
                    f"{i} ({plan.label}); pass plans in the forecast's order or predict at "
                    "their scales"
                )
    else:
        order = []
        for plan in plans:
            hits = [j for j in range(k) if _matches(plan, scales.iloc[j], strict=True)]
            if len(hits) != 1:
                raise DataError(
                    f"plan {plan.label!r} matches {len(hits)} of the forecast's {k} scales; "
                    "the forecast must hold exactly one scale per plan (predict at the plans' "
                    "scales, or pass plans in the forecast's order with one scale each)"
                )
            order.append(hits[0])
    rows = [{**scales.iloc[j].to_dict(), **_interval_parts(fc, j, kind)} for j in order]
    n_chains = int(fc.idata.predictions.sizes["chain"])
    return LossDraws(
        loss=flat[:, order],
        n_chains=n_chains,
        converged=bool(fc.converged),
        source="forecast",
        scales=_scales_table(plans, rows),
        kind=kind,
    )


def _from_arrays(source, plans, kind) -> LossDraws:
    if isinstance(source, list | tuple) and source and all(np.ndim(s) == 1 for s in source):
        sizes = [np.size(s) for s in source]
        if len(set(sizes)) > 1:
            raise DataError(
                f"the loss draws have different lengths {sizes}; every plan needs the same "
                "number of joint draws (draw i of each plan from the same posterior draw)"
            )
        source = np.column_stack([np.asarray(s, dtype=float) for s in source])
    try:
        arr = np.asarray(source, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(
            "source must be a fitted ScalingLawModel, a Forecast or an array of loss draws; got "
            f"{type(source).__name__}"
        ) from err
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise DataError(f"loss draws must have shape (draws,) or (draws, plans); got {arr.shape}")
    if arr.shape[1] != len(plans):
        raise DataError(
            f"the loss draws have {arr.shape[1]} column(s) but there are {len(plans)} plan(s); "
            "give one column of draws per plan, shape (draws, plans)"
        )
    if arr.shape[0] < 2:
        raise DataError(f"need at least 2 loss draws per plan; got {arr.shape[0]}")
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise DataError(
            f"loss draws must be positive and finite; {int(bad.sum())} of {arr.size} are not"
        )
    rows: list[dict[str, Any]] = [{} for _ in plans]
    return LossDraws(
        loss=arr,
        n_chains=None,
        converged=True,
        source="draws",
        scales=_scales_table(plans, rows),
        kind=kind,
    )


def _matches(plan: Investment, row, strict: bool = False) -> bool:
    compared = False
    for axis in ("params", "tokens", "compute"):
        mine = getattr(plan, axis)
        theirs = row.get(axis, np.nan)
        if mine is None or not np.isfinite(theirs):
            continue
        if plan.compute_optimal and axis != "compute":
            continue
        compared = True
        if not np.isclose(mine, theirs, rtol=1e-6):
            return False
    return compared or not strict


def _describe_row(row) -> str:
    parts = [f"{a}={row[a]:.3g}" for a in ("params", "tokens", "compute") if np.isfinite(row[a])]
    return ", ".join(parts) or "scale unknown"


#: The columns of a plan's scales that split its forecast's 90% interval (relative to the
#: median) into noise, law parameters and form (``Forecast.interval_parts``); NaN when the
#: forecast has no split (hand-made draws, or draws of the law itself, ``kind="mean"``).
INTERVAL_PART_COLUMNS = ("interval_width", "width_noise", "width_law", "width_form")


def _interval_parts(fc: Forecast, j: int, kind: str) -> dict:
    parts = fc.interval_parts
    if parts is None or kind != "predictive":
        return {}
    row = parts.iloc[j]
    return dict(
        zip(INTERVAL_PART_COLUMNS, map(float, row[["width", "noise", "law", "form"]]), strict=True)
    )


def _scales_table(plans, rows) -> pd.DataFrame:
    out = []
    for plan, row in zip(plans, rows, strict=True):
        params = plan.params if plan.params is not None else row.get("params", np.nan)
        tokens = plan.tokens if plan.tokens is not None else row.get("tokens", np.nan)
        out.append(
            {
                "plan": plan.label,
                "params": float(params),
                "tokens": float(tokens),
                "compute": plan.flops,
                "compute_optimal": plan.compute_optimal,
                "extrapolation_ratio": float(row.get("extrapolation_ratio", np.nan)),
                **{c: float(row.get(c, np.nan)) for c in INTERVAL_PART_COLUMNS},
            }
        )
    return pd.DataFrame(out)


# ---------------------------------------------------------------------- amount of work
#: Default memory limit of one comparison of plans (bytes); :func:`check_workload` refuses more.
MAX_WORKLOAD_BYTES = 4e9
#: Floats held per plan and joint draw: the forecast (mean and predictive, a few temporaries),
#: loss, value, cost, net benefit and ROI, the footprint (3), the net-benefit matrices of the
#: ladder (options, winners, steps) and about a dozen sampled business inputs.
_FLOATS_PER_PLAN_DRAW = 32


def check_workload(n_plans: int, n_draws: int, *, max_bytes: float | None = None) -> float:
    """Refuse, before any work, a comparison of plans that would not fit in memory.

    ``compare_scales`` (and ``evsi_pilot``, ``evpi``) hold joint draws of every plan at once,
    about ``32 x 8`` bytes per plan and draw. Call this before fitting (``n_draws`` = chains x
    draws per chain) to learn whether the review would fit; ``compare_scales`` calls it too.

    Parameters
    ----------
    n_plans : int
        Plans to compare.
    n_draws : int
        Joint draws per plan (posterior chains x draws, or rows of loss draws).
    max_bytes : float, optional
        Limit in bytes (default :data:`MAX_WORKLOAD_BYTES`, 4 GB).

    Returns
    -------
    float
        The estimated memory in bytes.

    Raises
    ------
    ConfigError
        When the estimate exceeds the limit, naming both and the fixes.

    Examples
    --------
    >>> round(check_workload(10, 4000) / 1e6)   # MB
    10
    >>> try:
    ...     check_workload(20_000, 4000)
    ... except ConfigError as err:
    ...     print(str(err)[:72])
    comparing 20,000 plans on 4,000 joint draws needs about 20.5 GB, more th
    """
    for name, value in (("n_plans", n_plans), ("n_draws", n_draws)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"{name} must be a positive integer; got {value!r}")
    limit = MAX_WORKLOAD_BYTES if max_bytes is None else max_bytes
    if isinstance(limit, bool) or not np.isfinite(float(limit)) or float(limit) <= 0:
        raise ConfigError(f"max_bytes must be a positive number of bytes; got {max_bytes!r}")
    need = float(n_plans) * float(n_draws) * _FLOATS_PER_PLAN_DRAW * 8
    if need > limit:
        raise ConfigError(
            f"comparing {n_plans:,} plans on {n_draws:,} joint draws needs about "
            f"{need / 1e9:.3g} GB, more than the limit of {float(limit) / 1e9:.3g} GB; compare "
            "fewer plans (e.g. a coarser grid of budgets: plans_from_budgets(np.geomspace(lo, "
            "hi, 20), ...)), use fewer posterior draws (fit with fewer draws per chain), or raise "
            "the limit with max_bytes= if the machine has the memory"
        )
    return need


def draw_count(source: object) -> int | None:
    """Joint draws a source of losses will give per plan, without computing them (None: unknown)."""
    if is_model(source):
        idata = getattr(source, "idata_", None)
        if idata is None or not hasattr(idata, "posterior"):
            return None
        return int(idata.posterior.sizes["chain"] * idata.posterior.sizes["draw"])
    if isinstance(source, Forecast):
        sizes = source.idata.predictions.sizes
        return int(sizes["chain"] * sizes["draw"])
    if isinstance(source, list | tuple) and source and np.ndim(source[0]) == 1:
        return int(np.size(source[0]))
    shape = np.shape(source) if isinstance(source, np.ndarray) else None
    return int(shape[0]) if shape else None


# ---------------------------------------------------------------------- checks shared by callers
def check_threshold(threshold: Any) -> float:
    """A finite ROI threshold; warns when it looks like a percent (|t| > 5)."""
    if isinstance(threshold, bool | str) or np.ndim(threshold) != 0:
        raise DataError(f"threshold must be one number (a fraction: 0.20 = 20%); got {threshold!r}")
    try:
        t = float(threshold)
    except (TypeError, ValueError) as err:
        raise DataError(f"threshold must be a number such as 0.20; got {threshold!r}") from err
    if not np.isfinite(t):
        raise DataError(f"threshold must be finite; got {threshold!r}")
    if abs(t) > PERCENT_SUSPECT:
        warnings.warn(
            f"threshold={t:g} means ROI above {t:.0%}; ROI thresholds are fractions (0.20 = 20%). "
            f"If you meant {t:g}%, pass threshold={t / 100:g}",
            InputWarning,
            stacklevel=3,
        )
    return t


def check_plans(plans: Investment | Iterable[Investment]) -> list[Investment]:
    """A non-empty list of Investments with distinct labels."""
    if isinstance(plans, Investment):
        plans = [plans]
    plans = list(plans)
    if not plans:
        raise DataError("plans is empty; give at least one Investment")
    for i, plan in enumerate(plans):
        if not isinstance(plan, Investment):
            raise DataError(f"plans[{i}] must be an Investment; got {type(plan).__name__}")
    labels = [p.label for p in plans]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise DataError(f"plans must have distinct labels; repeated: {dupes} (give name=)")
    currencies = {p.currency for p in plans}
    if len(currencies) > 1:
        raise DataError(f"plans use several currencies {sorted(currencies)}; use one")
    return plans


def check_reference_losses(plans: Sequence[Investment], losses: LossDraws) -> None:
    """Warn when a value model's baseline or target is below what the forecasts can reach.

    With a fitted model the reference is compared with the posterior of the irreducible loss E;
    with plain draws, a warning is issued only when no plan has any draw below its reference.
    """
    refs: dict[tuple[str, float], list[int]] = {}
    for j, plan in enumerate(plans):
        ref = plan.value.reference_loss
        if ref is not None:
            if hasattr(plan.value, "baseline_loss"):
                what = "baseline_loss"
            elif getattr(plan.value, "partial_from", None) is not None:
                what = "partial_from"
            else:
                what = "target_loss"
            refs.setdefault((what, ref), []).append(j)
    if not refs:
        return
    if losses.irreducible is not None:
        for (what, ref), _ in refs.items():
            share = float(np.mean(losses.irreducible >= ref))
            if share >= 0.5:
                warnings.warn(
                    f"{what}={ref:g} is at or below the law's irreducible loss E in {share:.0%} "
                    f"of posterior draws (median E = {np.median(losses.irreducible):.3g}): no "
                    "improvement is possible at any scale in those draws; check the loss units "
                    "and the baseline",
                    InputWarning,
                    stacklevel=3,
                )
        return
    reachable = any((losses.loss[:, j] < ref).any() for (_, ref), js in refs.items() for j in js)
    if not reachable:
        (what, ref), _ = next(iter(refs.items()))
        warnings.warn(
            f"{what}={ref:g} is below every forecast loss draw of every plan (smallest "
            f"{losses.loss.min():.3g}): no improvement is possible; check the loss units and the "
            "baseline",
            InputWarning,
            stacklevel=3,
        )
