"""Review configs with the cost breakdown, payback and KPI targets of issue 13.

A factory's proof of concept on one data axis (labelled images), priced in yen: labelling per
added image, GPU-hours measured on the pilot runs, integration per plan, running costs, a KPI
target and a payback target set in advance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from app_helpers import no_sampling, write_review  # noqa: F401

import scaling_bayes as sb
from scaling_bayes.app.config import load_config
from scaling_bayes.app.preflight import preflight_review
from scaling_bayes.decision import compare_scales

SIZES = [1000, 2000, 4000, 8000, 16000]
ERRORS = [0.21, 0.16, 0.125, 0.10, 0.085]


def _factory(tmp_path, **changes):
    runs = tmp_path / "in" / "runs.csv"
    runs.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"images": SIZES, "error_rate": ERRORS}).to_csv(runs, index=False)
    raw = {
        "data": {"path": "runs.csv", "params": False, "tokens": "images", "loss": "error_rate"},
        "model": {"law": "power", "x": "tokens", "loss_unit": "error rate"},
        "cost": {
            "currency": "JPY",
            "per_gpu_hour": 450.0,
            "pilot_gpu_hours": 3.0,
            "per_sample": {"dist": "uniform", "low": 25, "high": 40},
            "fixed": 2_000_000,
            "running_per_year": 3_000_000,
        },
        "value": {
            "kind": "linear",
            "currency": "JPY",
            "baseline_loss": 0.085,
            "per_unit": 5_000_000,
            "unit": "percentage point",
            "horizon_years": 5,
            "discount_rate": 0.05,
        },
        "plans": [
            {"name": "50k images", "tokens": 50_000, "integration": 8_000_000},
            {"name": "200k images", "tokens": 200_000, "integration": 12_000_000},
        ],
        "decision": {"threshold": 0.2, "kpi_target": 0.05, "payback_months": 24},
        "memo": {"title": "検査モデルの拡張", "language": "ja"},
    }
    for key, value in changes.items():
        section, name = key.split("__")
        raw[section][name] = value
    return load_config(write_review(tmp_path / "in", raw))


def test_factory_config_builds_plans_with_their_own_costs(tmp_path, no_sampling):  # noqa: F811
    config = _factory(tmp_path)
    assert config.payback_target == 24.0 and config.kpi_target == 0.05
    inputs = preflight_review(config)
    small, large = inputs.plans
    # added images are counted from the largest pilot run (16k), GPU-hours from its 3 hours
    assert small.cost.data_on_hand == 16_000 and small.added_samples == 34_000
    assert small.cost.pilot_size == 16_000
    assert (small.integration, large.integration) == (8e6, 12e6)
    assert small.currency == "JPY" and small.value.unit == 0.01
    # the joint draws of the two plans: parts sum to the total; data cost = price x added images
    rng = np.random.default_rng(0)
    loss = np.column_stack([rng.normal(0.06, 0.004, 2000), rng.normal(0.05, 0.004, 2000)])
    ladder = compare_scales(
        loss,
        inputs.plans,
        random_seed=0,
        payback_target=config.payback_target,
        kpi_target=config.kpi_target,
    )
    table = ladder.table.set_index("plan")
    se = 15 / np.sqrt(12) / np.sqrt(2000)  # MC error of the mean labelling price
    assert table.loc["50k images", "expected_cost_data"] == pytest.approx(
        32.5 * 34_000, abs=4 * se * 34_000
    )
    assert table.loc["200k images", "expected_cost_compute"] == pytest.approx(
        450.0 * 3.0 * 200_000 / 16_000
    )
    assert ladder.payback_target == 24.0 and ladder.kpi_target == 0.05
    assert 0 <= table.loc["50k images", "p_payback_within_target"] <= 1
    assert no_sampling.calls == 0


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"cost__per_sample": -3}, r"\[cost\]\.per_sample must be at least 0"),
        ({"cost__currency": "YEN"}, r"\[cost\]\.currency must be an ISO 4217 code"),
        ({"decision__payback_months": 0}, r"\[decision\]\.payback_months = 0"),
        ({"value__currency": "USD"}, r"\[cost\]\.currency is 'JPY' but \[value\]\.currency is"),
    ],
)
def test_factory_config_refusals(tmp_path, changes, match):
    with pytest.raises(sb.ConfigError, match=match):
        _factory(tmp_path, **changes)


def test_a_plan_smaller_than_the_pilot_is_refused_before_anything(
    tmp_path,
    no_sampling,  # noqa: F811
):
    config = _factory(tmp_path)
    config.plans[0]["tokens"] = 10_000
    with pytest.raises(sb.ConfigError, match=r"#1\.tokens = 10000 is below the largest pilot run"):
        preflight_review(config)
    assert no_sampling.calls == 0


def test_data_axis_and_metric_in_the_users_words(tmp_path, no_sampling):  # noqa: F811
    runs = tmp_path / "in" / "runs.csv"
    runs.parent.mkdir(parents=True, exist_ok=True)
    # 500 images would look like "billions" to the language-model rules: kind = "count"
    pd.DataFrame({"images": [500, *SIZES[:4]], "error_rate": ERRORS}).to_csv(runs, index=False)
    raw = {
        "data": {
            "path": "runs.csv",
            "params": False,
            "tokens": "images",
            "loss": "error_rate",
            "kinds": {"tokens": "count"},
            "axis_labels": {"tokens": "labelled images"},
            "axis_units": {"tokens": "images"},
            "metric": {"name": "error rate", "unit": "fraction", "bounds": [0, 1]},
        },
        "model": {"x": "tokens"},
        "cost": {"currency": "JPY", "per_gpu_hour": 450.0, "pilot_gpu_hours": 3.0},
        "value": {"kind": "linear", "currency": "JPY", "baseline_loss": 0.085, "per_unit": 5e6},
        "plans": [{"name": "+50k", "tokens": 58_000}],
        "pilot": {"tokens": 16_000},
        "memo": {"title": "Inspection"},
    }
    config = load_config(write_review(tmp_path / "in", raw))
    inputs = preflight_review(config)  # no InputWarning: the axis is a count
    assert inputs.model.law == "saturating"  # chosen for a bounded metric
    assert inputs.data.metric.name == "error rate"
    assert inputs.data.axis_label("tokens") == "labelled images"
    assert inputs.plans[0].kinds == {"tokens": "count"}
    assert no_sampling.calls == 0


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"kinds": {"tokens": "images"}}, r"\[data\]\.kinds\.tokens must be one of"),
        ({"kinds": {"images": "count"}}, r"\[data\]\.kinds\.images: the axes are"),
        ({"metric": {"name": "error rate", "bounds": [1, 0]}}, r"\[data\]\.metric\.bounds"),
        ({"metric": {"name": "acc", "direction": "up"}}, r"\[data\]\.metric\.direction"),
    ],
)
def test_bad_axis_and_metric_keys(tmp_path, data, match):
    raw = {
        "data": {"path": "runs.csv", **data},
        "value": {"kind": "linear", "baseline_loss": 2.6, "per_unit": 1.0},
        "plans": [{"params": 1e9, "tokens": 2e10}],
        "memo": {"title": "t"},
    }
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "runs.csv").write_text("params,tokens,loss\n1,2,3\n")
    with pytest.raises(sb.ConfigError, match=match):
        load_config(write_review(tmp_path / "in", raw))
