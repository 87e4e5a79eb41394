"""Property-based tests: monotonicity and consistency that must hold for any input."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scaling_bayes.decision import (
    ComputeCost,
    Investment,
    LinearValue,
    assess_roi,
    compare_scales,
    conditional_value_at_risk,
    decision_metrics,
    value_at_risk,
)

# Deterministic examples, and no example database (no .hypothesis folder left behind).
SETTINGS = settings(max_examples=40, deadline=None, database=None, derandomize=True)

seeds = st.integers(min_value=0, max_value=2**32 - 1)
means = st.floats(min_value=1.8, max_value=2.5)  # below the baseline 2.6
sds = st.floats(min_value=0.001, max_value=0.3)
prices = st.floats(min_value=0.5, max_value=20.0)
thresholds = st.floats(min_value=-0.99, max_value=5.0)


def draws(seed, mean, sd, n=400):
    return np.abs(np.random.default_rng(seed).normal(mean, sd, n)) + 0.01


def plan(price, value_per_unit=1e5, floor_at_zero=False):
    return Investment(
        params=7e9,
        tokens=1.4e11,
        cost=ComputeCost(usd_per_gpu_hour=price, mfu=0.4),
        value=LinearValue(
            baseline_loss=2.6, usd_per_loss_unit=value_per_unit, floor_at_zero=floor_at_zero
        ),
    )


@SETTINGS
@given(seed=seeds, mean=means, sd=sds, t1=thresholds, t2=thresholds)
def test_raising_the_threshold_never_raises_the_probability(seed, mean, sd, t1, t2):
    low, high = sorted((t1, t2))
    loss = draws(seed, mean, sd)
    p_low = assess_roi(loss, plan(3.0), threshold=low, random_seed=seed).probability
    p_high = assess_roi(loss, plan(3.0), threshold=high, random_seed=seed).probability
    assert p_high <= p_low


@SETTINGS
@given(seed=seeds, mean=means, sd=sds, p1=prices, p2=prices, t=thresholds)
def test_raising_the_price_never_raises_roi(seed, mean, sd, p1, p2, t):
    """With V >= 0 (a worse model is not deployed) ROI falls with the price in every draw."""
    cheap, dear = sorted((p1, p2))
    loss = draws(seed, mean, sd)
    a = assess_roi(loss, plan(cheap, floor_at_zero=True), threshold=t, random_seed=seed)
    b = assess_roi(loss, plan(dear, floor_at_zero=True), threshold=t, random_seed=seed)
    assert (b.draws.roi <= a.draws.roi + 1e-12).all()
    assert b.probability <= a.probability
    assert b.table.loc["expected_roi", "estimate"] <= a.table.loc["expected_roi", "estimate"]


@SETTINGS
@given(seed=seeds, mean=means, sd=sds, p1=prices, p2=prices, t=thresholds)
def test_raising_the_price_never_raises_net_benefit_or_the_probability(seed, mean, sd, p1, p2, t):
    """Without the floor, V < 0 in some draws: there ROI = V / C - 1 rises towards -1 as C grows
    (a known flaw of ratios), but net benefit and P(ROI > t) = P(V > (1 + t) C), t > -1, still
    never rise with the price."""
    cheap, dear = sorted((p1, p2))
    loss = draws(seed, mean, sd)
    a = assess_roi(loss, plan(cheap), threshold=t, random_seed=seed)
    b = assess_roi(loss, plan(dear), threshold=t, random_seed=seed)
    assert (b.draws.net_benefit <= a.draws.net_benefit + 1e-9).all()
    assert b.probability <= a.probability


@SETTINGS
@given(seed=seeds, shift=st.floats(min_value=0.0, max_value=5.0), t=thresholds)
def test_shifting_an_uncertain_price_up_never_raises_roi(seed, shift, t):
    """Common random numbers: the same quantile of a higher price distribution is higher."""
    loss = draws(seed, 2.3, 0.05)
    base = plan(stats.uniform(2, 2))
    dearer = plan(stats.uniform(2 + shift, 2))
    a = assess_roi(loss, base, threshold=t, random_seed=seed)
    b = assess_roi(loss, dearer, threshold=t, random_seed=seed)
    assert (b.draws.roi <= a.draws.roi + 1e-12).all()
    assert b.probability <= a.probability


@SETTINGS
@given(seed=seeds, u1=st.floats(1e3, 1e7), u2=st.floats(1e3, 1e7))
def test_raising_value_per_unit_never_lowers_the_chance_when_loss_beats_baseline(seed, u1, u2):
    low, high = sorted((u1, u2))
    loss = draws(seed, 2.0, 0.05)  # always below the baseline 2.6: improvement is positive
    a = assess_roi(loss, plan(3.0, value_per_unit=low), threshold=0.2, random_seed=seed)
    b = assess_roi(loss, plan(3.0, value_per_unit=high), threshold=0.2, random_seed=seed)
    assert b.probability >= a.probability


@SETTINGS
@given(
    values=st.lists(st.floats(-1e7, 1e7), min_size=20, max_size=200),
    level=st.floats(0.5, 0.99),
)
def test_cvar_is_at_least_var_and_at_least_minus_the_mean(values, level):
    net = np.asarray(values)
    cvar = conditional_value_at_risk(net, level)
    assert cvar >= value_at_risk(net, level) - 1e-6 * (1 + abs(cvar))
    assert cvar >= -net.mean() - 1e-6 * (1 + abs(cvar))


@SETTINGS
@given(seed=seeds, t=thresholds)
def test_probabilities_are_ordered_and_bounded(seed, t):
    rng = np.random.default_rng(seed)
    value = rng.lognormal(11, 1, 500)
    cost = rng.uniform(5e4, 2e5, 500)
    table = decision_metrics(value, cost, threshold=t)
    p_t = table.loc["p_roi_above_threshold", "estimate"]
    p_0 = table.loc["p_break_even", "estimate"]
    assert 0 <= p_t <= 1 and 0 <= p_0 <= 1
    assert (p_t <= p_0) if t >= 0 else (p_t >= p_0)
    q = table.loc[["roi_p05", "roi_p25", "roi_p50", "roi_p75", "roi_p95"], "estimate"]
    assert q.is_monotonic_increasing


@SETTINGS
@given(seed=seeds, k=st.integers(1, 5))
def test_best_plan_probabilities_sum_to_one_and_evpi_is_non_negative(seed, k):
    rng = np.random.default_rng(seed)
    loss = rng.normal(np.linspace(2.5, 2.2, k), 0.05, size=(300, k))
    plans = [
        Investment(
            params=n,
            tokens=20 * n,
            cost=ComputeCost(mfu=0.4),
            value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=5e5),
        )
        for n in np.geomspace(1e9, 1e10, k)
    ]
    ladder = compare_scales(loss, plans, random_seed=seed)
    total = ladder.table["p_best"].sum() + ladder.p_best_do_nothing
    assert abs(total - 1) < 1e-9
    assert ladder.evpi >= 0
    assert ladder.table["expected_cost"].is_monotonic_increasing
