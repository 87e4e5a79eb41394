"""Plots of fits and forecasts. Each plot draws only the DataFrame of its ``*_plot_data`` twin.

Conventions: module-level functions, keyword-only options, ``(fig, ax)`` returned, no
``plt.show()``; units in every axis label; a fit that did not converge is stamped across the plot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..core.constants import FAN_PROBS
from ..core.data import ScalingData
from ..core.diagnostics import NOT_CONVERGED_BANNER
from ..core.forecast import Forecast

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from ..core.model import ScalingLawModel

__all__ = [
    "forecast_plot_data",
    "plot_forecast",
    "plot_ppc",
    "ppc_plot_data",
    "stamp_unconverged",
]

_AXIS_LABELS = {
    "compute": "training compute C (FLOPs)",
    "params": "parameters N",
    "tokens": "training tokens D",
}


def forecast_x_axis(forecast: Forecast) -> str:
    """The scale axis a forecast is best drawn against: compute when known, else the law's axis."""
    scales = forecast.scales
    for axis in ("compute", "params", "tokens"):
        if scales[axis].notna().all():
            return axis
    raise ValueError("the forecast has no scale axis known at every scale")


def forecast_plot_data(
    forecast: Forecast, *, probs: tuple[float, ...] = FAN_PROBS, kind: str = "predictive"
) -> pd.DataFrame:
    """Quantiles of forecast loss per scale: the numbers behind :func:`plot_forecast`.

    Returns
    -------
    pandas.DataFrame
        One row per scale, sorted by ``x``: ``x`` (the scale, see ``attrs["x_axis"]``),
        ``median`` and ``lower_<p>`` / ``upper_<p>`` for each central interval of mass ``p``
        (in percent, e.g. ``lower_90``), and ``converged`` (the fit's verdict, the same on every
        row: an unconverged fit is flagged here and stamped on the plot, not warned again).
    """
    axis = forecast_x_axis(forecast)
    flat = forecast.flat_draws(kind)
    table = pd.DataFrame({"x": forecast.scales[axis].to_numpy(), "median": np.median(flat, axis=0)})
    for p in probs:
        tail = (1 - p) / 2
        table[f"lower_{round(p * 100)}"] = np.quantile(flat, tail, axis=0)
        table[f"upper_{round(p * 100)}"] = np.quantile(flat, 1 - tail, axis=0)
    table["converged"] = forecast.converged
    table = table.sort_values("x").reset_index(drop=True)
    table.attrs.update(
        x_axis=axis, kind=kind, loss_unit=forecast.loss_unit, converged=forecast.converged
    )
    return table


def plot_forecast(
    forecast: Forecast,
    *,
    observed: ScalingData | None = None,
    probs: tuple[float, ...] = FAN_PROBS,
    kind: str = "predictive",
    ax: Axes | None = None,
    title: str | None = None,
) -> tuple[Figure | SubFigure, Axes]:
    """Fan chart of forecast loss over scale, with the observed runs.

    Shaded bands are central intervals of equal probability mass around the median (Bank of
    England style), drawn over a log scale axis.

    Parameters
    ----------
    forecast : Forecast
        Ideally over a grid of scales, e.g. ``model.predict(compute=np.geomspace(1e18, 1e23, 40))``.
    observed : ScalingData, optional
        Runs to draw as points (their compute, or the forecast's axis).
    probs : tuple of float
        Masses of the bands, widest drawn lightest.
    ax : matplotlib Axes, optional

    Returns
    -------
    (fig, ax)
    """
    table = forecast_plot_data(forecast, probs=probs, kind=kind)
    axis = table.attrs["x_axis"]
    fig, ax = figure_axes(ax, (7, 4.5))
    for i, pct in _widest_first(probs):
        ax.fill_between(
            *_band(table, pct),
            color="C0",
            alpha=0.15 + 0.15 * i,
            linewidth=0,
            label=f"{pct}% interval",
        )
    ax.plot(table["x"], table["median"], color="C0", lw=1.5, label="median forecast")
    if observed is not None and axis in observed.frame.columns:
        ax.scatter(
            observed.frame[axis],
            observed.frame["loss"],
            s=14,
            color="k",
            zorder=3,
            label=f"observed runs ({observed.n_runs})",
        )
    ax.set_xscale("log")
    ax.set_xlabel(_AXIS_LABELS[axis])
    what = "loss of a new run" if kind == "predictive" else "loss of the law"
    ax.set_ylabel(f"{what} ({forecast.loss_unit})")
    ax.set_title(title or f"Forecast loss over scale ({forecast.law} law)")
    return finish_plot(fig, ax, converged=forecast.converged)


