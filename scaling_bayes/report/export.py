"""The one CSV and JSON writer of the package: every exported table and number goes through here.

Why one writer: a table opened in a spreadsheet is an attack surface (OWASP "CSV injection"), and
an unconverged review must not lend its numbers to a decision in any file. So every CSV:

- prefixes text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return, or their full-width forms) with a single quote;
  numbers stay numbers (``-1.5`` is not a formula);
- replaces carriage returns and line feeds inside text by spaces, so a cell never splits a row;
- quotes cells as the CSV standard says (RFC 4180), ends lines with CRLF and starts with a UTF-8
  byte-order mark so that Excel reads Japanese text;
- carries a ``converged`` column (the same value on every row).

Every JSON file has a top-level ``converged`` field. When ``converged`` is False the caller
passes the decision columns/keys to withhold (:func:`decision_columns` for the scale ladder):
their cells are written empty, never as numbers.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.exceptions import ConfigError, DataError, ScalingBayesError
from .numbers import plain

__all__ = [
    "LADDER_SCALE_COLUMNS",
    "csv_cell",
    "decision_columns",
    "write_csv",
    "write_json",
]

#: Cells starting with these are formulas to a spreadsheet, including the full-width forms that
#: Japanese input methods produce.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")

#: Columns of the scale ladder that do not depend on the fit: the plans' scales, their cost and
#: footprint. Every other column is a decision number computed from the posterior (P(ROI > t),
#: P(best), expected net benefit, ...): an unconverged review withholds it (written as empty
#: cells), as the memo withholds its headline. Fail closed: a column added later is withheld too.
LADDER_SCALE_COLUMNS: tuple[str, ...] = (
    "plan",
    "params",
    "tokens",
    "compute",
    "compute_optimal",
    "extrapolation_ratio",
    "expected_cost",
    "gpu_hours",
    "energy_mwh",
    "co2e_t",
)


def decision_columns(table: pd.DataFrame, keep: Iterable[str] = LADDER_SCALE_COLUMNS) -> list[str]:
    """The columns of ``table`` an unconverged review withholds: all but ``keep``.

    Examples
    --------
    >>> import pandas as pd
    >>> decision_columns(pd.DataFrame(columns=["plan", "p_best", "expected_cost"]))
    ['p_best']
    """
    kept = set(keep)
    return [str(c) for c in table.columns if str(c) not in kept]


def csv_cell(value: object) -> str:
    """One CSV cell that a spreadsheet shows as text or a number, never runs as a formula.

    Examples
    --------
    >>> csv_cell('=HYPERLINK("http://x")'), csv_cell(-1.5), csv_cell("-2"), csv_cell("-x")
    ('\\'=HYPERLINK("http://x")', '-1.5', '-2', "'-x")
    >>> csv_cell("two\\r\\nlines"), csv_cell(float("nan")), csv_cell(True)
    ('two  lines', '', 'true')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value)) if math.isfinite(value) else ""
    text = str(value).replace("\r", " ").replace("\n", " ")
    if _NUMBER.match(text):
        return text
    if text.startswith(FORMULA_START) or text.lstrip(" ").startswith(FORMULA_START):
        return "'" + text
    return text


def write_csv(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    converged: bool,
    withhold: Iterable[str] = (),
    index: bool = False,
) -> Path:
    """Write ``frame`` as a spreadsheet-safe CSV with a ``converged`` column; return the path.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : str or Path
        The file to write (its folder must exist).
    converged : bool
        Whether the numbers come from a converged fit; written on every row.
    withhold : iterable of str
        Columns whose cells are written empty when ``converged`` is False (decision numbers).
    index : bool
        Write the index as the first column (named after it, or ``index``).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> table = pd.DataFrame({"plan": ["=1+1"], "p_best": [0.7]})
    >>> path = write_csv(table, folder / "t.csv", converged=False, withhold=["p_best"])
    >>> path.read_text(encoding="utf-8-sig").splitlines()
    ['plan,p_best,converged', "'=1+1,,false"]
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"write_csv needs a pandas DataFrame; got {type(frame).__name__}")
    if not isinstance(converged, bool | np.bool_):
        raise DataError(f"converged must be True or False; got {converged!r}")
    table = frame.reset_index() if index else frame
    if table.columns.duplicated().any():
        dupes = sorted({str(c) for c in table.columns[table.columns.duplicated()]})
        raise DataError(f"the table has duplicate column names {dupes}; rename them before export")
    hidden = set() if converged else set(withhold)
    columns = [str(c) for c in table.columns if str(c) != "converged"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([csv_cell(c) for c in [*columns, "converged"]])
    flag = csv_cell(bool(converged))
    for row in table.itertuples(index=False, name=None):
        cells = [
            "" if name in hidden else csv_cell(value)
            for name, value in zip(table.columns, row, strict=True)
            if str(name) != "converged"
        ]
        writer.writerow([*cells, flag])
    return _write_bytes(path, buffer.getvalue().encode("utf-8-sig"))


def write_json(
    data: Mapping,
    path: str | os.PathLike[str],
    *,
    converged: bool,
    withhold: Iterable[str] = (),
) -> Path:
    """Write ``data`` as JSON with a top-level ``converged`` field; return the path.

    Values that JSON cannot hold (NaN, infinity) are written as ``null``; keys in ``withhold``
    are dropped when ``converged`` is False.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "n.json"
    >>> _ = write_json({"p": float("nan"), "q": 1}, path, converged=False, withhold=["q"])
    >>> path.read_text()
    '{\\n  "converged": false,\\n  "p": null\\n}'
    """
    if not isinstance(data, Mapping):
        raise DataError(f"write_json needs a mapping; got {type(data).__name__}")
    if not isinstance(converged, bool | np.bool_):
        raise DataError(f"converged must be True or False; got {converged!r}")
    hidden = set() if converged else set(withhold)
    body = {"converged": bool(converged)}
    body.update(
        {str(k): _plain(v) for k, v in data.items() if k not in hidden and k != "converged"}
    )
    text = json.dumps(body, indent=2, ensure_ascii=False, allow_nan=False)
    return _write_bytes(path, text.encode("utf-8"))


def _plain(value):
    """Plain JSON types; NaN and infinity become None (JSON has no such numbers)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    try:
        return plain(value)
    except ScalingBayesError:  # not a number, text or None: written as its text
        return str(value)


def _write_bytes(path, payload: bytes) -> Path:
    target = Path(os.fspath(path))
    if target.is_dir():
        raise ConfigError(f"'{target}' is a folder; give a file name to write the table to")
    try:
        target.write_bytes(payload)
    except OSError as err:
        raise ConfigError(f"cannot write '{target}': {err}") from err
    return target
