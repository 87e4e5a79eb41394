"""The exact-posterior sampler explored in benchmarks/explore_form_posteriors.py."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import import_benchmark

from scaling_bayes.core.mixture import fit_form


@pytest.fixture(scope="module")
def ex():
    return import_benchmark("explore_form_posteriors")


@pytest.fixture(scope="module")
def clean_power_law():
    """40 runs of a pure power law with 1% noise on log loss: a well-determined posterior."""
    rng = np.random.default_rng(3)
    x = np.geomspace(1e7, 1e9, 40)
    loss = 400 * x**-0.34 * np.exp(rng.normal(0, 0.01, x.size))
    return x, loss, fit_form("power_no_floor", {"params": x}, loss, x="params")


def test_log_posterior_peaks_at_the_laplace_mode(ex, clean_power_law):
    _, loss, fit = clean_power_law
    sd = np.sqrt(np.diag(fit.cov))
    theta = fit.theta + np.array([[0.0] * sd.size, *(np.eye(sd.size) * 3 * sd)])
    lp = ex.log_posterior(fit, None, loss, theta, np.full(len(theta), np.log(0.01)))
    assert np.all(lp[0] > lp[1:])


def test_sampler_matches_the_laplace_posterior_where_it_is_near_gaussian(ex, clean_power_law):
    """Log-linear in its coordinates with 40 runs, the form's posterior is close to Gaussian,
    so the Laplace approximation is a reference: the draws' mean within 0.5 Laplace sd of the
    mode (Monte Carlo error ~0.05 sd at a few hundred effective draws; the rest is Student-t
    against the IRLS approximation), their sd within 30%, the chains mixed."""
    _, loss, fit = clean_power_law
    theta, sigma, rhat = ex.sample(fit, None, loss, np.random.default_rng(0))
    sd = np.sqrt(np.diag(fit.cov))
    assert rhat < 1.05
    assert np.all(np.abs(theta.mean(axis=0) - fit.theta) < 0.5 * sd)
    assert np.all((theta.std(axis=0) > 0.7 * sd) & (theta.std(axis=0) < 1.3 * sd))
    assert 0.007 < np.median(sigma) < 0.013  # the simulated noise, 1%


def test_coverage_records_say_which_intervals_hold_the_truth(ex):
    draws = np.random.default_rng(0).normal(0.0, 1.0, size=(20_000, 3))
    # 0.1 sd from the centre: inside both; 1.0 sd: outside the 50% (+-0.674), inside the 90%
    # (+-1.645); 2.0 sd: outside both
    rec = ex.coverage_records(draws, [0.1, 1.0, 2.0], np.array([1.0, 2.0, 4.0]), {"law": "x"})
    assert [(r["in50"], r["in90"]) for r in rec] == [(True, True), (False, True), (False, False)]
    assert all(r["law"] == "x" for r in rec)
    # width of the 90% interval (3.29 sd) over the truth, over today's relative width
    assert rec[0]["ratio"] == pytest.approx(2 * 1.645 / 0.1 / 1.0, rel=0.03)
