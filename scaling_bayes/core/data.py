"""The data contract: a validated table of training runs.

:class:`ScalingData` is the only way data enters a model. It checks every value before any model
is built, so a bad table fails in milliseconds with a message that names the column and the rows,
instead of failing (or worse, fitting) minutes later.

Units: ``params`` and ``tokens`` are raw counts (7e9, not 7), ``compute`` is training FLOPs and
``loss`` is the evaluation loss (nats per token for language models; any positive loss works).
An axis in the user's own unit (labelled images, samples) is declared with ``kinds={"tokens":
"count"}`` and then gets none of the language-model unit rules of :mod:`scaling_bayes.core.units`.

The metric is declared with ``metric=`` (:class:`~scaling_bayes.core.metric.Metric`: name, unit,
direction, bounds); by default it is a language model's loss. The ``loss`` column of the
validated frame always holds the *modelled loss* (positive, lower is better: ``1 - accuracy``
for an accuracy); :attr:`ScalingData.metric_values` gives the column back in the metric's own
scale. Axes can carry the user's names and units (``axis_labels={"tokens": "labelled images"}``)
for tables, plots and texts (:meth:`ScalingData.axis_label`).

Types are strict: a column must have a real numeric dtype (integer or float), or hold text or
Python numbers every one of which is a plain finite number (``"3.7"``, ``12``, ``"1e9"``).
Booleans, dates, durations, complex numbers, categoricals, text such as ``"3,7"`` or ``"1,000"``
and integers too large for float64 are refused, naming the column, the rows and the fix; nothing
is coerced.
"""

from __future__ import annotations

import csv
import io
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import units
from .constants import FLOPS_PER_PARAM_TOKEN
from .exceptions import DataError, format_rows
from .metric import LM_LOSS, Metric, as_metric

__all__ = ["SCALE_AXES", "ScalingData"]

#: The scale axes a law can use, in the order they appear in tables.
SCALE_AXES: tuple[str, ...] = ("params", "tokens", "compute")

_UNITS = {
    "params": "parameters (raw count)",
    "tokens": "training tokens (raw count)",
    "compute": "training FLOPs",
    "loss": "loss",
}

#: Default names and units of the language-model axes, for tables, plots and texts.
_AXIS_LABELS = {"params": "parameters", "tokens": "training tokens", "compute": "training compute"}
_AXIS_UNITS = {"params": "parameters", "tokens": "tokens", "compute": "FLOPs"}

#: A higher-is-better metric whose rank correlation with scale is at or below this is refused:
#: it almost certainly holds a lower-is-better quantity (an error rate declared as accuracy).
#: Spearman's rho of five runs must reach -0.9 to be significant at 5%, so -0.5 refuses only a
#: clear fall, not noise around a flat curve (which the fit's design check reports instead).
FALLING_RANK_CORRELATION: float = -0.5


