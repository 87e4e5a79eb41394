"""One shape for every decision result: typed fields, ``.table``, ``.text`` and ``plot_data()``.

Every result of the decision layer (:class:`~scaling_bayes.decision.RiskResult`,
:class:`~scaling_bayes.decision.ScaleLadder`, :class:`TornadoResult`,
:class:`AcceptabilityCurve`, :class:`EVPIResult`, :class:`~scaling_bayes.decision.PilotValue`,
:class:`~scaling_bayes.decision.TargetBudget`) is a frozen dataclass deriving from
:class:`DecisionResult`:

* what used to hide in ``table.attrs`` (best plan, stop point, threshold, currency, converged,
  seeds, ...) is a typed field;
* ``.table`` is a plain DataFrame of numbers;
* ``.text`` is the paragraph a board member reads, and ``plot_data()`` the numbers behind the
  result's plot.

Words and plots belong to the report layer, and imports point down only (decision never imports
report), so ``.text`` and ``plot_data()`` look up functions that the report layer registers in
:data:`TEXT_RENDERERS` and :data:`PLOT_DATA` when it is imported. ``import scaling_bayes``
imports the report layer, so they are always filled for users; a bare ``import
scaling_bayes.decision`` followed by ``.text`` raises an error that says what to import.

``table.attrs`` still holds the old keys for a release, so old code keeps working; reading them
issues a :class:`DeprecationWarning` naming the field to use instead.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from ..core.diagnostics import NOT_CONVERGED_BANNER
from ..core.exceptions import ScalingBayesError

__all__ = [
    "PLOT_DATA",
    "TEXT_RENDERERS",
    "AcceptabilityCurve",
    "DecisionResult",
    "EVPIResult",
    "TornadoResult",
]

#: ``result class name -> function(result) -> str``; filled by ``scaling_bayes.report``.
TEXT_RENDERERS: dict[str, Callable] = {}
#: ``result class name -> function(result, **options) -> DataFrame``; filled by the report layer.
PLOT_DATA: dict[str, Callable] = {}


class LegacyAttrs(dict):
    """``table.attrs`` of a decision result: the old keys, read with a DeprecationWarning.

    Examples
    --------
    >>> import warnings
    >>> attrs = LegacyAttrs({"best": "7B"}, owner="ScaleLadder")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = attrs["best"]
    >>> value, str(caught[0].message)[:40]
    ('7B', "ScaleLadder.table.attrs['best'] is depre")
    """

    def __init__(
        self,
        values: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
        *,
        owner: str = "result",
        renamed: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(values)
        self.owner = owner
        self.renamed = dict(renamed or {})

    def _warn(self, key) -> None:
        name = getattr(self, "renamed", {}).get(key, key)
        owner = getattr(self, "owner", "result")
        warnings.warn(
            f"{owner}.table.attrs[{key!r}] is deprecated and will be removed; use "
            f"{owner}.{name} instead",
            DeprecationWarning,
            stacklevel=3,
        )

    def __getitem__(self, key):
        self._warn(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._warn(key)
        return super().get(key, default)


def attach_legacy_attrs(
    table: pd.DataFrame, owner: str, values: dict, renamed: Mapping[str, str] | None = None
) -> None:
    """Fill ``table.attrs`` with the pre-1.0 keys (deprecated) of a result's fields.

    ``renamed`` maps an old key to the attribute that replaces it when the names differ.
    """
    # pandas' setter copies into a plain dict; the private slot keeps the warning class.
    table._attrs = LegacyAttrs(values, owner=owner, renamed=renamed)  # type: ignore[attr-defined]


@dataclasses.dataclass(frozen=True, kw_only=True)
class DecisionResult:
    """Base of every decision result: ``table``, ``converged``, ``.text`` and ``plot_data()``.

    Attributes
    ----------
    table : pandas.DataFrame
        The result's numbers (no metadata in ``attrs``; read the fields instead).
    converged : bool
        Whether the fit behind the result converged; when False every output says so.

    Examples
    --------
    >>> import pandas as pd
    >>> from scaling_bayes.decision.results import DecisionResult
    >>> result = DecisionResult(table=pd.DataFrame({"x": [1.0]}))
    >>> result.converged, result.warning
    (True, '')
    """

    table: pd.DataFrame
    converged: bool = True

    @property
    def warning(self) -> str:
        """The not-converged banner, or ``""`` when the fit converged."""
        return "" if self.converged else NOT_CONVERGED_BANNER

    @property
    def text(self) -> str:
        """The result as a paragraph (English), written by the report layer."""
        return _lookup(TEXT_RENDERERS, self, "text")(self)

    def plot_data(self, **options: Any) -> pd.DataFrame:
        """The numbers behind the result's plot (the report layer's ``*_plot_data``)."""
        return _lookup(PLOT_DATA, self, "plot data")(self, **options)

    def fields(self) -> dict:
        """Every field except the table and the draws, as a dict (what ``attrs`` used to hold)."""
        skip = {"table", "draws", "losses", "ladder", "decisions", "plan"}
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in skip
        }

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        """Notebook display: convergence verdict, ``.text`` (when registered) and ``.table``."""
        from ..core.display import result_html

        try:
            text = self.text
        except ScalingBayesError:  # the report layer, which writes the words, is not imported
            text = None
        return result_html(self, text=text)


def _lookup(registry: dict, result, what: str) -> Callable:
    for cls in type(result).__mro__:
        if cls.__name__ in registry:
            return registry[cls.__name__]
    raise ScalingBayesError(
        f"no {what} is registered for {type(result).__name__}: words and plots live in the report "
        "layer; `import scaling_bayes` (or `import scaling_bayes.report`) first"
    )


class _FrameCompat:
    """Results that used to be DataFrames still answer DataFrame calls, with a warning."""

    def _table_for(self, what: str) -> pd.DataFrame:
        warnings.warn(
            f"{type(self).__name__} is no longer a DataFrame; result{what} is deprecated, use "
            f"result.table{what} instead",
            DeprecationWarning,
            stacklevel=3,
        )
        return self.table

    def __getitem__(self, key):
        return self._table_for("[...]")[key]

    def __len__(self) -> int:
        return len(self.table)

    def __getattr__(self, name):
        # Only reached for names the result does not have: forward DataFrame API calls.
        if name.startswith("_") or name == "table":
            raise AttributeError(name)
        table = self.__dict__.get("table")
        if table is None or not hasattr(table, name):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._table_for(f".{name}"), name)


@dataclasses.dataclass(frozen=True, kw_only=True)
class TornadoResult(_FrameCompat, DecisionResult):
    """What :func:`~scaling_bayes.decision.tornado` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per uncertain input, largest swing first (see ``tornado``).
    metric : str
        The decision metric swung.
    base : float
        The metric with every input uncertain.
    low, high : float
        Percentiles the inputs were moved to.
    threshold : float
        ROI threshold of the assessment.
    unit : str
        Unit of the metric (a currency, ``"probability"`` or ``"fraction"``).
    fixed_inputs : list of str
        Inputs given as numbers (no bar).
    plan : str
        Label of the plan.
    method : str
        How the swings were computed.
    converged : bool
    """

    metric: str
    base: float
    low: float
    high: float
    threshold: float
    unit: str
    fixed_inputs: list
    plan: str
    method: str

    def fields(self) -> dict:
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "table"
        }


@dataclasses.dataclass(frozen=True, kw_only=True)
class AcceptabilityCurve(_FrameCompat, DecisionResult):
    """What :func:`~scaling_bayes.decision.acceptability_curve` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        Long format: ``plan``, ``lambda``, ``p_net_benefit_positive``, ``mc_se``,
        ``expected_net_benefit``.
    break_even : dict
        Plan label -> break-even value per unit of loss (inf when never reached).
    lambda_unit : str
        Unit of ``lambda``.
    net_benefit : str
        Definition of the net benefit as a function of ``lambda``.
    converged : bool
    """

    break_even: dict
    lambda_unit: str
    net_benefit: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class EVPIResult(DecisionResult):
    """What :func:`~scaling_bayes.decision.evpi` returns; unpacks as ``(evpi, mc_se)``.

    Attributes
    ----------
    value : float
        EVPI in ``currency``.
    mc_se : float
        Its Monte Carlo standard error.
    currency : str
    n_draws : int
    table : pandas.DataFrame
        One row ``evpi`` with ``estimate``, ``mc_se``, ``unit``, ``definition``.

    Examples
    --------
    >>> import pandas as pd
    >>> result = EVPIResult(value=2.0, mc_se=0.1, currency="USD", n_draws=100,
    ...                     table=pd.DataFrame())
    >>> value, se = result   # the pre-1.0 tuple
    >>> value, se
    (2.0, 0.1)
    """

    value: float
    mc_se: float
    currency: str
    n_draws: int

    def __iter__(self):
        return iter((self.value, self.mc_se))

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i):
        return (self.value, self.mc_se)[i]
