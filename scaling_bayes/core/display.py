"""Rich display in notebooks: the HTML behind every ``_repr_html_`` of the package.

Jupyter shows an object by calling its ``_repr_html_`` (IPython's display protocol,
https://ipython.readthedocs.io/en/stable/config/integrating.html). The model, forecasts,
decision results and the memo all answer with one small card built here: a title, the
convergence verdict as a badge (an unconverged fit says so first, in red, with the same banner as
every table), a few labelled facts, and a table of numbers.

Safety: every string that can come from the user (run labels, plan names, titles, currencies)
goes through :func:`escape` (``html.escape`` with quotes), so a name like ``<script>`` is shown,
not run. Only the fragments passed as ``blocks`` are trusted, and callers build those from
escaped text. The HTML has no scripts and no external resources; styles are inline so that the
card looks the same in JupyterLab, VS Code and a rendered documentation page.

Layer: ``core``, so every layer above can use it; at run time it imports nothing from the package
but the not-converged banner (the model and forecast types are for the type checker only).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from .diagnostics import NOT_CONVERGED_BANNER

if TYPE_CHECKING:
    from .forecast import Forecast
    from .model import ScalingLawModel

__all__ = [
    "MAX_ROWS",
    "card_html",
    "escape",
    "forecast_html",
    "model_html",
    "result_html",
    "table_html",
    "verdict_html",
    "warning_html",
]

#: Rows of a table shown in a card; longer tables say how many rows were left out.
MAX_ROWS = 20

_CARD = (
    "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.4;"
    "border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:4px 0;max-width:100%;"
    "overflow-x:auto"
)
_BADGE = "display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;color:#fff;"
_BADGE_COLOURS = {True: "#1a7f37", False: "#cf222e", None: "#6e7781"}
_WARNING = (
    "border-left:4px solid #cf222e;background:#ffebe9;color:#1f2328;padding:4px 8px;margin:6px 0"
)
_CELL = "padding:2px 8px;text-align:right;border-bottom:1px solid #eaeef2"
_HEAD = "padding:2px 8px;text-align:right;border-bottom:1px solid #d0d7de;font-weight:600"
_FACT = "padding:1px 12px 1px 0;color:#59636e;text-align:left;vertical-align:top"


def escape(value: object) -> str:
    """Text safe inside HTML elements and attribute values.

    Examples
    --------
    >>> escape('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return html.escape(str(value), quote=True)


def _cell(value) -> str:
    """One table value as escaped text: floats to 4 significant digits, NaN as a dash."""
    if isinstance(value, bool | np.bool_):
        return escape(bool(value))
    if isinstance(value, int | np.integer):
        return escape(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "&ndash;"
        return escape(f"{number:.4g}")
    if isinstance(value, tuple):
        return escape(", ".join(str(v) for v in value))
    return escape(value)


def verdict_html(converged: bool | None) -> str:
    """The convergence verdict as a coloured badge: converged, NOT CONVERGED or not fitted.

    Examples
    --------
    >>> "NOT CONVERGED" in verdict_html(False), "converged" in verdict_html(True)
    (True, True)
    """
    label = {True: "converged", False: "NOT CONVERGED", None: "not fitted"}[
        None if converged is None else bool(converged)
    ]
    colour = _BADGE_COLOURS[None if converged is None else bool(converged)]
    return f'<span class="sb-verdict" style="{_BADGE}background:{colour}">{label}</span>'


def warning_html(inner: str) -> str:
    """A red-edged box around a trusted HTML fragment (escape its text first)."""
    return f'<div class="sb-warning" role="alert" style="{_WARNING}">{inner}</div>'


def table_html(frame: pd.DataFrame, *, max_rows: int = MAX_ROWS) -> str:
    """A DataFrame as an escaped HTML table (index, column names and cells).

    Parameters
    ----------
    frame : pandas.DataFrame
    max_rows : int
        Rows shown; the rest are counted below the table.

    Examples
    --------
    >>> import pandas as pd
    >>> out = table_html(pd.DataFrame({"<b>": [1.23456, float("nan")]}, index=["a&b", "c"]))
    >>> "&lt;b&gt;" in out and "a&amp;b" in out and "1.235" in out and "<b>" not in out
    True
    """
    names = [n for n in frame.index.names if n is not None]
    index_head = escape(", ".join(str(n) for n in names)) if names else ""
    head = [f'<th style="{_HEAD};text-align:left">{index_head}</th>']
    head += [f'<th style="{_HEAD}">{_cell(c)}</th>' for c in frame.columns]
    rows = []
    for label, values in zip(frame.index[:max_rows], frame.to_numpy()[:max_rows], strict=True):
        cells = [f'<th style="{_CELL};text-align:left;font-weight:600">{_cell(label)}</th>']
        cells += [f'<td style="{_CELL}">{_cell(v)}</td>' for v in values]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    more = len(frame) - max_rows
    foot = f'<div style="color:#59636e">&hellip; {more} more rows</div>' if more > 0 else ""
    return (
        '<table class="sb-table" style="border-collapse:collapse;margin:6px 0">'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>{foot}"
    )


def card_html(
    title: str,
    *,
    converged: bool | None = None,
    show_verdict: bool = True,
    facts: Iterable[tuple[str, object]] = (),
    warning: str = "",
    blocks: Sequence[str] = (),
    table: pd.DataFrame | None = None,
    max_rows: int = MAX_ROWS,
) -> str:
    """One card: title and verdict, facts, a warning box, trusted fragments and a table.

    Parameters
    ----------
    title : str
        Escaped here.
    converged : bool or None
        The verdict badge (None: "not fitted"); ``show_verdict=False`` leaves it out.
    facts : iterable of (label, value)
        Short labelled values, both escaped here.
    warning : str
        Plain text shown in a warning box (escaped here); empty for none.
    blocks : sequence of str
        HTML fragments the caller built from escaped text (trusted as they are).
    table : pandas.DataFrame, optional
        Shown with :func:`table_html`.

    Examples
    --------
    >>> out = card_html("<x>", converged=False, facts=[("runs", 12)], warning="check R-hat")
    >>> "&lt;x&gt;" in out and "NOT CONVERGED" in out and "check R-hat" in out
    True
    """
    badge = f" {verdict_html(converged)}" if show_verdict else ""
    parts = [f'<div style="font-weight:600;font-size:14px">{escape(title)}{badge}</div>']
    rows = [
        f'<tr><th style="{_FACT}">{escape(label)}</th><td style="text-align:left">'
        f"{escape(value)}</td></tr>"
        for label, value in facts
    ]
    if rows:
        parts.append(
            f'<table style="border-collapse:collapse;margin:4px 0">{"".join(rows)}</table>'
        )
    if warning:
        parts.append(warning_html(escape(warning)))
    parts.extend(blocks)
    if table is not None:
        parts.append(table_html(table, max_rows=max_rows))
    return f'<div class="sb-repr" style="{_CARD}">{"".join(parts)}</div>'


def _range(values) -> str:
    values = np.asarray(values, dtype=float)
    return f"{values.min():.3g} to {values.max():.3g}"


def model_html(model: ScalingLawModel) -> str:
    """The card of a :class:`~scaling_bayes.core.model.ScalingLawModel`.

    Law and formula, axes, priors, the runs (how many, the range of each scale), the sampler and
    draws, the convergence verdict with the problems found, and the parameter summary.
    """
    spec = model.law_spec
    facts: list[tuple[str, object]] = [("law", f"{model.law}: {spec.formula}")]
    if model.x:
        facts.append(("x", model.x))
    priors = model.priors if isinstance(model.priors, str) else model.prior_preset
    overrides = "" if isinstance(model.priors, str) or not model.priors else " + overrides"
    facts.append(("priors", f"{priors}{overrides}"))
    title = f"ScalingLawModel ({model.law})"
    if not hasattr(model, "idata_"):
        return card_html(title, converged=None, facts=facts)
    data, report = model.data_, model.diagnostics_
    facts.append(("runs", f"{data.n_runs} ({data.source})"))
    if data.has_groups:
        groups = [str(g) for g in data.frame["group"].unique()]
        more = f" (+{len(groups) - 5})" if len(groups) > 5 else ""
        facts.append(("groups", ", ".join(groups[:5]) + more))
    facts += [(axis, _range(data.column(axis))) for axis in model.axes]
    facts.append(("loss", f"{_range(data.loss)} {model.loss_unit}"))
    post = model.idata_.posterior
    facts.append(
        ("draws", f"{post.sizes['chain']} chains x {post.sizes['draw']} ({model.sampler_})")
    )
    facts.append(("divergences", report.divergences))
    warning = "" if report.converged else NOT_CONVERGED_BANNER
    problems = [*([] if report.converged else report.problems), *report.design_problems]
    blocks = []
    if problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in problems)
        blocks.append(f'<ul style="margin:4px 0">{items}</ul>')
    return card_html(
        title,
        converged=report.converged,
        facts=facts,
        warning=warning,
        blocks=blocks,
        table=model.summary(),
    )


def forecast_html(forecast: Forecast) -> str:
    """The card of a :class:`~scaling_bayes.core.forecast.Forecast`: its summary per scale."""
    draws = forecast.idata.predictions.sizes
    facts = [
        ("law", forecast.law),
        ("scales", forecast.n_scales),
        ("draws", f"{draws['chain']} chains x {draws['draw']}"),
        ("loss", forecast.loss_unit),
    ]
    table = forecast.summary()
    interval = table.attrs["interval_prob"]
    facts.append(("interval", f"{interval:.0%} {table.attrs['interval']}"))
    record = forecast.track_record
    if record is not None:
        held = f"{record.share:.0%} of 90% intervals held on {record.n_studies} public studies"
        facts.append(("track record", held))
    return card_html(
        f"Forecast ({forecast.law})",
        converged=forecast.converged,
        facts=facts,
        warning="" if forecast.converged else NOT_CONVERGED_BANNER,
        table=table,
    )


class _HasTable(Protocol):
    """What :func:`result_html` needs of a result: its ``table`` (``converged`` is optional)."""

    @property
    def table(self) -> pd.DataFrame: ...


def result_html(result: _HasTable, *, title: str | None = None, text: str | None = None) -> str:
    """The card of a result with ``.table`` and ``converged``: its text (when given) and table.

    Parameters
    ----------
    result
        A decision result, a backtest, a law comparison...
    title : str, optional
        Default: the result's class name.
    text : str, optional
        The result's words (written by the report layer); shown escaped above the table.
    """
    converged = getattr(result, "converged", None)
    blocks = [f'<p style="margin:6px 0">{escape(text)}</p>'] if text else []
    return card_html(
        title or type(result).__name__,
        converged=converged,
        show_verdict=converged is not None,
        warning="" if converged in (None, True) else NOT_CONVERGED_BANNER,
        blocks=blocks,
        table=result.table,
    )
