"""Plots of the checks: calibration of a backtest, a law comparison, a prior sensitivity.

Each plot draws only the DataFrame of its ``*_plot_data`` twin in :mod:`scaling_bayes.checks`.
Conventions as in :mod:`scaling_bayes.report.fit_plots`: module-level functions, keyword-only
options, ``(fig, ax)`` returned, no ``plt.show()``, units in every axis label, a check whose fits
did not converge stamped across the plot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..checks.backtest import Backtest, calibration_plot_data
from ..checks.comparison import LawComparison, law_comparison_plot_data
from ..checks.prior_checks import PriorSensitivity, prior_sensitivity_plot_data
from .fit_plots import figure_axes, finish_plot

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

__all__ = ["plot_calibration", "plot_law_comparison", "plot_prior_sensitivity"]


def plot_calibration(
    result: Backtest | pd.DataFrame, *, ax: Axes | None = None, label: str | None = None
) -> tuple[Figure | SubFigure, Axes]:
    """Empirical coverage of central intervals against their nominal mass, with 95% binomial
    (Clopper-Pearson) error bars; calibrated forecasts sit on the diagonal.

    Parameters
    ----------
    result : Backtest or pandas.DataFrame
        A backtest or a coverage table (:func:`~scaling_bayes.checks.backtest.calibration_plot_data`
        gives the numbers drawn).

    Returns
    -------
    (fig, ax)

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.checks.scoring import interval_coverage
    >>> rng = np.random.default_rng(0)
    >>> fig, ax = plot_calibration(interval_coverage(rng.normal(size=(500, 40)),
    ...                                              rng.normal(size=40)))
    >>> ax.get_xlabel()
    'nominal coverage of the central interval'
    """
    table = calibration_plot_data(result)
    fig, ax = figure_axes(ax, (4.5, 4.5))
    yerr = np.vstack([table["coverage"] - table["ci_low"], table["ci_high"] - table["coverage"]])
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="perfect calibration")
    ax.errorbar(
        table["nominal"],
        table["coverage"],
        yerr=yerr,
        fmt="o",
        capsize=3,
        label=label or f"held-out runs (n={int(table['n'].iloc[0])})",
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("nominal coverage of the central interval")
    ax.set_ylabel("share of held-out runs inside")
    ax.set_title("Calibration of forecast intervals")
    converged = not isinstance(result, Backtest) or result.converged
    return finish_plot(fig, ax, converged=converged, loc="upper left")


def plot_law_comparison(
    result: LawComparison, *, ax: Axes | None = None
) -> tuple[Figure | SubFigure, Axes]:
    """Expected log predictive density (PSIS-LOO) of each law with its standard error, and the
    stacking weight; laws whose estimate is unreliable are drawn hollow.

    Returns
    -------
    (fig, ax)

    Examples
    --------
    >>> import pandas as pd
    >>> from scaling_bayes.checks.comparison import LawComparison
    >>> table = pd.DataFrame({"elpd_loo": [40.0, 35.0], "se": [3.0, 3.5], "weight": [0.8, 0.2],
    ...                       "reliable": [True, False]}, index=pd.Index(["a", "b"], name="law"))
    >>> fig, ax = plot_law_comparison(LawComparison(table, {}, False))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a (w=0.80)', 'b (w=0.20)']
    """
    table = law_comparison_plot_data(result)
    fig, ax = figure_axes(ax, (6, 0.6 + 0.5 * len(table)))
    y = np.arange(len(table))[::-1]
    reliable = table["reliable"].to_numpy(dtype=bool)
    for mask, face, text in ((reliable, "C0", "reliable"), (~reliable, "white", "NOT reliable")):
        if mask.any():
            ax.errorbar(
                table["elpd_loo"][mask],
                y[mask],
                xerr=table["se"][mask],
                fmt="o",
                color="C0",
                mfc=face,
                capsize=3,
                label=f"PSIS-LOO, {text}",
            )
    names = [f"{law} (w={w:.2f})" for law, w in zip(table.index, table["weight"], strict=True)]
    ax.set_yticks(y, names)
    ax.set_xlabel("expected log predictive density of loss (nats, higher is better)")
    ax.set_title(f"Law comparison ({result.method})")
    ax.legend(frameon=False, fontsize=8)
    return fig, ax


def plot_prior_sensitivity(
    result: PriorSensitivity, *, ax: Axes | None = None
) -> tuple[Figure | SubFigure, Axes]:
    """Forecast median and central interval at each scale under the base and the alternative
    priors, side by side.

    Returns
    -------
    (fig, ax)

    Examples
    --------
    >>> import pandas as pd
    >>> from scaling_bayes.checks.prior_checks import PriorSensitivity
    >>> table = pd.DataFrame({"compute": [1e21], "median_base": [2.0], "lower_base": [1.9],
    ...                       "upper_base": [2.1], "median_alternative": [2.05],
    ...                       "lower_alternative": [1.95], "upper_alternative": [2.15]})
    >>> fig, ax = plot_prior_sensitivity(PriorSensitivity(table, None, None, "literature"))
    >>> ax.get_ylabel()
    'forecast loss'
    """
    table = prior_sensitivity_plot_data(result)
    fig, ax = figure_axes(ax, (6, 4))
    labels = list(dict.fromkeys(table["priors"]))
    for i, label in enumerate(labels):
        rows = table[table["priors"] == label]
        x = rows["scale"].to_numpy() + (i - 0.5 * (len(labels) - 1)) * 0.15
        ax.errorbar(
            x,
            rows["median"],
            yerr=[rows["median"] - rows["lower"], rows["upper"] - rows["median"]],
            fmt="o",
            capsize=3,
            color=f"C{i}",
            label=f"{label} priors, {result.interval_prob:.0%} interval",
        )
    scales = table.drop_duplicates("scale")
    ax.set_xticks(scales["scale"], [f"{c:.2g}" for c in scales["compute"]])
    ax.set_xlabel("training compute C (FLOPs)")
    unit = getattr(result.base, "loss_unit", None)
    ax.set_ylabel(f"forecast loss ({unit})" if unit else "forecast loss")
    ax.set_title("How the forecast moves with the priors")
    converged = result.alternative is None or result.converged
    return finish_plot(fig, ax, converged=converged)
