"""Property-based tests of the data contract on hostile frames.

For any frame: :meth:`ScalingData.from_frame` either accepts it or raises ``DataError`` (never
another exception), never mutates the caller's frame, only warns with the package's own
warnings, and an accepted table holds exactly the caller's numbers. A frame whose values are all
valid, in any accepted representation, is accepted.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import scaling_bayes as sb

# Deterministic examples, and no example database (no .hypothesis folder left behind).
SETTINGS = settings(max_examples=150, deadline=None, database=None, derandomize=True)

_HOSTILE_SCALARS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.booleans(),
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["3.7", "1e9", " 2e10 ", "1,000", "3,7", "nan", "inf", "1e400", "7B", ""]),
    st.complex_numbers(allow_nan=False, allow_infinity=False, max_magnitude=1e12),
    st.just(dt.datetime(2024, 1, 1)),
    st.just(np.timedelta64(3, "h")),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)


@st.composite
def hostile_columns(draw, n: int):
    """One column of length ``n`` in a random dtype, with random bad values."""
    kind = draw(
        st.sampled_from(
            ["float", "int", "bool", "datetime", "timedelta", "complex", "object",
             "category", "Int64", "string", "float32"]
        )
    )  # fmt: skip
    positive = st.floats(min_value=1e3, max_value=1e12)
    if kind == "float":
        return np.array(draw(st.lists(st.floats(), min_size=n, max_size=n)), dtype=float)
    if kind == "float32":
        return np.array(draw(st.lists(positive, min_size=n, max_size=n)), dtype=np.float32)
    if kind == "int":
        ints = st.integers(min_value=-(2**62), max_value=2**62)
        return np.array(draw(st.lists(ints, min_size=n, max_size=n)), dtype=np.int64)
    if kind == "bool":
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if kind == "datetime":
        return pd.date_range("2024-01-01", periods=n)
    if kind == "timedelta":
        return pd.to_timedelta(np.arange(1, n + 1), unit="h")
    if kind == "complex":
        return np.arange(1, n + 1) * 1e6 + 1j
    if kind == "category":
        return pd.Categorical(draw(st.lists(positive, min_size=n, max_size=n)))
    if kind == "Int64":
        ints = st.one_of(st.none(), st.integers(min_value=-(10**12), max_value=10**12))
        return pd.array(draw(st.lists(ints, min_size=n, max_size=n)), dtype="Int64")
    if kind == "string":
        texts = st.one_of(st.text(max_size=6), positive.map(repr))
        return pd.array(draw(st.lists(texts, min_size=n, max_size=n)), dtype="string")
    values = draw(st.lists(st.one_of(_HOSTILE_SCALARS, positive), min_size=n, max_size=n))
    column = np.empty(n, dtype=object)
    column[:] = values
    return column


@st.composite
def hostile_frames(draw):
    n = draw(st.integers(min_value=0, max_value=7))
    names = draw(
        st.lists(
            st.sampled_from(["params", "tokens", "loss", "compute", "other"]),
            min_size=1,
            max_size=6,
        )
    )  # repeated names give duplicate columns
    columns = [draw(hostile_columns(n)) for _ in names]
    frame = pd.DataFrame(dict(enumerate(columns)))
    frame.columns = names
    return frame


def _snapshot(frame: pd.DataFrame):
    return frame.copy(deep=True), [id(v) for v in frame.to_numpy(dtype=object).ravel()]


def _call(frame: pd.DataFrame, **columns):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            data = sb.ScalingData.from_frame(frame, **columns)
        except sb.DataError:
            data = None
    foreign = [w for w in caught if not issubclass(w.category, sb.ScalingBayesWarning)]
    assert not foreign, [str(w.message) for w in foreign]
    return data


@SETTINGS
@given(frame=hostile_frames(), use_compute=st.booleans())
def test_hostile_frames_are_accepted_or_refused_with_data_error(frame, use_compute):
    before = frame.copy(deep=True)
    columns = {"compute": "compute"} if use_compute else {}
    data = _call(frame, **columns)  # any exception but DataError fails the test
    pd.testing.assert_frame_equal(frame, before)
    if data is not None:
        values = data.frame[[c for c in data.frame.columns if c != "group"]]
        assert np.isfinite(values.to_numpy(dtype=float)).all()
        assert (values.to_numpy(dtype=float) > 0).all()
        assert data.n_runs == len(frame)


# ---------------------------------------------------------------------- valid frames
def _represent(values: list[float], how: str):
    """The same numbers in one of the representations the contract accepts."""
    if how == "float":
        return np.array(values, dtype=float)
    if how == "int":
        return np.array([round(v) for v in values], dtype=np.int64)
    if how == "str":
        return np.array([repr(v) for v in values], dtype=object)
    if how == "Float64":
        return pd.array(values, dtype="Float64")
    mixed = np.empty(len(values), dtype=object)
    mixed[:] = [v if i % 2 else repr(v) for i, v in enumerate(values)]
    return mixed


@st.composite
def valid_frames(draw):
    n = draw(st.integers(min_value=2, max_value=8))
    params = draw(
        st.lists(st.integers(min_value=10**6, max_value=10**11), min_size=n, max_size=n,
                 unique=True)
    )  # fmt: skip
    ratio = draw(st.lists(st.integers(min_value=1, max_value=10**4), min_size=n, max_size=n))
    tokens = [float(p * r) for p, r in zip(params, ratio, strict=True)]
    loss = draw(st.lists(st.floats(min_value=0.5, max_value=10.0), min_size=n, max_size=n))
    hows = st.sampled_from(["float", "int", "str", "Float64", "mixed"])
    frame = pd.DataFrame(
        {
            "params": _represent([float(p) for p in params], draw(hows)),
            "tokens": _represent(tokens, draw(hows)),
            "loss": _represent(loss, draw(st.sampled_from(["float", "str", "mixed"]))),
        }
    )
    return frame, params, tokens, loss


@SETTINGS
@given(case=valid_frames())
def test_valid_frames_in_any_representation_are_accepted_unchanged(case):
    frame, params, tokens, loss = case
    before = frame.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # valid runs with tokens >= params warn about nothing
        data = sb.ScalingData.from_frame(frame)
    pd.testing.assert_frame_equal(frame, before)
    np.testing.assert_array_equal(data.column("params"), np.array(params, dtype=float))
    np.testing.assert_array_equal(data.column("tokens"), np.array(tokens, dtype=float))
    np.testing.assert_array_equal(data.loss, np.array(loss, dtype=float))


@SETTINGS
@given(case=valid_frames(), row=st.integers(min_value=0, max_value=7), bad=_HOSTILE_SCALARS)
def test_one_bad_cell_is_refused_or_is_a_valid_number(case, row, bad):
    frame, _, _, _ = case
    row = row % len(frame)
    frame = frame.astype({"loss": object})
    frame.at[row, "loss"] = bad
    data = _call(frame)
    plain = (
        isinstance(bad, float | int)
        and not isinstance(bad, bool)
        and np.isfinite(float(bad) if abs(bad) < 1e300 else np.inf)
        and bad > 0
    )
    if data is not None:
        # Only a positive finite real number (or a text of one) may be accepted in its place.
        assert float(data.loss[row]) > 0
    # The params are unique and the tokens at least the params, so nothing else can refuse it.
    if plain:
        assert data is not None and float(data.loss[row]) == float(bad)