def ppc_plot_data(
    model: ScalingLawModel, *, probs: tuple[float, ...] = (0.5, 0.9), random_seed: int = 0
) -> pd.DataFrame:
    """Posterior predictive check: each observed run against the model's predictive interval.

    Returns
    -------
    pandas.DataFrame
        One row per run (index: the run's label): ``x`` (compute when known, else the law's
        axis; ``attrs["x_axis"]``), ``observed``, ``median``, ``lower_<p>``/``upper_<p>`` per
        central interval, and ``inside_<p>`` flags.
    """
    model._check_fitted("ppc_plot_data")
    data = model.data_
    scales = {axis: data.column(axis) for axis in model.axes}
    forecast = model.predict(**scales, random_seed=random_seed)
    flat = forecast.flat_draws()
    axis = "compute" if "compute" in data.axes else model.axes[0]
    table = pd.DataFrame(
        {"x": data.column(axis), "observed": data.loss, "median": np.median(flat, axis=0)},
        index=data.frame.index,
    )
    for p in probs:
        pct = round(p * 100)
        lower, upper = np.quantile(flat, [(1 - p) / 2, (1 + p) / 2], axis=0)
        table[f"lower_{pct}"], table[f"upper_{pct}"] = lower, upper
        table[f"inside_{pct}"] = (lower <= table["observed"]) & (table["observed"] <= upper)
    table.attrs.update(x_axis=axis, converged=forecast.converged, loss_unit=model.loss_unit)
    return table


def plot_ppc(
    model: ScalingLawModel,
    *,
    probs: tuple[float, ...] = (0.5, 0.9),
    ax: Axes | None = None,
    random_seed: int = 0,
) -> tuple[Figure | SubFigure, Axes]:
    """Observed runs over the posterior predictive intervals at their own scales.

    Points outside the widest interval are drawn in red; about ``1 - max(probs)`` of them are
    expected outside if the law and noise model fit.

    Returns
    -------
    (fig, ax)
    """
    table = ppc_plot_data(model, probs=probs, random_seed=random_seed)
    fig, ax = figure_axes(ax, (7, 4.5))
    for i, pct in _widest_first(probs):
        ax.vlines(
            *_band(table, pct),
            color="C0",
            lw=2 + 3 * i,
            alpha=0.35 + 0.25 * i,
            label=f"{pct}% predictive interval",
        )
    widest = round(max(probs) * 100)
    inside = table[f"inside_{widest}"]
    ax.scatter(
        table.loc[inside, "x"],
        table.loc[inside, "observed"],
        s=14,
        color="k",
        zorder=3,
        label="observed run",
    )
    ax.scatter(
        table.loc[~inside, "x"],
        table.loc[~inside, "observed"],
        s=18,
        color="red",
        zorder=3,
        label=f"outside the {widest}% interval ({int((~inside).sum())})",
    )
    ax.set_xscale("log")
    ax.set_xlabel(_AXIS_LABELS[table.attrs["x_axis"]])
    ax.set_ylabel(f"loss ({model.loss_unit})")
    ax.set_title(f"Posterior predictive check ({model.law} law)")
    return finish_plot(fig, ax, converged=table.attrs["converged"])


def figure_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure | SubFigure, Axes]:
    """The figure and axes a plot draws on: ``ax`` and its figure, or a new figure.

    Parameters
    ----------
    ax : matplotlib Axes or None
        The caller's axes (which may sit in a subfigure); None for a new figure.
    figsize : tuple of float
        Size in inches of a new figure.

    Returns
    -------
    (fig, ax)
    """
    import matplotlib.pyplot as plt

    if ax is None:
        return plt.subplots(figsize=figsize)
    return ax.figure, ax


def finish_plot(
    fig: Figure | SubFigure,
    ax: Axes,
    *,
    converged: bool,
    loc: Literal["best", "upper left"] | None = None,
) -> tuple[Figure | SubFigure, Axes]:
    """Close a plot the package's way: a frameless legend, and the stamp when not converged.

    Parameters
    ----------
    fig, ax
        What the plot drew on.
    converged : bool
        The verdict of the fit behind the plot; False stamps :func:`stamp_unconverged`.
    loc : {"best", "upper left"}, optional
        Where the legend goes (matplotlib's default, ``legend.loc``, when not given).

    Returns
    -------
    (fig, ax)
    """
    ax.legend(frameon=False, fontsize=8, loc=loc)
    if not converged:
        stamp_unconverged(ax)
    return fig, ax


def _widest_first(probs: tuple[float, ...]) -> list[tuple[int, int]]:
    """``(i, percent)`` of each interval mass, widest first (``i`` 0 for the widest)."""
    return [(i, round(p * 100)) for i, p in enumerate(sorted(probs, reverse=True))]


def _band(table: pd.DataFrame, pct: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The scale and the bounds of the ``pct`` percent interval, drawn as one band."""
    return table["x"], table[f"lower_{pct}"], table[f"upper_{pct}"]


def stamp_unconverged(ax: Axes) -> None:
    """Write the not-converged warning across a plot."""
    ax.text(
        0.5,
        0.5,
        NOT_CONVERGED_BANNER,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="red",
        fontsize=11,
        fontweight="bold",
        alpha=0.8,
        wrap=True,
        bbox={"facecolor": "white", "edgecolor": "red", "alpha": 0.8},
    )
