"""Payback period, NPV and the KPI target (issue 13 item 4), against closed forms.

Value per year ``Y`` arrives as ``Y / 12`` at each month's end, discounted at the monthly rate
``i = (1 + r)^(1/12) - 1``; the payback period solves ``(Y / 12) (1 - (1 + i)^-m) / i = C``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.decision import (
    ComputeCost,
    Investment,
    LinearValue,
    assess_roi,
    compare_scales,
    payback_months,
)

N = 4000


def _plan(tokens=58_000, *, per_point=1e6, rate=0.0, horizon=3, name=None, **kw):
    cost = ComputeCost(
        usd_per_gpu_hour=300.0,
        pilot_gpu_hours=2.0,
        pilot_size=8000,
        fixed_usd=kw.pop("fixed", 1e6),
        per_sample=35.0,
        data_on_hand=8000,
        currency="JPY",
    )
    value = LinearValue(
        baseline_loss=0.085,
        usd_per_loss_unit=per_point,
        unit="percentage point",
        horizon_years=horizon,
        discount_rate=rate,
        currency="JPY",
    )
    return Investment(tokens=tokens, cost=cost, value=value, name=name, **kw)


def _one_off(tokens=58_000, fixed=1e6):
    return 300.0 * 2.0 * tokens / 8000 + fixed + 35.0 * (tokens - 8000)


def test_payback_without_discounting_is_cost_over_monthly_value():
    assert float(payback_months(1.2e6, 1.2e6, 0.0, 3)) == 12.0
    assert float(payback_months(3e6, 1.2e6, 0.0, 3)) == 30.0


def test_payback_with_discounting_solves_the_annuity_equation():
    c, y, r = 2.4e6, 1.2e6, 0.08
    m = float(payback_months(c, y, r, 5))
    i = (1 + r) ** (1 / 12) - 1
    assert (y / 12) * (1 - (1 + i) ** -m) / i == pytest.approx(c, rel=1e-12)
    # and against a month-by-month sum: paid back during month ceil(m)
    discounted = np.cumsum((y / 12) * (1 + i) ** -np.arange(1, 61))
    assert discounted[int(np.ceil(m)) - 1] >= c > discounted[int(np.floor(m)) - 1]
    assert m > 24.0  # later than without discounting


def test_never_and_beyond_the_horizon_are_infinite():
    assert np.isinf(payback_months(1e6, 0.0, 0.0, 3))
    assert np.isinf(payback_months(1e6, -5e5, 0.0, 3))
    assert np.isinf(payback_months(1e6, 1e5, 0.0, 3))  # 120 months > 36
    # a discounted stream whose present value never reaches the cost: 1 - C i / (Y/12) <= 0
    assert np.isinf(payback_months(1e9, 1.2e6, 0.10, 1000))


def test_plan_payback_matches_the_closed_form():
    plan = _plan(per_point=1e6)  # 2.5 points better: 2.5M a year
    d = sb.decision.joint.simulate_plan(plan, np.full(N, 0.060), entropy=0)
    expected = _one_off() / (2.5e6 / 12)
    np.testing.assert_allclose(d.payback, expected, rtol=1e-12)
    ladder = compare_scales(np.c_[d.loss], [plan], random_seed=0, payback_target=expected + 1)
    row = ladder.table.iloc[0]
    assert row["payback_months_median"] == pytest.approx(expected, rel=1e-12)
    assert row["p_payback_within_target"] == 1.0 and row["p_payback_within_horizon"] == 1.0
    assert row["npv"] == pytest.approx(2.5e6 * 3 - _one_off(), rel=1e-12)
    assert row["npv"] == row["expected_net_benefit"]
    assert ladder.payback_target == expected + 1 and ladder.horizon_months == 36.0
    short = compare_scales(np.c_[d.loss], [plan], random_seed=0, payback_target=expected - 1)
    assert short.table["p_payback_within_target"].iloc[0] == 0.0


def test_running_costs_come_out_of_the_monthly_value():
    plan = _plan(running_per_year=5e5)
    d = sb.decision.joint.simulate_plan(plan, np.full(N, 0.060), entropy=0)
    np.testing.assert_allclose(d.upfront, _one_off())
    np.testing.assert_allclose(d.payback, _one_off() / ((2.5e6 - 5e5) / 12), rtol=1e-12)


def test_probability_of_payback_within_target_is_calibrated():
    """Uncertain value per point U(0.5M, 1.5M): P(payback <= T) = P(Y >= 12 C / T) in closed
    form (no discounting), checked within 4 Monte Carlo standard errors."""
    plan = _plan(per_point=stats.uniform(5e5, 1e6))
    target = 24.0
    risk = assess_roi(np.full(N, 0.060), plan, random_seed=3, payback_target=target)
    threshold = 12 * _one_off() / target / 2.5  # value per point needed
    truth = (1.5e6 - threshold) / 1e6
    estimate = risk.table.loc["p_payback_within_target", "estimate"]
    se = np.sqrt(truth * (1 - truth) / N)
    assert abs(estimate - truth) < 4 * se
    assert risk.table.loc["p_payback_within_target", "mc_se"] == pytest.approx(se, rel=0.1)
    assert risk.payback_target == target
    months = risk.draws.payback
    assert risk.table.loc["payback_months", "estimate"] == np.quantile(
        months, 0.5, method="inverted_cdf"
    )


def test_payback_curve_is_the_cdf_and_stops_short_of_one_when_some_never_pay():
    plan = _plan(per_point=stats.uniform(1e5, 1.4e6), name="p")
    ladder = compare_scales(np.c_[np.full(N, 0.060)], [plan], random_seed=1)
    curve = ladder.payback_curve()
    assert curve["months"].max() == 36.0
    assert (np.diff(curve["p_paid_back"]) >= 0).all()
    within = ladder.table["p_payback_within_horizon"].iloc[0]
    assert curve["p_paid_back"].iloc[-1] == pytest.approx(within)
    assert 0 < within < 1
    assert np.isinf(ladder.table["payback_months_upper"].iloc[0])


def test_present_value_models_have_no_payback():
    plan = Investment(
        params=7e9,
        tokens=1.4e11,
        value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6),
    )
    risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.03, 500), plan, random_seed=0)
    assert np.isnan(risk.table.loc["payback_months", "estimate"])
    assert np.isnan(risk.table.loc["p_payback_within_horizon", "estimate"])
    assert np.isnan(risk.draws.payback).all()
    assert compare_scales(np.c_[risk.draws.loss], [plan]).payback_curve().empty


def test_kpi_target_probability():
    """P(error rate <= 5%) for forecasts N(0.055, 0.005): Phi(-1) = 0.159, within 4 MC errors."""
    loss = np.random.default_rng(4).normal(0.055, 0.005, N)
    ladder = compare_scales(np.c_[loss], [_plan()], random_seed=0, kpi_target=0.05)
    p = ladder.table["p_kpi_target_met"].iloc[0]
    truth = stats.norm.cdf(-1.0)
    assert abs(p - truth) < 4 * np.sqrt(truth * (1 - truth) / N)
    assert ladder.kpi_target == 0.05
    assert np.isnan(compare_scales(np.c_[loss], [_plan()]).table["p_kpi_target_met"].iloc[0])


def test_value_per_percentage_point_is_not_per_hundred_points():
    per_point = LinearValue(baseline_loss=0.085, usd_per_loss_unit=1e6, unit="percentage point")
    per_unit = LinearValue(baseline_loss=0.085, usd_per_loss_unit=1e6)
    loss = np.array([0.065])  # 2 points better
    draws = {"usd_per_loss_unit": np.array([1e6])}
    assert per_point.evaluate(loss, draws)[0] == pytest.approx(2e6)
    assert per_unit.evaluate(loss, draws)[0] == pytest.approx(0.02 * 1e6)
    assert "per percentage point" in per_point.describe()
