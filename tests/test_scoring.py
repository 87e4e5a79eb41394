"""Forecast scores, checked against closed forms and against draws from known predictives.

Statistical checks compare a Monte Carlo average with its exact expectation and allow four
standard errors (two-sided false-alarm rate about 6e-5 per check); every random number is seeded,
so the tests are deterministic. Distribution tests use a stated significance level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import integrate, special, stats

from scaling_bayes.checks.scoring import (
    COVERAGE_PROBS,
    absolute_relative_error,
    central_interval,
    crps_from_draws,
    crps_normal,
    interval_coverage,
    log_predictive_density,
    log_predictive_density_student_t,
    pit_values,
    score_forecast,
    summary_metrics,
)
from scaling_bayes.core.exceptions import DataError, InputWarning

#: Allowed distance between a Monte Carlo mean and its expectation, in standard errors.
N_SE = 4.0
#: Significance level of the uniformity (KS) tests at a fixed seed.
KS_ALPHA = 0.01


def brute_force_crps(x: np.ndarray, y: float, fair: bool = False) -> float:
    """CRPS of the draws ``x`` at ``y`` from the O(n^2) definition."""
    n = x.size
    pairs = np.abs(x[:, None] - x[None, :]).sum()
    return np.mean(np.abs(x - y)) - pairs / (2 * (n * (n - 1) if fair else n * n))


# ---------------------------------------------------------------------------------- CRPS
@settings(max_examples=60, deadline=None)
@given(
    x=arrays(np.float64, st.integers(2, 40), elements=st.floats(-1e3, 1e3)),
    y=st.floats(-1e3, 1e3),
)
def test_crps_from_draws_equals_the_quadratic_definition(x, y):
    for fair in (False, True):
        fast = crps_from_draws(x[:, None], [y], fair=fair)[0]
        assert fast == pytest.approx(brute_force_crps(x, y, fair), rel=1e-9, abs=1e-9)
    # The CRPS of the empirical distribution is a proper score's value: never negative.
    assert crps_from_draws(x[:, None], [y])[0] >= -1e-9


def test_crps_normal_matches_its_integral_definition():
    # CRPS(F, y) = integral of (F(t) - 1{t >= y})^2 dt (Gneiting & Raftery 2007, eq. 20).
    for mu, sigma, y in [(0.0, 1.0, 0.0), (2.0, 0.3, 2.5), (-1.0, 2.0, -4.0)]:

        def below(t, mu=mu, sigma=sigma):
            return stats.norm.cdf(t, mu, sigma) ** 2

        def above(t, mu=mu, sigma=sigma):
            return stats.norm.sf(t, mu, sigma) ** 2

        exact = integrate.quad(below, -np.inf, y)[0] + integrate.quad(above, y, np.inf)[0]
        assert crps_normal(mu, sigma, y) == pytest.approx(exact, rel=1e-7)


@pytest.mark.parametrize("fair", [True, False])
def test_crps_from_draws_is_unbiased_for_the_normal_closed_form(fair):
    # 400 replicate forecasts of 500 draws each from N(mu, sigma); five observations from the
    # centre to the far tail. The mean sample CRPS over replicates must match its expectation
    # within N_SE standard errors, the SE estimated from the replicates themselves. The
    # empirical (non-fair) CRPS has expectation CRPS + E|X - X'| / (2n) = CRPS + sigma/(n sqrt(pi)).
    rng = np.random.default_rng(20240501)
    mu, sigma, n, reps = 1.3, 0.4, 500, 400
    y = mu + sigma * np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    draws = rng.normal(mu, sigma, size=(n, reps * y.size))
    scores = crps_from_draws(draws, np.tile(y, reps), fair=fair).reshape(reps, y.size)
    expected = crps_normal(mu, sigma, y) + (0.0 if fair else sigma / (n * np.sqrt(np.pi)))
    se = scores.std(axis=0, ddof=1) / np.sqrt(reps)
    assert np.all(np.abs(scores.mean(axis=0) - expected) < N_SE * se)


def test_crps_from_draws_accepts_chain_draw_run_arrays():
    rng = np.random.default_rng(1)
    draws = rng.normal(size=(4, 100, 3))
    y = np.array([0.1, -0.5, 2.0])
    flat = crps_from_draws(draws.reshape(400, 3), y)
    np.testing.assert_allclose(crps_from_draws(draws, y), flat)


# ---------------------------------------------------------------------------------- coverage
def _normal_forecasts(rng, m: int, n: int, spread: float = 1.0):
    """``m`` runs with their own N(mu_j, sigma_j) predictive: ``n`` draws (sd scaled by
    ``spread``) and one observation each from the true predictive."""
    mu = rng.uniform(1.8, 3.5, size=m)
    sigma = rng.uniform(0.01, 0.1, size=m)
    draws = rng.normal(mu, spread * sigma, size=(n, m))
    observed = rng.normal(mu, sigma)
    return draws, observed


def test_coverage_of_calibrated_draws_is_binomial_around_nominal():
    # Runs are independent, so the number covered is Binomial(m, p'), where p' is the expected
    # coverage of an interval between interpolated sample quantiles of n draws: for order
    # statistics, (n - 1) p / (n + 1).
    rng = np.random.default_rng(7)
    m, n = 2000, 400
    draws, observed = _normal_forecasts(rng, m, n)
    table = interval_coverage(draws, observed)
    assert table["nominal"].tolist() == list(COVERAGE_PROBS)
    expected = table["nominal"] * (n - 1) / (n + 1)
    se = np.sqrt(expected * (1 - expected) / m)
    assert np.all(np.abs(table["coverage"] - expected) < N_SE * se)
    np.testing.assert_allclose(table["se"], np.sqrt(table["nominal"] * (1 - table["nominal"]) / m))
    assert (table["n"] == m).all()


def test_coverage_of_overconfident_draws_matches_the_narrower_interval():
    # Draws with half the true spread cover 2 Phi(z_p / 2) - 1 of the runs, z_p the normal
    # quantile at (1 + p) / 2; the sample-quantile effect (order 1/n) is well within the SE.
    rng = np.random.default_rng(8)
    m, n = 2000, 400
    draws, observed = _normal_forecasts(rng, m, n, spread=0.5)
    table = interval_coverage(draws, observed)
    z = stats.norm.ppf((1 + table["nominal"]) / 2)
    expected = 2 * stats.norm.cdf(z / 2) - 1
    se = np.sqrt(expected * (1 - expected) / m)
    assert np.all(np.abs(table["coverage"] - expected) < N_SE * se + 2.0 / n)
    assert (table["p_value"] < 1e-6).all()


def test_coverage_intervals_are_exact_clopper_pearson():
    draws = np.tile(np.linspace(0, 1, 101)[:, None], (1, 30))
    observed = np.r_[np.full(20, 0.5), np.full(10, 5.0)]  # 20 of 30 inside every interval
    table = interval_coverage(draws, observed, probs=[0.5, 0.9])
    ci = stats.binomtest(20, 30).proportion_ci(0.95, method="exact")
    np.testing.assert_allclose(table["ci_low"], ci.low)
    np.testing.assert_allclose(table["ci_high"], ci.high)
    assert table["covered"].tolist() == [20, 20]
    all_in = interval_coverage(draws, np.full(30, 0.5), probs=[0.5])
    assert all_in["ci_high"].iloc[0] == 1.0
    assert all_in["ci_low"].iloc[0] == pytest.approx(0.025 ** (1 / 30))


def test_central_interval_uses_equal_tailed_quantiles():
    draws = np.arange(101.0)[:, None]
    lower, upper = central_interval(draws, 0.9)
    assert (lower[0], upper[0]) == (pytest.approx(5.0), pytest.approx(95.0))


# ---------------------------------------------------------------------------------- PIT
def test_pit_of_calibrated_draws_is_uniform_and_of_overconfident_draws_is_not():
    rng = np.random.default_rng(11)
    draws, observed = _normal_forecasts(rng, 1000, 400)
    assert stats.kstest(pit_values(draws, observed), "uniform").pvalue > KS_ALPHA
    narrow, observed = _normal_forecasts(rng, 1000, 400, spread=0.5)
    pit = pit_values(narrow, observed)
    assert stats.kstest(pit, "uniform").pvalue < 1e-6
    # PIT = Phi(2 Z) here, so P(PIT outside [0.05, 0.95]) = 2 Phi(-z_0.95 / 2) = 0.41, not 0.10.
    outside = np.mean((pit < 0.05) | (pit > 0.95))
    expected = 2 * stats.norm.cdf(-stats.norm.ppf(0.95) / 2)
    assert abs(outside - expected) < N_SE * np.sqrt(expected * (1 - expected) / pit.size)


def test_pit_ties_mid_rank_and_randomised():
    draws = np.array([[1.0], [2.0], [2.0], [3.0]])
    assert pit_values(draws, [2.0]).tolist() == [0.5]
    randomised = pit_values(np.tile(draws, (1, 50)), np.full(50, 2.0), ties="random", random_seed=0)
    assert np.all((randomised >= 0.25) & (randomised <= 0.75))
    assert len(np.unique(randomised)) == 50
    with pytest.raises(DataError, match="ties"):
        pit_values(draws, [2.0], ties="up")


def test_randomised_pit_is_uniform_for_a_calibrated_discrete_predictive():
    # Rounded losses (ties): mid-rank PIT is not uniform, the randomised PIT is.
    rng = np.random.default_rng(12)
    m = 1000
    draws = rng.poisson(3.0, size=(2000, m)).astype(float)
    observed = rng.poisson(3.0, size=m).astype(float)
    pit = pit_values(draws, observed, ties="random", random_seed=13)
    assert stats.kstest(pit, "uniform").pvalue > KS_ALPHA
    assert stats.kstest(pit_values(draws, observed), "uniform").pvalue < 1e-6


# ---------------------------------------------------------------------------------- densities
def test_student_t_log_density_of_one_draw_equals_scipy():
    mu, sigma, nu, y = np.log(2.0), 0.05, 4.0, np.array([1.9, 2.0, 2.3])
    lpd = log_predictive_density_student_t(np.full((1, 3), mu), [sigma], [nu], y)
    exact = stats.t.logpdf(np.log(y), nu, mu, sigma) - np.log(y)
    np.testing.assert_allclose(lpd, exact, rtol=1e-12)


def test_student_t_log_density_is_the_mixture_average_and_a_density_on_loss():
    rng = np.random.default_rng(3)
    mu = np.log(2.0) + 0.02 * rng.standard_normal((4, 25, 2))  # (chain, draw, run)
    sigma = rng.uniform(0.01, 0.05, size=(4, 25))
    nu = rng.uniform(2.0, 30.0, size=(4, 25))
    y = np.array([1.95, 2.4])
    lpd = log_predictive_density_student_t(mu, sigma, nu, y)
    per_draw = stats.t.logpdf(
        np.log(y), nu.reshape(-1, 1), mu.reshape(-1, 2), sigma.reshape(-1, 1)
    ) - np.log(y)
    np.testing.assert_allclose(lpd, special.logsumexp(per_draw, axis=0) - np.log(100))
    # exp(lpd) is a density on loss (the Jacobian is right): its integral over [1.5, 3] equals
    # the mixture's probability of log loss in [log 1.5, log 3].
    mass = integrate.quad(
        lambda v: np.exp(log_predictive_density_student_t(mu[..., :1], sigma, nu, v)[0]),
        1.5,
        3.0,
        points=[2.0],
        limit=200,
    )[0]
    loc, scale, dof = mu[..., 0].ravel(), sigma.ravel(), nu.ravel()
    exact = np.mean(
        stats.t.cdf(np.log(3.0), dof, loc, scale) - stats.t.cdf(np.log(1.5), dof, loc, scale)
    )
    assert mass == pytest.approx(exact, abs=1e-8)


def test_kernel_density_with_fixed_bandwidth_is_unbiased_for_the_smoothed_density():
    # With bandwidth h on log loss, E[KDE density of log y] = N(log y; mu, s^2 + h^2) exactly
    # (normal log draws convolved with the kernel). Mean over 100 replicates within N_SE SE.
    rng = np.random.default_rng(5)
    mu, s, h, n, reps = np.log(2.0), 0.05, 0.02, 1000, 100
    y = np.exp(mu + s * np.array([-1.5, 0.0, 1.0]))
    draws = np.exp(rng.normal(mu, s, size=(n, reps * y.size)))
    lpd = log_predictive_density(draws, np.tile(y, reps), bandwidth=h).reshape(reps, y.size)
    density_log_scale = np.exp(lpd) * y  # undo the Jacobian
    expected = stats.norm.pdf(np.log(y), mu, np.hypot(s, h))
    se = density_log_scale.std(axis=0, ddof=1) / np.sqrt(reps)
    assert np.all(np.abs(density_log_scale.mean(axis=0) - expected) < N_SE * se)


def test_kernel_density_with_default_bandwidth_scores_like_the_true_density():
    # Silverman's h for 4000 normal draws is 0.17 s: the smoothed density has variance
    # s^2 (1 + 0.029), whose expected log score at y ~ truth differs from the true one by
    # -0.5 log(1.029) + 0.5 * 0.029 / 1.029 = -2e-4 nats; the estimation noise adds a Jensen
    # term of about -var/2 >= -1e-3. So the mean difference over 200 independent runs must be
    # within N_SE standard errors plus 2e-3 nats.
    rng = np.random.default_rng(6)
    m, n = 200, 4000
    mu = np.log(rng.uniform(1.8, 3.0, size=m))
    s = rng.uniform(0.02, 0.08, size=m)
    draws = np.exp(rng.normal(mu, s, size=(n, m)))
    y = np.exp(rng.normal(mu, s))
    diff = log_predictive_density(draws, y) - stats.lognorm.logpdf(y, s, scale=np.exp(mu))
    assert abs(diff.mean()) < N_SE * diff.std(ddof=1) / np.sqrt(m) + 2e-3


def test_kernel_density_of_a_point_forecast_is_minus_infinity():
    assert log_predictive_density(np.full((10, 1), 2.0), [2.1])[0] == -np.inf


# ---------------------------------------------------------------------------------- tables
def test_absolute_relative_error():
    np.testing.assert_allclose(absolute_relative_error([2.2, 1.5], [2.0, 2.0]), [0.1, 0.25])
    with pytest.raises(DataError, match="observed must be positive"):
        absolute_relative_error([1.0], [0.0])


def test_score_forecast_table_agrees_with_the_single_scores():
    rng = np.random.default_rng(9)
    draws, observed = _normal_forecasts(rng, 12, 800)
    table = score_forecast(draws, observed, prob=0.8, index=[f"run{i}" for i in range(12)])
    assert list(table.columns) == [
        "observed",
        "median",
        "lower",
        "upper",
        "covered",
        "abs_rel_error",
        "pit",
        "crps",
        "log_density",
    ]
    assert table.index[0] == "run0"
    assert table.attrs["interval_prob"] == 0.8
    lower, upper = central_interval(draws, 0.8)
    np.testing.assert_allclose(table["lower"], lower)
    np.testing.assert_allclose(table["upper"], upper)
    np.testing.assert_allclose(table["crps"], crps_from_draws(draws, observed))
    np.testing.assert_allclose(table["pit"], pit_values(draws, observed))
    np.testing.assert_allclose(table["log_density"], log_predictive_density(draws, observed))
    median = np.median(draws, axis=0)
    np.testing.assert_allclose(table["abs_rel_error"], np.abs(median - observed) / observed)
    exact = score_forecast(draws, observed, log_density=np.zeros(12))
    assert (exact["log_density"] == 0).all()


def test_summary_metrics_pool_the_table_and_the_coverage():
    rng = np.random.default_rng(10)
    draws, observed = _normal_forecasts(rng, 40, 500)
    metrics = summary_metrics(draws, observed)
    assert metrics.index.tolist() == [
        "n_runs",
        "coverage_50",
        "coverage_80",
        "coverage_90",
        "coverage_95",
        "median_abs_rel_error",
        "mean_abs_rel_error",
        "mean_crps",
        "mean_log_density",
    ]
    table = score_forecast(draws, observed)
    coverage = interval_coverage(draws, observed)
    assert metrics["n_runs"] == 40
    assert metrics["coverage_90"] == coverage.set_index("nominal").loc[0.9, "coverage"]
    assert metrics["mean_crps"] == pytest.approx(table["crps"].mean())
    assert metrics["median_abs_rel_error"] == pytest.approx(table["abs_rel_error"].median())
    assert metrics["mean_log_density"] == pytest.approx(table["log_density"].mean())


def test_draws_on_the_log_scale_are_flagged():
    rng = np.random.default_rng(4)
    loss = rng.uniform(1.8, 3.0, size=5)
    with pytest.warns(InputWarning, match="same scale"):
        score_forecast(np.log(loss) + 0.01 * rng.standard_normal((100, 5)), loss)


# ---------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("draws", "observed", "match"),
    [
        (np.array([[1.0, np.nan]] * 5), [1.0, 2.0], "draws must be finite.*run 1"),
        (np.ones((5, 2)), [1.0, np.nan], "observed must be finite.*run 1"),
        (np.ones((5, 3)), [1.0, 2.0], "draws has 3 columns but observed has 2"),
        (np.ones((5, 2, 2, 2)), [1.0, 2.0], "draws must have shape"),
        (np.ones((5, 2)), [[1.0, 2.0]], "observed must be a scalar or a 1-D array"),
        (np.ones((5, 2)), ["a", "b"], "observed must be numeric"),
        (np.ones((5, 2)), [], "observed is empty"),
    ],
)
def test_bad_draws_or_observed_raise_data_error_naming_the_argument(draws, observed, match):
    for score in (crps_from_draws, pit_values, interval_coverage, score_forecast):
        with pytest.raises(DataError, match=match):
            score(draws, observed)


def test_bad_arguments_of_densities_and_intervals():
    with pytest.raises(DataError, match="observed must be positive"):
        log_predictive_density(np.ones((5, 1)), [-1.0])
    with pytest.raises(DataError, match="draws must be positive"):
        log_predictive_density(-np.ones((5, 1)), [1.0])
    with pytest.raises(DataError, match="bandwidth"):
        log_predictive_density(np.ones((5, 1)), [1.0], bandwidth=0.0)
    with pytest.raises(DataError, match="sigma must be positive"):
        log_predictive_density_student_t(np.zeros((3, 1)), -1.0, 4.0, [1.0])
    with pytest.raises(DataError, match="nu must be"):
        log_predictive_density_student_t(np.zeros((3, 1)), 0.1, np.ones(4), [1.0])
    with pytest.raises(DataError, match=r"did you mean 0\.9"):
        score_forecast(np.ones((5, 1)), [1.0], prob=90)
    with pytest.raises(DataError, match="probs"):
        interval_coverage(np.ones((5, 1)), [1.0], probs=[0.5, 1.5])
    with pytest.raises(DataError, match="fair=True needs at least two draws"):
        crps_from_draws(np.ones((1, 1)), [1.0], fair=True)
    with pytest.raises(DataError, match="sigma must be positive"):
        crps_normal(0.0, 0.0, 1.0)
    with pytest.raises(DataError, match="index has 2 labels"):
        score_forecast(np.ones((5, 1)), [1.0], index=["a", "b"])


def test_inputs_are_not_modified():
    draws = pd.DataFrame(np.random.default_rng(0).normal(2.0, 0.1, size=(50, 3)))
    before = draws.copy()
    score_forecast(draws, np.array([2.0, 2.1, 1.9]))
    pd.testing.assert_frame_equal(draws, before)
