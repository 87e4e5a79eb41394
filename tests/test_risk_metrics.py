"""Decision metrics against closed forms, with tolerances from the Monte Carlo error.

Every statistical check allows 4 Monte Carlo standard errors, computed from the closed form
(not from the estimate under test): a correct implementation fails one such check with
probability about 6e-5, and the seeds are fixed, so the suite is deterministic.
"""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pytest
from scipy import stats

from scaling_bayes import Forecast
from scaling_bayes.core.exceptions import DataError
from scaling_bayes.decision import (
    ComputeCost,
    Investment,
    LinearValue,
    assess_roi,
    conditional_value_at_risk,
    decision_metrics,
    effective_sample_size,
    evpi_from_draws,
    mcse_quantile,
    prob_exceeds,
    value_at_risk,
)

Z = 4.0  # tolerance in Monte Carlo standard errors


def ar1(n_chains, n_draws, rho, seed):
    rng = np.random.default_rng(seed)
    x = np.empty((n_chains, n_draws))
    x[:, 0] = rng.standard_normal(n_chains)
    eps = rng.standard_normal((n_chains, n_draws)) * np.sqrt(1 - rho**2)
    for t in range(1, n_draws):
        x[:, t] = rho * x[:, t - 1] + eps[:, t]
    return x


# ---------------------------------------------------------------------- effective sample size
@pytest.mark.parametrize(("rho", "seed"), [(0.0, 0), (0.5, 1), (0.9, 2), (-0.3, 3)])
def test_ess_matches_arviz(rho, seed):
    x = ar1(4, 1000, rho, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = float(az.ess(x, method="mean"))
    ours = effective_sample_size(x.reshape(-1), n_chains=4)
    assert ours == pytest.approx(min(expected, x.size), rel=1e-8)


def test_ess_of_independent_draws_is_n_and_chains_must_divide():
    x = np.random.default_rng(0).normal(size=1001)
    assert effective_sample_size(x) == 1001
    with pytest.raises(DataError, match="equal length"):
        effective_sample_size(x, n_chains=4)
    assert effective_sample_size(np.ones(400), n_chains=4) == 400


def test_autocorrelated_chains_widen_the_standard_error():
    x = ar1(4, 1000, 0.9, 5).reshape(-1)
    p_iid, se_iid, _ = prob_exceeds(x, 0.0)
    p, se, ess = prob_exceeds(x, 0.0, n_chains=4)
    assert p == p_iid
    assert ess < 0.2 * x.size
    assert se > 2 * se_iid


# ---------------------------------------------------------------------- closed forms
# Normal loss draws, linear value, fixed cost: V = u (b - L), L ~ N(m, s), C = c fixed.
M, S, B, U = 2.30, 0.05, 2.60, 5e4  # break-even near the median loss
PRICE, MFU = 3.0, 0.4
N_DRAWS = 20_000


def closed_form_plan():
    cost = ComputeCost(usd_per_gpu_hour=PRICE, mfu=MFU)
    return Investment(
        params=7e9,
        tokens=1.4e11,
        cost=cost,
        value=LinearValue(baseline_loss=B, usd_per_loss_unit=U),
    )


def fixed_cost():
    return 6 * 7e9 * 1.4e11 / (989e12 * MFU * 3600) * PRICE


@pytest.fixture(scope="module")
def normal_risk():
    loss = np.random.default_rng(11).normal(M, S, N_DRAWS)
    return assess_roi(loss, closed_form_plan(), threshold=0.2, random_seed=0)


@pytest.mark.parametrize("threshold", [-0.2, 0.0, 0.2, 0.5])
def test_p_roi_above_threshold_matches_normal_cdf(threshold):
    loss = np.random.default_rng(12).normal(M, S, N_DRAWS)
    risk = assess_roi(loss, closed_form_plan(), threshold=threshold, random_seed=0)
    c = fixed_cost()
    # ROI > t  <=>  U (B - L) > c (1 + t)  <=>  L < B - c (1 + t) / U
    p = stats.norm.cdf((B - c * (1 + threshold) / U - M) / S)
    se = np.sqrt(p * (1 - p) / N_DRAWS)
    row = risk.table.loc["p_roi_above_threshold"]
    assert abs(row["estimate"] - p) < Z * se
    # the reported error is sqrt(p (1 - p) / n) of the estimate, n = number of (independent) draws
    assert row["mc_se"] == pytest.approx(np.sqrt(row["estimate"] * (1 - row["estimate"]) / N_DRAWS))
    assert "ESS = number of draws" in risk.ess_method


def test_roi_moments_and_percentiles_match_closed_form(normal_risk):
    table = normal_risk.table
    c = fixed_cost()
    mean_roi = (U * (B - M) - c) / c
    sd_roi = U * S / c
    assert abs(table.loc["expected_roi", "estimate"] - mean_roi) < Z * sd_roi / np.sqrt(N_DRAWS)
    for q in (5, 25, 50, 75, 95):
        z = stats.norm.ppf(q / 100)
        # ROI is decreasing in loss: its q-quantile comes from the (1 - q) quantile of loss
        expected = mean_roi + sd_roi * z
        se = sd_roi * np.sqrt(q / 100 * (1 - q / 100) / N_DRAWS) / stats.norm.pdf(z)
        assert abs(table.loc[f"roi_p{q:02d}", "estimate"] - expected) < Z * se
    ratio = U * (B - M) / c
    assert table.loc["expected_value_over_expected_cost", "estimate"] == pytest.approx(
        ratio, abs=Z * U * S / c / np.sqrt(N_DRAWS)
    )
    assert table.loc["expected_cost", "estimate"] == pytest.approx(c)
    assert table.loc["expected_cost", "mc_se"] == pytest.approx(0.0, abs=1e-9)


def test_var_and_cvar_of_a_normal_net_gain():
    mu, sd, n, level = 1.0e5, 4.0e5, 50_000, 0.95
    net = np.random.default_rng(3).normal(mu, sd, n)
    tail = 1 - level
    z = stats.norm.ppf(tail)
    var_true = -(mu + sd * z)
    cvar_true = -(mu - sd * stats.norm.pdf(z) / tail)
    var_se = sd * np.sqrt(tail * level / n) / stats.norm.pdf(z)
    # asymptotic variance of the Rockafellar-Uryasev estimator: Var(min(X - q, 0)) / (tail^2 n)
    grid = stats.norm(mu, sd).ppf((np.arange(1_000_000) + 0.5) / 1_000_000)
    q = mu + sd * z
    cvar_se = np.minimum(grid - q, 0).std() / tail / np.sqrt(n)
    assert abs(value_at_risk(net, level) - var_true) < Z * var_se
    assert abs(conditional_value_at_risk(net, level) - cvar_true) < Z * cvar_se
    assert conditional_value_at_risk(net, level) >= value_at_risk(net, level)


def test_var_and_cvar_in_the_table_are_money_lost(normal_risk):
    nb = normal_risk.draws.net_benefit
    table = normal_risk.table
    assert table.loc["var", "estimate"] == pytest.approx(-np.quantile(nb, 0.05))
    worst = np.sort(nb)[: int(0.05 * nb.size)]
    assert table.loc["cvar", "estimate"] == pytest.approx(-worst.mean(), rel=1e-3)
    assert table.loc["var", "unit"] == "USD"


def test_reported_standard_errors_match_replication():
    """The reported MC errors equal the spread of the estimates over independent replications."""
    reps, n = 300, 2000
    keys = ["p_roi_above_threshold", "expected_net_benefit", "var", "cvar", "roi_p50"]
    estimates = {k: [] for k in keys}
    errors = {k: [] for k in keys}
    cost = np.full(n, 1e6)
    for seed in range(reps):
        value = np.random.default_rng(1000 + seed).normal(1.3e6, 3e5, n)
        table = decision_metrics(value, cost, threshold=0.2)
        for k in keys:
            estimates[k].append(table.loc[k, "estimate"])
            errors[k].append(table.loc[k, "mc_se"])
    for k in keys:
        ratio = np.std(estimates[k], ddof=1) / np.mean(errors[k])
        # the spread over 300 replications is itself uncertain by about 1/sqrt(600) = 4%
        assert 0.8 < ratio < 1.25, (k, ratio)


def test_quantile_error_matches_theory():
    x = np.random.default_rng(5).normal(size=40_000)
    expected = np.sqrt(0.05 * 0.95 / x.size) / stats.norm.pdf(stats.norm.ppf(0.05))
    assert mcse_quantile(x, 0.05) == pytest.approx(expected, rel=0.15)


@pytest.mark.parametrize("mu", [-0.5, 0.0, 0.8])
def test_evpi_of_a_normal_choice(mu):
    sd, n = 1.0, 100_000
    x = np.random.default_rng(7).normal(mu, sd, n)
    evpi, se = evpi_from_draws(np.column_stack([np.zeros(n), x]))
    expected = mu * stats.norm.cdf(mu / sd) + sd * stats.norm.pdf(mu / sd) - max(mu, 0.0)
    assert abs(evpi - expected) < Z * se + abs(mu) * Z / np.sqrt(n)
    assert evpi >= 0


def test_decision_metrics_checks_its_input():
    with pytest.raises(DataError, match="must match"):
        decision_metrics(np.ones(3), np.ones(4))
    with pytest.raises(DataError, match="positive, finite cost"):
        decision_metrics(np.ones(3), np.array([1.0, 0.0, 1.0]))
    with pytest.raises(DataError, match="level"):
        decision_metrics(np.ones(3), np.ones(3), var_level=95)


def test_forecast_chains_are_used_for_the_ess():
    draws = 2.3 + 0.05 * ar1(4, 1000, 0.8, 9)
    fc = Forecast.from_draws(draws[..., None], params=[7e9], tokens=[1.4e11])
    risk = assess_roi(fc, closed_form_plan(), threshold=0.2, random_seed=0)
    assert "4 MCMC chain(s)" in risk.ess_method
    p = risk.table.loc["p_roi_above_threshold", "estimate"]
    assert risk.table.loc["p_roi_above_threshold", "mc_se"] > 1.5 * np.sqrt(p * (1 - p) / 4000)
