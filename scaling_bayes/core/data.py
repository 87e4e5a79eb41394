"""The data contract: a validated table of training runs.

:class:`ScalingData` is the only way data enters a model. It checks every value before any model
is built, so a bad table fails in milliseconds with a message that names the column and the rows,
instead of failing (or worse, fitting) minutes later.

Units: ``params`` and ``tokens`` are raw counts (7e9, not 7), ``compute`` is training FLOPs and
``loss`` is the evaluation loss (nats per token for language models; any positive loss works).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .constants import FLOPS_PER_PARAM_TOKEN, PLAUSIBLE_TOKENS_PER_PARAM
from .exceptions import DataError, DesignWarning, InputWarning, format_rows

__all__ = ["SCALE_AXES", "ScalingData"]

#: The scale axes a law can use, in the order they appear in tables.
SCALE_AXES: tuple[str, ...] = ("params", "tokens", "compute")

_UNITS = {
    "params": "parameters (raw count)",
    "tokens": "training tokens (raw count)",
    "compute": "training FLOPs",
    "loss": "loss",
}


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
            ``tokens`` are given, compute is derived as ``6 N D``.
        loss : str
            Column holding the loss of each run (positive; nats per token for language models).
        group : str or None
            Optional column naming the setting a run belongs to (dataset, architecture).

        Raises
        ------
        DataError
            Missing columns, an empty table, non-numeric, missing, infinite, zero or negative
            values, duplicated rows, fewer than two runs or a single scale. The message names the
            column and the rows.
        """
        if not isinstance(frame, pd.DataFrame):
            raise DataError(
                f"expected a pandas DataFrame of runs, got {type(frame).__name__}; "
                "read a CSV with ScalingData.from_csv(path) or pass pd.DataFrame(...)"
            )
        mapping = {"params": params, "tokens": tokens, "compute": compute, "loss": loss}
        _check_columns_exist(frame, mapping, group)
        if len(frame) == 0:
            raise DataError("the table of runs is empty; it needs one row per training run")
        if params is None and tokens is None and compute is None:
            raise DataError(
                "no scale column given: pass at least one of params=, tokens= or compute= "
                "naming the column that holds the model size, data size or training FLOPs"
            )

        out = pd.DataFrame(index=frame.index.copy())
        for canonical, column in mapping.items():
            if column is not None:
                out[canonical] = _validated_positive(frame[column], column, _UNITS[canonical])
        compute_derived = False
        if compute is None and params is not None and tokens is not None:
            out["compute"] = FLOPS_PER_PARAM_TOKEN * out["params"] * out["tokens"]
            compute_derived = True
        if group is not None:
            groups = frame[group]
            missing = groups.isna().to_numpy()
            if missing.any():
                raise DataError(
                    f"column '{group}' (group) has missing values in "
                    f"{format_rows(frame.index[missing])}; give every run a group label or "
                    "drop the group= argument"
                )
            out["group"] = groups.astype(str)
        ordered = [c for c in (*SCALE_AXES, "loss", "group") if c in out.columns]
        out = out[ordered]

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
        data = cls(frame=out, source=source, compute_derived=compute_derived)
        data._warn_on_units()
        return data

    @classmethod
    def from_csv(cls, path: str | Path, **columns) -> ScalingData:
        """Read a CSV of runs and validate it; keyword arguments are those of :meth:`from_frame`.

        Row numbers in error messages are the DataFrame's 0-based row labels (the first data line
        after the header is row 0).
        """
        path = Path(path)
        if not path.exists():
            raise DataError(f"data file '{path}' does not exist; check the path")
        try:
            frame = pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise DataError(f"could not read '{path}' as CSV: {err}") from err
        return cls.from_frame(frame, source=str(path), **columns)

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
        """Loss of each run."""
        return self.column("loss")

    @property
    def max_compute(self) -> float:
        """Largest observed training compute in FLOPs (NaN when compute is unknown)."""
        if "compute" not in self.frame.columns:
            return float("nan")
        return float(self.frame["compute"].max())

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
        return ScalingData.from_frame(
            frame,
            params=given.get("params"),
            tokens=given.get("tokens"),
            compute=compute,
            loss="loss",
            group="group" if "group" in frame.columns else None,
            source=self.source,
        )

    def __repr__(self) -> str:
        axes = ", ".join(self.axes)
        return f"ScalingData({self.n_runs} runs; axes: {axes}; loss; source: {self.source})"

    # ------------------------------------------------------------------ checks
    def _warn_on_units(self) -> None:
        if "params" not in self.frame.columns or "tokens" not in self.frame.columns:
            return
        ratio = self.frame["tokens"] / self.frame["params"]
        low, high = PLAUSIBLE_TOKENS_PER_PARAM
        odd = (ratio < low) | (ratio > high)
        if odd.any():
            warnings.warn(
                f"implausible tokens-per-parameter ratios (tokens / params) in "
                f"{format_rows(self.frame.index[odd.to_numpy()])}: "
                f"{ratio[odd].min():.3g} to {ratio[odd].max():.3g}, outside {low:g}-{high:g}. "
                "Are params given in billions (7 instead of 7e9) or tokens in billions? "
                "Both must be raw counts.",
                InputWarning,
                stacklevel=3,
            )


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
            problems.append(
                f"loss rises with scale (rank correlation {rho:+.2f}): a falling power law will "
                "not fit these runs; check the loss column and the units of the scale columns"
            )
    return problems


def warn_design(data: ScalingData, axes: Sequence[str]) -> list[str]:
    """Issue a :class:`DesignWarning` for each problem of :func:`design_problems`; return them."""
    problems = design_problems(data, axes)
    for problem in problems:
        warnings.warn(problem, DesignWarning, stacklevel=3)
    return problems


# ---------------------------------------------------------------------- helpers
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


def _validated_positive(series: pd.Series, column: str, what: str) -> pd.Series:
    numeric = pd.to_numeric(series, errors="coerce")
    not_numeric = numeric.isna() & series.notna()
    if not_numeric.any():
        bad = series[not_numeric]
        examples = ", ".join(repr(v) for v in bad.iloc[:3])
        raise DataError(
            f"column '{column}' ({what}) must be numeric; {format_rows(bad.index)} are not "
            f"({examples}); fix or remove those rows"
        )
    values = numeric.astype(float)
    checks = [
        (values.isna(), "missing (NaN)"),
        (np.isinf(values), "infinite"),
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
