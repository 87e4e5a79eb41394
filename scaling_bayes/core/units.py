"""Unit-slip rules for scale axes, written once and applied to data, plans and predictions.

A scale value in the wrong unit (a model size of ``7`` meaning 7 billion parameters, compute in
PF-days instead of FLOPs) does not crash anything: it fits, forecasts and prices the wrong model.
These rules catch the common slips. Each rule belongs to a *kind* of axis, so an axis the user
declares in other units (labelled images, audio hours, fine-tuning samples) gets none of the
language-model rules:

========== ================================================ ====================================
kind       what the values are                              rules beyond "positive and finite"
========== ================================================ ====================================
params     a language model's parameter count, raw           every value below 1e3: error (given
                                                             in billions); some below 1e3: warning
tokens     training tokens, raw count                        every value below 1e3: error; fewer
                                                             tokens than params: warning
compute    training FLOPs                                    every value below 1e9 FLOPs: error
                                                             (PF-days or GPU-hours); with params
                                                             and tokens, outside 0.5x-2x of 6ND:
                                                             error
count      any other count in the user's own unit            none
========== ================================================ ====================================

Why a warning for tokens fewer than params rather than an error: an IsoFLOP sweep trains its
largest models on few tokens (tokens-per-parameter ratios of a few hundredths sit at the edges of
the Chinchilla sweeps), so such runs are real; a unit slip moves the ratio by about 1e9, which
the billions rules above already refuse. A ratio above 1e6 is also a warning.

Public functions
----------------
``check_axis_values(axis, values, *, where, kind=None, labels=None, name=None)``
    Rules for one axis. ``axis`` is the canonical axis (``"params"``, ``"tokens"``,
    ``"compute"`` or any other name); ``kind`` defaults to the axis name for the three
    language-model axes and to ``"count"`` otherwise. ``where`` says where the values come from
    ("the runs", "plan 'big'", "predict()") and ``name`` how the user called the axis (a column or
    an argument; defaults to ``axis``); ``labels`` are the row labels to name (positions when
    None). Returns the problems found as a list of :class:`AxisProblem`; never raises for
    values (only for an unknown ``kind``).
``check_scales(scales, *, where, kinds=None, labels=None, names=None) -> list[AxisProblem]``
    The per-axis rules for every axis in the mapping ``scales`` plus the cross-axis rules
    (tokens vs params, compute vs 6ND), which apply only when the axes involved are of the
    language-model kinds.
``enforce(problems, *, error=DataError, stacklevel=2) -> None``
    Raise ``error`` with every error-level message, or else issue an :class:`InputWarning` for
    each warning. Pass ``error=ConfigError`` for a config file.
``validate_scales(scales, *, where, kinds=None, labels=None, names=None, error=DataError)``
    ``check_scales`` then ``enforce``; returns the values as float arrays.

Examples
--------
>>> problems = check_axis_values("params", [7, 13], where="plan 'big'")
>>> problems[0].severity
'error'
>>> check_axis_values("tokens", [500, 1000, 2000], where="the runs", kind="count")
[]
>>> validate_scales({"params": [1e9], "tokens": [2e10]}, where="predict()")["params"]
array([1.e+09])
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .constants import FLOPS_PER_PARAM_TOKEN, PLAUSIBLE_TOKENS_PER_PARAM
from .exceptions import DataError, InputWarning, format_rows

__all__ = [
    "AXIS_KINDS",
    "COMPUTE_6ND_RANGE",
    "MIN_COUNT",
    "MIN_FLOPS",
    "AxisProblem",
    "check_axis_values",
    "check_scales",
    "default_kind",
    "enforce",
    "validate_scales",
]

#: Kinds of scale axis; only the first three carry language-model rules.
AXIS_KINDS: tuple[str, ...] = ("params", "tokens", "compute", "count")

#: Parameter or token counts below this look like billions or millions (7 instead of 7e9): no
#: language-model scaling run trains fewer than a thousand parameters or on fewer than a
#: thousand tokens.
MIN_COUNT: float = 1.0e3

#: Training compute below this many FLOPs (a few microseconds of one modern GPU) is almost
#: certainly given in another unit: 1 PF-day is 8.64e19 FLOPs and 1 A100-hour about 1.1e18.
MIN_FLOPS: float = 1.0e9

#: Given compute must lie within this factor range of 6 N D (Kaplan et al. 2020): the 6ND
#: approximation is within tens of percent for dense transformers, a unit slip is off by 1e3+.
COMPUTE_6ND_RANGE: tuple[float, float] = (0.5, 2.0)

_LM_KINDS = ("params", "tokens", "compute")


@dataclass(frozen=True)
class AxisProblem:
    """One unit-slip finding.

    Attributes
    ----------
    axis : str
        The canonical axis (or ``"tokens/params"``, ``"compute/6ND"`` for cross-axis rules).
    severity : str
        ``"error"`` (refuse the input) or ``"warning"`` (legal but probably not meant).
    message : str
        What is wrong, where, and the fix.
    positions : tuple of int
        0-based positions of the offending values.
    """

    axis: str
    severity: str
    message: str
    positions: tuple[int, ...] = ()


def default_kind(axis: str) -> str:
    """The kind an axis has unless the user declares another one.

    >>> default_kind("params"), default_kind("labelled_images")
    ('params', 'count')
    """
    return axis if axis in _LM_KINDS else "count"


def _resolve_kind(axis: str, kind: str | None) -> str:
    kind = default_kind(axis) if kind is None else kind
    if kind not in AXIS_KINDS:
        raise DataError(
            f"unknown kind {kind!r} for axis '{axis}'; use one of {', '.join(AXIS_KINDS)} "
            "('count' for an axis in your own unit, such as labelled images)"
        )
    return kind


def _where_rows(positions_array: np.ndarray, labels: Sequence | None) -> str:
    positions = [int(p) for p in positions_array]
    if labels is None:
        word = "position" if len(positions) == 1 else "positions"
        return f"{word} {', '.join(str(p) for p in positions[:8])}" + (
            f", ... ({len(positions)} in all)" if len(positions) > 8 else ""
        )
    labels = list(labels)
    return format_rows([labels[p] for p in positions])


def _as_values(axis: str, values, where: str) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError, OverflowError) as err:
        raise DataError(f"{axis} in {where} must be numbers; got {values!r}") from err
    if arr.ndim != 1:
        raise DataError(f"{axis} in {where} must be a number or a 1-d list of numbers")
    return arr


def check_axis_values(
    axis: str,
    values: object,
    *,
    where: str,
    kind: str | None = None,
    labels: Sequence | None = None,
    name: str | None = None,
) -> list[AxisProblem]:
    """Return the unit problems of one axis's values (see the module docstring for the rules).

    Examples
    --------
    >>> [p.severity for p in check_axis_values("compute", [3.0, 5.0], where="the runs")]
    ['error']
    >>> check_axis_values("params", [1e8, 1e9], where="the runs")
    []
    """
    kind = _resolve_kind(axis, kind)
    arr = _as_values(axis, values, where)
    shown = name or axis
    if arr.size == 0:
        return [AxisProblem(axis, "error", f"{shown} in {where} is empty; give at least one value")]
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        pos = np.flatnonzero(bad)
        return [
            AxisProblem(
                axis,
                "error",
                f"{shown} ({axis}) in {where} must be positive and finite; "
                f"{_where_rows(pos, labels)} are {arr[pos][:8].tolist()}; fix those values",
                _positions(pos),
            )
        ]
    if kind == "count":
        return []
    if kind == "compute":
        return _too_small(
            axis,
            arr < MIN_FLOPS,
            labels,
            every=f"{shown} ({axis}) in {where} is implausibly small for training FLOPs: every "
            f"value is below {MIN_FLOPS:g} (e.g. {arr[0]:g}); give compute in FLOPs "
            "(1 PF-day = 8.64e19 FLOPs), or leave it out to derive it as 6 N D",
            some=lambda rows: (
                f"{shown} ({axis}) in {where}: {rows} are below "
                f"{MIN_FLOPS:g} FLOPs while others are not; mixed units? Give every value "
                "in FLOPs"
            ),
        )
    small = arr < MIN_COUNT  # params or tokens
    example = f"{arr[small][0]:g}" if small.any() else ""
    fix = (
        f"give raw counts (7e9, not 7): multiply by 1e9 if they are billions; if this axis "
        f"is not a language model's {kind} but a count in your own unit (labelled images, "
        f"samples), declare its kind as 'count'"
    )
    return _too_small(
        axis,
        small,
        labels,
        every=f"{shown} ({axis}) in {where} look like billions or millions: every value "
        f"is below {MIN_COUNT:g} (e.g. {example}); {fix}",
        some=lambda rows: (
            f"{shown} ({axis}) in {where}: {rows} are below "
            f"{MIN_COUNT:g} while others are not (e.g. {example}); mixed units? {fix}"
        ),
    )


def _too_small(
    axis: str,
    small: np.ndarray,
    labels: Sequence | None,
    *,
    every: str,
    some: Callable[[str], str],
) -> list[AxisProblem]:
    """An error when every value is below an axis's floor, a warning naming them when some are.

    ``every`` is the error's message; ``some(rows)`` the warning's, given the offending rows in
    words.
    """
    if small.all():
        return [AxisProblem(axis, "error", every, tuple(range(small.size)))]
    if small.any():
        pos = np.flatnonzero(small)
        return [AxisProblem(axis, "warning", some(_where_rows(pos, labels)), _positions(pos))]
    return []


def _positions(pos: np.ndarray) -> tuple[int, ...]:
    return tuple(int(p) for p in pos)


def check_scales(
    scales: Mapping[str, object],
    *,
    where: str,
    kinds: Mapping[str, str] | None = None,
    labels: Sequence | None = None,
    names: Mapping[str, str] | None = None,
) -> list[AxisProblem]:
    """Per-axis rules for every axis in ``scales`` plus the cross-axis language-model rules.

    Arrays of length 1 are broadcast against the others (a single plan, a scalar prediction).

    Examples
    --------
    >>> runs = {"params": [1e8, 1e9], "tokens": [2e9, 2e10], "compute": [1.2e9, 1.2e11]}
    >>> [p.axis for p in check_scales(runs, where="the runs")]
    ['compute/6ND']
    >>> check_scales({"params": [1e8], "tokens": [50.0]}, where="x", kinds={"tokens": "count"})
    []
    """
    kinds = dict(kinds or {})
    names = dict(names or {})
    resolved = {axis: _resolve_kind(axis, kinds.get(axis)) for axis in scales}
    problems: list[AxisProblem] = []
    arrays = {}
    for axis, values in scales.items():
        found = check_axis_values(
            axis, values, where=where, kind=resolved[axis], labels=labels, name=names.get(axis)
        )
        problems.extend(found)
        if not any(p.severity == "error" for p in found):
            arrays[axis] = _as_values(axis, values, where)
    by_kind = {resolved[a]: a for a in arrays if resolved[a] in _LM_KINDS}
    if len({a.size for a in arrays.values()} - {1}) > 1:
        return problems  # lengths disagree; the caller reports that in its own words
    n = max((a.size for a in arrays.values()), default=0)
    full = {a: np.broadcast_to(v, (n,)) for a, v in arrays.items()}

    def shown(kind: str) -> str:
        axis = by_kind[kind]
        return names.get(axis, axis)

    if "params" in by_kind and "tokens" in by_kind:
        ratio = full[by_kind["tokens"]] / full[by_kind["params"]]
        low, high = 1.0, PLAUSIBLE_TOKENS_PER_PARAM[1]
        for mask, what in ((ratio < low, "fewer tokens than parameters"), (ratio > high, "")):
            if mask.any():
                pos = np.flatnonzero(mask)
                what = what or f"more than {high:g} tokens per parameter"
                problems.append(
                    AxisProblem(
                        "tokens/params",
                        "warning",
                        f"{where}: {_where_rows(pos, labels)} have {what} (tokens / params "
                        f"{ratio[mask].min():.3g} to {ratio[mask].max():.3g}). Real only at the "
                        f"edges of an IsoFLOP sweep; are params given in billions (7 instead of "
                        f"7e9) or tokens in billions? {shown('params')} and {shown('tokens')} "
                        "must both be raw counts.",
                        _positions(pos),
                    )
                )
    if {"params", "tokens", "compute"} <= set(by_kind):
        six_nd = FLOPS_PER_PARAM_TOKEN * full[by_kind["params"]] * full[by_kind["tokens"]]
        ratio = full[by_kind["compute"]] / six_nd
        low, high = COMPUTE_6ND_RANGE
        off = (ratio < low) | (ratio > high)
        if off.any():
            pos = np.flatnonzero(off)
            problems.append(
                AxisProblem(
                    "compute/6ND",
                    "error",
                    f"{where}: {shown('compute')} (compute) is {ratio[off].min():.3g}x to "
                    f"{ratio[off].max():.3g}x of 6 * params * tokens in "
                    f"{_where_rows(pos, labels)}, outside {low:g}x-{high:g}x; give compute in "
                    "training FLOPs (not PF-days, GPU-hours or FLOP/s), or leave the compute "
                    "column out so it is derived as 6 N D",
                    _positions(pos),
                )
            )
    return problems


def enforce(
    problems: Sequence[AxisProblem], *, error: type[Exception] = DataError, stacklevel: int = 2
) -> None:
    """Raise ``error`` listing every error-level problem; otherwise warn about each warning.

    Examples
    --------
    >>> enforce([])
    >>> enforce(check_axis_values("params", [7.0], where="plan 'x'"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.DataError: params (params) in plan 'x' look like billions ...
    """
    errors = [p.message for p in problems if p.severity == "error"]
    if errors:
        raise error("; and ".join(errors))
    for problem in problems:
        warnings.warn(problem.message, InputWarning, stacklevel=stacklevel + 1)


def validate_scales(
    scales: Mapping[str, object],
    *,
    where: str,
    kinds: Mapping[str, str] | None = None,
    labels: Sequence | None = None,
    names: Mapping[str, str] | None = None,
    error: type[Exception] = DataError,
) -> dict[str, np.ndarray]:
    """Check ``scales`` with :func:`check_scales`, enforce the result, return float arrays."""
    problems = check_scales(scales, where=where, kinds=kinds, labels=labels, names=names)
    enforce(problems, error=error, stacklevel=3)
    return {axis: _as_values(axis, values, where) for axis, values in scales.items()}
