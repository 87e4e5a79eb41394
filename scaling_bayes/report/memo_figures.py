"""The memo's figures, drawn with the package's plot functions and rendered to PNG bytes.

Labels stay in English: no CJK font is assumed, and the Japanese memo says so. User text inside
figures (plan names) is drawn literally: math text is switched off for every text holding a
``$`` (the package's own labels have none), so a plan name cannot break or restyle a figure.

* :func:`fan_chart`: :func:`~scaling_bayes.plot_forecast` over scale, from the smallest run to
  beyond the largest candidate, with the candidate plans marked (data:
  :func:`plan_markers_plot_data`) and the largest observed scale as a dotted line.
* :func:`roi_panels`: one :func:`~scaling_bayes.plot_roi` quantile dot plot per plan.
* the ladder, acceptability and tornado charts are the risk module's own.
"""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd

from ..core.exceptions import ExtrapolationWarning
from .decision_plots import plot_acceptability, plot_roi, plot_scale_ladder, plot_tornado
from .fit_plots import plot_forecast

__all__ = [
    "fan_chart",
    "figure_names",
    "plan_markers_plot_data",
    "render_figures",
    "roi_panels",
    "to_png",
]

#: Resolution of the embedded figures: 7-inch wide figures become about 770 pixels, which
#: fills an A4 text column at print quality without bloating the file.
DPI = 110
_NAME_CHARS = 28


@contextmanager
def figure_context():
    """No TeX, and no extrapolation warnings: the memo states the extrapolation in words."""
    import matplotlib

    with matplotlib.rc_context({"text.usetex": False}):
        with warnings.catch_warnings():
            # the fan chart runs beyond the largest candidate on purpose
            warnings.filterwarnings("ignore", category=ExtrapolationWarning)
            # CJK plan names without a CJK font: drawn as boxes, said in the memo's note.
            warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
            warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support")
            yield


def to_png(fig) -> bytes:
    """PNG bytes of a figure, which is then closed; user text is drawn literally."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if "$" in text.get_text():
            text.set_parse_math(False)
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _short(name: str) -> str:
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1] + "…"


def _axis(model) -> str:
    """The scale axis of the fan chart: compute unless the law is on one other axis."""
    x = getattr(model, "x", None)
    return x if x in ("params", "tokens") else "compute"


def plan_markers_plot_data(model, ladder) -> pd.DataFrame:
    """The candidate plans on the fan chart: the numbers behind the markers.

    Returns
    -------
    pandas.DataFrame
        One row per plan in the ladder's order: ``number`` (1-based), ``plan``, ``x`` (the
        plan's scale on the chart's axis, ``attrs["x_axis"]``), ``median``, ``lower``,
        ``upper`` (central interval of the plan's loss draws, mass in ``attrs``).
    """
    axis = _axis(model)
    prob = ladder.interval_prob
    tail = (1 - prob) / 2
    rows = []
    for i, d in enumerate(ladder.draws):
        lo, mid, hi = np.quantile(d.loss, [tail, 0.5, 1 - tail])
        x = ladder.table[axis].iloc[i]
        rows.append((i + 1, d.plan.label, float(x), mid, lo, hi))
    data = pd.DataFrame(rows, columns=["number", "plan", "x", "median", "lower", "upper"])
    data.attrs.update(x_axis=axis, interval_prob=prob, kind=ladder.losses.kind)
    return data


def fan_chart(model, ladder, *, random_seed: int = 0, ax=None):
    """Fan chart of loss over scale with the observed runs and the candidate plans marked.

    Returns
    -------
    (fig, ax)
    """
    markers = plan_markers_plot_data(model, ladder)
    axis = markers.attrs["x_axis"]
    observed = model.data_.frame[axis].to_numpy(dtype=float)
    top = np.nanmax([observed.max(), markers["x"].max()])
    grid = np.geomspace(observed.min() / 2, top * 2, 40)
    forecast = model.predict(**{axis: grid}, random_seed=random_seed)
    how = " (compute-optimal N and D)" if axis == "compute" and model.law == "chinchilla" else ""
    fig, ax = plot_forecast(
        forecast,
        observed=model.data_,
        kind=markers.attrs["kind"],
        ax=ax,
        title=f"Loss forecast over scale{how} and the candidate plans",
    )
    err = np.vstack([markers["median"] - markers["lower"], markers["upper"] - markers["median"]])
    pct = round(markers.attrs["interval_prob"] * 100)
    ax.errorbar(
        markers["x"],
        markers["median"],
        yerr=err,
        fmt="D",
        color="C3",
        capsize=3,
        zorder=4,
        label=f"candidate plans (median, {pct}% interval)",
    )
    for _, row in markers.iterrows():
        ax.annotate(
            f"{row['number']}: {_short(row['plan'])}",
            (row["x"], row["upper"]),
            textcoords="offset points",
            xytext=(0, 4),
            ha="center",
            fontsize=7,
            color="C3",
        )
    ax.axvline(observed.max(), color="0.4", ls=":", lw=1, label="largest run observed")
    ax.legend(frameon=False, fontsize=8)
    return fig, ax


def roi_panels(risks, names):
    """One quantile dot plot of ROI per plan, stacked.

    Returns
    -------
    (fig, axes)
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(risks), 1, figsize=(7, 2.9 * len(risks)), squeeze=False)
    for i, (risk, ax) in enumerate(zip(risks, axes[:, 0], strict=True)):
        plot_roi(risk, ax=ax)
        words = ax.get_title().split("\n")[-1]
        ax.set_title(f"Plan {i + 1}: {_short(names[i])}\n{words}", fontsize=9)
    fig.tight_layout()
    return fig, axes


def figure_names(evidence) -> set[str]:
    """The figures :func:`render_figures` draws for this evidence (without drawing them)."""
    names = {"fan"}
    if evidence.converged:
        names |= {"roi", "ladder"}
        if evidence.curve is not None:
            names.add("acceptability")
        if evidence.tornado is not None and len(evidence.tornado):
            names.add("tornado")
    return names


def render_figures(evidence, *, random_seed: int = 0) -> dict[str, bytes]:
    """PNG bytes of every figure the memo shows, by name (only the fan chart when withheld)."""
    out = {}
    with figure_context():
        fig, _ = fan_chart(evidence.model, evidence.ladder, random_seed=random_seed)
        out["fan"] = to_png(fig)
        if not evidence.converged:
            return out
        names = [p.label for p in evidence.plans]
        fig, _ = roi_panels(evidence.risks, names)
        out["roi"] = to_png(fig)
        fig, _ = plot_scale_ladder(evidence.ladder)
        out["ladder"] = to_png(fig)
        if evidence.curve is not None:
            fig, _ = plot_acceptability(evidence.ladder)
            out["acceptability"] = to_png(fig)
        if evidence.tornado is not None and len(evidence.tornado):
            lead = evidence.lead + 1
            fig, _ = plot_tornado(
                evidence.tornado, title=f"What drives the expected net benefit of plan {lead}"
            )
            out["tornado"] = to_png(fig)
    return out
