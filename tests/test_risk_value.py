"""Value models: linear, target, user functions, horizon and discounting, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from scaling_bayes.core.exceptions import DataError, InputWarning
from scaling_bayes.decision import (
    CallableValue,
    ComputeCost,
    Investment,
    LinearValue,
    TargetValue,
    annuity_factor,
    assess_roi,
)

FIXED_COST = ComputeCost(usd_per_gpu_hour=3.0, mfu=0.4)


def test_linear_value_and_floor():
    loss = np.array([2.5, 2.6, 2.7])
    value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6)
    draws = {"usd_per_loss_unit": np.full(3, 1e6)}
    np.testing.assert_allclose(value.evaluate(loss, draws), [1e5, 0.0, -1e5], atol=1e-6)
    floored = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6, floor_at_zero=True)
    np.testing.assert_allclose(floored.evaluate(loss, draws), [1e5, 0.0, 0.0], atol=1e-6)


def test_target_value_step_and_partial_credit():
    loss = np.array([1.9, 2.0, 2.05, 2.2, 2.4])
    draws = {"usd_if_met": np.full(5, 100.0)}
    step = TargetValue(target_loss=2.0, usd_if_met=100.0)
    np.testing.assert_allclose(step.evaluate(loss, draws), [100, 100, 0, 0, 0])
    partial = TargetValue(target_loss=2.0, usd_if_met=100.0, partial_from=2.2)
    np.testing.assert_allclose(partial.evaluate(loss, draws), [100, 100, 75, 0, 0])
    with pytest.raises(DataError, match="partial_from"):
        TargetValue(target_loss=2.0, usd_if_met=1.0, partial_from=1.9)


@pytest.mark.parametrize(("h", "r"), [(1, 0.05), (3, 0.10), (5, 0.0), (10, 0.08)])
def test_annuity_factor_is_the_sum_of_discounted_years(h, r):
    expected = sum(1 / (1 + r) ** t for t in range(1, h + 1))
    assert float(annuity_factor(h, r)) == pytest.approx(expected, rel=1e-12)


def test_horizon_multiplies_yearly_value_in_assess():
    loss = np.random.default_rng(0).normal(2.3, 0.02, 2000)
    yearly = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e5)
    over_3y = LinearValue(
        baseline_loss=2.6, usd_per_loss_unit=1e5, horizon_years=3, discount_rate=0.1
    )
    plan = dict(params=7e9, tokens=1.4e11, cost=FIXED_COST)
    a = assess_roi(loss, Investment(**plan, value=yearly), random_seed=0)
    b = assess_roi(loss, Investment(**plan, value=over_3y), random_seed=0)
    np.testing.assert_allclose(b.draws.value, a.draws.value * annuity_factor(3, 0.1))
    assert "per year over 3 years discounted at 0.1" in b.text


def test_uncertain_horizon_and_rate_are_sampled():
    value = LinearValue(
        baseline_loss=2.6,
        usd_per_loss_unit=1e5,
        horizon_years=stats.uniform(2, 2),
        discount_rate=stats.uniform(0.05, 0.05),
    )
    plan = Investment(params=7e9, tokens=1.4e11, cost=FIXED_COST, value=value)
    risk = assess_roi(np.full(1000, 2.3), plan, random_seed=0)
    factors = risk.draws.value / (1e5 * 0.3)
    assert factors.min() >= float(annuity_factor(2, 0.10)) - 1e-9
    assert factors.max() <= float(annuity_factor(4, 0.05)) + 1e-9
    assert np.ptp(factors) > 0.5


def test_callable_value_with_uncertain_inputs():
    def money(loss, usd_per_hour):
        return (2.6 - loss) * 1000 * usd_per_hour

    value = CallableValue(money, inputs={"usd_per_hour": stats.uniform(50, 50)}, description="x")
    plan = Investment(params=7e9, tokens=1.4e11, cost=FIXED_COST, value=value)
    risk = assess_roi(np.full(500, 2.5), plan, random_seed=1)
    rate = risk.draws.inputs["value.usd_per_hour"]
    np.testing.assert_allclose(risk.draws.value, 0.1 * 1000 * rate)
    assert rate.min() >= 50 and rate.max() <= 100


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda loss: np.ones(3), "returned shape"),
        (lambda loss: float(loss.mean()), "returned shape"),
        (lambda loss: np.where(loss > 2.3, np.nan, 1.0), "NaN or infinite"),
        (lambda loss: None, "returned shape"),
        (lambda loss: loss["x"], "failed"),
    ],
)
def test_value_function_wrong_shape_or_nan(fn, match):
    plan = Investment(params=7e9, tokens=1.4e11, cost=FIXED_COST, value=CallableValue(fn))
    loss = np.random.default_rng(0).normal(2.3, 0.05, 100)
    with pytest.raises(DataError, match=f"value function fn.*{match}|{match}.*fn"):
        assess_roi(loss, plan)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: LinearValue(baseline_loss=-1, usd_per_loss_unit=1.0), "baseline_loss"),
        (lambda: LinearValue(baseline_loss=2.6, usd_per_loss_unit=0.0), "usd_per_loss_unit"),
        (
            lambda: LinearValue(baseline_loss=2.6, usd_per_loss_unit=stats.norm(1e6, 1e6)),
            "usd_per_loss_unit is a distribution with support",
        ),
        (
            lambda: LinearValue(baseline_loss=2.6, usd_per_loss_unit=1.0, discount_rate=0.1),
            "discount_rate needs horizon_years",
        ),
        (
            lambda: LinearValue(baseline_loss=2.6, usd_per_loss_unit=1.0, horizon_years=0),
            "horizon_years must be > 0",
        ),
        (lambda: TargetValue(target_loss=2.0, usd_if_met=-5), "usd_if_met"),
        (lambda: CallableValue(3.0), "fn must be a function"),
        (lambda: CallableValue(np.exp, inputs={"not a name": 1.0}), "keyword names"),
    ],
)
def test_bad_value_inputs(make, match):
    with pytest.raises(DataError, match=match):
        make()


def test_currency_must_match_between_cost_and_value():
    value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1.0, currency="EUR")
    with pytest.raises(DataError, match="one currency"):
        Investment(params=7e9, tokens=1.4e11, value=value)


def test_baseline_below_every_draw_warns_no_improvement_possible():
    plan = Investment(
        params=7e9,
        tokens=1.4e11,
        cost=FIXED_COST,
        value=LinearValue(baseline_loss=1.0, usd_per_loss_unit=1e6),
    )
    with pytest.warns(InputWarning, match="baseline_loss=1 is below every forecast loss draw"):
        assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 500), plan)


def test_investment_needs_a_scale_and_a_value():
    value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1.0)
    with pytest.raises(DataError, match="needs params= and tokens="):
        Investment(params=7e9, value=value)
    with pytest.raises(DataError, match="value must be"):
        Investment(params=7e9, tokens=1e11, value=3.0)
    with pytest.raises(DataError, match="params must be positive"):
        Investment(params=-7e9, tokens=1e11, value=value)
    derived = Investment(compute=6e20, params=1e9, value=value)
    assert derived.tokens == pytest.approx(1e11)
    # the data's unit rules: compute far from 6ND, or counts given in billions, are refused
    with pytest.raises(DataError, match=r"plan 'big'.*6 \* params \* tokens"):
        Investment(params=7e9, tokens=1.4e11, compute=1e25, value=value, name="big")
    with pytest.raises(DataError, match="billions"):
        Investment(params=7, tokens=1.4e11, value=value)
    with pytest.raises(DataError, match="tokens"):
        Investment(params=7e9, tokens=5, value=value)
