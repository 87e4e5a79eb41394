"""The metric a scaling law forecasts: its name, unit, direction and bounds.

A language model's loss (nats per token, lower is better, any positive value) is only one kind
of metric. A defect-inspection model is judged by its error rate or its accuracy, fractions in
``[0, 1]``; accuracy is better when higher. :class:`Metric` declares which one a table holds, so
that the model works on the right quantity and forecasts stay inside the bounds.

The model always works on a *loss*: a positive quantity that falls as the model gets better.
For a lower-is-better metric that is the metric's distance above its lower bound (the metric
itself when the lower bound is 0, as for loss and error rate); for a higher-is-better metric
with a finite upper bound it is the distance below that bound (``1 - accuracy``, the error
rate). A higher-is-better metric without an upper bound has no such complement and is refused.

Examples
--------
>>> acc = Metric("accuracy", "fraction", "higher", (0.0, 1.0))
>>> acc.to_loss([0.79, 0.915]).round(3).tolist()
[0.21, 0.085]
>>> acc.from_loss(acc.to_loss([0.9])).round(12).tolist()
[0.9]
>>> Metric().is_bounded, acc.is_bounded
(False, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .exceptions import DataError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["ACCURACY", "DIRECTIONS", "ERROR_RATE", "LM_LOSS", "Metric", "as_metric", "default_law"]

#: The two directions a metric can improve in.
DIRECTIONS: tuple[str, ...] = ("lower", "higher")

#: Registry name of the law used by default for a bounded metric (see
#: :mod:`scaling_bayes.core.laws`).
BOUNDED_LAW: str = "saturating"


@dataclass(frozen=True)
class Metric:
    """A declared metric: name, unit, which direction is better, and the range it lives in.

    Parameters
    ----------
    name : str
        What the column measures, in the user's words ("error rate", "accuracy", "loss").
    unit : str
        Its unit ("fraction", "nats/token", "percent").
    direction : {"lower", "higher"}
        Which values are better.
    bounds : (float, float) or None
        The closed range the metric can take; ``None`` means ``(0, inf)`` (a positive loss).
        Use ``(0, 1)`` for an error rate or accuracy given as a fraction and ``(0, 100)`` for a
        percentage. The upper bound may be ``inf``; a higher-is-better metric needs a finite one.

    Raises
    ------
    DataError
        A direction other than "lower"/"higher", bounds that are not two numbers with
        ``lower < upper``, a non-finite lower bound, or a higher-is-better metric without a
        finite upper bound; each message names the argument and the fix.

    Examples
    --------
    >>> Metric("error rate", "fraction", "lower", (0, 1)).label
    'error rate (fraction)'
    >>> Metric("accuracy", "fraction", "higher")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.DataError: metric 'accuracy' is higher-is-better ...
    """

    name: str = "loss"
    unit: str = "nats/token"
    direction: str = "lower"
    bounds: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for key in ("name", "unit"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value.strip():
                raise DataError(
                    f"metric {key} must be a non-empty text, got {value!r}; e.g. "
                    "Metric(name='error rate', unit='fraction', direction='lower', bounds=(0, 1))"
                )
        if self.direction not in DIRECTIONS:
            raise DataError(
                f"metric direction must be 'lower' or 'higher' (which values are better), got "
                f"{self.direction!r}; e.g. direction='higher' for an accuracy"
            )
        if self.bounds is not None:
            object.__setattr__(self, "bounds", _check_bounds(self.bounds, self.name))
        if self.higher_is_better and not math.isfinite(self.upper):
            raise DataError(
                f"metric '{self.name}' is higher-is-better but has no finite upper bound; it is "
                "modelled as its distance below that bound (1 - accuracy), so declare one, e.g. "
                "bounds=(0, 1) for a fraction or bounds=(0, 100) for a percentage"
            )

    # ------------------------------------------------------------------ properties
    @property
    def lower(self) -> float:
        """Lower bound (0 when ``bounds`` is None)."""
        return 0.0 if self.bounds is None else self.bounds[0]

    @property
    def upper(self) -> float:
        """Upper bound (``inf`` when ``bounds`` is None)."""
        return math.inf if self.bounds is None else self.bounds[1]

    @property
    def is_bounded(self) -> bool:
        """True when the metric has a finite upper bound (an error rate, an accuracy)."""
        return math.isfinite(self.upper)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"

    @property
    def loss_upper(self) -> float:
        """Upper bound of the modelled loss, ``upper - lower`` (``inf`` when unbounded)."""
        return self.upper - self.lower

    @property
    def label(self) -> str:
        """``"name (unit)"``, for axis labels and table headers."""
        return f"{self.name} ({self.unit})"

    # ------------------------------------------------------------------ conversions
    def to_loss(self, values: ArrayLike) -> np.ndarray:
        """Metric values -> the modelled loss (positive, lower is better)."""
        values = np.asarray(values, dtype=float)
        return self.upper - values if self.higher_is_better else values - self.lower

    def from_loss(self, loss: ArrayLike) -> np.ndarray:
        """The modelled loss -> metric values in the metric's own scale and direction."""
        loss = np.asarray(loss, dtype=float)
        return self.upper - loss if self.higher_is_better else loss + self.lower

    def outside(self, values: ArrayLike) -> np.ndarray:
        """Boolean mask of values outside the bounds (a bound itself counts as outside).

        A run cannot sit on a bound: a loss of 0 or an error rate of exactly 0 or 1 has no
        finite logit and means the metric was measured on too few examples to resolve it.
        """
        values = np.asarray(values, dtype=float)
        return ~((values > self.lower) & (values < self.upper))

    def to_dict(self) -> dict:
        """Plain dict (JSON-ready; ``bounds`` as a list or None)."""
        bounds = None if self.bounds is None else [self.bounds[0], self.bounds[1]]
        return {"name": self.name, "unit": self.unit, "direction": self.direction, "bounds": bounds}

    @classmethod
    def from_dict(cls, values: Mapping) -> Metric:
        """Build from a dict with keys ``name``, ``unit``, ``direction``, ``bounds``.

        Every key is optional for the default loss; a metric with another name needs its unit.

        Raises
        ------
        DataError
            Unknown keys or bad values, naming the key and the fix.
        """
        if not isinstance(values, Mapping):
            raise DataError(
                f"metric must be a Metric or a dict, got {type(values).__name__}; e.g. "
                "{'name': 'accuracy', 'unit': 'fraction', 'direction': 'higher', 'bounds': [0, 1]}"
            )
        known = ("name", "unit", "direction", "bounds")
        unknown = sorted(str(k) for k in values if k not in known)
        if unknown:
            raise DataError(
                f"metric has unknown key(s) {', '.join(unknown)}; its keys are {', '.join(known)}"
            )
        values = dict(values)
        if values.get("name", "loss") != "loss" and "unit" not in values:
            # The default unit belongs to a language model's loss; an error rate in nats/token
            # would mislabel every table, so the unit of any other metric is asked for.
            raise DataError(
                f"metric '{values['name']}' needs its unit, e.g. unit='fraction' for an error rate "
                "or accuracy in [0, 1], or unit='percent'"
            )
        return cls(**values)


