"""compute_for_target: the smallest budget reaching a target loss, against per-draw closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scaling_bayes as sb
from scaling_bayes.core.exceptions import DataError, ExtrapolationWarning
from scaling_bayes.decision import ComputeCost, compute_for_target

testing = pytest.importorskip("scaling_bayes.testing")

LAW = {"E": 1.817, "A": 482.0, "alpha": 0.348, "B": 2085.0, "beta": 0.366, "sigma": 0.01}


@pytest.fixture(scope="module")
def model():
    data = sb.ScalingData.from_frame(sb.load_example())
    rng = np.random.default_rng(1)
    draws = {k: v * np.exp(0.03 * rng.standard_normal((4, 250))) for k, v in LAW.items()}
    return testing.fit_from_draws(sb.ScalingLawModel(progressbar=False), data, draws)


def budgets_per_draw(model, target):
    """Compute at which each draw's compute-optimal law reaches ``target`` (closed form).

    At the optimum L*(C) = E + K (C / 6)^-gamma, gamma = alpha beta / (alpha + beta),
    K = A G^-alpha + B G^beta, G = (alpha A / (beta B))^(1 / (alpha + beta)).
    """
    p = model.posterior_draws()
    a, b, alpha, beta, e = p["A"], p["B"], p["alpha"], p["beta"], p["E"]
    g = (alpha * a / (beta * b)) ** (1 / (alpha + beta))
    k = a * g**-alpha + b * g**beta
    gamma = alpha * beta / (alpha + beta)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = 6 * ((target - e) / k) ** (-1 / gamma)
    return np.where(target > e, c, np.inf)


@pytest.mark.parametrize(("target", "prob"), [(2.3, 0.9), (2.2, 0.5), (2.4, 0.95)])
def test_budget_is_the_quantile_of_per_draw_budgets(model, target, prob):
    result = compute_for_target(model, target, prob=prob)
    per_draw = np.sort(budgets_per_draw(model, target))
    expected = per_draw[math.ceil(prob * per_draw.size) - 1]
    assert result.reachable
    assert result.compute == pytest.approx(expected, rel=1e-6)
    assert result.probability >= prob
    assert result.mc_se > 0
    assert "smallest training budget" in result.text
    assert result.table["p_reach"].is_monotonic_increasing


def test_allocation_and_cost_at_the_answer(model):
    cost = ComputeCost(usd_per_gpu_hour=2.0, mfu=0.5)
    result = compute_for_target(model, 2.3, prob=0.9, cost=cost, random_seed=0)
    a = result
    curve = result.plot_data()
    assert curve.attrs["answer"] == result.compute and curve["p_reach"].is_monotonic_increasing
    assert 6 * a.params_median * a.tokens_median == pytest.approx(result.compute, rel=0.1)
    hours = result.compute / (989e12 * 0.5 * 3600)
    assert a.gpu_hours_median == pytest.approx(hours)
    assert a.cost_median == pytest.approx(2 * hours)
    assert "GPU-hours" in result.text


def test_predictive_budget_reaches_the_probability(model):
    result = compute_for_target(model, 2.3, prob=0.9, kind="predictive", random_seed=0)
    assert result.reachable and result.probability >= 0.9
    assert result.kind == "predictive"


def test_unreachable_target_below_the_irreducible_loss(model):
    result = compute_for_target(model, 1.5, prob=0.9)
    assert not result.reachable and result.compute == np.inf
    assert result.p_reachable_at_any_budget == 0.0
    assert "No budget" in result.text


def test_far_extrapolation_warns(model):
    with pytest.warns(ExtrapolationWarning, match="extrapolation"):
        result = compute_for_target(model, 1.95, prob=0.5)
    assert result.compute > 100 * model.data_.max_compute


def test_bad_arguments(model):
    with pytest.raises(DataError, match="prob"):
        compute_for_target(model, 2.3, prob=90)
    with pytest.raises(DataError, match="target_loss"):
        compute_for_target(model, -2.3)
    with pytest.raises(DataError, match="kind"):
        compute_for_target(model, 2.3, kind="median")
    with pytest.raises(DataError, match="compute_bounds"):
        compute_for_target(model, 2.3, compute_bounds=(1e22, 1e20))
    with pytest.raises(DataError, match="fitted"):
        compute_for_target(np.ones(3), 2.3)

    class PowerOnParams:
        law, x, idata_ = "power", "params", object()

        def predict(self, **kwargs):  # pragma: no cover - never reached
            raise AssertionError

        def posterior_draws(self):  # pragma: no cover - never reached
            raise AssertionError

    with pytest.raises(DataError, match="law of compute"):
        compute_for_target(PowerOnParams(), 2.3)
