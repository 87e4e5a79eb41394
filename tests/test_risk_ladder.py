"""compare_scales: the ladder table, best plan, stop point, acceptability curve."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import scaling_bayes as sb
from scaling_bayes import Forecast
from scaling_bayes.core.exceptions import DataError
from scaling_bayes.decision import (
    DO_NOTHING,
    CallableValue,
    ComputeCost,
    Investment,
    LinearValue,
    ScaleLadder,
    acceptability_curve,
    assess_roi,
    compare_scales,
    plans_from_budgets,
)

testing = pytest.importorskip("scaling_bayes.testing")

Z = 4.0
U, BASE, SD = 2e6, 2.6, 0.05
MEANS = [2.45, 2.35, 2.30, 2.28]
FIXED = [1e5, 2e5, 4e5, 8e5]
SIZES = [1e9, 2e9, 3e9, 4e9]
N = 20_000


def make_plans(value=None):
    value = value or LinearValue(baseline_loss=BASE, usd_per_loss_unit=U)
    return [
        Investment(
            params=n,
            tokens=20 * n,
            cost=ComputeCost(usd_per_gpu_hour=3.0, mfu=0.4, fixed_usd=f),
            value=value,
            name=f"plan {i}",
        )
        for i, (n, f) in enumerate(zip(SIZES, FIXED, strict=True))
    ]


def exact_costs(plans):
    return np.array([p.cost.sample(compute=p.flops, n=1)["cost"].iloc[0] for p in plans])


def independent_losses(seed=0, n=N):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.normal(m, SD, n) for m in MEANS])


@pytest.fixture(scope="module")
def ladder():
    # plans given out of order: the ladder sorts them by expected cost
    plans = make_plans()
    order = [2, 0, 3, 1]
    loss = independent_losses()[:, order]
    return compare_scales(loss, [plans[i] for i in order], threshold=0.2, random_seed=0)


def test_one_row_per_plan_sorted_by_cost(ladder):
    assert isinstance(ladder, ScaleLadder)
    table = ladder.table
    assert table["plan"].tolist() == ["plan 0", "plan 1", "plan 2", "plan 3"]
    assert table["expected_cost"].is_monotonic_increasing
    for column in (
        "expected_net_benefit",
        "expected_net_benefit_mc_se",
        "expected_net_benefit_lower",
        "expected_net_benefit_upper",
        "p_roi_above_threshold",
        "p_roi_above_threshold_mc_se",
        "p_best",
        "marginal_value_per_extra_cost",
        "marginal_net_benefit_per_extra_cost",
        "p_step_pays",
        "stop_point",
        "gpu_hours",
        "co2e_t",
    ):
        assert column in table.columns
    assert "ROI = (V - C) / C" in ladder.roi_convention


def test_expected_net_benefit_matches_closed_form(ladder):
    costs = exact_costs(make_plans())
    expected = U * (BASE - np.array(MEANS)) - costs
    se = U * SD / np.sqrt(N)
    assert np.all(np.abs(ladder.table["expected_net_benefit"] - expected) < Z * se)
    np.testing.assert_allclose(ladder.table["expected_cost"], costs)


def test_stop_point_and_probability_next_step_pays(ladder):
    costs = exact_costs(make_plans())
    a = ladder
    # expected steps: +, +, -, -  -> returns stop after plan 1; the best plan is plan 1
    assert ladder.stop_point == "plan 1" and a.stop_reached
    assert ladder.best == "plan 1"
    assert ladder.table["stop_point"].tolist() == [False, True, False, False]
    # step from plan 1 to plan 2: D = U (L1 - L2) - (c2 - c1), L independent normals
    mean = U * (MEANS[1] - MEANS[2]) - (costs[2] - costs[1])
    p = stats.norm.cdf(mean / (U * SD * np.sqrt(2)))
    assert abs(a.p_next_step_pays - p) < Z * np.sqrt(p * (1 - p) / N)
    assert ladder.table["p_step_pays"].iloc[2] == a.p_next_step_pays
    assert "Returns stop being worth it after plan 1" in ladder.text


def test_marginal_columns_are_differences_of_expectations(ladder):
    t = ladder.table
    ev = np.concatenate([[0.0], t["expected_value"]])
    ec = np.concatenate([[0.0], t["expected_cost"]])
    np.testing.assert_allclose(t["marginal_value_per_extra_cost"], np.diff(ev) / np.diff(ec))
    np.testing.assert_allclose(
        t["marginal_net_benefit_per_extra_cost"], t["marginal_value_per_extra_cost"] - 1
    )


def test_best_probabilities_and_evpi(ladder):
    t = ladder.table
    assert t["p_best"].sum() + ladder.p_best_do_nothing == pytest.approx(1.0)
    nb, names = ladder.net_benefit_matrix()
    assert names[0] == DO_NOTHING and nb.shape == (N, 5)
    winners = np.bincount(nb.argmax(axis=1), minlength=5) / N
    np.testing.assert_allclose(t["p_best"], winners[1:])
    regret = nb.max(axis=1) - nb[:, 2]
    assert ladder.evpi == pytest.approx(regret.mean())
    assert "EVPI" in ladder.text


def test_without_do_nothing():
    ladder = compare_scales(independent_losses(n=2000), make_plans(), include_do_nothing=False)
    assert ladder.table["p_best"].sum() == pytest.approx(1.0)
    assert np.isnan(ladder.p_best_do_nothing)


def test_all_plans_losing_recommends_doing_nothing():
    value = LinearValue(baseline_loss=BASE, usd_per_loss_unit=1e3)
    ladder = compare_scales(independent_losses(n=2000), make_plans(value), random_seed=0)
    assert ladder.best == DO_NOTHING
    assert "Doing nothing is best in expectation" in ladder.text


def test_no_stop_point_within_the_ladder():
    value = LinearValue(baseline_loss=BASE, usd_per_loss_unit=1e9)
    ladder = compare_scales(independent_losses(n=2000), make_plans(value), random_seed=0)
    assert not ladder.stop_reached
    assert ladder.stop_point == "plan 3" and not ladder.table["stop_point"].any()
    assert "stop point lies beyond the largest plan" in ladder.text


def test_forecast_source_in_order():
    loss = independent_losses(n=1000)
    fc = Forecast.from_draws(loss, params=SIZES, tokens=[20 * n for n in SIZES])
    ladder = compare_scales(fc, make_plans(), random_seed=0)
    np.testing.assert_allclose(ladder.table["params"], SIZES)


def test_bad_plan_lists():
    plans = make_plans()
    with pytest.raises(DataError, match="different lengths"):
        compare_scales([np.full(10, 2.3), np.full(11, 2.3)], plans[:2])
    with pytest.raises(DataError, match="distinct labels"):
        compare_scales(independent_losses(n=10)[:, :2], [plans[0], plans[0]])
    with pytest.raises(DataError, match="empty"):
        compare_scales(independent_losses(n=10), [])
    with pytest.raises(DataError, match="4 column"):
        compare_scales(independent_losses(n=10), plans[:3])


def test_budgets_with_a_fitted_model():
    data = sb.ScalingData.from_frame(sb.load_example())
    rng = np.random.default_rng(0)
    law = {"E": 1.817, "A": 482.0, "alpha": 0.348, "B": 2085.0, "beta": 0.366, "sigma": 0.01}
    draws = {k: v * np.exp(0.02 * rng.standard_normal((2, 300))) for k, v in law.items()}
    model = testing.fit_from_draws(sb.ScalingLawModel(progressbar=False), data, draws)
    value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=3e6)
    plans = plans_from_budgets([1e20, 1e21, 5e21], cost=ComputeCost(fixed_usd=4e4), value=value)
    ladder = compare_scales(model, plans, threshold=0.2, random_seed=0)
    t = ladder.table
    assert t["compute_optimal"].all()
    np.testing.assert_allclose(6 * t["params"] * t["tokens"], t["compute"], rtol=0.05)
    assert (t["tokens"] / t["params"]).between(10, 40).all()  # about 20 tokens per parameter
    assert ladder.source == "model" and "2 MCMC chain(s)" in ladder.ess_method


# ---------------------------------------------------------------------- acceptability
def test_acceptability_curve_matches_normal_cdf():
    loss = np.random.default_rng(4).normal(2.3, 0.05, N)
    plan = make_plans()[1]
    risk = assess_roi(loss, plan, random_seed=0)
    c = exact_costs([plan])[0]
    be = c / 0.3
    lambdas = be * np.array([0.8, 0.95, 1.0, 1.1, 1.5])
    curve = acceptability_curve(risk, lambdas=lambdas)
    # NB(lambda) = lambda (2.6 - L) - c > 0  <=>  L < 2.6 - c / lambda
    p = stats.norm.cdf((2.6 - c / lambdas - 2.3) / 0.05)
    se = np.sqrt(np.maximum(p * (1 - p), 1e-12) / N)
    assert np.all(np.abs(curve.table["p_net_benefit_positive"] - p) < Z * se + 1e-12)
    got = curve.break_even[plan.label]
    assert got == pytest.approx(be, rel=Z * 0.05 / np.sqrt(N) / 0.3)
    assert (curve.table["mc_se"] >= 0).all()
    default = acceptability_curve(risk)
    assert (
        len(default.table) == 60 and default.table["p_net_benefit_positive"].is_monotonic_increasing
    )


def test_acceptability_needs_a_baseline_for_other_value_models():
    plan = Investment(params=7e9, tokens=1.4e11, value=CallableValue(lambda loss: 1e5 * (3 - loss)))
    risk = assess_roi(np.full(100, 2.3) + np.linspace(0, 0.1, 100), plan, random_seed=0)
    with pytest.raises(DataError, match="baseline_loss="):
        acceptability_curve(risk)
    curve = acceptability_curve(risk, baseline_loss=2.6, lambdas=[1e3, 1e7])
    assert curve.table["p_net_benefit_positive"].tolist() == [0.0, 1.0]