@dataclass(frozen=True)
class ScalingData:
    """A validated table of training runs, one row per run.

    Build it with :meth:`from_frame` or :meth:`from_csv`; the constructor itself does not
    validate. The canonical columns are ``params``, ``tokens``, ``compute``, ``loss`` and
    optionally ``group``; an axis the runs do not record is absent.

    Attributes
    ----------
    frame : pandas.DataFrame
        The runs with canonical column names. The index keeps the caller's row labels, so
        messages and plots can point back at the original table.
    source : str
        Where the runs came from (a file path or ``"DataFrame"``), for provenance.
    compute_derived : bool
        True when ``compute`` was not given and was derived as ``6 * params * tokens``.
    kinds : mapping
        Kind of each scale axis (``"params"``, ``"tokens"``, ``"compute"`` or ``"count"``, see
        :mod:`scaling_bayes.core.units`); read it with :meth:`kind`.
    metric : Metric
        The declared metric (name, unit, direction, bounds); the default is a language model's
        loss in nats per token.
    axis_labels, axis_units : mapping
        Name and unit of each scale axis in the user's words; read them with
        :meth:`axis_label` and :meth:`axis_unit`.

    Examples
    --------
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"params": [1e7, 3e7, 1e8, 3e8],
    ...                      "tokens": [2e8, 6e8, 2e9, 6e9],
    ...                      "loss": [4.1, 3.7, 3.3, 3.0]})
    >>> data = ScalingData.from_frame(runs)
    >>> data.n_runs, data.compute_derived
    (4, True)
    >>> float(data.frame["compute"].iloc[0])
    1.2e+16
    """

    frame: pd.DataFrame
    source: str = "DataFrame"
    compute_derived: bool = False
    kinds: Mapping[str, str] = field(default_factory=dict)
    metric: Metric = LM_LOSS
    axis_labels: Mapping[str, str] = field(default_factory=dict)
    axis_units: Mapping[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        params: str | None = "params",
        tokens: str | None = "tokens",
        compute: str | None = None,
        loss: str = "loss",
        group: str | None = None,
        source: str = "DataFrame",
        kinds: Mapping[str, str] | None = None,
        metric: Metric | Mapping | None = None,
        axis_labels: Mapping[str, str] | None = None,
        axis_units: Mapping[str, str] | None = None,
    ) -> ScalingData:
        """Validate a DataFrame of runs and return a new :class:`ScalingData`.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per training run. It is not modified.
        params, tokens : str or None
            Column holding the parameter count N / the number of training tokens D, as raw
            counts. Pass ``None`` when the runs do not record it.
        compute : str or None
            Column holding training compute in FLOPs. When ``None`` and both ``params`` and
            ``tokens`` are given, compute is derived as ``6 N D``. When all three are given,
            compute must lie within 0.5x-2x of ``6 N D``.
        loss : str
            Column holding the metric of each run: the loss (positive; nats per token for
            language models) or the metric declared with ``metric=``.
        group : str or None
            Optional column naming the setting a run belongs to (dataset, architecture).
        kinds : mapping, optional
            Kind of each scale axis (see :mod:`scaling_bayes.core.units`): by default
            ``params``, ``tokens`` and ``compute`` are a language model's; declare
            ``{"tokens": "count"}`` for an axis in your own unit (labelled images, samples), which
            then gets only the positive-and-finite checks.
        metric : Metric or dict, optional
            What the ``loss`` column measures (:class:`~scaling_bayes.core.metric.Metric`, or a
            dict with keys ``name``, ``unit``, ``direction``, ``bounds``). Default: a language
            model's loss in nats per token, positive, lower is better. Values must lie strictly
            inside the bounds; a higher-is-better metric is modelled on its complement
            (``upper - value``, e.g. the error rate ``1 - accuracy``).
        axis_labels, axis_units : mapping, optional
            Name and unit of a scale axis in your words, e.g. ``{"tokens": "labelled images"}``
            and ``{"tokens": "images"}``. By default a language-model axis is "parameters",
            "training tokens" or "training compute", and an axis of kind ``"count"`` is named
            after its column.

        Raises
        ------
        DataError
            Missing or duplicated columns, an empty table, non-numeric types (bool, dates,
            durations, complex, text that is not a plain number), missing, infinite, zero or
            negative values, duplicated rows, fewer than two runs, a single scale, or a unit
            slip (params below 1e3, compute far from 6ND), metric values outside the declared
            bounds, or a higher-is-better metric that falls with scale (Spearman rank
            correlation with scale of -0.5 or less). The message names the column and the rows.

        Warns
        -----
        InputWarning
            Fewer tokens than parameters, or some (not all) values that look like billions.

        Examples
        --------
        >>> images = pd.DataFrame({"images": [500, 1000, 2000, 4000],
        ...                        "error_rate": [0.21, 0.16, 0.125, 0.10]})
        >>> data = ScalingData.from_frame(images, params=None, tokens="images",
        ...                               loss="error_rate", kinds={"tokens": "count"})
        >>> data.axes, data.kind("tokens"), data.axis_label("tokens")
        (('tokens',), 'count', 'images')
        >>> acc = images.assign(accuracy=1 - images["error_rate"])
        >>> data = ScalingData.from_frame(
        ...     acc, params=None, tokens="images", loss="accuracy", kinds={"tokens": "count"},
        ...     metric={"name": "accuracy", "unit": "fraction", "direction": "higher",
        ...             "bounds": (0, 1)}, axis_labels={"tokens": "labelled images"})
        >>> data.loss.round(3).tolist(), data.axis_label("tokens")
        ([0.21, 0.16, 0.125, 0.1], 'labelled images')
        """
        if not isinstance(frame, pd.DataFrame):
            raise DataError(
                f"expected a pandas DataFrame of runs, got {type(frame).__name__}; "
                "read a CSV with ScalingData.from_csv(path) or pass pd.DataFrame(...)"
            )
        mapping = {"params": params, "tokens": tokens, "compute": compute, "loss": loss}
        _check_column_arguments(mapping, group)
        kinds = _check_kinds(kinds, mapping)
        metric = as_metric(metric)
        labels = _axis_names(axis_labels, "axis_labels", mapping)
        unit_names = _axis_names(axis_units, "axis_units", mapping)
        _check_columns_exist(frame, mapping, group)
        if len(frame) == 0:
            raise DataError("the table of runs is empty; it needs one row per training run")
        if params is None and tokens is None and compute is None:
            raise DataError(
                "no scale column given: pass at least one of params=, tokens= or compute= "
                "naming the column that holds the model size, data size or training FLOPs"
            )

        # Values are placed by position: a caller's index with repeated labels must not make
        # pandas realign (or refuse) the columns.
        out = pd.DataFrame(index=frame.index.copy())
        for canonical, column in mapping.items():
            if column is None:
                continue
            if canonical == "loss" and metric != LM_LOSS:
                values = _validated_metric(frame[column], column, metric)
                out[canonical] = metric.to_loss(values.to_numpy())
            else:
                values = _validated_positive(frame[column], column, _UNITS[canonical])
                out[canonical] = values.to_numpy()
        lm = {a: kinds[a] for a in ("params", "tokens") if a in out.columns}
        compute_derived = False
        if compute is None and lm == {"params": "params", "tokens": "tokens"}:
            out["compute"] = FLOPS_PER_PARAM_TOKEN * out["params"] * out["tokens"]
            compute_derived = True
            kinds["compute"] = "compute"
        if group is not None:
            groups = frame[group]
            _refuse_missing(
                groups,
                f"column '{group}' (group) has missing values",
                "give every run a group label or drop the group= argument",
            )
            out["group"] = groups.astype(str).to_numpy()
        ordered = [c for c in (*SCALE_AXES, "loss", "group") if c in out.columns]
        out = out[ordered]

        given = [a for a in SCALE_AXES if mapping[a] is not None]
        problems = units.check_scales(
            {a: out[a].to_numpy() for a in given},
            where="the runs",
            kinds={a: kinds[a] for a in given},
            labels=list(out.index),
            names={a: f"column '{mapping[a]}'" for a in given},
        )
        errors = [p for p in problems if p.severity == "error"]
        units.enforce(errors)
        _check_duplicates(out, mapping)
        if len(out) < 2:
            raise DataError(
                "only one run was given; a scaling law needs runs at several scales "
                "(at least 3 for a one-axis law, 5 for the Chinchilla law)"
            )
        scale_cols = [c for c in SCALE_AXES if c in out.columns]
        if out[scale_cols].drop_duplicates().shape[0] == 1:
            raise DataError(
                f"all {len(out)} runs are at one scale ({_describe_scale(out.iloc[0])}); "
                "a scaling law needs runs at several sizes: add runs at smaller or larger scale"
            )
        if metric.higher_is_better:
            _check_direction(out, metric, mapping["loss"])
        kinds = {a: k for a, k in kinds.items() if a in out.columns}
        names = {a: _default_label(a, kinds[a], mapping[a]) for a in kinds if mapping.get(a)}
        if "compute" in kinds and "compute" not in names:
            names["compute"] = _AXIS_LABELS["compute"]
        names.update({a: v for a, v in labels.items() if a in kinds})
        axis_unit_names = {a: unit_names.get(a, _AXIS_UNITS.get(kinds[a], names[a])) for a in names}
        data = cls(
            frame=out,
            source=source,
            compute_derived=compute_derived,
            kinds=kinds,
            metric=metric,
            axis_labels=names,
            axis_units=axis_unit_names,
        )
        # Warnings last: a table that is refused should not also warn.
        units.enforce([p for p in problems if p.severity == "warning"], stacklevel=3)
        return data

    @classmethod
    def from_csv(
        cls,
        path: str | Path,
        *,
        encoding: str | None = "auto",
        sep: str | None = None,
        decimal: str = ".",
        **columns: Any,
    ) -> ScalingData:
        """Read a CSV of runs and validate it; other keyword arguments are those of
        :meth:`from_frame`.

        Row numbers in error messages are the DataFrame's 0-based row labels (the first data line
        after the header is row 0); every error names the file.

        Parameters
        ----------
        path : str or Path
            The CSV file.
        encoding : str
            The file's text encoding. ``"auto"`` (the default; ``None`` means the same) tries
            UTF-8 (with or without the byte-order mark Excel writes), then CP932 (Shift-JIS, what
            Excel writes in Japan); any name Python knows is accepted (``"utf-8"``,
            ``"cp932"``, ``"shift_jis"``, ``"latin-1"``). A file that does not decode raises
            :class:`DataError` naming the encodings tried and the fix.
        sep : str, optional
            The field separator. By default it is detected from the header line among comma,
            semicolon (what Excel writes in much of Europe) and tab; a file where several of them
            would split every line consistently is refused and needs ``sep=``.
        decimal : str
            The decimal mark, ``"."`` by default; pass ``decimal=","`` for numbers written
            ``3,7``. Text such as ``"3,7"`` is never reinterpreted on its own.

        Raises
        ------
        DataError
            A missing file, a folder, an empty file, an undecodable file (naming the encodings
            tried), an ambiguous or ragged layout, or any error of :meth:`from_frame`.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "runs.csv").write_bytes(
        ...     "params;tokens;loss\\n1e7;2e8;4,1\\n1e8;2e9;3,3\\n".encode("utf-8-sig"))
        >>> ScalingData.from_csv(folder / "runs.csv", decimal=",").n_runs
        2
        """
        path = Path(path)
        if not path.exists():
            raise DataError(f"data file '{path}' does not exist; check the path")
        if path.is_dir():
            raise DataError(
                f"'{path}' is a folder, not a CSV file; give the path of the file itself "
                f"(e.g. '{path / 'runs.csv'}')"
            )
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise DataError(f"could not read '{path}': {err}; check its permissions") from err
        text = _decode(raw, path, encoding)
        if not text.strip():
            raise DataError(
                f"data file '{path}' is empty; it needs a header line and one line per run"
            )
        sep = _detect_separator(text, path) if sep is None else sep
        try:
            frame = pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
            raise DataError(
                f"could not read '{path}' as CSV (separator {sep!r}): {err}; check that every "
                "line has as many fields as the header, or pass sep="
            ) from err
        try:
            return cls.from_frame(frame, source=str(path), **columns)
        except DataError as err:
            raise DataError(f"in '{path}': {err}") from err

    # ------------------------------------------------------------------ accessors
    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return len(self.frame)

    @property
    def axes(self) -> tuple[str, ...]:
        """Scale axes the runs record, in canonical order."""
        return tuple(c for c in SCALE_AXES if c in self.frame.columns)

    @property
    def has_groups(self) -> bool:
        """True when a group column was given."""
        return "group" in self.frame.columns

    def column(self, name: str) -> np.ndarray:
        """Return a canonical column as a float array (a copy).

        Raises
        ------
        DataError
            When the runs do not record that column.
        """
        if name not in self.frame.columns:
            raise DataError(
                f"the runs have no '{name}' column (they record {', '.join(self.frame.columns)}); "
                f"pass {name}='<column name>' to ScalingData.from_frame"
            )
        return self.frame[name].to_numpy(dtype=float, copy=True)

    @property
    def loss(self) -> np.ndarray:
        """Modelled loss of each run: positive, lower is better (``1 - accuracy`` for an
        accuracy; the metric itself for a loss or an error rate)."""
        return self.column("loss")

    @property
    def metric_values(self) -> np.ndarray:
        """The metric of each run in its own scale and direction (as the user gave it)."""
        return self.metric.from_loss(self.loss)

    def axis_label(self, axis: str) -> str:
        """Name of a scale axis in the user's words ("labelled images", "parameters").

        Examples
        --------
        >>> runs = pd.DataFrame({"params": [1e7, 1e8], "tokens": [2e8, 2e9], "loss": [4.0, 3.0]})
        >>> ScalingData.from_frame(runs).axis_label("tokens")
        'training tokens'
        """
        if axis in self.axis_labels:
            return self.axis_labels[axis]
        return _AXIS_LABELS.get(axis, axis)

    def axis_unit(self, axis: str) -> str:
        """Unit of a scale axis in the user's words ("images", "tokens", "FLOPs")."""
        if axis in self.axis_units:
            return self.axis_units[axis]
        return _AXIS_UNITS.get(axis, axis)

    @property
    def max_compute(self) -> float:
        """Largest observed training compute in FLOPs (NaN when compute is unknown)."""
        if "compute" not in self.frame.columns:
            return float("nan")
        return float(self.frame["compute"].max())

    def kind(self, axis: str) -> str:
        """The kind of a scale axis (``"params"``, ``"tokens"``, ``"compute"`` or ``"count"``)."""
        return self.kinds.get(axis, units.default_kind(axis))

    def n_distinct(self, axes: Sequence[str]) -> int:
        """Number of distinct scale points along the given axes."""
        return int(self.frame[list(axes)].drop_duplicates().shape[0])

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of the validated runs with canonical column names."""
        return self.frame.copy()

    def select(
        self, *, group: str | None = None, mask: Sequence[bool] | None = None
    ) -> ScalingData:
        """Return a new :class:`ScalingData` with the runs of one group or a boolean mask.

        The result is validated again, so a selection that leaves a single scale fails loudly.
        """
        frame = self.frame
        if group is not None:
            if not self.has_groups:
                raise DataError("these runs have no group column; build them with group='<col>'")
            if group not in set(frame["group"]):
                known = ", ".join(sorted(set(frame["group"])))
                raise DataError(f"group '{group}' not found; the groups are: {known}")
            frame = frame[frame["group"] == group]
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != (len(frame),):
                raise DataError(
                    f"mask has shape {mask.shape}; it needs one boolean per run ({len(frame)})"
                )
            frame = frame[mask]
        given = {a: a for a in ("params", "tokens") if a in frame.columns}
        compute = None if self.compute_derived or "compute" not in frame.columns else "compute"
        if self.metric != LM_LOSS:  # from_frame takes the metric in its own scale
            frame = frame.assign(loss=self.metric.from_loss(frame["loss"].to_numpy(dtype=float)))
        kept = {*given, "compute"}  # a derived compute keeps its label too
        return ScalingData.from_frame(
            frame,
            params=given.get("params"),
            tokens=given.get("tokens"),
            compute=compute,
            loss="loss",
            group="group" if "group" in frame.columns else None,
            source=self.source,
            kinds={a: k for a, k in self.kinds.items() if a in given or a == "compute"},
            metric=self.metric,
            axis_labels={a: v for a, v in self.axis_labels.items() if a in kept},
            axis_units={a: v for a, v in self.axis_units.items() if a in kept},
        )

    def __repr__(self) -> str:
        axes = ", ".join(self.axes)
        metric = "loss" if self.metric == LM_LOSS else self.metric.label
        return f"ScalingData({self.n_runs} runs; axes: {axes}; {metric}; source: {self.source})"


def design_problems(data: ScalingData, axes: Sequence[str]) -> list[str]:
    """Return plain-language reasons why the runs may not identify a law on ``axes``.

    Empty when the design looks adequate. The checks are: fewer than 3 distinct values along an
    axis the law varies; a single tokens-per-parameter ratio when the law uses both params and
    tokens (size and data effects cannot be told apart); loss that does not fall with scale.
    """
    problems = []
    frame = data.frame
    for axis in axes:
        distinct = frame[axis].nunique()
        if distinct < 3:
            problems.append(
                f"only {distinct} distinct value(s) of {axis}: the exponent on {axis} is poorly "
                "identified; add runs at 3 or more sizes"
            )
    if "params" in axes and "tokens" in axes:
        log_ratio = np.log(frame["tokens"] / frame["params"])
        if np.ptp(log_ratio.to_numpy()) < np.log(1.05):
            problems.append(
                f"every run uses the same tokens-per-parameter ratio (about "
                f"{np.exp(log_ratio.mean()):.3g}): the effects of model size and data size cannot "
                "be separated; add runs with more or fewer tokens per parameter"
            )
    size = np.log(frame[list(axes)].to_numpy(dtype=float)).sum(axis=1)
    if np.ptp(size) > 0:
        rho = pd.Series(size).rank().corr(pd.Series(np.log(frame["loss"].to_numpy())).rank())
        if rho > 0:
            metric = data.metric
            # Said in the metric's own words: an accuracy that falls, an error rate that rises.
            moves = "falls" if metric.higher_is_better else "rises"
            problems.append(
                f"{metric.name} {moves} with scale (rank correlation {rho:+.2f}): a falling power "
                f"law will not fit these runs; check the {metric.name} column and the units of "
                "the scale columns"
            )
    return problems


# ---------------------------------------------------------------------- helpers
def _check_column_arguments(mapping: dict, group) -> None:
    for key, column in [*mapping.items(), ("group", group)]:
        if column is None:
            continue
        try:
            hash(column)
        except TypeError:
            raise DataError(
                f"{key}= must name one column, got {column!r}; pass the column's name as a string"
            ) from None
    if mapping["loss"] is None:
        raise DataError("loss= must name the column holding each run's loss; it cannot be None")


def _check_kinds(kinds: Mapping[str, str] | None, mapping: dict) -> dict[str, str]:
    kinds = dict(kinds or {})
    unknown = sorted(str(k) for k in kinds if k not in SCALE_AXES)
    if unknown:
        raise DataError(
            f"kinds= names unknown axes {', '.join(unknown)}; its keys are the axes "
            f"{', '.join(SCALE_AXES)}, e.g. kinds={{'tokens': 'count'}}"
        )
    bad = {a: k for a, k in kinds.items() if k not in units.AXIS_KINDS}
    if bad:
        axis, kind = next(iter(bad.items()))
        raise DataError(
            f"kinds['{axis}'] = {kind!r} is not a kind of axis; use one of "
            f"{', '.join(units.AXIS_KINDS)} ('count' for an axis in your own unit)"
        )
    return {a: kinds.get(a, units.default_kind(a)) for a in SCALE_AXES if mapping[a] is not None}


def _axis_names(names: Mapping[str, str] | None, argument: str, mapping: dict) -> dict:
    """Check ``axis_labels=`` / ``axis_units=``: known axes the runs record, non-empty text."""
    if names is None:
        return {}
    if not isinstance(names, Mapping):
        raise DataError(
            f"{argument}= must be a dict from axis to text, e.g. {{'tokens': 'labelled images'}}; "
            f"got {type(names).__name__}"
        )
    out = {}
    for axis, text in names.items():
        if axis not in SCALE_AXES:
            raise DataError(
                f"{argument}= names unknown axis {axis!r}; its keys are the axes "
                f"{', '.join(SCALE_AXES)}, e.g. {argument}={{'tokens': 'labelled images'}}"
            )
        if mapping[axis] is None and axis != "compute":
            raise DataError(
                f"{argument}= names axis '{axis}' but {axis}= gives no column; drop it or "
                f"pass {axis}='<column>'"
            )
        if not isinstance(text, str) or not text.strip():
            raise DataError(
                f"{argument}['{axis}'] must be a non-empty text, got {text!r}; e.g. "
                "'labelled images'"
            )
        out[axis] = text.strip()
    return out


def _default_label(axis: str, kind: str, column) -> str:
    """A language-model axis is named by its kind; a count axis after its column."""
    if kind in _AXIS_LABELS:
        return _AXIS_LABELS[kind]
    return str(column).replace("_", " ").strip() or axis


def _refuse_missing(values: pd.Series, problem: str, fix: str) -> None:
    """Raise ``problem`` (which column, what is missing) with the rows concerned and ``fix``."""
    missing = values.isna().to_numpy()
    if missing.any():
        raise DataError(f"{problem} in {format_rows(values.index[missing])}; {fix}")


def _validated_metric(series: pd.Series, column: str, metric: Metric) -> pd.Series:
    """The metric column as floats, every value finite and strictly inside the bounds."""
    values = _strict_numeric(series, column, metric.label)
    _refuse_missing(
        values,
        f"column '{column}' ({metric.label}) has missing values (NaN)",
        "fix or remove those rows (nothing is dropped automatically)",
    )
    outside = metric.outside(values.to_numpy())
    if outside.any():
        upper = "inf" if not metric.is_bounded else f"{metric.upper:g}"
        shown = ", ".join(f"{v:g}" for v in values.to_numpy()[outside][:3])
        hint = "fix or remove those rows"
        if metric.is_bounded and np.nanmax(np.abs(values.to_numpy())) > metric.upper > 0:
            hint += (
                f"; values above {upper} look like percentages: divide the column by 100 or "
                "declare bounds=(0, 100)"
            )
        raise DataError(
            f"column '{column}' ({metric.label}) must lie strictly between its bounds "
            f"{metric.lower:g} and {upper}; {format_rows(values.index[outside])} do not "
            f"({shown}); {hint} (nothing is clipped automatically)"
        )
    return values


def _check_direction(out: pd.DataFrame, metric: Metric, column: str) -> None:
    """Refuse a higher-is-better metric that clearly falls as the scale grows."""
    axes = [a for a in SCALE_AXES if a in out.columns]
    size = np.log(out[axes].to_numpy(dtype=float)).sum(axis=1)
    if np.ptp(size) == 0 or len(out) < 3:
        return
    values = pd.Series(metric.from_loss(out["loss"].to_numpy()))
    rho = float(pd.Series(size).rank().corr(values.rank()))
    if rho <= FALLING_RANK_CORRELATION:
        raise DataError(
            f"column '{column}' is declared higher-is-better ({metric.name}) but falls as the "
            f"scale grows (Spearman rank correlation with log scale {rho:+.2f}, at or below "
            f"{FALLING_RANK_CORRELATION:+.1f}); it probably holds a lower-is-better quantity such "
            "as an error rate: declare direction='lower', or give the accuracy column"
        )


def _check_columns_exist(frame: pd.DataFrame, mapping: dict, group: str | None) -> None:
    wanted = [(k, v) for k, v in mapping.items() if v is not None]
    if group is not None:
        wanted.append(("group", group))
    missing = [(k, v) for k, v in wanted if v not in frame.columns]
    if missing:
        names = ", ".join(f"'{v}' ({k})" for k, v in missing)
        available = ", ".join(f"'{c}'" for c in frame.columns) or "none"
        hint = "; pass params=None or tokens=None for an axis the runs do not record"
        raise DataError(f"column {names} not found; the table has columns {available}{hint}")
    counts = pd.Series(list(frame.columns)).value_counts()
    doubled = [(k, v) for k, v in wanted if counts.get(v, 0) > 1]
    if doubled:
        names = ", ".join(f"'{v}' ({k}, {counts[v]} columns)" for k, v in doubled)
        raise DataError(
            f"column name {names} appears more than once, so it is not clear which holds the "
            "values; rename or drop the copies (frame.loc[:, ~frame.columns.duplicated()])"
        )
    used = [v for _, v in wanted]
    if len(set(used)) < len(used):
        again = sorted({str(v) for v in used if used.count(v) > 1})
        raise DataError(
            f"column '{again[0]}' is given for more than one argument "
            f"({', '.join(k for k, v in wanted if str(v) == again[0])}); each needs its own column"
        )


#: A plain decimal number as text: optional sign, digits with an optional point, optional
#: exponent. No thousands separators, no units, no "nan"/"inf" words.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _strict_numeric(series: pd.Series, column: str, what: str) -> pd.Series:
    """Return the column as float64, refusing every type that is not a real number."""
    dtype = series.dtype
    refused = None
    if pd.api.types.is_bool_dtype(dtype):
        refused = ("true/false values", "encode them as numbers explicitly if they are")
    elif pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        refused = ("dates", "give the quantity as a number in its unit")
    elif pd.api.types.is_timedelta64_dtype(dtype):
        refused = ("durations", "convert them to a number in a stated unit (e.g. hours)")
    elif pd.api.types.is_complex_dtype(dtype):
        refused = ("complex numbers", "give the real values")
    elif isinstance(dtype, pd.CategoricalDtype):
        refused = ("categories", "convert the column to numbers with .astype(float)")
    elif isinstance(dtype, pd.IntervalDtype):
        refused = ("intervals", "give one number per run")
    if refused is not None:
        raise DataError(
            f"column '{column}' ({what}) holds {refused[0]} (dtype {dtype}), not numbers; "
            f"{refused[1]} (nothing is converted automatically)"
        )
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return pd.Series(series.to_numpy(dtype=float, na_value=np.nan), index=series.index)
    return _parse_objects(series, column, what)


def _parse_objects(series: pd.Series, column: str, what: str) -> pd.Series:
    values = np.empty(len(series), dtype=float)
    bad: list[tuple[int, object, str]] = []
    for i, value in enumerate(series.array):
        number, reason = _parse_one(value)
        values[i] = number
        if reason:
            bad.append((i, value, reason))
    if bad:
        rows = format_rows(series.index[[i for i, _, _ in bad]])
        examples = ", ".join(f"{_short(v)} ({r})" for _, v, r in bad[:3])
        hint = "fix or remove those rows (nothing is converted automatically)"
        if any(isinstance(v, str) and "," in v for _, v, _ in bad):
            hint += (
                "; for a decimal comma read the file with decimal=',' (thousands separators "
                "must be removed)"
            )
        raise DataError(
            f"column '{column}' ({what}) must be numeric; {rows} are not ({examples}); {hint}"
        )
    return pd.Series(values, index=series.index)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_one(value) -> tuple[float, str]:
    """Return ``(number, "")`` or ``(nan, reason)``; a missing value is NaN without a reason."""
    if value is None or value is pd.NA or value is pd.NaT:
        return np.nan, ""
    if isinstance(value, bool | np.bool_):
        return np.nan, "a true/false value"
    if isinstance(value, str):
        text = value.strip()
        if not _PLAIN_NUMBER.fullmatch(text):
            return np.nan, "text"
        number = float(text)
        if not np.isfinite(number):
            return np.nan, "too large for float64"
        return number, ""
    if isinstance(value, numbers.Real) and not isinstance(value, np.datetime64 | np.timedelta64):
        try:
            number = float(value)
        except (OverflowError, ValueError, TypeError):
            return np.nan, "too large for float64"
        if isinstance(value, numbers.Integral) and not np.isfinite(number):
            return np.nan, "too large for float64"
        return number, ""
    return np.nan, f"a {type(value).__name__}"


def _validated_positive(series: pd.Series, column: str, what: str) -> pd.Series:
    values = _strict_numeric(series, column, what)
    checks = [
        (values.isna(), "missing (NaN)"),
        (np.isinf(values), "infinite (a number too large for float64 also reads as infinite)"),
        (values <= 0, "zero or negative"),
    ]
    for mask, problem in checks:
        if mask.any():
            raise DataError(
                f"column '{column}' ({what}) must be positive and finite; "
                f"{format_rows(values.index[mask.to_numpy()])} are {problem}; "
                "fix or remove those rows (nothing is dropped automatically)"
            )
    return values


# ---------------------------------------------------------------------- CSV reading
_ENCODINGS = ("utf-8-sig", "cp932")
_SEPARATORS = (",", ";", "\t")


def _decode(raw: bytes, path: Path, encoding: str | None) -> str:
    if encoding is not None and not isinstance(encoding, str):
        raise DataError(
            f"encoding= must be a text such as 'auto', 'utf-8' or 'cp932', got {encoding!r}"
        )
    auto = encoding is None or encoding.strip().lower() == "auto"
    tried = _ENCODINGS if auto else (encoding,)
    for name in tried:
        try:
            return raw.decode(name)
        except LookupError:
            raise DataError(
                f"encoding={encoding!r} is not a known text encoding; use e.g. 'utf-8', "
                "'cp932' (Shift-JIS) or 'latin-1'"
            ) from None
        except UnicodeDecodeError:
            continue
    names = " and ".join(tried)
    raise DataError(
        f"could not decode '{path}' with encoding {names}; save it as UTF-8 (Excel: 'CSV UTF-8') "
        "or pass its encoding, e.g. ScalingData.from_csv(path, encoding='latin-1')"
    )


def _detect_separator(text: str, path: Path) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:50]
    consistent = []
    for sep in _SEPARATORS:
        widths = {len(row) for row in csv.reader(lines, delimiter=sep)}
        if len(widths) == 1 and widths.pop() > 1:
            consistent.append(sep)
    if len(consistent) > 1:
        shown = " and ".join(repr(c) for c in consistent)
        raise DataError(
            f"cannot tell the field separator of '{path}': {shown} both split every line "
            "into the same number of fields; pass sep=',' or sep=';'"
        )
    return consistent[0] if consistent else ","


def _check_duplicates(out: pd.DataFrame, mapping: dict) -> None:
    dup = out.duplicated(keep=False)
    if dup.any():
        first = out[dup].index
        raise DataError(
            f"duplicated runs: {format_rows(first)} are identical in every column "
            f"({', '.join(v for v in mapping.values() if v)}); a copied row counts one run twice. "
            "Remove the copies (DataFrame.drop_duplicates()) or, for repeated seeds, check that "
            "their losses really are identical"
        )


def _describe_scale(row: pd.Series) -> str:
    return ", ".join(f"{k}={row[k]:.3g}" for k in SCALE_AXES if k in row.index)
