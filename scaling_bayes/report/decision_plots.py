"""Plots of risk results. Each plot draws only the DataFrame of its ``*_plot_data`` twin.

Conventions (as :mod:`scaling_bayes.report.fit_plots`): module-level functions, keyword-only
options,
``(fig, ax)`` returned, no ``plt.show()``; units and the ROI convention in the labels; results
of an unconverged fit are stamped across the plot.

* :func:`plot_roi`: a quantile dot plot of ROI (each dot an equal share of probability; readers
  count dots, which beats interval text for decisions: Fernandes et al., CHI 2018).
* :func:`plot_scale_ladder`: expected net benefit with its interval per plan, the probability
  of clearing the ROI threshold, the best plan and the stop point.
* :func:`plot_tornado`: one-at-a-time swings of the decision metric.
* :func:`plot_acceptability`: P(net benefit > 0) against the value per unit of improvement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..core.exceptions import DataError
from ..decision.assess import RiskResult
from ..decision.ladder import ScaleLadder, acceptability_curve
from ..decision.results import PLOT_DATA, AcceptabilityCurve, TornadoResult
from .fit_plots import figure_axes, finish_plot
from .wording import format_percent, likelihood_words

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from ..decision import EVPIResult, PilotValue, TargetBudget

__all__ = [
    "acceptability_plot_data",
    "plot_acceptability",
    "plot_roi",
    "plot_scale_ladder",
    "plot_tornado",
    "roi_plot_data",
    "scale_ladder_plot_data",
    "tornado_plot_data",
]

_ROI_LABEL = "ROI = (V - C) / C  (break-even 0)"


def _major_only(axis) -> None:
    from matplotlib.ticker import NullFormatter

    axis.set_minor_formatter(NullFormatter())


def _percent_axis(axis) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda x, _: format_percent(x)))


# ---------------------------------------------------------------------- ROI dot plot
def roi_plot_data(risk: RiskResult, *, n_dots: int = 50) -> pd.DataFrame:
    """Quantile dots of ROI: the numbers behind :func:`plot_roi`.

    Returns
    -------
    pandas.DataFrame
        One row per dot: ``roi`` (the ``(i - 0.5) / n_dots`` quantile), ``x`` (bin centre),
        ``stack`` (height in its bin, from 1), ``above_threshold``. ``attrs``: ``threshold``,
        ``probability``, ``mc_se``, ``words``, ``dot_probability`` (1 / n_dots), ``plan``,
        ``roi_convention``, ``converged``.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue, assess_roi
    >>> plan = Investment(params=7e9, tokens=1.4e11,
    ...                   value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5))
    >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 2000), plan, random_seed=0)
    >>> data = roi_plot_data(risk, n_dots=20)
    >>> len(data), data.attrs["dot_probability"]
    (20, 0.05)
    """
    if isinstance(n_dots, bool) or not isinstance(n_dots, int) or not 10 <= n_dots <= 500:
        raise DataError(f"n_dots must be an integer between 10 and 500; got {n_dots!r}")
    roi = risk.draws.roi
    q = np.quantile(roi, (np.arange(n_dots) + 0.5) / n_dots)
    n_bins = max(8, n_dots // 3)
    lo, hi = q.min(), q.max()
    width = (hi - lo) / n_bins if hi > lo else 1.0
    index = np.minimum(((q - lo) / width).astype(int), n_bins - 1)
    x = lo + (index + 0.5) * width
    stack = pd.Series(index).groupby(index).cumcount().to_numpy() + 1
    data = pd.DataFrame({"roi": q, "x": x, "stack": stack, "above_threshold": q > risk.threshold})
    cells = risk.table.loc["p_roi_above_threshold", ["estimate", "mc_se"]].to_numpy(dtype=float)
    estimate, mc_se = float(cells[0]), float(cells[1])
    data.attrs.update(
        threshold=risk.threshold,
        probability=estimate,
        mc_se=mc_se,
        words=likelihood_words(estimate, mc_se, risk.n_draws),
        dot_probability=1.0 / n_dots,
        bin_width=width,
        plan=risk.plan.label,
        roi_convention=risk.roi_convention,
        converged=risk.converged,
    )
    return data


def plot_roi(
    risk: RiskResult, *, n_dots: int = 50, ax: Axes | None = None, title: str | None = None
) -> tuple[Figure | SubFigure, Axes]:
    """Quantile dot plot of ROI with the threshold and break-even marked.

    Parameters
    ----------
    risk : RiskResult
    n_dots : int
        Dots drawn; each is ``1 / n_dots`` of probability.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    (fig, ax)

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue, assess_roi
    >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5)
    >>> plan = Investment(params=7e9, tokens=1.4e11, value=value)
    >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 2000), plan, random_seed=0)
    >>> fig, ax = plot_roi(risk)
    >>> ax.get_xlabel()
    'ROI = (V - C) / C  (break-even 0)'
    """
    data = roi_plot_data(risk, n_dots=n_dots)
    a = data.attrs
    fig, ax = figure_axes(ax, (7, 3.8))
    colors = np.where(data["above_threshold"], "C2", "C3")
    ax.scatter(
        data["x"],
        data["stack"],
        s=max(12, 2400 / n_dots),
        c=colors,
        edgecolor="k",
        linewidth=0.3,
        zorder=3,
    )
    ax.axvline(
        a["threshold"],
        color="k",
        ls="--",
        lw=1,
        label=f"threshold ROI = {format_percent(a['threshold'])}",
    )
    if a["threshold"] != 0:
        ax.axvline(0, color="0.5", lw=1, label="break-even (ROI = 0)")
    ax.set_xlabel(_ROI_LABEL)
    ax.set_ylabel("")
    ax.set_yticks([])
    ax.set_ylim(0, 1.35 * data["stack"].max() + 1)
    _percent_axis(ax.xaxis)
    pct = format_percent(a["dot_probability"])
    ax.scatter(
        [],
        [],
        s=30,
        c="C2",
        edgecolor="k",
        linewidth=0.3,
        label=f"each dot = {pct} chance (green: above threshold)",
    )
    ax.set_title(
        title
        or f"Return on investment: {a['plan']}\n"
        f"P(ROI > {format_percent(a['threshold'])}) is {a['words']}",
        fontsize=10,
    )
    return finish_plot(fig, ax, converged=a["converged"], loc="upper left")


# ---------------------------------------------------------------------- scale ladder
def scale_ladder_plot_data(ladder: ScaleLadder) -> pd.DataFrame:
    """Per plan: expected net benefit and interval, P(ROI > t), best and stop point.

    Returns
    -------
    pandas.DataFrame
        ``plan``, ``x`` (training compute in FLOPs, or expected cost when compute is unknown;
        see ``attrs["x_axis"]``), ``expected_net_benefit``, ``lower``, ``upper``,
        ``p_roi_above_threshold``, ``best``, ``stop_point``.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue, compare_scales
    >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6)
    >>> plans = [Investment(params=n, tokens=20 * n, value=value) for n in (1e9, 7e9)]
    >>> loss = np.random.default_rng(0).normal([2.45, 2.3], 0.03, size=(1000, 2))
    >>> scale_ladder_plot_data(compare_scales(loss, plans, random_seed=0))["plan"].tolist()
    ['1B params, 20B tokens', '7B params, 140B tokens']
    """
    t = ladder.table
    use_compute = bool(np.isfinite(t["compute"]).all())
    data = pd.DataFrame(
        {
            "plan": t["plan"],
            "x": t["compute"] if use_compute else t["expected_cost"],
            "expected_net_benefit": t["expected_net_benefit"],
            "lower": t["expected_net_benefit_lower"],
            "upper": t["expected_net_benefit_upper"],
            "p_roi_above_threshold": t["p_roi_above_threshold"],
            "best": t["plan"] == ladder.best,
            "stop_point": t["stop_point"],
        }
    )
    data.attrs.update(
        x_axis="compute" if use_compute else "expected_cost",
        currency=ladder.currency,
        threshold=ladder.threshold,
        interval_prob=ladder.interval_prob,
        stop_reached=ladder.stop_reached,
        converged=ladder.converged,
    )
    return data


def plot_scale_ladder(
    ladder: ScaleLadder, *, ax: Axes | None = None, title: str | None = None
) -> tuple[Figure | SubFigure, Axes]:
    """Expected net benefit over scale, with intervals, P(ROI > t) labels and the stop point.

    Returns
    -------
    (fig, ax)

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue, compare_scales
    >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5)
    >>> plans = [Investment(params=n, tokens=20 * n, value=value) for n in (1e9, 7e9)]
    >>> loss = np.random.default_rng(0).normal([2.45, 2.3], 0.03, size=(1000, 2))
    >>> fig, ax = plot_scale_ladder(compare_scales(loss, plans, random_seed=0))
    >>> ax.get_xscale()
    'log'
    """
    data = scale_ladder_plot_data(ladder)
    a = data.attrs
    fig, ax = figure_axes(ax, (7, 4.5))
    y = data["expected_net_benefit"]
    err = np.vstack([y - data["lower"], data["upper"] - y])
    pct = round(a["interval_prob"] * 100)
    ax.errorbar(
        data["x"],
        y,
        yerr=err,
        fmt="o-",
        color="C0",
        capsize=3,
        label=f"expected net benefit, {pct}% interval",
    )
    ax.axhline(0, color="0.5", lw=1)
    for _, row in data.iterrows():
        ax.annotate(
            f"P(ROI>{format_percent(a['threshold'])}) "
            f"{format_percent(row['p_roi_above_threshold'])}",
            (row["x"], row["expected_net_benefit"]),
            textcoords="offset points",
            xytext=(4, 6),
            fontsize=7,
        )
    best = data[data["best"]]
    if not best.empty:
        ax.scatter(
            best["x"],
            best["expected_net_benefit"],
            marker="*",
            s=180,
            color="C1",
            zorder=4,
            label="best in expectation",
        )
    if a["stop_reached"]:
        stop = data[data["stop_point"]].iloc[0]
        ax.axvline(
            stop["x"],
            color="C3",
            ls=":",
            lw=1.5,
            label="stop point (next step loses in expectation)",
        )
    ax.set_xscale("log")
    _major_only(ax.xaxis)
    ax.margins(x=0.12)
    ax.set_xlabel(
        "training compute (FLOPs)"
        if a["x_axis"] == "compute"
        else f"expected cost ({a['currency']})"
    )
    ax.set_ylabel(f"net benefit V - C ({a['currency']})")
    ax.set_title(title or "Net benefit across scales")
    return finish_plot(fig, ax, converged=a["converged"])


# ---------------------------------------------------------------------- tornado
def tornado_plot_data(result: TornadoResult) -> pd.DataFrame:
    """Bars of a tornado (from :func:`~scaling_bayes.tornado`), largest on top.

    Parameters
    ----------
    result : TornadoResult
        What ``tornado(risk)`` returns.

    Returns
    -------
    pandas.DataFrame
        ``label``, ``metric_at_low``, ``metric_at_high``, ``input_at_low``, ``input_at_high``,
        ``position`` (0 at the bottom); ``attrs`` carry ``base``, ``metric``, ``unit``.

    Examples
    --------
    >>> import pandas as pd
    >>> from scaling_bayes.decision import TornadoResult
    >>> table = pd.DataFrame({"input": ["a", "b"], "label": ["A", "B"],
    ...                       "input_at_low": [1, 2], "input_at_high": [3, 4],
    ...                       "metric_at_low": [0.0, 4.0], "metric_at_high": [10.0, 6.0],
    ...                       "swing": [10.0, 2.0]})
    >>> result = TornadoResult(table=table, base=5.0, metric="expected_net_benefit", unit="USD",
    ...                        low=0.1, high=0.9, threshold=0.0, fixed_inputs=[], plan="p",
    ...                        method="one at a time")
    >>> tornado_plot_data(result)["label"].tolist()
    ['B', 'A']
    """
    if not isinstance(result, TornadoResult):
        raise DataError(
            f"tornado_plot_data needs the TornadoResult returned by tornado(risk); got "
            f"{type(result).__name__}"
        )
    table = result.table
    needed = {"label", "metric_at_low", "metric_at_high", "input_at_low", "input_at_high", "swing"}
    missing = needed - set(table.columns)
    if missing:
        raise DataError(f"tornado_plot_data: the table lacks columns {sorted(missing)}")
    data = table.sort_values("swing", kind="stable").reset_index(drop=True)
    data = data[["label", "metric_at_low", "metric_at_high", "input_at_low", "input_at_high"]]
    data = data.assign(position=np.arange(len(data)))
    data.attrs = {
        k: getattr(result, k)
        for k in ("base", "metric", "unit", "low", "high", "converged", "plan")
    }
    return data


def plot_tornado(
    result: TornadoResult, *, ax: Axes | None = None, title: str | None = None
) -> tuple[Figure | SubFigure, Axes]:
    """Tornado chart: each input at its low and high percentile, around the base value.

    Returns
    -------
    (fig, ax)

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue, assess_roi, tornado
    >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5)
    >>> plan = Investment(params=7e9, tokens=1.4e11, value=value)
    >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 2000), plan, random_seed=0)
    >>> fig, ax = plot_tornado(tornado(risk))
    >>> len(ax.get_yticklabels())
    3
    """
    data = tornado_plot_data(result)
    a = data.attrs
    fig, ax = figure_axes(ax, (7, 0.5 * len(data) + 1.8))
    base = a["base"]
    lo_pct, hi_pct = round(a["low"] * 100), round(a["high"] * 100)
    ax.barh(
        data["position"],
        data["metric_at_low"] - base,
        left=base,
        color="C0",
        label=f"input at its {lo_pct}th percentile",
    )
    ax.barh(
        data["position"],
        data["metric_at_high"] - base,
        left=base,
        color="C1",
        alpha=0.8,
        label=f"input at its {hi_pct}th percentile",
    )
    ax.axvline(base, color="k", lw=1)
    ax.set_yticks(data["position"])
    ax.set_yticklabels(data["label"])
    names = {
        "expected_net_benefit": f"expected net benefit V - C ({a['unit']})",
        "p_roi_above_threshold": "P(ROI > threshold), ROI = (V - C) / C",
        "expected_roi": "expected ROI = E[(V - C) / C]",
    }
    ax.set_xlabel(names.get(a["metric"], a["metric"]))
    if a["metric"] == "expected_roi":
        _percent_axis(ax.xaxis)
    ax.set_title(title or "What drives the answer (one input at a time)")
    return finish_plot(fig, ax, converged=a["converged"], loc="best")


# ---------------------------------------------------------------------- acceptability
def acceptability_plot_data(
    result: ScaleLadder | RiskResult | AcceptabilityCurve,
    *,
    lambdas: ArrayLike | None = None,
    baseline_loss: float | None = None,
) -> pd.DataFrame:
    """The acceptability curve behind :func:`plot_acceptability` (see
    :func:`~scaling_bayes.decision.acceptability_curve`).

    Parameters
    ----------
    result : ScaleLadder, RiskResult or AcceptabilityCurve
        A curve is used as it is; from a ladder or an assessment it is computed.

    Returns
    -------
    pandas.DataFrame
        The curve's table; ``attrs`` carry ``break_even``, ``lambda_unit`` and ``converged``.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue, assess_roi
    >>> plan = Investment(params=7e9, tokens=1.4e11,
    ...                   value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6))
    >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 2000), plan, random_seed=0)
    >>> list(acceptability_plot_data(risk, lambdas=[1e4, 1e6])["p_net_benefit_positive"])
    [0.0, 1.0]
    """
    if isinstance(result, AcceptabilityCurve):
        curve = result
    else:
        curve = acceptability_curve(result, lambdas=lambdas, baseline_loss=baseline_loss)
    data = curve.table.copy()
    data.attrs = {
        "break_even": dict(curve.break_even),
        "lambda_unit": curve.lambda_unit,
        "converged": curve.converged,
    }
    return data


def plot_acceptability(
    result: ScaleLadder | RiskResult | AcceptabilityCurve,
    *,
    lambdas: ArrayLike | None = None,
    baseline_loss: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> tuple[Figure | SubFigure, Axes]:
    """P(net benefit > 0) against the value of one unit of loss improvement, per plan.

    Returns
    -------
    (fig, ax)

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue, assess_roi
    >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5)
    >>> plan = Investment(params=7e9, tokens=1.4e11, value=value)
    >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 2000), plan, random_seed=0)
    >>> fig, ax = plot_acceptability(risk)
    >>> ax.get_ylabel()
    'P(net benefit > 0)'
    """
    data = acceptability_plot_data(result, lambdas=lambdas, baseline_loss=baseline_loss)
    a = data.attrs
    fig, ax = figure_axes(ax, (7, 4.2))
    for i, (plan, part) in enumerate(data.groupby("plan", sort=False)):
        ax.plot(part["lambda"], part["p_net_benefit_positive"], color=f"C{i}", label=plan)
        be = a["break_even"][plan]
        if np.isfinite(be):
            ax.axvline(be, color=f"C{i}", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"value of one unit of loss improvement, lambda ({a['lambda_unit']})")
    ax.set_ylabel("P(net benefit > 0)")
    ax.set_title(title or "Acceptability: dotted lines mark break-even values")
    return finish_plot(fig, ax, converged=a["converged"])


def budget_plot_data(budget: TargetBudget) -> pd.DataFrame:
    """P(reaching the target) over training budgets: the curve behind a TargetBudget.

    Returns
    -------
    pandas.DataFrame
        ``compute`` (FLOPs), ``p_reach``, ``mc_se``; ``attrs`` carry ``target_loss``, ``prob``,
        ``answer`` (the budget found, inf when unreachable) and ``converged``.
    """
    data = budget.table.copy()
    data.attrs = {
        "target_loss": budget.target_loss,
        "prob": budget.prob,
        "answer": budget.compute,
        "converged": budget.converged,
    }
    return data


def pilot_plot_data(pilot: PilotValue) -> pd.DataFrame:
    """Each option's expected net benefit now and how often a pilot would make it the choice.

    Returns
    -------
    pandas.DataFrame
        ``option``, ``expected_net_benefit_now``, ``p_chosen_after_pilot``; ``attrs`` carry
        ``currency``, ``chosen_now`` and ``converged``.
    """
    data = pilot.decisions.copy()
    data.attrs = {
        "currency": pilot.currency,
        "chosen_now": pilot.chosen_now,
        "converged": pilot.converged,
    }
    return data


def evpi_plot_data(result: EVPIResult) -> pd.DataFrame:
    """The EVPI with its Monte Carlo error, as a one-row table (``estimate``, ``mc_se``)."""
    data = result.table.copy()
    data.attrs = {"currency": result.currency, "converged": result.converged}
    return data


PLOT_DATA.update(
    TargetBudget=budget_plot_data,
    PilotValue=pilot_plot_data,
    EVPIResult=evpi_plot_data,
    RiskResult=roi_plot_data,
    ScaleLadder=scale_ladder_plot_data,
    TornadoResult=tornado_plot_data,
    AcceptabilityCurve=acceptability_plot_data,
)
