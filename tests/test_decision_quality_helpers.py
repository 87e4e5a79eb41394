"""The pure helpers of benchmarks/bench_decision_quality.py, on tiny hand-made cases.

The benchmark scores the review's decisions by regret and its P(payback within target) by the
Brier score; if those helpers were wrong, so would be the figures in benchmarks/README.md.
"""

from __future__ import annotations

import doctest
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_decision_quality.py"


@pytest.fixture(scope="module")
def dq():
    spec = importlib.util.spec_from_file_location("bench_decision_quality", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_docstring_examples_run(dq):
    failed, attempted = doctest.testmod(dq, verbose=False)
    assert attempted >= 15
    assert failed == 0


# ------------------------------------------------------------------------------ regret
def test_regret_is_zero_for_the_oracle_choice_and_positive_otherwise(dq):
    nb = [4.0, 10.0, 7.0]
    assert dq.regret(nb, 1) == 0.0
    assert dq.regret(nb, 0) == 6.0
    assert dq.regret(nb, 2) == 3.0
    # nothing (net benefit 0) is an option: funding nothing forgoes the best plan
    assert dq.regret(nb, -1) == 10.0


def test_regret_counts_nothing_as_the_best_option_when_every_plan_loses(dq):
    nb = [-3.0, -0.5]
    assert dq.regret(nb, -1) == 0.0
    assert dq.regret(nb, 0) == 3.0
    assert dq.regret(nb, 1) == 0.5


def test_choose_applies_the_declared_rule(dq):
    # highest expected NB wins when P(ROI > 0) >= 0.5
    assert dq.choose([1.0, 5.0, 3.0], [0.9, 0.5, 0.9]) == 1
    # ... and nothing is funded when that plan is more likely than not to lose money
    assert dq.choose([1.0, 5.0, 3.0], [0.9, 0.49, 0.9]) == -1
    # ... or when no plan has a positive expected NB
    assert dq.choose([0.0, -1.0], [1.0, 1.0]) == -1


# ------------------------------------------------------------------------------ Brier
def test_brier_on_hand_made_forecasts(dq):
    # (0.2^2 + 0.3^2 + 0.5^2 + 0^2) / 4
    assert dq.brier([0.8, 0.3, 0.5, 0.0], [1, 0, 0, 0]) == pytest.approx(0.095)
    assert dq.brier([1.0, 0.0], [1, 0]) == 0.0
    assert dq.brier([0.0, 1.0], [1, 0]) == 1.0


def test_reliability_table_bins_forecasts_and_counts_outcomes(dq):
    prob = [0.05, 0.05, 0.2, 0.95, 1.0, 0.92]
    outcome = [0, 0, 1, 1, 1, 0]
    table = dq.reliability_table(prob, outcome, edges=(0.0, 0.1, 0.5, 0.9, 1.0))
    assert table["n"].tolist() == [2, 1, 0, 3]  # 1.0 falls in the last, closed bin
    assert table["observed"].iloc[0] == 0.0
    assert table["observed"].iloc[1] == 1.0
    assert np.isnan(table["observed"].iloc[2])
    assert table["observed"].iloc[3] == pytest.approx(2 / 3)
    assert table["mean_forecast"].iloc[3] == pytest.approx((0.95 + 1.0 + 0.92) / 3)
    assert table["observed_se"].iloc[3] == pytest.approx(np.sqrt(2 / 3 * 1 / 3 / 3))
    assert table["n"].sum() == len(prob)


def test_mean_se(dq):
    mean, se = dq.mean_se([2.0, 4.0, 6.0])
    assert mean == 4.0
    assert se == pytest.approx(2.0 / np.sqrt(3))


# ------------------------------------------------------------------------------ payback
def test_payback_months_inverts_the_monthly_annuity(dq):
    yearly = np.array([1.2e6, 5e5, 3e6])
    cost = np.array([1e6, 2e6, 4e5])
    months = dq.payback_months(yearly, cost, 0.08)
    assert np.all(np.isfinite(months))
    # the discounted value after exactly that many months equals the cost
    np.testing.assert_allclose(yearly * dq.monthly_annuity(months, 0.08), cost, rtol=1e-10)
    # and "within target" agrees with the months, on both sides of the target
    for target in (3.0, 12.0, 18.0, 60.0):
        np.testing.assert_array_equal(
            dq.payback_within(yearly, cost, target, 0.08), months <= target
        )


def test_payback_never_when_value_is_not_positive_or_below_the_perpetuity(dq):
    rate = 0.08
    v = (1 + rate) ** (-1 / 12)
    perpetuity = v / (1 - v) / 12  # present value of 1/12 a month for ever, per 1 a year
    months = dq.payback_months(
        [0.0, -5.0, 1.0, 1.0], [1.0, 1.0, 1.01 * perpetuity, 0.99 * perpetuity], rate
    )
    assert np.isinf(months[:3]).all()
    assert np.isfinite(months[3])


def test_payback_without_discounting_is_cost_over_monthly_value(dq):
    assert float(dq.payback_months(2400.0, 600.0, 0.0)) == 3.0
    assert dq.monthly_annuity(18, 0.0) == 1.5
    # discounting makes payback later, never earlier
    assert float(dq.payback_months(2400.0, 600.0, 0.1)) > 3.0


def test_payback_agrees_with_the_packages_payback(dq):
    # the benchmark scores the package's P(payback within target) against outcomes computed with
    # its own helper: both must define payback the same way
    from scaling_bayes.decision.value import payback_months

    rng = np.random.default_rng(1)
    yearly = rng.uniform(1e5, 5e6, 200)
    cost = rng.uniform(1e5, 8e6, 200)
    ours = dq.payback_months(yearly, cost, 0.08)
    theirs = payback_months(cost, yearly, 0.08, 1e6)  # a horizon long enough not to censor
    finite = np.isfinite(ours)
    assert finite.sum() > 100
    np.testing.assert_array_equal(np.isfinite(theirs), finite)
    np.testing.assert_allclose(theirs[finite], ours[finite], rtol=1e-9)


# ------------------------------------------------------------------------------ true curves
def test_m4_curve_solves_its_equation(dq):
    p = {"e0": 0.5, "e_inf": 0.03, "a": 0.6, "b": 4.0, "c": -0.45}
    n = np.array([300.0, 5e3, 2e5])
    e = dq.m4_curve(n, **p)
    lhs = (e - p["e_inf"]) / (p["e0"] - e) ** p["a"]
    np.testing.assert_allclose(lhs, p["b"] * n ** p["c"], rtol=1e-9)


def test_broken_power_has_its_two_slopes(dq):
    p = {"E": 0.0, "A": 1.0, "alpha": 0.2, "alpha_after": 0.6, "n_break": 1e4}

    def local_slope(n):
        lo, hi = dq.broken_power([n / 1.01, n * 1.01], **p)
        return -np.log(hi / lo) / np.log(1.01**2)

    assert local_slope(10.0) == pytest.approx(0.2, abs=0.01)
    assert local_slope(1e9) == pytest.approx(0.6, abs=0.01)


@pytest.mark.parametrize("family", ["power", "broken", "m4"])
def test_drawn_truths_fall_and_start_where_stated(dq, family):
    rng = np.random.default_rng(0)
    n = np.geomspace(500, 2e5, 12)
    for _ in range(20):
        truth = dq.draw_truth(rng, family)
        e = truth.error(n)
        assert np.all(np.diff(e) < 0)
        assert 0.15 - 1e-9 <= e[0] <= 0.30 + 1e-9
        assert np.all(e > 0)


def test_oracle_prices_plans_as_the_package_does_given_the_true_curve(dq):
    # the oracle's expected net benefit (exact) and the package's, from the true error at each
    # plan as loss draws, differ only by the Monte Carlo error of the business-input draws
    import scaling_bayes as sb

    truth = dq.Truth("power", {"E": 0.03, "A": 3.0, "alpha": 0.45})
    business = dq.Business(jpy_per_point_year=2e6, label_jpy_real=30.0, value_real=2.2e6)
    baseline = float(truth.error([8000.0])[0])
    plans = dq.make_plans(business, baseline)
    out = dq.true_outcomes(truth, business, baseline, plans)
    loss = np.tile(out["error"], (20_000, 1))
    ladder = sb.compare_scales(loss, plans, random_seed=0, kind="mean", payback_target=18.0)
    table = ladder.table.set_index("plan").loc[[p.label for p in plans]]
    gap = table["expected_net_benefit"].to_numpy() - out["expected_nb"]
    se = table["expected_net_benefit_mc_se"].to_numpy()
    assert np.all(np.abs(gap) < 4 * se), (gap, se)
    # the realised inputs (labelling JPY 30, value 2.2M per point) decide the payback outcome
    yearly = 100 * business.value_real * (baseline - out["error"])
    cost = np.array(
        [30.0 * (n - 8000) + dq.INTEGRATION_JPY[n] + dq.compute_jpy(n) for n in dq.PLANS]
    )
    months = dq.payback_months(yearly, cost, dq.DISCOUNT_RATE)
    np.testing.assert_array_equal(out["payback"], months <= dq.PAYBACK_TARGET_MONTHS)


def test_summarise_on_a_hand_made_results_frame(dq):
    import pandas as pd

    rows = []
    for i, (fam, rb, rf, rp) in enumerate(
        [("power", 0.0, 0.5, 3.0), ("m4", 2.0, 1.0, 2.0), ("broken", 1.0, 2.0, 7.0)]
    ):
        row = {"poc": i, "family": fam, "oracle": 1, "oracle_nb": 10.0, "baseline": 0.10}
        row.update(bayes_power_regret=rb, point_regret=rp, bayes_power_choice=1, point_choice=i - 1)
        row.update(forms_regret=rf, forms_choice=1)
        for n, true, bayes, point, paid in zip(
            dq.PLANS,
            (0.08, 0.06, 0.05),
            (0.09, 0.07, 0.06),
            (0.08, 0.05, 0.04),
            (1, 0, 1),
            strict=True,
        ):
            row[f"true_error_{n}"] = true
            row[f"payback_{n}"] = bool(paid)
            row[f"bayes_power_mean_error_{n}"] = bayes
            row[f"point_mean_error_{n}"] = point
            row[f"bayes_power_p_payback_{n}"] = 0.5
            row[f"point_p_payback_{n}"] = float(paid)
            row[f"forms_mean_error_{n}"] = bayes
            row[f"forms_p_payback_{n}"] = 0.5
        rows.append(row)
    assert dq.methods_of(pd.DataFrame(rows)) == ["bayes_power", "forms", "point"]
    out = dq.summarise(pd.DataFrame(rows))
    regret = out["regret"].set_index(["curves", "method"])
    assert regret.loc[("all", "bayes_power"), "mean regret (JPY)"] == 1.0
    assert regret.loc[("all", "point"), "mean regret (JPY)"] == 4.0
    assert regret.loc[("all", "bayes_power"), "minus point fit"] == -3.0
    assert regret.loc[("all", "point"), "chose oracle's plan"] == pytest.approx(1 / 3)
    assert regret.loc[("all", "bayes_power"), "share of oracle NB lost"] == pytest.approx(0.1)
    # paired against the Bayesian fit: (0.5 - 0 + 1 - 2 + 2 - 1) / 3
    assert regret.loc[("all", "forms"), "minus Bayes (power)"] == pytest.approx(1 / 6)
    assert np.isnan(regret.loc[("all", "bayes_power"), "minus Bayes (power)"])
    brier = out["brier"].set_index("method")["Brier"]
    assert brier["bayes_power"] == pytest.approx(0.25)
    assert brier["point"] == 0.0
    bias = out["bias"].set_index("method")
    # improvement forecast / true: (0.10 - 0.09) / (0.10 - 0.08) = 0.5 at 20k, 0.75 at 50k
    assert bias.loc["bayes_power", "20k: median"] == pytest.approx(0.5)
    assert bias.loc["bayes_power", "50k: median"] == pytest.approx(0.75)
    assert bias.loc["point", "50k: share below 1"] == 0.0
