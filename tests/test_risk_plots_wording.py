"""Plots draw only their *_plot_data frames; likelihood words always carry numbers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import stats

from scaling_bayes import Forecast
from scaling_bayes.core.diagnostics import NOT_CONVERGED_BANNER
from scaling_bayes.core.exceptions import DataError
from scaling_bayes.decision import (
    ComputeCost,
    Investment,
    LinearValue,
    assess_roi,
    compare_scales,
    tornado,
)
from scaling_bayes.report import (
    acceptability_plot_data,
    format_money,
    format_probability,
    likelihood_term,
    likelihood_words,
    plot_acceptability,
    plot_roi,
    plot_scale_ladder,
    plot_tornado,
    roi_plot_data,
    scale_ladder_plot_data,
    tornado_plot_data,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def plans():
    value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=stats.uniform(1e5, 2e5))
    cost = ComputeCost(fixed_usd=2e4)
    return [Investment(params=n, tokens=20 * n, cost=cost, value=value) for n in (1e9, 3e9, 7e9)]


def loss(k=3, n=2000, seed=0):
    return np.random.default_rng(seed).normal(np.linspace(2.45, 2.3, k), 0.04, size=(n, k))


@pytest.fixture
def risk():
    return assess_roi(loss()[:, 2], plans()[2], threshold=0.2, random_seed=0)


@pytest.fixture
def ladder():
    return compare_scales(loss(), plans(), threshold=0.2, random_seed=0)


def test_roi_plot_and_data(risk):
    data = roi_plot_data(risk, n_dots=40)
    assert len(data) == 40 and data["roi"].is_monotonic_increasing
    assert (data["above_threshold"] == (data["roi"] > 0.2)).all()
    assert data.attrs["words"].split(" (")[0] == likelihood_term(data.attrs["probability"])
    fig, ax = plot_roi(risk, n_dots=40)
    assert ax.figure is fig
    assert "ROI = (V - C) / C" in ax.get_xlabel()
    assert "P(ROI > 20%)" in ax.get_title()
    with pytest.raises(DataError, match="n_dots"):
        roi_plot_data(risk, n_dots=3)


def test_scale_ladder_plot_and_data(ladder):
    data = scale_ladder_plot_data(ladder)
    assert data.attrs["x_axis"] == "compute"
    np.testing.assert_allclose(data["x"], ladder.table["compute"])
    assert data["best"].sum() == 1
    _, ax = plot_scale_ladder(ladder)
    assert ax.get_xscale() == "log" and "USD" in ax.get_ylabel()


def test_tornado_plot_and_data(risk):
    result = tornado(risk)
    data = tornado_plot_data(result)
    assert data.equals(result.plot_data())
    assert data["position"].tolist() == list(range(len(result.table)))
    assert data["label"].iloc[-1] == result.table["label"].iloc[0]  # largest swing on top
    _, ax = plot_tornado(result)
    assert len(ax.get_yticklabels()) == len(result.table)
    with pytest.raises(DataError, match="tornado"):
        tornado_plot_data(result.table)


def test_acceptability_plot_and_data(ladder):
    data = acceptability_plot_data(ladder)
    assert set(data["plan"]) == set(ladder.table["plan"])
    _, ax = plot_acceptability(ladder)
    assert ax.get_ylabel() == "P(net benefit > 0)"
    assert len(ax.get_lines()) >= 3


def test_plots_draw_on_a_given_axes(risk, ladder):
    fig, axes = plt.subplots(1, 2)
    out_fig, out_ax = plot_roi(risk, ax=axes[0])
    assert out_ax is axes[0] and out_fig is fig
    assert plot_scale_ladder(ladder, ax=axes[1], title="mine")[1].get_title() == "mine"


def test_unconverged_results_are_stamped():
    fc = Forecast.from_draws(
        loss(), params=[1e9, 3e9, 7e9], tokens=[2e10, 6e10, 1.4e11], converged=False
    )
    ladder = compare_scales(fc, plans(), random_seed=0)  # flagged, not warned again
    single = Forecast.from_draws(loss()[:, :1], params=[1e9], tokens=[2e10], converged=False)
    risk = assess_roi(single, plans()[0], random_seed=0)
    assert ladder.text.startswith(NOT_CONVERGED_BANNER)
    assert tornado(risk).converged is False
    for _, ax in (
        plot_scale_ladder(ladder),
        plot_acceptability(ladder),
        plot_roi(risk),
        plot_tornado(tornado(risk)),
    ):
        assert any(NOT_CONVERGED_BANNER in t.get_text() for t in ax.texts)


# ---------------------------------------------------------------------- wording
@pytest.mark.parametrize(
    ("p", "term"),
    [
        (1.0, "virtually certain"),
        (0.99, "virtually certain"),
        (0.97, "extremely likely"),
        (0.92, "very likely"),
        (0.66, "likely"),
        (0.6, "more likely than not"),
        (0.5, "about as likely as not"),
        (0.4, "about as likely as not"),
        (0.2, "unlikely"),
        (0.08, "very unlikely"),
        (0.03, "extremely unlikely"),
        (0.005, "exceptionally unlikely"),
        (0.0, "exceptionally unlikely"),
    ],
)
def test_ipcc_terms(p, term):
    assert likelihood_term(p) == term


def test_words_always_carry_numbers():
    assert likelihood_words(0.78, 0.01) == "likely (78%, Monte Carlo error ±1%)"
    assert likelihood_words(0.925, 0.004) == "very likely (92.5%, Monte Carlo error ±0.4%)"
    assert format_probability(0.5, 0.0004) == "50.0%, Monte Carlo error below ±0.1%"
    assert "none of 4,000 draws" in format_probability(0.0, 0.0, n_draws=4000)
    assert "all 4,000 draws" in format_probability(1.0, 0.0, n_draws=4000)
    with pytest.raises(DataError, match="probability"):
        likelihood_term(1.2)


def test_money_format():
    assert format_money(952_207.8) == "USD 952k"
    assert format_money(-1.5e9, "EUR") == "-EUR 1.5B"
    assert format_money(12.0) == "USD 12"
