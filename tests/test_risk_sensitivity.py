"""Tornado: one-at-a-time swings, checked against exact arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from scaling_bayes.core.exceptions import DataError
from scaling_bayes.decision import (
    ComputeCost,
    Investment,
    LinearValue,
    assess_roi,
    tornado,
    training_flops,
)

FLOPS = float(training_flops(7e9, 1.4e11))
HOURS_AT_MFU_04 = FLOPS / (989e12 * 0.4 * 3600)


@pytest.fixture(scope="module")
def risk():
    plan = Investment(
        params=7e9,
        tokens=1.4e11,
        cost=ComputeCost(usd_per_gpu_hour=stats.uniform(2, 2), mfu=0.4, fixed_usd=40_000),
        value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=stats.uniform(2e5, 2e5)),
    )
    loss = np.random.default_rng(0).normal(2.3, 0.05, 4000)
    return assess_roi(loss, plan, threshold=0.2, random_seed=0)


def test_swings_are_exact_for_a_linear_model(risk):
    table = tornado(risk).table.set_index("input")
    assert set(table.index) == {"cost.usd_per_gpu_hour", "value.usd_per_loss_unit", "loss"}
    d = risk.draws
    # price at its 10th / 90th percentile (2.2 / 3.8), everything else as drawn
    price = table.loc["cost.usd_per_gpu_hour"]
    assert (price["input_at_low"], price["input_at_high"]) == pytest.approx((2.2, 3.8))
    for end, p in (("low", 2.2), ("high", 3.8)):
        expected = d.value.mean() - (HOURS_AT_MFU_04 * p + 40_000)
        assert price[f"metric_at_{end}"] == pytest.approx(expected)
    # value per unit at 2.2e5 / 3.8e5
    unit = table.loc["value.usd_per_loss_unit"]
    improvement = 2.6 - d.loss
    assert unit["metric_at_low"] == pytest.approx((2.2e5 * improvement - d.cost).mean())
    assert unit["metric_at_high"] == pytest.approx((3.8e5 * improvement - d.cost).mean())
    # the scaling-law bar: loss at its 10th / 90th percentile
    law = table.loc["loss"]
    lo, hi = np.quantile(d.loss, [0.1, 0.9])
    rate = d.inputs["value.usd_per_loss_unit"]
    assert law["metric_at_low"] == pytest.approx((rate * (2.6 - lo) - d.cost).mean())
    assert law["metric_at_high"] == pytest.approx((rate * (2.6 - hi) - d.cost).mean())


def test_sorted_by_swing_with_conventions(risk):
    table = tornado(risk)
    assert table.table["swing"].is_monotonic_decreasing
    assert table.base == pytest.approx(risk.table.loc["expected_net_benefit", "estimate"])
    assert "cost.mfu" in table.fixed_inputs
    assert "one at a time" in table.method
    assert "ROI = (V - C) / C" in risk.roi_convention


@pytest.mark.parametrize("metric", ["p_roi_above_threshold", "expected_roi"])
def test_other_metrics(risk, metric):
    table = tornado(risk, metric=metric)
    assert table.base == pytest.approx(
        risk.table.loc[metric if metric != "expected_roi" else "expected_roi", "estimate"]
    )
    if metric == "p_roi_above_threshold":
        assert table.table[["metric_at_low", "metric_at_high"]].stack().between(0, 1).all()


def test_bad_tornado_arguments(risk):
    with pytest.raises(DataError, match="metric"):
        tornado(risk, metric="npv")
    with pytest.raises(DataError, match="low < high"):
        tornado(risk, low=0.9, high=0.1)
