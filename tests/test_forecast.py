"""Forecast objects and the fan chart, from hand-made draws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import scaling_bayes as sb


def normal_forecast(mu=(2.0, 1.9), sd=(0.05, 0.08), n=40_000, seed=0):
    rng = np.random.default_rng(seed)
    draws = rng.normal(mu, sd, size=(n, len(mu)))
    return sb.Forecast.from_draws(draws, compute=[1e21, 1e22]), np.array(mu), np.array(sd)


def test_summary_quantiles_match_the_normal_within_monte_carlo_error():
    fc, mu, sd = normal_forecast()
    table = fc.summary(hdi_prob=0.9)
    n = 40_000
    z = stats.norm.ppf(0.95)
    # SE of a sample quantile: sqrt(p (1 - p) / n) / density at the quantile.
    se_q = np.sqrt(0.05 * 0.95 / n) / (stats.norm.pdf(z) / sd)
    np.testing.assert_allclose(table["upper"], mu + z * sd, atol=4 * se_q.max())
    np.testing.assert_allclose(table["lower"], mu - z * sd, atol=4 * se_q.max())
    np.testing.assert_allclose(table["mean"], mu, atol=4 * sd.max() / np.sqrt(n))
    assert table.attrs["interval"] == "central (equal-tailed)"
    assert table.attrs["interval_prob"] == 0.9


def test_from_draws_shapes():
    one_scale = sb.Forecast.from_draws(np.full(100, 2.0))
    assert one_scale.draws.shape == (1, 100, 1)
    three_d = sb.Forecast.from_draws(np.full((4, 25, 3), 2.0))
    assert three_d.draws.shape == (4, 25, 3)


@pytest.mark.parametrize(
    ("draws", "match"),
    [
        (np.array([2.0, np.nan]), "positive and finite"),
        (np.array([2.0, -1.0]), "positive and finite"),
        (np.ones((2, 2, 2, 2)), "must have shape"),
    ],
)
def test_bad_draws(draws, match):
    with pytest.raises(sb.DataError, match=match):
        sb.Forecast.from_draws(draws)


def test_bad_interval_and_kind():
    fc, _, _ = normal_forecast(n=100)
    with pytest.raises(sb.DataError, match="hdi_prob must be a probability strictly between"):
        fc.summary(hdi_prob=90)
    with pytest.raises(sb.DataError, match="kind must be"):
        fc.summary(kind="posterior")


def test_scales_must_match_draws():
    with pytest.raises(sb.DataError, match="compute has 3 values but there are 2 scales"):
        sb.Forecast.from_draws(np.full((10, 2), 2.0), compute=[1, 2, 3])


def test_fan_chart_draws_its_data_twin(fitted_chinchilla):
    grid = np.geomspace(1e19, 1e22, 12)
    fc = fitted_chinchilla.predict(compute=grid, random_seed=0)
    table = sb.forecast_plot_data(fc)
    assert table.attrs["x_axis"] == "compute"
    np.testing.assert_array_equal(table["x"], grid)
    assert np.all(table["lower_90"] <= table["lower_50"])
    assert np.all(table["lower_50"] <= table["median"])
    assert np.all(table["median"] <= table["upper_50"])
    assert np.all(table["upper_50"] <= table["upper_90"])
    _, ax = sb.plot_forecast(fc, observed=fitted_chinchilla.data_)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), table["median"])
    assert ax.get_xscale() == "log"
    assert "FLOPs" in ax.get_xlabel()
    assert "nats/token" in ax.get_ylabel()


def test_posterior_predictive_check_of_a_true_posterior_covers_the_runs(example_data):
    """Runs simulated from the law with 1% noise, posterior = that law with sigma 1%: about 90%
    of runs sit inside the 90% predictive interval (15 runs: at least 11, the binomial 1% tail)."""
    from helpers import hand_built_draws

    from scaling_bayes.testing import fit_from_draws

    model = fit_from_draws(
        sb.ScalingLawModel(progressbar=False), example_data, hand_built_draws(spread=0.001)
    )
    table = sb.ppc_plot_data(model)
    assert table["inside_90"].sum() >= 11
    np.testing.assert_array_equal(table["observed"], example_data.loss)
    _, ax = sb.plot_ppc(model)
    assert ax.get_xscale() == "log"
    assert any("observed run" in t.get_text() for t in ax.get_legend().get_texts())


def test_unconverged_forecast_is_flagged_not_repeated():
    # The fit warned once; reading the draws or summarising them does not warn again
    # (filterwarnings=error fails this test on any warning) and every table carries the verdict.
    draws = np.random.default_rng(0).normal(2.0, 0.05, size=(4, 100, 2))
    fc = sb.Forecast.from_draws(draws, compute=[1e22, 1e23], converged=False)
    _ = fc.draws, fc.mean_draws, fc.flat_draws()
    table = fc.summary()
    assert not table["converged"].any()
    assert table.attrs["converged"] is False
    ok = sb.Forecast.from_draws(draws, compute=[1e22, 1e23]).summary()
    assert ok["converged"].all()


def test_fan_chart_of_an_unconverged_forecast_is_flagged_and_stamped_not_warned():
    draws = np.random.default_rng(1).normal(2.0, 0.05, size=(4, 100, 2))
    fc = sb.Forecast.from_draws(draws, compute=[1e22, 1e23], converged=False)
    table = sb.forecast_plot_data(fc)  # filterwarnings=error: any warning fails here
    assert not table["converged"].any()
    _, ax = sb.plot_forecast(fc)
    assert any("NOT CONVERGED" in t.get_text() for t in ax.texts)
    ok = sb.forecast_plot_data(sb.Forecast.from_draws(draws, compute=[1e22, 1e23]))
    assert ok["converged"].all()
