"""The memo's figures, drawn with the package's plot functions and rendered to PNG bytes.

The Japanese memo's figures carry Japanese labels when a CJK font is installed (found through
:mod:`matplotlib.font_manager`, see :func:`cjk_font`): the plot functions draw in English and
each label is then translated through the language's catalogue (``[figure]`` messages for
labels with numbers, ``tables.figure_labels`` for fixed ones); a label with no translation (the
user's own words) is left as it is. Without a CJK font the labels stay in English and the
Japanese memo says so. User text inside
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
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..core.exceptions import ExtrapolationWarning, InputWarning
from .decision_plots import plot_acceptability, plot_roi, plot_scale_ladder, plot_tornado
from .fit_plots import plot_forecast
from .format import formatter, percent

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from ..core.model import ScalingLawModel
    from ..decision import RiskResult, ScaleLadder
    from .evidence import Evidence

__all__ = [
    "cjk_font",
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


#: Font families that draw Japanese, in order of preference (Noto is what Debian's
#: ``fonts-noto-cjk`` installs; the others ship with macOS and Windows, or as IPA fonts).
CJK_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "Hiragino Sans",
    "Hiragino Kaku Gothic ProN",
    "Yu Gothic",
    "Meiryo",
    "TakaoGothic",
)


@cache
def cjk_font() -> str | None:
    """The family of an installed font that draws Japanese, or None when there is none.

    Looks in matplotlib's font list, then among the system's font files (a font installed
    after matplotlib built its cache is added to the font manager, not missed).

    Examples
    --------
    >>> cjk_font() is None or cjk_font() in CJK_FAMILIES
    True
    """
    from matplotlib import font_manager

    def known():
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    family = known()
    if family is not None:
        return family
    hints = ("cjk", "ipaex", "ipag", "hiragino", "yugoth", "meiryo", "takao", "notosansjp")
    for path in font_manager.findSystemFonts():
        if any(h in path.lower().replace("-", "").replace("_", "") for h in hints):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # an unreadable font file: skip it
                continue
    return known()


def japanese_labels(language: str) -> bool:
    """Whether the figures of a memo in ``language`` are labelled in Japanese."""
    return language == "ja" and cjk_font() is not None


@contextmanager
def figure_context(language: str = "en") -> Iterator[None]:
    """No TeX, and no extrapolation warnings: the memo states the extrapolation in words."""
    import matplotlib

    rc: dict = {"text.usetex": False}
    family = cjk_font()
    if family is not None:
        # Japanese labels in the CJK font; English labels stay in DejaVu Sans, with the CJK font
        # as the per-glyph fallback for user text such as Japanese plan names (matplotlib falls
        # back along font.family itself, not along the generic family's font.sans-serif list)
        fonts = [family, "DejaVu Sans"] if japanese_labels(language) else ["DejaVu Sans", family]
        rc |= {"font.family": fonts}
    with matplotlib.rc_context(rc):
        with warnings.catch_warnings():
            # the fan chart runs beyond the largest candidate on purpose
            warnings.filterwarnings("ignore", category=ExtrapolationWarning)
            # the chart's own grid starts at half the smallest run: its unit rules were checked
            # on the data, which warned then if they had to
            warnings.filterwarnings("ignore", category=InputWarning)
            # CJK plan names without a CJK font: drawn as boxes, said in the memo's note.
            warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
            warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support")
            yield


def to_png(fig: Figure) -> bytes:
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


#: Labels the plot functions draw with numbers in them: pattern -> ``figure.<key>`` message.
_PATTERNS = (
    (r"threshold ROI = (?P<t>.+)", "threshold"),
    (r"each dot = (?P<pct>.+) chance \(green: above threshold\)", "dot"),
    (r"observed runs \((?P<n>\d+)\)", "observed"),
    (r"P\(ROI>(?P<t>[^)]+)\) (?P<p>.+)", "p_roi"),
    (r"(?P<pct>\d+)% interval", "interval"),
    (r"(?P<pct>\d+)% predictive interval", "interval"),
    (r"expected net benefit, (?P<pct>\d+)% interval", "nb_interval"),
    (r"candidate plans \(median, (?P<pct>\d+)% interval\)", "candidates"),
    (r"net benefit V - C \((?P<cur>.+)\)", "nb_axis"),
    (r"expected net benefit V - C \((?P<cur>.+)\)", "enb_axis"),
    (r"input at its (?P<q>\d+)th percentile", "input_at"),
    (r"value of one unit of loss improvement, lambda \((?P<unit>.+)\)", "lambda_axis"),
    (r"loss of a new run \((?P<unit>.+)\)", "new_run"),
    (r"loss of the law \((?P<unit>.+)\)", "law_loss"),
)


def translate_labels(fig: Figure | SubFigure, language: str) -> None:
    """Translate the English labels of a figure into ``language`` (Japanese), in place.

    Fixed labels come from the catalogue's ``figure_labels`` table and the business inputs'
    names from ``input_labels``; labels with numbers are matched by pattern and re-worded with
    the same numbers. Anything else (plan names, the user's axis names) is left untouched.
    """
    from matplotlib.text import Text

    if not japanese_labels(language):
        return
    target = formatter(language).messages
    english = formatter("en").messages
    fixed = dict(target.table("figure_labels"))
    inputs = target.table("input_labels")
    default = target.text("summary.metric_default")  # the plots name the metric "loss"
    for key, label in english.table("input_labels").items():
        shown = inputs.get(key, label).replace("{metric}", default)
        fixed.setdefault(label.replace("{metric}", "loss"), shown)
    for text in fig.findobj(Text):
        shown = text.get_text()
        if not shown:
            continue
        if shown in fixed:
            text.set_text(fixed[shown])
            continue
        for pattern, key in _PATTERNS:
            match = re.fullmatch(pattern, shown)
            if match:
                text.set_text(target.text(f"figure.{key}", **match.groupdict()))
                break


def _words(model, language: str) -> dict[str, str]:
    """The metric and the scale axis of a fit in the language's words, for the figures."""
    messages = formatter(language).messages
    data = model.data_
    metric = getattr(data, "metric", None)
    name = getattr(metric, "name", "loss")
    if metric is None or name == "loss":
        words = {"metric": messages.text("summary.metric_default"), "unit": model.loss_unit}
    else:
        words = {"metric": messages.table("metric_names").get(name, name), "unit": metric.unit}
    axis = _axis(model)
    label = data.axis_label(axis) if hasattr(data, "axis_label") else None
    defaults = messages.table("default_axis_labels").values()
    if label and label not in defaults:
        words["axis"] = messages.table("axis_names").get(label, label)
    return words


def _relabel_fan(ax, model, language: str) -> None:
    """The fan chart's axes in the user's words: their metric and, on a data axis, its name."""
    words = _words(model, language)
    if "axis" in words:
        ax.set_xlabel(words["axis"])
    if words["metric"] != formatter(language).messages.text("summary.metric_default"):
        ax.set_ylabel(f"{words['metric']} ({words['unit']})")


def _relabel_tornado(ax, result, model, language: str) -> None:
    """The tornado's bars named as the memo's tables name the inputs, in the language."""
    messages = formatter(language).messages
    labels = messages.table("input_labels")
    metric = _words(model, language)["metric"]
    by_label = dict(zip(result.table["label"], result.table["input"], strict=True))
    names = []
    for tick in ax.get_yticklabels():
        name = by_label.get(tick.get_text())
        if name is None:
            names.append(tick.get_text())
            continue
        fallback = name.split(".", 1)[-1].replace("_", " ")
        names.append(labels.get(name, fallback).replace("{metric}", metric))
    ax.set_yticks(ax.get_yticks())
    ax.set_yticklabels(names)


def _short(name: str) -> str:
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1] + "…"


