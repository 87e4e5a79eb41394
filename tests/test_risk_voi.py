"""Value of information: EVPI and the EVSI of one pilot run against a conjugate closed form.

The stub model below is a normal-normal problem: posterior draws theta ~ N(0, tau^2); the pilot
measures log loss = log 2 + theta + sigma eps; the plan's loss is 2.3 - 0.5 theta, so its net
benefit is linear in theta. After a pilot result y the posterior mean of theta is
k (log y - log 2), k = tau^2 / (tau^2 + sigma^2), which is normal with sd
tau^2 / sqrt(tau^2 + sigma^2); EVSI and EVPI are then E[max(X, 0)] of normal X:
m Phi(m / s) + s phi(m / s).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

import scaling_bayes as sb
from scaling_bayes.core.exceptions import DataError
from scaling_bayes.core.likelihood import StudentTLogitBounded
from scaling_bayes.decision import (
    DO_NOTHING,
    ComputeCost,
    Investment,
    LinearValue,
    MonteCarloWarning,
    compare_scales,
    evpi,
    evsi_pilot,
    training_flops,
)
from scaling_bayes.decision.voi import _PilotLikelihood

Z = 4.0
TAU = 0.05
COST = 1e4  # the plan's cost; its prior expected net benefit is -COST: do nothing today
UNIT = 1e6  # value per unit of loss; net benefit = 0.5 UNIT theta - COST


class StubModel:
    """Duck-typed fitted model with a known posterior (see the module docstring)."""

    law, x, loss_unit = "chinchilla", None, "nats/token"

    def __init__(self, n=20_000, sigma=0.05, nu=1e9, seed=0):
        self.theta = np.random.default_rng(seed).normal(0.0, TAU, n)
        self.sigma, self.nu = sigma, nu
        self.idata_ = object()

    def predict(self, *, params=None, tokens=None, compute=None, random_seed=None):
        params = np.atleast_1d(np.asarray(params, float))
        columns = [2.0 * np.exp(self.theta) if p < 1e9 else 2.3 - 0.5 * self.theta for p in params]
        tokens = np.atleast_1d(np.asarray(tokens, float))
        return sb.Forecast.from_draws(np.column_stack(columns), params=params, tokens=tokens)

    def posterior_draws(self):
        return {"E": np.full(self.theta.size, 1.0)}

    def noise_draws(self):
        n = self.theta.size
        return {"sigma": np.full(n, self.sigma), "nu": np.full(n, self.nu)}


def plan():
    hours = float(training_flops(7e9, 1.4e11)) / (989e12 * 0.5 * 3600)
    return Investment(
        params=7e9,
        tokens=1.4e11,
        cost=ComputeCost(usd_per_gpu_hour=COST / hours, mfu=0.5),
        value=LinearValue(baseline_loss=2.3, usd_per_loss_unit=UNIT),
    )


def expected_max_with_zero(m, s):
    return m * stats.norm.cdf(m / s) + s * stats.norm.pdf(m / s)


@pytest.fixture(scope="module")
def informative():
    model = StubModel()
    result = evsi_pilot(
        model, [plan()], params=1e8, tokens=2e9, pilot_cost=500.0, n_outer=4000, random_seed=1
    )
    return model, result


def test_evsi_matches_the_normal_normal_closed_form(informative):
    model, result = informative
    sigma = model.sigma
    s1 = 0.5 * UNIT * TAU**2 / np.sqrt(TAU**2 + sigma**2)
    truth = expected_max_with_zero(-COST, s1)
    row = result.table.loc["evsi"]
    # outer Monte Carlo error plus the error of the posterior sample itself (sd(NB) / sqrt(n))
    inner = 0.5 * UNIT * TAU / np.sqrt(model.theta.size)
    tolerance = Z * np.hypot(row["mc_se"], inner)
    assert abs(row["estimate"] - truth) < tolerance
    assert abs(result.table.loc["evsi_cross_fitted", "estimate"] - truth) < tolerance
    p_change = stats.norm.sf(COST / s1)
    changes = result.table.loc["p_decision_changes"]
    assert abs(changes["estimate"] - p_change) < Z * np.hypot(changes["mc_se"], 0.01)


def test_evpi_matches_closed_form_and_bounds_evsi(informative):
    model, result = informative
    truth = expected_max_with_zero(-COST, 0.5 * UNIT * TAU)
    row = result.table.loc["evpi"]
    inner = 0.5 * UNIT * TAU / np.sqrt(model.theta.size)
    assert abs(row["estimate"] - truth) < Z * np.hypot(row["mc_se"], inner)
    evsi = result.table.loc["evsi"]
    assert evsi["estimate"] <= row["estimate"] + Z * evsi["mc_se"]
    value, se = evpi(result.ladder)
    assert value == pytest.approx(row["estimate"]) and se == pytest.approx(row["mc_se"])


def test_net_of_pilot_cost_and_decisions(informative):
    _, result = informative
    t = result.table
    assert t.loc["pilot_cost", "estimate"] == 500.0
    twin = result.plot_data()
    assert twin["p_chosen_after_pilot"].sum() == pytest.approx(1.0)
    assert twin.attrs["chosen_now"] == result.chosen_now
    assert t.loc["expected_net_benefit_of_sampling", "estimate"] == pytest.approx(
        t.loc["evsi", "estimate"] - 500.0
    )
    assert result.worth_it
    assert result.decisions["p_chosen_after_pilot"].sum() == pytest.approx(1.0)
    assert result.decisions["option"].iloc[0] == DO_NOTHING
    assert result.chosen_now == DO_NOTHING
    assert "worth running" in result.text and "EVSI" in result.text and "EVPI" in result.text
    assert t.loc["importance_ess_median", "estimate"] > 1000


class BoundedStubModel(StubModel):
    """The same problem for a bounded metric: the pilot's error rate is expit(theta), a share.

    Its noise model is Student-t on the logit, so the pilot measures logit y = theta + sigma eps
    and the closed form of the module docstring holds on the logit scale. Simulating the pilot
    on the log scale instead (log y = log expit(theta) + sigma eps, slope 1/2 at theta = 0)
    would halve its signal: EVSI about 1,140 instead of 3,150.
    """

    likelihood = StudentTLogitBounded(upper=1.0)

    def predict(self, *, params=None, tokens=None, compute=None, random_seed=None):
        params = np.atleast_1d(np.asarray(params, float))
        columns = [special.expit(self.theta) if p < 1e9 else 2.3 - 0.5 * self.theta for p in params]
        tokens = np.atleast_1d(np.asarray(tokens, float))
        return sb.Forecast.from_draws(np.column_stack(columns), params=params, tokens=tokens)


def test_evsi_of_a_bounded_metric_uses_its_logit_noise():
    model = BoundedStubModel()
    result = evsi_pilot(
        model, [plan()], params=1e8, tokens=2e9, pilot_cost=500.0, n_outer=4000, random_seed=1
    )
    s1 = 0.5 * UNIT * TAU**2 / np.sqrt(TAU**2 + model.sigma**2)
    truth = expected_max_with_zero(-COST, s1)
    row = result.table.loc["evsi"]
    inner = 0.5 * UNIT * TAU / np.sqrt(model.theta.size)
    assert abs(row["estimate"] - truth) < Z * np.hypot(row["mc_se"], inner)


def test_an_uninformative_pilot_is_worth_nothing():
    model = StubModel(sigma=5.0)
    result = evsi_pilot(model, [plan()], params=1e8, tokens=2e9, pilot_cost=500.0, random_seed=2)
    t = result.table
    assert abs(t.loc["evsi", "estimate"]) < 50  # vs about 3,150 for the informative pilot
    assert not result.worth_it
    assert "not worth its cost" in result.text


def test_pilot_cost_from_a_cost_model():
    model = StubModel(n=4000)
    cost = ComputeCost(usd_per_gpu_hour=2.0, mfu=0.4, fixed_usd=1000)
    result = evsi_pilot(model, [plan()], params=1e8, tokens=2e9, pilot_cost=cost, random_seed=0)
    hours = float(training_flops(1e8, 2e9)) / (989e12 * 0.4 * 3600)
    assert result.table.loc["pilot_cost", "estimate"] == pytest.approx(2 * hours + 1000)
    with pytest.raises(DataError, match="pilot_cost"):
        evsi_pilot(model, [plan()], params=1e8, tokens=2e9, pilot_cost=-1.0)


def test_degenerate_importance_weights_warn():
    model = StubModel(n=2000, sigma=1e-4)
    with pytest.warns(MonteCarloWarning, match="effective draws"):
        evsi_pilot(model, [plan()], params=1e8, tokens=2e9, pilot_cost=0.0, random_seed=0)


def test_student_t_likelihood_matches_scipy():
    rng = np.random.default_rng(0)
    log_mean = rng.normal(size=50)
    sigma = rng.uniform(0.01, 0.1, 50)
    nu = np.where(np.arange(50) < 25, rng.uniform(2, 30, 50), np.inf)
    y = rng.normal(size=7)
    got = _PilotLikelihood(log_mean, sigma, nu).block(y)
    z = (y[:, None] - log_mean[None, :]) / sigma
    expected = np.where(
        np.isfinite(nu), stats.t.logpdf(z, np.where(np.isfinite(nu), nu, 1.0)), stats.norm.logpdf(z)
    ) - np.log(sigma)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_evsi_needs_a_model_and_matching_draws():
    with pytest.raises(DataError, match="fitted ScalingLawModel"):
        evsi_pilot(np.ones(10), [plan()], params=1e8, tokens=2e9)
    with pytest.raises(DataError, match="n_outer"):
        evsi_pilot(StubModel(n=100), [plan()], params=1e8, tokens=2e9, n_outer=1)

    class Mismatched(StubModel):
        def noise_draws(self):
            return {"sigma": np.full(5, 0.05), "nu": np.full(5, 1e9)}

    with pytest.raises(DataError, match="mismatched draw counts"):
        evsi_pilot(Mismatched(n=100), [plan()], params=1e8, tokens=2e9)


def test_evpi_from_a_source_needs_plans():
    loss = np.random.default_rng(0).normal(2.3, 0.05, 1000)
    with pytest.raises(DataError, match="plans="):
        evpi(loss)
    value, se = evpi(loss, [plan()], random_seed=0)
    ladder = compare_scales(loss, [plan()], random_seed=0)
    assert value == pytest.approx(ladder.evpi) and se >= 0
