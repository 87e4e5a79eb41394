"""An investment: a training run at one scale, with its cost and value models."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from ..core.constants import FLOPS_PER_PARAM_TOKEN
from ..core.exceptions import DataError
from ..core.units import validate_scales
from .cost import ComputeCost
from .inputs import Bounds, check_input, describe_input, positive_number
from .value import ValueModel

_ONE_OFF = Bounds(0.0, None, lower_inclusive=True, unit="money, one-off", example="15_000_000")
_PER_YEAR = Bounds(0.0, None, lower_inclusive=True, unit="money per year", example="2_000_000")

__all__ = ["Investment", "plans_from_budgets"]


@dataclass(frozen=True, eq=False, kw_only=True)
class Investment:
    """One candidate training run: its scale, what it costs and what it is worth.

    Give ``params`` and ``tokens`` (raw counts; the FLOPs are ``6 N D``), or ``compute`` alone
    (FLOPs; a fitted model then allocates it compute-optimally per posterior draw), or
    ``compute`` with one of ``params``/``tokens`` (the other follows from ``C = 6 N D``). With all
    three, ``compute`` is the FLOPs paid for (e.g. counting attention) and the loss is forecast
    at ``(params, tokens)``; it must lie within 0.5x-2x of ``6 N D``. The scales pass the same
    unit-slip rules as the runs (:mod:`scaling_bayes.core.units`): params or tokens below 1e3
    (billions instead of raw counts) or compute below 1e9 FLOPs are refused, unless ``kinds``
    declares the axis a count in the user's own unit (labelled images).

    A plan on a data axis alone (``tokens=`` only: labelled images, say, for a law on that axis)
    has no FLOPs; its cost model then prices compute from measured pilot GPU-hours
    (``ComputeCost(pilot_gpu_hours=..., pilot_size=...)``). When the cost model prices added
    samples (``data_on_hand``), a plan with fewer samples than are already on hand is refused.

    Costs that belong to this plan only: ``integration`` (one-off) and ``running_per_year``
    (replaces the cost model's; paid each year of the value model's horizon and discounted like
    the value).

    Parameters
    ----------
    params, tokens : float, optional
        Parameters N and training tokens D (raw counts: 7e9, not 7).
    compute : float, optional
        Training FLOPs.
    cost : ComputeCost
        Cost model (default: H100 at USD 2-4 per hour, MFU 0.35-0.55, no fixed costs).
    value : ValueModel
        :class:`LinearValue`, :class:`TargetValue` or :class:`CallableValue`.
    name : str, optional
        Label for tables and plots (default: the scale, e.g. "7B params, 140B tokens").
    integration : number or distribution
        One-off cost of putting this plan to work (integration, line changes, validation);
        default 0.
    running_per_year : number or distribution, optional
        Running costs of this plan per year (inference, maintenance, staff); default: the cost
        model's ``running_per_year``.
    kinds : dict, optional
        Kind of each axis for the unit rules, e.g. ``{"tokens": "count"}`` for labelled images.

    Examples
    --------
    >>> from scaling_bayes.decision import Investment, LinearValue
    >>> plan = Investment(params=7e9, tokens=1.4e11,
    ...                   value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=3e6))
    >>> plan.label, plan.flops
    ('7B params, 140B tokens', 5.88e+21)
    """

    params: float | None = None
    tokens: float | None = None
    compute: float | None = None
    cost: ComputeCost = field(default_factory=ComputeCost)
    value: ValueModel
    name: str | None = None
    integration: object = 0.0
    running_per_year: object = None
    kinds: dict | None = None

    def __post_init__(self) -> None:
        if self.kinds is not None and not isinstance(self.kinds, dict):
            raise DataError(
                f"kinds must be a dict such as {{'tokens': 'count'}}; got {self.kinds!r}"
            )
        for axis in ("params", "tokens", "compute"):
            raw = getattr(self, axis)
            if raw is not None:
                object.__setattr__(self, axis, positive_number(axis, raw, "raw count or FLOPs"))
        if self.name is not None and not isinstance(self.name, str):
            raise DataError(f"name must be a string; got {self.name!r}")
        given = {a: getattr(self, a) for a in ("params", "tokens", "compute")}
        # the same unit-slip rules as the runs and predictions (params in billions, compute in
        # PF-days, compute far from 6ND), so a plan cannot slip a unit the data could not
        where = f"plan {self.name!r}" if self.name else "the Investment"
        validate_scales(
            {a: [v] for a, v in given.items() if v is not None}, where=where, kinds=self.kinds
        )
        n, d, c = self.params, self.tokens, self.compute
        data_only = c is None and n is None and d is not None
        if c is None and (n is None or d is None) and not data_only:
            raise DataError(
                "an Investment needs params= and tokens= (raw counts), or compute= (FLOPs, "
                f"allocated compute-optimally), optionally with one of them, or tokens= alone "
                f"(a data axis); got params={n!r}, tokens={d!r}, compute={c!r}"
            )
        if c is not None and n is not None and d is None:
            object.__setattr__(self, "tokens", c / (FLOPS_PER_PARAM_TOKEN * n))
        elif c is not None and d is not None and n is None:
            object.__setattr__(self, "params", c / (FLOPS_PER_PARAM_TOKEN * d))
        if not isinstance(self.cost, ComputeCost):
            raise DataError(f"cost must be a ComputeCost; got {type(self.cost).__name__}")
        if data_only and not self.cost.measured_compute:
            raise DataError(
                f"{where} gives only tokens= (a data size), so its training FLOPs are unknown; "
                "price compute from what the pilot runs took: ComputeCost(pilot_gpu_hours=..., "
                "pilot_size=...) (GPU-hours of a pilot run and its data size), or give params="
            )
        on_hand = self.cost.data_on_hand
        if on_hand is not None and (self.tokens is None or self.tokens < on_hand):
            raise DataError(
                f"{where} has tokens={self.tokens!r} but {on_hand:g} samples are already on hand "
                "(data_on_hand: the largest pilot run); a plan adds data, so give tokens >= "
                f"{on_hand:g} (or drop the plan)"
            )
        object.__setattr__(
            self, "integration", check_input("integration", self.integration, _ONE_OFF)
        )
        if self.running_per_year is not None:
            object.__setattr__(
                self,
                "running_per_year",
                check_input("running_per_year", self.running_per_year, _PER_YEAR),
            )
        if not isinstance(self.value, ValueModel):
            raise DataError(
                "value must be a LinearValue, TargetValue or CallableValue; got "
                f"{type(self.value).__name__}"
            )
        if self.cost.currency != self.value.currency:
            raise DataError(
                f"cost is in {self.cost.currency} but value is in {self.value.currency}; use one "
                "currency for both (currency= on ComputeCost and on the value model)"
            )
        if self.has_running and self.value.horizon_years is None:
            raise DataError(
                f"{where} has running costs per year but its value model gives a present value "
                "(no horizon_years); give the value per year with horizon_years= (and "
                "discount_rate=) so the running costs are paid over the same years"
            )

    @property
    def has_running(self) -> bool:
        """True when the plan has running costs per year (its own or the cost model's)."""
        if self.running_per_year is None:
            return self.cost.has_running
        return not (isinstance(self.running_per_year, float) and self.running_per_year == 0.0)

    @property
    def has_integration(self) -> bool:
        """True when the plan has a one-off integration cost."""
        return not (isinstance(self.integration, float) and self.integration == 0.0)

    @property
    def added_samples(self) -> float:
        """Samples the plan adds to those on hand (0 when the cost model does not price data)."""
        return self.cost.added_samples(self.tokens)

    @property
    def compute_optimal(self) -> bool:
        """True when only the budget is fixed and the model chooses N and D per draw."""
        return self.params is None and self.tokens is None

    @property
    def data_only(self) -> bool:
        """True when the plan gives only its data size (``tokens``): a law on a data axis."""
        return self.params is None and self.compute is None

    @property
    def flops(self) -> float:
        """Training FLOPs paid for: ``compute`` when given, else ``6 N D`` (NaN: data axis only)."""
        if self.compute is not None:
            return float(self.compute)
        if self.params is None:
            return float("nan")
        return float(FLOPS_PER_PARAM_TOKEN * self.params * self.tokens)

    @property
    def currency(self) -> str:
        return self.cost.currency

    @property
    def scale(self) -> str:
        """The scale in words: ``'7B params, 140B tokens'``."""
        if self.compute_optimal:
            return f"{self.compute:.3g} FLOPs (compute-optimal)"
        if self.data_only:
            kind = (self.kinds or {}).get("tokens", "tokens")
            return f"{_count(self.tokens)} {'samples' if kind == 'count' else 'tokens'}"
        return f"{_count(self.params)} params, {_count(self.tokens)} tokens"

    @property
    def label(self) -> str:
        """The name, or the scale in words."""
        return self.name or self.scale

    def input_specs(self) -> dict[str, tuple[object, Bounds]]:
        """Every uncertain business input of the plan, qualified as ``cost.*`` / ``value.*``."""
        out = {f"cost.{k}": v for k, v in self.cost.input_specs().items()}
        out.update({f"value.{k}": v for k, v in self.value.input_specs().items()})
        # the plan's own costs: one stream per name, so plans share their uniforms (common
        # random numbers), as the cost model's inputs do
        if self.has_integration:
            out["plan.integration"] = (self.integration, _ONE_OFF)
        if self.running_per_year is not None and self.has_running:
            out["plan.running_per_year"] = (self.running_per_year, _PER_YEAR)
        return out

    def describe(self) -> str:
        """Scale, cost and value assumptions in words."""
        what = f"{self.name} ({self.scale})" if self.name else self.scale
        cost = self.cost.describe()
        if self.has_integration:
            cost += f"; integration {self.currency} {describe_input(self.integration)} (one-off)"
        if self.running_per_year is not None:
            cost += (
                f"; this plan's running costs {self.currency} "
                f"{describe_input(self.running_per_year)} a year"
            )
        return f"{what}. Cost: {cost}. Value: {self.value.describe()}."


def plans_from_budgets(
    compute: ArrayLike,
    *,
    cost: ComputeCost | None = None,
    value: ValueModel,
    names: Iterable[str | None] | None = None,
) -> list[Investment]:
    """Compute-optimal plans, one per training budget (FLOPs), sharing cost and value models.

    Examples
    --------
    >>> from scaling_bayes.decision import LinearValue, plans_from_budgets
    >>> plans = plans_from_budgets([1e21, 1e22], value=LinearValue(baseline_loss=2.6,
    ...                                                            usd_per_loss_unit=3e6))
    >>> [p.label for p in plans]
    ['1e+21 FLOPs (compute-optimal)', '1e+22 FLOPs (compute-optimal)']
    """
    budgets = np.atleast_1d(np.asarray(compute, dtype=float))
    if budgets.ndim != 1 or budgets.size == 0:
        raise DataError("compute must be a non-empty 1-d list of training budgets in FLOPs")
    names = [None] * budgets.size if names is None else list(names)
    if len(names) != budgets.size:
        raise DataError(f"names has {len(names)} entries but there are {budgets.size} budgets")
    cost = ComputeCost() if cost is None else cost
    return [
        Investment(compute=float(c), cost=cost, value=value, name=name)
        for c, name in zip(budgets, names, strict=True)
    ]


def _count(x: float) -> str:
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{x / div:.3g}{suffix}"
    return f"{x:.3g}"
