"""What a lower loss is worth: value models of loss draws.

Three models, each vectorised over draws of loss (nats/token unless stated otherwise):

* :class:`LinearValue`: ``V = u (L_baseline - L)``, money per unit of loss reduction against the
  model in use today;
* :class:`TargetValue`: worth ``X`` if the loss reaches a target, optionally with linear partial
  credit from a starting loss;
* :class:`CallableValue`: any vectorised function of loss draws (for example loss -> task error
  rate -> hours saved -> money), with optional uncertain inputs of its own.

Horizon and discounting: by default a value model gives a present value. With ``horizon_years``
the model gives a value *per year*, received at the end of each year for ``horizon_years`` years
and discounted at ``discount_rate`` (an ordinary annuity)::

    V = yearly value x (1 - (1 + r)^-H) / r          (x H when r = 0)

while the cost is paid up front. Every output states ROI = (V - C) / C, break-even 0.

Payback: with a value per year, :func:`payback_months` gives the months until the cumulative
discounted net value (value less running costs, received monthly) exceeds the one-off cost.

Metric units: a value per unit of improvement names its unit. ``unit="percentage point"`` says
that one unit is 0.01 of an error rate given as a fraction, so JPY 5M per percentage point is not
read as JPY 5M per 100 percentage points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import InitVar, dataclass, field
from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from ..core.exceptions import DataError
from .inputs import Bounds, check_currency, check_input, describe_input, positive_number

__all__ = [
    "VALUE_UNITS",
    "CallableValue",
    "LinearValue",
    "TargetValue",
    "ValueModel",
    "annuity_factor",
    "payback_months",
]

#: Named units of metric improvement and the change of a fraction-valued metric each stands for.
VALUE_UNITS = {"unit": 1.0, "percentage point": 0.01, "basis point": 1e-4}

_HORIZON = Bounds(0.0, None, unit="years", example="3")
_RATE = Bounds(-1.0, None, unit="a yearly fraction", example="0.08")


def annuity_factor(horizon_years: ArrayLike, discount_rate: ArrayLike) -> np.ndarray:
    """Present value of 1 per year for ``horizon_years`` years, paid at the end of each year.

    Examples
    --------
    >>> round(float(annuity_factor(3, 0.10)), 4)
    2.4869
    >>> float(annuity_factor(3, 0.0))
    3.0
    """
    h = np.asarray(horizon_years, float)
    r = np.asarray(discount_rate, float)
    small = np.abs(r) < 1e-12
    safe = np.where(small, 1.0, r)
    return np.where(small, h, -np.expm1(-h * np.log1p(safe)) / safe)


def payback_months(
    upfront: ArrayLike, net_per_year: ArrayLike, discount_rate: ArrayLike, horizon_years: ArrayLike
) -> np.ndarray:
    """Months until the cumulative discounted net value exceeds the one-off cost, per draw.

    The net value per year ``Y`` (value less running costs) arrives in twelve equal parts at
    each month's end, discounted at the monthly rate ``i = (1 + r)^(1/12) - 1`` equivalent to
    the yearly rate ``r``. The discounted value after ``m`` months is
    ``(Y / 12) (1 - (1 + i)^-m) / i``; it reaches the one-off cost ``C`` at::

        m = -ln(1 - 12 C i / Y) / ln(1 + i)          (m = 12 C / Y when r = 0)

    (fractional months: the crossing within the month, on the same formula). ``inf`` when the
    plan never pays back (``Y <= 0``, or the discounted stream never reaches ``C``) or pays back
    only after ``horizon_years`` (censored: the value is not counted beyond the horizon).

    Parameters
    ----------
    upfront : array_like
        One-off cost per draw (everything but the running costs), > 0.
    net_per_year : array_like
        Value per year less running costs per year, per draw.
    discount_rate : array or float
        Yearly discount rate (fraction).
    horizon_years : array or float
        Years the value is earned.

    Examples
    --------
    >>> payback_months(1.2e6, 1.2e6, 0.0, 3)          # 12 C / Y
    array(12.)
    >>> m = payback_months(1.2e6, 1.2e6, 0.10, 3)     # a bit later with discounting
    >>> bool(12 < m < 13)
    True
    >>> payback_months(1e6, 1e5, 0.0, 3)              # 120 months > 36: beyond the horizon
    array(inf)
    """
    c = np.asarray(upfront, float)
    y = np.asarray(net_per_year, float)
    r = np.asarray(discount_rate, float)
    h = np.asarray(horizon_years, float)
    monthly = y / 12.0
    i = np.expm1(np.log1p(r) / 12.0)
    small = np.abs(i) < 1e-12
    safe_i = np.where(small, 1.0, i)
    with np.errstate(divide="ignore", invalid="ignore"):
        undiscounted = c / monthly
        share = 1.0 - c * safe_i / monthly
        discounted = -np.log(share) / np.log1p(safe_i)
        months = np.where(small, undiscounted, discounted)
        never = (monthly <= 0) | (~small & (share <= 0)) | ~np.isfinite(months)
    months = np.where(never, np.inf, months)
    return np.where(months > 12.0 * h, np.inf, months)


@dataclass(frozen=True, eq=False, kw_only=True)
class ValueModel:
    """Base class: horizon, discounting and currency shared by every value model.

    Subclasses implement :meth:`yearly_or_present` (value per draw before the horizon factor),
    :meth:`own_inputs` and :meth:`describe_value`.

    Examples
    --------
    >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6, horizon_years=3,
    ...                     discount_rate=0.1)
    >>> isinstance(value, ValueModel), value.describe()[:40]
    (True, 'USD 1M per unit of loss below the baseli')
    """

    horizon_years: object = None
    discount_rate: object = 0.0
    currency: str = "USD"

    def __post_init__(self) -> None:
        if self.horizon_years is not None:
            object.__setattr__(
                self, "horizon_years", check_input("horizon_years", self.horizon_years, _HORIZON)
            )
        object.__setattr__(
            self, "discount_rate", check_input("discount_rate", self.discount_rate, _RATE)
        )
        no_discount = isinstance(self.discount_rate, float) and self.discount_rate == 0.0
        if self.horizon_years is None and not no_discount:
            raise DataError(
                "discount_rate needs horizon_years: give the value per year and the number of "
                "years it is earned (e.g. horizon_years=3, discount_rate=0.08)"
            )
        check_currency(self.currency)

    # ------------------------------------------------------------------ interface
    def input_specs(self) -> dict[str, tuple[object, Bounds]]:
        """Every input with its bounds, by name (the model's own plus the horizon's)."""
        out = dict(self.own_inputs())
        if self.horizon_years is not None:
            out["horizon_years"] = (self.horizon_years, _HORIZON)
            out["discount_rate"] = (self.discount_rate, _RATE)
        return out

    def own_inputs(self) -> dict[str, tuple[object, Bounds]]:
        return {}

    def factor(self, draws: Mapping[str, np.ndarray], n: int) -> np.ndarray:
        """Horizon factor per draw: the annuity factor, or 1 for a present value."""
        if self.horizon_years is None:
            return np.ones(n)
        return annuity_factor(draws["horizon_years"], draws["discount_rate"])

    def evaluate(self, loss: ArrayLike, draws: Mapping[str, np.ndarray]) -> np.ndarray:
        """Present value per joint draw, in :attr:`currency`.

        Parameters
        ----------
        loss : array of shape (n,)
            Loss draws.
        draws : mapping
            Draws of the inputs named in :meth:`input_specs`, each of shape (n,).
        """
        loss = np.asarray(loss, float)
        value = self.yearly_or_present(loss, draws) * self.factor(draws, loss.size)
        return value

    def per_year(self, loss: ArrayLike, draws: Mapping[str, np.ndarray]) -> np.ndarray | None:
        """Value per year per joint draw (None for a present-value model: no payback)."""
        if self.horizon_years is None:
            return None
        return self.yearly_or_present(np.asarray(loss, float), draws)

    def yearly_or_present(  # pragma: no cover
        self, loss: np.ndarray, draws: Mapping[str, np.ndarray]
    ) -> np.ndarray:
        raise NotImplementedError

    @property
    def reference_loss(self) -> float | None:
        """Loss below which value starts (baseline or target), for the irreducible-loss check."""
        return None

    def describe(self) -> str:
        """The assumptions in one sentence, for texts and memos."""
        text = self.describe_value()
        if self.horizon_years is not None:
            text += (
                f", per year over {describe_input(self.horizon_years)} years discounted at "
                f"{describe_input(self.discount_rate)} a year (paid at each year's end)"
            )
        return text

    def describe_value(self) -> str:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True, eq=False, kw_only=True)
class LinearValue(ValueModel):
    """Value proportional to the loss reduction against a baseline model.

    ``V = usd_per_loss_unit x (baseline_loss - L)`` per draw of the new model's loss ``L``
    (negative when the new model is worse, unless ``floor_at_zero``: then a worse model is
    simply not deployed and is worth 0).

    Parameters
    ----------
    baseline_loss : float
        Loss of the model in use today (same units as the forecast).
    usd_per_loss_unit : number or distribution
        Money (in ``currency``) per unit of loss reduction (per year with ``horizon_years``);
        positive. Also ``per_unit=``.
    floor_at_zero : bool
        Value a model worse than the baseline at 0 instead of a negative amount.
    unit : float or str
        The improvement one unit of ``usd_per_loss_unit`` is paid for, in the metric's own
        units: ``1.0`` (default: one unit of the metric), ``"percentage point"`` (0.01 of a
        metric given as a fraction, e.g. an error rate of 0.085), ``"basis point"`` or any
        positive number.
    higher_is_better : bool
        The metric improves upwards (accuracy): ``V = u (L - baseline) / unit``.
    horizon_years, discount_rate, currency
        See :class:`ValueModel`.

    Examples
    --------
    >>> import numpy as np
    >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=3e6)
    >>> value.evaluate(np.array([2.5, 2.7]), {"usd_per_loss_unit": np.full(2, 3e6)}).round()
    array([ 300000., -300000.])

    JPY 5M a year per percentage point of error rate below today's 8.5%:

    >>> value = LinearValue(baseline_loss=0.085, usd_per_loss_unit=5e6, unit="percentage point",
    ...                     horizon_years=5, currency="JPY")
    >>> value.per_year(np.array([0.065]), {"usd_per_loss_unit": np.array([5e6])}).round()
    array([10000000.])
    """

    baseline_loss: float
    usd_per_loss_unit: object = None
    floor_at_zero: bool = False
    unit: object = 1.0
    higher_is_better: bool = False
    per_unit: InitVar[object] = None

    def __post_init__(self, per_unit) -> None:
        super().__post_init__()
        _alias(self, "usd_per_loss_unit", "per_unit", per_unit)
        object.__setattr__(
            self, "baseline_loss", positive_number("baseline_loss", self.baseline_loss, "a loss")
        )
        object.__setattr__(
            self,
            "usd_per_loss_unit",
            check_input("usd_per_loss_unit", self.usd_per_loss_unit, _MONEY),
        )
        if not isinstance(self.floor_at_zero, bool):
            raise DataError(f"floor_at_zero must be True or False; got {self.floor_at_zero!r}")
        _check_direction(self.higher_is_better)
        object.__setattr__(self, "unit", _unit_size(self.unit))

    @property
    def unit_name(self) -> str:
        """The unit of improvement in words: ``'percentage point'``, ``'unit'`` or a number."""
        for name, size in VALUE_UNITS.items():
            if size == self.unit:
                return name
        return f"{self.unit:g} of the metric"

    def own_inputs(self) -> dict[str, tuple[object, Bounds]]:
        return {"usd_per_loss_unit": (self.usd_per_loss_unit, _MONEY)}

    def improvement(self, loss: np.ndarray) -> np.ndarray:
        """Improvement over the baseline in units of :attr:`unit` (positive = better)."""
        gain = loss - self.baseline_loss if self.higher_is_better else self.baseline_loss - loss
        # dividing by 1.0 is exact, but skipping it keeps the arithmetic of earlier releases
        # __post_init__ has turned unit into a float (see _unit_size)
        return gain if self.unit == 1.0 else gain / cast(float, self.unit)

    def yearly_or_present(self, loss: np.ndarray, draws: Mapping[str, np.ndarray]) -> np.ndarray:
        value = draws["usd_per_loss_unit"] * self.improvement(loss)
        return np.maximum(value, 0.0) if self.floor_at_zero else value

    @property
    def reference_loss(self) -> float | None:
        return None if self.higher_is_better else self.baseline_loss

    def describe_value(self) -> str:
        floor = " (a worse model is worth 0)" if self.floor_at_zero else ""
        if self.unit == 1.0 and not self.higher_is_better:
            return (
                f"{self.currency} {describe_input(self.usd_per_loss_unit)} per unit of "
                f"loss below the baseline loss {self.baseline_loss:g}{floor}"
            )
        side = "above" if self.higher_is_better else "below"
        return (
            f"{self.currency} {describe_input(self.usd_per_loss_unit)} per {self.unit_name} of "
            f"the metric {side} the baseline {self.baseline_loss:g}{floor}"
        )


@dataclass(frozen=True, eq=False, kw_only=True)
class TargetValue(ValueModel):
    """Worth a fixed amount if the loss reaches a target, optionally with partial credit.

    ``V = usd_if_met`` when ``L <= target_loss``; with ``partial_from`` (a loss above the
    target) the credit rises linearly from 0 at ``partial_from`` to full at the target.

    Parameters
    ----------
    target_loss : float
        Loss the product needs.
    usd_if_met : number or distribution
        Value (in ``currency``) when the target is met (per year with ``horizon_years``);
        positive. Also ``if_met=``.
    partial_from : float, optional
        Loss at which partial credit starts; must exceed ``target_loss`` (be below it for a
        higher-is-better metric).
    higher_is_better : bool
        The metric improves upwards (accuracy): the target is met when ``L >= target_loss``.

    Examples
    --------
    >>> import numpy as np
    >>> value = TargetValue(target_loss=2.0, usd_if_met=1e6, partial_from=2.2)
    >>> value.evaluate(np.array([1.9, 2.1, 2.3]), {"usd_if_met": np.full(3, 1e6)}).round()
    array([1000000.,  500000.,       0.])
    """

    target_loss: float
    usd_if_met: object = None
    partial_from: float | None = None
    higher_is_better: bool = False
    if_met: InitVar[object] = None

    def __post_init__(self, if_met) -> None:
        super().__post_init__()
        _alias(self, "usd_if_met", "if_met", if_met)
        _check_direction(self.higher_is_better)
        object.__setattr__(
            self, "target_loss", positive_number("target_loss", self.target_loss, "a loss")
        )
        object.__setattr__(self, "usd_if_met", check_input("usd_if_met", self.usd_if_met, _MONEY))
        if self.partial_from is not None and self.higher_is_better:
            start = positive_number("partial_from", self.partial_from, "a metric value")
            if start >= self.target_loss:
                raise DataError(
                    f"partial_from ({start:g}) must be below target_loss ({self.target_loss:g}) "
                    "for a higher-is-better metric: credit starts there and is full at the target"
                )
            object.__setattr__(self, "partial_from", start)
        elif self.partial_from is not None:
            start = positive_number("partial_from", self.partial_from, "a loss")
            if start <= self.target_loss:
                raise DataError(
                    f"partial_from ({start:g}) must be a loss above target_loss "
                    f"({self.target_loss:g}): credit starts there and is full at the target"
                )
            object.__setattr__(self, "partial_from", start)

    def own_inputs(self) -> dict[str, tuple[object, Bounds]]:
        return {"usd_if_met": (self.usd_if_met, _MONEY)}

    def yearly_or_present(self, loss: np.ndarray, draws: Mapping[str, np.ndarray]) -> np.ndarray:
        if self.higher_is_better:
            if self.partial_from is None:
                credit = (loss >= self.target_loss).astype(float)
            else:
                width = self.target_loss - self.partial_from
                credit = np.clip((loss - self.partial_from) / width, 0.0, 1.0)
        elif self.partial_from is None:
            credit = (loss <= self.target_loss).astype(float)
        else:
            width = self.partial_from - self.target_loss
            credit = np.clip((self.partial_from - loss) / width, 0.0, 1.0)
        return draws["usd_if_met"] * credit

    @property
    def reference_loss(self) -> float | None:
        if self.higher_is_better:
            return None
        return self.partial_from if self.partial_from is not None else self.target_loss

    def describe_value(self) -> str:
        partial = (
            f", with linear partial credit from loss {self.partial_from:g}"
            if self.partial_from is not None
            else ""
        )
        return (
            f"{self.currency} {describe_input(self.usd_if_met)} if the loss reaches "
            f"{self.target_loss:g}{partial}"
        )


@dataclass(frozen=True, eq=False, kw_only=True)
class CallableValue(ValueModel):
    """Any vectorised function of loss draws, e.g. loss -> error rate -> hours saved -> money.

    ``fn(loss, **inputs)`` receives an array of loss draws and one array of draws per entry of
    ``inputs`` (numbers or distributions, sampled jointly with the loss), and must return one
    finite value per draw.

    Parameters
    ----------
    fn : callable
        Vectorised value function.
    inputs : mapping, optional
        Uncertain inputs of ``fn`` by keyword name.
    description : str
        Said in texts, e.g. "hours saved by lower error rates at USD 80/hour".

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> def hours_saved(loss, usd_per_hour):
    ...     error_rate = np.clip(0.9 * (loss - 1.5), 0, 1)
    ...     return (0.5 - error_rate) * 10_000 * usd_per_hour
    >>> value = CallableValue(hours_saved, inputs={"usd_per_hour": stats.uniform(60, 40)})
    >>> value.evaluate(np.array([2.0]), {"usd_per_hour": np.array([80.0])}).round()
    array([40000.])
    """

    fn: Callable = field(kw_only=False)
    inputs: Mapping = field(default_factory=dict)
    description: str = "user value function"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not callable(self.fn):
            raise DataError(f"fn must be a function of loss draws; got {type(self.fn).__name__}")
        checked = {}
        if not isinstance(self.inputs, Mapping):
            raise DataError(
                f"inputs must be a dict of keyword name to number or distribution; "
                f"got {type(self.inputs).__name__}"
            )
        for key, value in self.inputs.items():
            if not isinstance(key, str) or not key.isidentifier():
                raise DataError(f"inputs keys must be keyword names of fn; got {key!r}")
            if key in ("horizon_years", "discount_rate"):
                raise DataError(f"inputs key {key!r} is reserved; use horizon_years= instead")
            checked[key] = check_input(f"inputs[{key!r}]", value, _ANY)
        object.__setattr__(self, "inputs", checked)

    def own_inputs(self) -> dict[str, tuple[object, Bounds]]:
        return {key: (value, _ANY) for key, value in self.inputs.items()}

    def yearly_or_present(self, loss: np.ndarray, draws: Mapping[str, np.ndarray]) -> np.ndarray:
        kwargs = {key: draws[key] for key in self.inputs}
        try:
            out = self.fn(loss, **kwargs)
        except Exception as err:
            raise DataError(
                f"the value function fn failed on {loss.size} loss draws ({err!r}); it must "
                "take an array of loss draws (and the keyword inputs) and return an array"
            ) from err
        out = np.asarray(out, dtype=float) if out is not None else np.asarray(np.nan)
        if out.shape != loss.shape:
            raise DataError(
                f"the value function fn returned shape {out.shape} for {loss.size} loss draws; "
                f"it must be vectorised and return one value per draw, shape {loss.shape}"
            )
        bad = ~np.isfinite(out)
        if bad.any():
            raise DataError(
                f"the value function fn returned {int(bad.sum())} NaN or infinite values of "
                f"{out.size} (e.g. at loss {loss[bad][0]:g}); it must return finite money"
            )
        return out

    def describe_value(self) -> str:
        extra = ", ".join(f"{k} {describe_input(v)}" for k, v in self.inputs.items())
        return f"from {self.description}" + (f" ({extra})" if extra else "")


def _alias(model, old: str, new: str, value) -> None:
    """Set ``old`` from its neutral name ``new``; exactly one of them must be given."""
    if value is not None and getattr(model, old) is not None:
        raise DataError(f"give {new}= or its old name {old}=, not both")
    if value is None and getattr(model, old) is None:
        raise DataError(f"{type(model).__name__} needs {new}= (money in the value's currency)")
    if value is not None:
        object.__setattr__(model, old, value)


def _check_direction(flag) -> None:
    if not isinstance(flag, bool):
        raise DataError(
            f"higher_is_better must be True (accuracy) or False (error rate, loss); got {flag!r}"
        )


def _unit_size(unit) -> float:
    """The metric change one unit of value stands for (see :data:`VALUE_UNITS`)."""
    if isinstance(unit, str):
        if unit not in VALUE_UNITS:
            raise DataError(
                f"unit must be one of {', '.join(repr(k) for k in VALUE_UNITS)} or a positive "
                f"number (the metric change one unit stands for, e.g. 0.01); got {unit!r}"
            )
        return VALUE_UNITS[unit]
    return positive_number("unit", unit, "the metric change one unit of value stands for")


_MONEY = Bounds(0.0, None, unit="money", example="3_000_000 or scipy.stats.uniform(2e6, 2e6)")
_ANY = Bounds(None, None)