def _axis(model) -> str:
    """The scale axis of the fan chart: compute unless the law is on one other axis."""
    x = getattr(model, "x", None)
    return x if x in ("params", "tokens") else "compute"


def plan_markers_plot_data(model: ScalingLawModel, ladder: ScaleLadder) -> pd.DataFrame:
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


def fan_chart(
    model: ScalingLawModel,
    ladder: ScaleLadder,
    *,
    random_seed: int = 0,
    ax: Axes | None = None,
    title: str | None = None,
) -> tuple[Figure | SubFigure, Axes]:
    """Fan chart of the forecast over scale, with the observed runs and candidate plans marked.

    Returns
    -------
    (fig, ax)
    """
    markers = plan_markers_plot_data(model, ladder)
    axis = markers.attrs["x_axis"]
    observed = model.data_.frame[axis].to_numpy(dtype=float)
    top = np.nanmax([observed.max(), markers["x"].max()])
    grid = np.geomspace(observed.min() / 2, top * 2, 40)
    forecast = model.predict(**cast("dict[str, Any]", {axis: grid}), random_seed=random_seed)
    how = " (compute-optimal N and D)" if axis == "compute" and model.law == "chinchilla" else ""
    fig, ax = plot_forecast(
        forecast,
        observed=model.data_,
        kind=markers.attrs["kind"],
        ax=ax,
        title=title or f"Forecast over scale{how} and the candidate plans",
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


def roi_panels(
    risks: Sequence[RiskResult], names: Sequence[str], *, language: str = "en"
) -> tuple[Figure, np.ndarray]:
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
        if japanese_labels(language):
            p = float(cast(float, risk.table.loc["p_roi_above_threshold", "estimate"]))
            words = formatter(language).message(
                "figure.roi_panel", t=percent(risk.threshold), p=percent(p)
            )
        plan = formatter(language).message("figure.plan", k=i + 1, name=_short(names[i]))
        if not japanese_labels(language):
            plan = f"Plan {i + 1}: {_short(names[i])}"
        ax.set_title(f"{plan}\n{words}", fontsize=9)
    fig.tight_layout()
    return fig, axes


def figure_names(evidence: Evidence) -> set[str]:
    """The figures :func:`render_figures` draws for this evidence (without drawing them)."""
    names = {"fan"}
    if evidence.converged:
        names |= {"roi", "ladder"}
        if evidence.curve is not None:
            names.add("acceptability")
        if evidence.tornado is not None and len(evidence.tornado):
            names.add("tornado")
    return names


def render_figures(
    evidence: Evidence, *, random_seed: int = 0, language: str = "en"
) -> dict[str, bytes]:
    """PNG bytes of every figure the memo shows, by name (only the fan chart when withheld).

    With ``language="ja"`` and a CJK font installed (:func:`cjk_font`) the labels are
    Japanese; otherwise English.
    """
    out = {}
    ja = japanese_labels(language)
    words = formatter(language)

    def png(fig) -> bytes:
        translate_labels(fig, language)
        return to_png(fig)

    with figure_context(language):
        title = words.message("figure.fan_title") if ja else None
        fig, ax = fan_chart(evidence.model, evidence.ladder, random_seed=random_seed, title=title)
        _relabel_fan(ax, evidence.model, language)
        out["fan"] = png(fig)
        if not evidence.converged:
            return out
        names = [p.label for p in evidence.plans]
        # converged: the evidence holds every plan's risk and the lead plan
        fig, _ = roi_panels(cast("list[RiskResult]", evidence.risks), names, language=language)
        out["roi"] = png(fig)
        fig, _ = plot_scale_ladder(evidence.ladder)
        out["ladder"] = png(fig)
        if evidence.curve is not None:
            fig, _ = plot_acceptability(evidence.ladder)
            out["acceptability"] = png(fig)
        if evidence.tornado is not None and len(evidence.tornado):
            lead = cast(int, evidence.lead) + 1
            title = f"What drives the expected net benefit of plan {lead}"
            if ja:
                title = words.message("figure.tornado_title", k=lead)
            fig, ax = plot_tornado(evidence.tornado, title=title)
            _relabel_tornado(ax, evidence.tornado, evidence.model, language)
            out["tornado"] = png(fig)
    return out
