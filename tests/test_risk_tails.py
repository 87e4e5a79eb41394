"""Heavy tails (issue 10, item 7): expectations over business inputs carry a Pareto k-hat.

An infinite-mean input (Pareto with shape 0.5, half-Cauchy) makes E[net benefit] and E[ROI]
undefined: their sample means wander from seed to seed. They must be flagged (k-hat > 0.7) in
tables and text, never stated as precise numbers, and a mean outside its own interval must be
explained. Light-tailed inputs must not be flagged.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.core.exceptions import InputWarning
from scaling_bayes.decision import (
    ComputeCost,
    Investment,
    LinearValue,
    assess_roi,
    compare_scales,
    evpi,
)
from scaling_bayes.decision.metrics import PARETO_K_MAX, pareto_khat

COST = ComputeCost(usd_per_gpu_hour=3.0, mfu=0.4, fixed_usd=1e5)
N = 20_000


def _loss(seed=0, n=N, mean=2.3):
    return np.random.default_rng(seed).normal(mean, 0.03, n)


def _plan(value_per_loss, name="p"):
    return Investment(
        params=7e9,
        tokens=1.4e11,
        cost=COST,
        value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=value_per_loss),
        name=name,
    )


def _heavy(dist):
    with pytest.warns(
        InputWarning, match=r"usd_per_loss_unit is a \w+ distribution with no finite"
    ):
        return _plan(dist, name="heavy")


@pytest.mark.parametrize("seed", range(5))
def test_khat_separates_light_from_infinite_mean_draws(seed):
    n = 4000
    light = [
        np.random.default_rng(seed).normal(size=n),
        np.random.default_rng(seed).lognormal(0.0, 0.5, n),
        np.random.default_rng(seed).uniform(size=n),
    ]
    assert all(pareto_khat(x) < PARETO_K_MAX for x in light)
    assert pareto_khat(stats.pareto(0.5).rvs(n, random_state=seed)) > 1.0  # true k = 2
    # k = 1 (half-Cauchy) needs more draws for the fit to clear 0.7 reliably
    assert pareto_khat(stats.halfcauchy().rvs(N, random_state=seed)) > PARETO_K_MAX
    # the left tail counts too: a mean can be dragged down as well as up
    assert pareto_khat(-stats.pareto(0.5).rvs(n, random_state=seed)) > 1.0


def test_khat_is_nan_without_a_tail():
    assert np.isnan(pareto_khat(np.full(1000, 3.0)))
    assert np.isnan(pareto_khat(np.repeat([0.0, 1.0], 500)))  # two-point (a target met or not)
    assert np.isnan(pareto_khat([1.0, 2.0, 3.0]))


@pytest.mark.parametrize(
    "dist", [stats.pareto(0.5, scale=1e5), stats.halfcauchy(scale=1e6)], ids=["pareto", "cauchy"]
)
def test_infinite_mean_input_is_flagged_in_table_and_text(dist):
    heavy = assess_roi(_loss(), _heavy(dist), random_seed=0)
    table = heavy.table
    assert heavy.heavy_tailed
    for metric in ("expected_net_benefit", "expected_roi", "expected_value"):
        assert table.loc[metric, "pareto_k"] > PARETO_K_MAX
        assert table.loc[metric, "unreliable"]
    assert not table.loc["expected_cost", "unreliable"]  # the cost is light-tailed
    assert "not a reliable estimate" in heavy.text and "Pareto k-hat" in heavy.text
    mean, lo, hi = table.loc["expected_net_benefit", ["estimate", "lower", "upper"]]
    if not lo <= mean <= hi:
        assert "lies outside its own 90% interval" in heavy.text


def test_flagged_expectations_really_are_unstable_between_seeds():
    plan = _heavy(stats.pareto(0.5, scale=1e5))
    means = [
        assess_roi(_loss(s), plan, random_seed=s).table.loc["expected_net_benefit", "estimate"]
        for s in range(6)
    ]
    # an infinite mean: the largest estimate is many times the smallest
    assert max(means) / min(means) > 3


def test_light_tailed_inputs_are_not_flagged_and_text_is_unchanged():
    light = assess_roi(_loss(), _plan(stats.uniform(1e6, 1e6)), random_seed=0)
    assert not light.heavy_tailed and not light.table["unreliable"].any()
    assert "reliable estimate" not in light.text and "outside its own" not in light.text


def test_ladder_flags_the_heavy_plan_only_and_says_so():
    light, heavy = _plan(stats.uniform(1e6, 1e6), name="light"), _heavy(stats.halfcauchy(scale=1e6))
    loss = np.column_stack([_loss(1), _loss(2)])
    ladder = compare_scales(loss, [light, heavy], random_seed=0)
    flags = dict(zip(ladder.table["plan"], ladder.table["heavy_tailed"], strict=True))
    assert flags == {"light": False, "heavy": True}
    assert ladder.heavy_tailed
    k = ladder.table.set_index("plan")["expected_net_benefit_pareto_k"]
    assert k["heavy"] > PARETO_K_MAX > k["light"]
    assert "The expectations of heavy rest on a heavy tail" in ladder.text
    # the EVPI averages a regret driven by the heavy plan: its k-hat is reported too
    assert np.isfinite(ladder.evpi_pareto_k)
    assert evpi(ladder).value == ladder.evpi


def test_memo_numbers_carry_the_heavy_tail_flag():
    from helpers import hand_built_draws

    from scaling_bayes.testing import fit_from_draws

    data = sb.ScalingData.from_frame(sb.load_example())
    model = fit_from_draws(sb.ScalingLawModel(progressbar=False), data, hand_built_draws())
    light = _plan(stats.uniform(1e6, 1e6), name="light")
    ladder = compare_scales(model, [light], random_seed=0)
    with pytest.warns(InputWarning, match="no finite mean"):
        heavy = Investment(
            params=3e9,
            tokens=6e10,
            cost=COST,
            value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=stats.halfcauchy(scale=1e6)),
            name="heavy",
        )
    both = compare_scales(model, [light, heavy], random_seed=0)
    calm = sb.RiskMemo(model, ladder, title="t").numbers
    wild = sb.RiskMemo(model, both, title="t").numbers
    assert calm["heavy_tails"] is False and calm["plans.1.heavy_tailed"] is False
    assert wild["heavy_tails"] is True
    flags = {wild[f"plans.{i}.name"]: wild[f"plans.{i}.heavy_tailed"] for i in (1, 2)}
    assert flags == {"light": False, "heavy": True}
    k = {wild[f"plans.{i}.name"]: wild[f"plans.{i}.expected_net_benefit_pareto_k"] for i in (1, 2)}
    assert k["heavy"] > PARETO_K_MAX > k["light"]
