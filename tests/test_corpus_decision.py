"""Regression corpus of bad risk inputs (issue 10): each is refused with the package's own error.

Every case asserts the exception type (the package's ``DataError``/``ConfigError``, both also
``ValueError``) and that the message names the culprit (the argument, input, plan or value), so
a user can find what to fix. Cases that must be refused before any forecast is made use a spy
model whose ``predict`` fails the test if called.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from scaling_bayes.core import _arviz as az
from scaling_bayes.core.exceptions import ConfigError, DataError, InputWarning, ScalingBayesError
from scaling_bayes.decision import (
    ComputeCost,
    Investment,
    LinearValue,
    TargetValue,
    assess_roi,
    check_workload,
    compare_scales,
)

VALUE = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6)
LOSS = np.random.default_rng(0).normal(2.3, 0.03, 500)


def _plan(**kw):
    args = {"params": 7e9, "tokens": 1.4e11, "value": VALUE, **kw}
    return Investment(**args)


def _two_plans(**second):
    return [_plan(name="a"), _plan(name="b", **second)]


# (id, call, exception type, words the message must contain)
CASES = [
    # non-finite numbers
    ("threshold-nan", lambda: assess_roi(LOSS, _plan(), threshold=np.nan), DataError, "threshold"),
    ("threshold-inf", lambda: assess_roi(LOSS, _plan(), threshold=np.inf), DataError, "threshold"),
    ("params-nan", lambda: _plan(params=np.nan), DataError, "params"),
    ("tokens-inf", lambda: _plan(tokens=np.inf), DataError, "tokens"),
    (
        "value-per-loss-nan",
        lambda: LinearValue(baseline_loss=2.6, usd_per_loss_unit=np.nan),
        DataError,
        "usd_per_loss_unit",
    ),
    (
        "baseline-inf",
        lambda: LinearValue(baseline_loss=np.inf, usd_per_loss_unit=1.0),
        DataError,
        "baseline_loss",
    ),
    (
        "distribution-nan-parameter",
        lambda: ComputeCost(usd_per_gpu_hour=stats.uniform(np.nan, 2.0)),
        DataError,
        "usd_per_gpu_hour",
    ),
    (
        "loss-draws-nan",
        lambda: assess_roi(np.r_[LOSS, np.nan], _plan()),
        DataError,
        "loss draws",
    ),
    # negative or out-of-range values
    ("params-negative", lambda: _plan(params=-7e9), DataError, "params"),
    (
        "price-negative",
        lambda: ComputeCost(usd_per_gpu_hour=-3.0),
        DataError,
        "usd_per_gpu_hour",
    ),
    ("mfu-in-percent", lambda: ComputeCost(mfu=40), DataError, "mfu"),
    (
        "price-can-go-negative",
        lambda: ComputeCost(usd_per_gpu_hour=stats.norm(3, 1)),
        DataError,
        "usd_per_gpu_hour",
    ),
    (
        "negative-price-draws",
        lambda: ComputeCost(usd_per_gpu_hour=np.array([3.0, -1.0])),
        DataError,
        "usd_per_gpu_hour",
    ),
    ("seed-negative", lambda: assess_roi(LOSS, _plan(), random_seed=-5), DataError, "random_seed"),
    # unit slips, by the same rules as the runs (core/units.py)
    ("params-in-billions", lambda: _plan(params=7), DataError, "billions"),
    ("tokens-five", lambda: _plan(tokens=5), DataError, "tokens"),
    ("compute-in-pf-days", lambda: Investment(compute=68.0, value=VALUE), DataError, "compute"),
    (
        "compute-far-from-6nd",
        lambda: _plan(compute=1e25, name="big"),
        DataError,
        "plan 'big'",
    ),
    # wrong types
    (
        "threshold-string",
        lambda: assess_roi(LOSS, _plan(), threshold="0.2"),
        DataError,
        "threshold",
    ),
    ("params-string", lambda: _plan(params="7e9"), DataError, "params"),
    ("value-not-a-model", lambda: _plan(value=3.0), DataError, "value must be"),
    ("seed-string", lambda: assess_roi(LOSS, _plan(), random_seed="abc"), DataError, "random_seed"),
    ("name-not-a-string", lambda: _plan(name=7), DataError, "name"),
    (
        "unfrozen-distribution",
        lambda: ComputeCost(usd_per_gpu_hour=stats.uniform),
        DataError,
        "usd_per_gpu_hour",
    ),
    (
        "plan-not-an-investment",
        lambda: compare_scales(np.c_[LOSS, LOSS], [_plan(), "7B"]),
        DataError,
        "plans[1]",
    ),
    (
        "do-nothing-not-a-bool",
        lambda: compare_scales(np.c_[LOSS], [_plan()], include_do_nothing="yes"),
        DataError,
        "include_do_nothing",
    ),
    # names and currencies
    (
        "duplicate-plan-names",
        lambda: compare_scales(np.c_[LOSS, LOSS], [_plan(name="x"), _plan(name="x")]),
        DataError,
        "repeated: ['x']",
    ),
    (
        "plans-in-two-currencies",
        lambda: compare_scales(
            np.c_[LOSS, LOSS],
            [
                _plan(name="a"),
                _plan(
                    name="b",
                    cost=ComputeCost(currency="EUR"),
                    value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6, currency="EUR"),
                ),
            ],
        ),
        DataError,
        "['EUR', 'USD']",
    ),
    (
        "cost-and-value-currencies-differ",
        lambda: _plan(cost=ComputeCost(currency="EUR")),
        DataError,
        "EUR",
    ),
    ("unknown-gpu", lambda: ComputeCost(gpu="Z100"), DataError, "Z100"),
    # shapes
    (
        "loss-columns-do-not-match-plans",
        lambda: compare_scales(np.c_[LOSS, LOSS, LOSS], _two_plans()),
        DataError,
        "3 column(s) but there are 2 plan(s)",
    ),
    ("no-plans", lambda: compare_scales(np.c_[LOSS], []), DataError, "plans is empty"),
    (
        "target-value-without-target",
        lambda: TargetValue(target_loss=np.nan, usd_if_met=1e6),
        DataError,
        "target_loss",
    ),
    # the amount of work
    ("workload-too-big", lambda: check_workload(20_000, 4000), ConfigError, "20,000 plans"),
    ("workload-zero-plans", lambda: check_workload(0, 4000), ConfigError, "n_plans"),
    # issue 13: data costs, currencies, payback targets
    (
        "per-sample-negative",
        lambda: ComputeCost(per_sample=-30.0, data_on_hand=8000),
        DataError,
        "per_sample must be >= 0",
    ),
    (
        "per-sample-without-data-on-hand",
        lambda: ComputeCost(per_sample=30.0),
        DataError,
        "data_on_hand=",
    ),
    (
        "plan-below-the-largest-pilot-run",
        lambda: _plan(tokens=5e10, cost=ComputeCost(per_sample=1e-6, data_on_hand=8e10)),
        DataError,
        "give tokens >= 8e+10",
    ),
    (
        "currency-not-iso-4217",
        lambda: ComputeCost(currency="ABC"),
        DataError,
        "ISO 4217",
    ),
    (
        "currency-name-not-code",
        lambda: LinearValue(baseline_loss=0.1, usd_per_loss_unit=1.0, currency="yen"),
        DataError,
        "the yen is 'JPY'",
    ),
    (
        "payback-target-zero",
        lambda: compare_scales(np.c_[LOSS], [_plan()], payback_target=0),
        DataError,
        "payback_target must be a positive number of months",
    ),
    (
        "payback-target-nan",
        lambda: assess_roi(LOSS, _plan(), payback_target=np.nan),
        DataError,
        "payback_target",
    ),
    (
        "kpi-target-text",
        lambda: assess_roi(LOSS, _plan(), kpi_target="5%"),
        DataError,
        "kpi_target",
    ),
    (
        "running-costs-without-horizon",
        lambda: _plan(running_per_year=1e5),
        DataError,
        "horizon_years",
    ),
    (
        "integration-negative",
        lambda: _plan(integration=-1.0),
        DataError,
        "integration must be >= 0",
    ),
    (
        "data-only-plan-without-measured-gpu-hours",
        lambda: Investment(tokens=5e4, value=VALUE, kinds={"tokens": "count"}),
        DataError,
        "pilot_gpu_hours=",
    ),
    (
        "pilot-gpu-hours-without-size",
        lambda: ComputeCost(pilot_gpu_hours=1.5),
        DataError,
        "pilot_size=",
    ),
    (
        "value-unit-percent",
        lambda: LinearValue(baseline_loss=0.1, usd_per_loss_unit=1.0, unit="percent"),
        DataError,
        "'percentage point'",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "culprit"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_risk_input_is_refused_naming_the_culprit(call, error, culprit):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, ScalingBayesError) and isinstance(info.value, ValueError)
    assert culprit in str(info.value), str(info.value)


def test_corpus_size():
    assert len(CASES) >= 15
    assert len({c[0] for c in CASES}) == len(CASES)


class _SpyModel:
    """Looks like a fitted model of 4 x 1000 posterior draws; any forecast fails the test."""

    def __init__(self):
        self.idata_ = az.from_dict(posterior={"E": np.zeros((4, 1000))})

    def posterior_draws(self):  # pragma: no cover - must not be reached
        raise AssertionError("posterior draws were read before the workload check")

    def predict(self, **_):  # pragma: no cover - must not be reached
        raise AssertionError("a forecast was made before the workload check")


def test_too_much_work_is_refused_before_any_forecast():
    plans = [_plan(name=f"p{i}", params=1e9 * (i + 1), tokens=2e10 * (i + 1)) for i in range(3)]
    with pytest.raises(ConfigError, match=r"3 plans on 4,000 joint draws.*max_bytes="):
        compare_scales(_SpyModel(), plans, max_bytes=1e5)
    # the same call within the limit reaches the model (and the spy)
    with pytest.raises(AssertionError, match="before the workload check"):
        compare_scales(_SpyModel(), plans)


def test_workload_estimate_scales_with_plans_and_draws():
    one = check_workload(1, 1000)
    assert check_workload(10, 1000) == pytest.approx(10 * one)
    assert check_workload(1, 4000) == pytest.approx(4 * one)
    assert check_workload(20_000, 4000, max_bytes=1e12) > 1e10  # the 30 GB case


@pytest.mark.parametrize(
    ("name", "dist"),
    [
        ("usd_per_loss_unit", stats.pareto(0.5, scale=1e5)),
        ("usd_per_loss_unit", stats.halfcauchy()),
    ],
)
def test_infinite_mean_input_warns_naming_the_input(name, dist):
    with pytest.warns(InputWarning, match=rf"{name} is a \w+ distribution with no finite mean"):
        LinearValue(baseline_loss=2.6, usd_per_loss_unit=dist)
