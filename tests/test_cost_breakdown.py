"""The cost of a plan by part (issue 13 item 3): data per added sample, compute from 6ND or from
measured GPU-hours, energy, carbon, fixed costs, the plan's own integration, running costs.

Closed forms: with numbers (no distributions) every part is a known product; with distributions
the parts still sum to the total draw by draw.
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
    annuity_factor,
    compare_scales,
)
from scaling_bayes.decision.joint import simulate_plan

N = 2000
#: Error rate of today's model (the largest pilot run, 8000 labelled images).
BASELINE = 0.085


def _value(**kw):
    args = dict(
        baseline_loss=BASELINE,
        usd_per_loss_unit=1e6,
        unit="percentage point",
        horizon_years=3,
        currency="JPY",
    )
    return LinearValue(**{**args, **kw})


def _cost(**kw):
    args = dict(
        usd_per_gpu_hour=300.0,
        mfu=0.4,
        fixed_usd=1e6,
        pilot_gpu_hours=2.0,
        pilot_size=8000,
        per_sample=35.0,
        data_on_hand=8000,
        currency="JPY",
    )
    return ComputeCost(**{**args, **kw})


def _plan(tokens, **kw):
    return Investment(
        tokens=tokens, cost=kw.pop("cost", _cost()), value=kw.pop("value", _value()), **kw
    )


def test_data_cost_is_price_times_added_samples():
    plan = _plan(58_000)
    d = simulate_plan(plan, np.full(N, 0.06), entropy=0)
    assert plan.added_samples == 50_000
    np.testing.assert_array_equal(d.breakdown["data"], np.full(N, 35.0 * 50_000))


def test_measured_gpu_hours_scale_along_the_data_axis():
    d = simulate_plan(_plan(64_000), np.full(N, 0.06), entropy=0)
    np.testing.assert_allclose(d.footprint["gpu_hours"], 2.0 * 64_000 / 8000)
    np.testing.assert_allclose(d.breakdown["compute"], 300.0 * 16.0)
    steep = _plan(64_000, cost=_cost(gpu_hours_exponent=1.5))
    d = simulate_plan(steep, np.full(N, 0.06), entropy=0)
    np.testing.assert_allclose(d.footprint["gpu_hours"], 2.0 * 8.0**1.5)


def test_compute_from_6nd_is_unchanged():
    cost = ComputeCost(usd_per_gpu_hour=2.0, mfu=0.4)
    plan = Investment(
        params=7e9,
        tokens=1.4e11,
        cost=cost,
        value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6),
    )
    d = simulate_plan(plan, np.full(N, 2.3), entropy=0)
    hours = 6 * 7e9 * 1.4e11 / (989e12 * 0.4 * 3600)
    np.testing.assert_allclose(d.breakdown["compute"], 2.0 * hours)
    np.testing.assert_array_equal(d.cost, d.breakdown["compute"])


def test_running_costs_are_discounted_like_the_value():
    value = _value(discount_rate=0.10)
    plan = _plan(58_000, value=value, running_per_year=2e6)
    d = simulate_plan(plan, np.full(N, 0.06), entropy=0)
    np.testing.assert_allclose(d.breakdown["running"], 2e6 * float(annuity_factor(3, 0.10)))
    # the value uses the same factor: value per year x annuity
    np.testing.assert_allclose(d.value, 2.5 * 1e6 * float(annuity_factor(3, 0.10)))


def test_parts_sum_to_the_total_draw_by_draw():
    cost = _cost(
        usd_per_gpu_hour=stats.uniform(250, 100),
        per_sample=stats.uniform(25, 15),
        fixed_usd=stats.uniform(5e5, 1e6),
        usd_per_kwh=30.0,
        usd_per_tonne_co2e=5000.0,
        running_per_year=stats.uniform(1e6, 1e6),
    )
    plans = [
        _plan(58_000, cost=cost, integration=stats.uniform(1e6, 1e6), name="58k"),
        _plan(200_000, cost=cost, integration=5e6, name="200k"),
    ]
    loss = np.random.default_rng(0).normal([0.06, 0.05], 0.004, (N, 2))
    ladder = compare_scales(loss, plans, random_seed=0)
    ds = ladder.joint
    parts = [f"cost_{k}" for k in sb.COST_COMPONENTS]
    np.testing.assert_allclose(sum(ds[k] for k in parts), ds["cost"], rtol=1e-12)
    for k in parts:
        assert ds[k].attrs["units"] == "JPY"
        assert (ds[k] >= 0).all()
    table = ladder.table
    means = table[[f"expected_cost_{k}" for k in sb.COST_COMPONENTS]].sum(axis=1)
    np.testing.assert_allclose(means, table["expected_cost"], rtol=1e-12)
    long = ladder.cost_breakdown()
    assert list(long["component"].unique()) == list(sb.COST_COMPONENTS)
    np.testing.assert_allclose(long.groupby("plan", sort=False)["share"].sum(), 1.0)
    # the per-plan RiskResult states the same parts as the ladder's row
    risk = ladder.risk("200k")
    row = table.set_index("plan").loc["200k"]
    for k in sb.COST_COMPONENTS:
        assert risk.table.loc[f"cost_{k}", "estimate"] == pytest.approx(
            row[f"expected_cost_{k}"], rel=1e-12
        )
    # integration belongs to its plan: 5M for the larger plan, about 1.5M for the smaller
    assert row["expected_cost_integration"] == pytest.approx(5e6)
    small = table.set_index("plan").loc["58k", "expected_cost_integration"]
    assert small == pytest.approx(1.5e6, rel=4 * (1e6 / np.sqrt(12)) / np.sqrt(N) / 1.5e6)


def test_per_sample_cost_reverses_the_choice_of_the_larger_plan():
    """The issue's review: +192k labels cost as much as +50k and the larger plan won. With the
    cost of each added label the smaller plan is the better one, by a closed-form margin."""
    cost = _cost(usd_per_gpu_hour=1e-9, pilot_gpu_hours=1e-9)  # compute ~ 0
    plans = [_plan(58_000, cost=cost, name="58k"), _plan(200_000, cost=cost, name="200k")]
    loss = np.column_stack([np.full(N, 0.060), np.full(N, 0.055)])  # 2.5 and 3.0 points better
    ladder = compare_scales(loss, plans, random_seed=0)
    nb = ladder.table.set_index("plan")["expected_net_benefit"]
    # value 1M JPY per point a year for 3 years; fixed 1M each; labels at 35 JPY
    assert nb["58k"] == pytest.approx(2.5e6 * 3 - 1e6 - 35 * 50_000, rel=1e-9)
    assert nb["200k"] == pytest.approx(3.0e6 * 3 - 1e6 - 35 * 192_000, rel=1e-9)
    assert ladder.best == "58k"
    free = _cost(usd_per_gpu_hour=1e-9, pilot_gpu_hours=1e-9, per_sample=0.0)
    plans = [_plan(58_000, cost=free, name="58k"), _plan(200_000, cost=free, name="200k")]
    assert compare_scales(loss, plans, random_seed=0).best == "200k"  # the old, wrong answer


def test_the_cost_models_fixed_costs_apply_to_every_plan_and_integration_to_its_own():
    plans = [
        _plan(58_000, integration=2e6, name="a"),
        _plan(100_000, name="b"),
    ]
    loss = np.column_stack([np.full(N, 0.06), np.full(N, 0.05)])
    table = compare_scales(loss, plans, random_seed=0).table.set_index("plan")
    assert table.loc["a", "expected_cost_fixed"] == table.loc["b", "expected_cost_fixed"] == 1e6
    assert table.loc["a", "expected_cost_integration"] == 2e6
    assert table.loc["b", "expected_cost_integration"] == 0.0


def test_a_plan_below_the_data_on_hand_is_refused():
    with pytest.raises(sb.DataError, match=r"8000 samples are already on hand.*tokens >= 8000"):
        _plan(5000, kinds={"tokens": "count"})


def test_cost_model_sample_prices_a_data_axis_run():
    draws = _cost().sample(tokens=16_000, n=10, random_seed=0)
    assert (draws["gpu_hours"] == 4.0).all()
    assert (draws["cost_data"] == 35.0 * 8000).all()
    assert (draws["cost"] == 300.0 * 4.0 + 1e6 + 35.0 * 8000).all()
    no_fixed = _cost().sample(tokens=16_000, n=10, random_seed=0, fixed=False)
    assert (no_fixed["cost"] == draws["cost"] - 1e6).all()


def test_default_pilot_cost_is_the_pilots_own_run():
    """A pilot costs its own run (compute), never the plans' fixed costs (issue 13 item 10)."""
    from scaling_bayes.testing import fit_from_draws

    data = sb.ScalingData.from_frame(sb.load_example())
    law = dict(E=1.817, A=482.0, alpha=0.348, B=2085.0, beta=0.366, sigma=0.01)
    rng = np.random.default_rng(0)
    draws = {k: v * np.exp(0.03 * rng.standard_normal((4, 250))) for k, v in law.items()}
    model = fit_from_draws(sb.ScalingLawModel(progressbar=False), data, draws)
    cost = ComputeCost(usd_per_gpu_hour=2.0, mfu=0.4, fixed_usd=300_000)
    value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5)
    plans = [Investment(params=n, tokens=20 * n, cost=cost, value=value) for n in (1e9, 3e9)]
    result = sb.evsi_pilot(model, plans, params=7e8, tokens=1.4e10, n_outer=50, random_seed=0)
    hours = 6 * 7e8 * 1.4e10 / (989e12 * 0.4 * 3600)
    assert result.table.loc["pilot_cost", "estimate"] == pytest.approx(2.0 * hours, rel=1e-12)
    assert "no fixed costs" in result.table.loc["pilot_cost", "definition"]