def _check_bounds(bounds, name: str) -> tuple[float, float]:
    fix = "give bounds=(lower, upper), e.g. (0, 1) for a fraction or None for a positive loss"
    if isinstance(bounds, str | bytes) or not hasattr(bounds, "__len__") or len(bounds) != 2:
        raise DataError(f"bounds of metric '{name}' must be two numbers, got {bounds!r}; {fix}")
    out = []
    for value in bounds:
        ok = not isinstance(value, bool) and isinstance(
            value, int | float | np.integer | np.floating
        )
        if not ok or math.isnan(float(value)):
            raise DataError(f"bounds of metric '{name}' must be numbers, got {bounds!r}; {fix}")
        out.append(float(value))
    lower, upper = out
    if not math.isfinite(lower) or not lower < upper:
        raise DataError(
            f"bounds of metric '{name}' must have a finite lower bound below the upper one, got "
            f"{bounds!r}; {fix}"
        )
    return lower, upper


#: A language model's loss: the package's default metric.
LM_LOSS = Metric()
#: An error rate given as a fraction.
ERROR_RATE = Metric("error rate", "fraction", "lower", (0.0, 1.0))
#: An accuracy given as a fraction.
ACCURACY = Metric("accuracy", "fraction", "higher", (0.0, 1.0))


def as_metric(value: Metric | Mapping | None) -> Metric:
    """Return ``value`` as a :class:`Metric`: None gives the default loss, a dict is converted.

    Examples
    --------
    >>> as_metric({"name": "error rate", "unit": "fraction", "bounds": (0, 1)}).is_bounded
    True
    >>> as_metric(None) == LM_LOSS
    True
    """
    if value is None:
        return LM_LOSS
    if isinstance(value, Metric):
        return value
    return Metric.from_dict(value)


def default_law(metric: Metric | None) -> str | None:
    """The law to use by default for ``metric``: the saturating law for a bounded metric.

    ``None`` means "no change": keep the caller's default (``"chinchilla"`` or ``"power"``).

    Examples
    --------
    >>> default_law(ERROR_RATE), default_law(LM_LOSS)
    ('saturating', None)
    """
    return BOUNDED_LAW if as_metric(metric).is_bounded else None
