"""An investment: a training run at one scale, with its cost and value models."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.constants import FLOPS_PER_PARAM_TOKEN
from ..core.exceptions import DataError
from ..core.units import validate_scales
from .cost import ComputeCost
from .inputs import Bounds, positive_number
from .value import ValueModel

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
    (billions instead of raw counts) or compute below 1e9 FLOPs are refused.

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

    def __post_init__(self) -> None:
        for axis in ("params", "tokens", "compute"):
            raw = getattr(self, axis)
            if raw is not None:
                object.__setattr__(self, axis, positive_number(axis, raw, "raw count or FLOPs"))
        if self.name is not None and not isinstance(self.name, str):
            raise DataError(f"name must be a string; got {self.name!r}")
        given = {a: getattr(self, a) for a in ("params", "tokens", "compute")}
        # the same unit-slip rules as the runs and predictions (params in billions, compute in
        # PF-days, compute far from 6ND), so a plan cannot slip a unit the data could not
        validate_scales(
            {a: [v] for a, v in given.items() if v is not None},
            where=f"plan {self.name!r}" if self.name else "the Investment",
        )
        n, d, c = self.params, self.tokens, self.compute
        if c is None and (n is None or d is None):
            raise DataError(
                "an Investment needs params= and tokens= (raw counts), or compute= (FLOPs, "
                f"allocated compute-optimally), optionally with one of them; got params={n!r}, "
                f"tokens={d!r}, compute={c!r}"
            )
        if c is not None and n is not None and d is None:
            object.__setattr__(self, "tokens", c / (FLOPS_PER_PARAM_TOKEN * n))
        elif c is not None and d is not None and n is None:
            object.__setattr__(self, "params", c / (FLOPS_PER_PARAM_TOKEN * d))
        if not isinstance(self.cost, ComputeCost):
            raise DataError(f"cost must be a ComputeCost; got {type(self.cost).__name__}")
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

    @property
    def compute_optimal(self) -> bool:
        """True when only the budget is fixed and the model chooses N and D per draw."""
        return self.params is None and self.tokens is None

    @property
    def flops(self) -> float:
        """Training FLOPs paid for: ``compute`` when given, else ``6 N D``."""
        if self.compute is not None:
            return float(self.compute)
        return float(FLOPS_PER_PARAM_TOKEN * self.params * self.tokens)

    @property
    def currency(self) -> str:
        return self.cost.currency

    @property
    def scale(self) -> str:
        """The scale in words: ``'7B params, 140B tokens'``."""
        if self.compute_optimal:
            return f"{self.compute:.3g} FLOPs (compute-optimal)"
        return f"{_count(self.params)} params, {_count(self.tokens)} tokens"

    @property
    def label(self) -> str:
        """The name, or the scale in words."""
        return self.name or self.scale

    def input_specs(self) -> dict[str, tuple[object, Bounds]]:
        """Every uncertain business input of the plan, qualified as ``cost.*`` / ``value.*``."""
        out = {f"cost.{k}": v for k, v in self.cost.input_specs().items()}
        out.update({f"value.{k}": v for k, v in self.value.input_specs().items()})
        return out

    def describe(self) -> str:
        """Scale, cost and value assumptions in words."""
        what = f"{self.name} ({self.scale})" if self.name else self.scale
        return f"{what}. Cost: {self.cost.describe()}. Value: {self.value.describe()}."


def plans_from_budgets(
    compute, *, cost: ComputeCost | None = None, value: ValueModel, names=None
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
