"""assess_roi: sources (model, Forecast, arrays), table and text contract, warnings, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

import scaling_bayes as sb
from scaling_bayes import Forecast
from scaling_bayes.core.diagnostics import NOT_CONVERGED_BANNER
from scaling_bayes.core.exceptions import DataError, InputWarning
from scaling_bayes.decision import (
    ComputeCost,
    Investment,
    LinearValue,
    RiskResult,
    TargetValue,
    assess_roi,
)

testing = pytest.importorskip("scaling_bayes.testing")

#: Epoch AI's refit of the Chinchilla law (FACTS.md).
EPOCH = {"E": 1.817, "A": 482.0, "alpha": 0.348, "B": 2085.0, "beta": 0.366, "sigma": 0.01}

TABLE_ROWS = {
    "p_roi_above_threshold",
    "p_break_even",
    "expected_roi",
    "roi_p05",
    "roi_p25",
    "roi_p50",
    "roi_p75",
    "roi_p95",
    "expected_value_over_expected_cost",
    "var",
    "cvar",
    "expected_net_benefit",
    "expected_value",
    "expected_cost",
    "loss",
    "gpu_hours",
    "energy_mwh",
    "co2e_t",
    # issue 13: the cost by part, the payback period, NPV and the KPI target
    *(f"cost_{part}" for part in sb.COST_COMPONENTS),
    "payback_months",
    "p_payback_within_horizon",
    "p_payback_within_target",
    "npv",
    "p_kpi_target_met",
}


def issue_plan(**kwargs):
    """The plan of issue 3's example."""
    cost = ComputeCost(
        gpu="H100",
        usd_per_gpu_hour=stats.uniform(2, 2),
        mfu=stats.uniform(0.35, 0.2),
        fixed_usd=40_000,
        power_kw=0.7,
        pue=1.3,
        grid_gco2_per_kwh=475,
    )
    value = LinearValue(baseline_loss=2.60, usd_per_loss_unit=3_000_000)
    return Investment(**{"params": 7e9, "tokens": 1.4e11, "cost": cost, "value": value, **kwargs})


def loss_draws(n=4000, seed=0, mean=2.3, sd=0.05):
    return np.random.default_rng(seed).normal(mean, sd, n)


@pytest.fixture(scope="module")
def model():
    """A Chinchilla model 'fitted' with hand-built draws around Epoch's refit (no MCMC)."""
    data = sb.ScalingData.from_frame(sb.load_example())
    rng = np.random.default_rng(0)
    draws = {k: v * np.exp(0.02 * rng.standard_normal((4, 500))) for k, v in EPOCH.items()}
    return testing.fit_from_draws(sb.ScalingLawModel("chinchilla", progressbar=False), data, draws)


def test_table_has_every_metric_and_states_the_convention():
    risk = assess_roi(loss_draws(), issue_plan(), threshold=0.2, random_seed=0)
    assert isinstance(risk, RiskResult)
    assert set(risk.table.index) == TABLE_ROWS
    assert list(risk.table.columns) == [
        "estimate",
        "mc_se",
        "lower",
        "upper",
        "unit",
        "statistic",
        "definition",
        "pareto_k",
        "unreliable",
    ]
    # light-tailed inputs: every expectation has a Pareto k-hat, none is flagged
    expectations = ["expected_roi", "expected_net_benefit", "expected_value", "expected_cost"]
    assert (risk.table.loc[expectations, "pareto_k"] < 0.7).all()
    assert not risk.table["unreliable"].any() and not risk.heavy_tailed
    assert risk.table.loc[["p_roi_above_threshold", "roi_p50", "loss"], "pareto_k"].isna().all()
    attrs = risk  # the fields that replace table.attrs
    assert "ROI = (V - C) / C" in attrs.roi_convention and "break-even 0" in attrs.roi_convention
    assert attrs.threshold == 0.2 and attrs.converged is True and attrs.warning == ""
    assert attrs.n_draws == 4000 and attrs.random_seed == 0
    assert risk.table.loc["p_roi_above_threshold", "definition"] == "P(ROI > 0.2)"
    assert risk.probability == risk.table.loc["p_roi_above_threshold", "estimate"]
    for key in ("p_roi_above_threshold", "p_break_even"):
        assert 0 <= risk.table.loc[key, "estimate"] <= 1
        assert risk.table.loc[key, "mc_se"] >= 0


def test_text_reads_for_a_board_member():
    value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5)
    risk = assess_roi(loss_draws(), issue_plan(value=value), threshold=0.2, random_seed=0)
    assert 0.1 < risk.probability < 0.9
    text = risk.text
    assert "ROI = (V - C) / C" in text and "break-even is 0" in text
    assert "Monte Carlo error" in text and "%" in text
    assert "GPU-hours" in text and "MWh" in text and "CO2e" in text
    assert "Assumptions:" in text and "fixed costs USD 40k" in text
    assert str(risk) == text


def test_same_seed_same_numbers_and_seed_entropy_is_recorded():
    a = assess_roi(loss_draws(), issue_plan(), threshold=0.2, random_seed=5)
    b = assess_roi(loss_draws(), issue_plan(), threshold=0.2, random_seed=5)
    c = assess_roi(loss_draws(), issue_plan(), threshold=0.2, random_seed=6)
    assert a.table.equals(b.table)
    assert not a.table["estimate"].equals(c.table["estimate"])
    unseeded = assess_roi(loss_draws(), issue_plan(), random_seed=None)
    again = assess_roi(loss_draws(), issue_plan(), random_seed=unseeded.entropy)
    assert unseeded.table["estimate"].equals(again.table["estimate"])


def test_forecast_and_array_sources_agree():
    draws = loss_draws(2000)
    fc = Forecast.from_draws(draws[:, None], params=[7e9], tokens=[1.4e11])
    a = assess_roi(draws, issue_plan(), random_seed=1)
    b = assess_roi(fc, issue_plan(), random_seed=1)
    np.testing.assert_allclose(a.draws.roi, b.draws.roi)
    assert a.source == "draws" and b.source == "forecast"


def test_forecast_scale_is_matched_to_the_plan():
    draws = np.column_stack([loss_draws(1000, mean=2.5), loss_draws(1000, mean=2.3)])
    fc = Forecast.from_draws(draws, params=[1e9, 7e9], tokens=[2e10, 1.4e11])
    risk = assess_roi(fc, issue_plan(), random_seed=0)
    assert risk.table.loc["loss", "estimate"] == pytest.approx(2.3, abs=0.01)
    with pytest.raises(DataError, match="matches 0 of the forecast's 2 scales"):
        assess_roi(fc, issue_plan(params=3e9, tokens=6e10))
    single = Forecast.from_draws(draws[:, :1], params=[1e9], tokens=[2e10])
    with pytest.raises(DataError, match="does not match plan"):
        assess_roi(single, issue_plan())


def test_unconverged_forecast_says_so_everywhere():
    fc = Forecast.from_draws(
        loss_draws(1000)[:, None], params=[7e9], tokens=[1.4e11], converged=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fit warned once; results flag, never re-warn
        risk = assess_roi(fc, issue_plan(), random_seed=0)
    assert risk.converged is False
    assert risk.warning == NOT_CONVERGED_BANNER
    assert risk.text.startswith(NOT_CONVERGED_BANNER)


def test_threshold_in_percent_warns():
    with pytest.warns(InputWarning, match="pass threshold=0.2"):
        risk = assess_roi(loss_draws(500), issue_plan(), threshold=20)
    assert risk.threshold == 20


@pytest.mark.parametrize("threshold", [np.nan, "0.2", [0.1, 0.2], True])
def test_bad_threshold(threshold):
    with pytest.raises(DataError, match="threshold"):
        assess_roi(loss_draws(500), issue_plan(), threshold=threshold)


@pytest.mark.parametrize(
    ("source", "match"),
    [
        (np.ones((100, 2)) * 2.3, "2 column"),
        (np.array([2.3, -1.0, 2.2]), "positive and finite"),
        (np.array([2.3, np.nan, 2.2]), "positive and finite"),
        (np.array([2.3]), "at least 2"),
        ("draws", "source must be"),
    ],
)
def test_bad_loss_draws(source, match):
    with pytest.raises(DataError, match=match):
        assess_roi(source, issue_plan())


def test_bad_seed_and_kind():
    with pytest.raises(DataError, match="random_seed"):
        assess_roi(loss_draws(100), issue_plan(), random_seed=1.5)
    with pytest.raises(DataError, match="kind"):
        assess_roi(loss_draws(100), issue_plan(), kind="median")
    with pytest.raises(DataError, match="Investment"):
        assess_roi(loss_draws(100), "7B")


# ---------------------------------------------------------------------- fitted model
def test_model_source_predicts_at_the_plan_scale(model):
    risk = assess_roi(model, issue_plan(), threshold=0.2, random_seed=0)
    expected = sb.chinchilla_loss(7e9, 1.4e11, **{k: v for k, v in EPOCH.items() if k != "sigma"})
    assert risk.table.loc["loss", "estimate"] == pytest.approx(expected, rel=0.02)
    attrs = risk  # the fields that replace table.attrs
    assert attrs.source == "model" and attrs.n_draws == 2000
    assert "4 MCMC chain(s)" in attrs.ess_method
    assert attrs.extrapolation_ratio == pytest.approx(5.88e21 / model.data_.max_compute)
    assert "x the largest training compute observed" in risk.text


def test_model_source_with_a_compute_optimal_plan(model):
    plan = issue_plan(params=None, tokens=None, compute=5.88e21)
    risk = assess_roi(model, plan, random_seed=0)
    scale = risk.losses.scales.iloc[0]
    assert scale["compute_optimal"]
    assert scale["params"] * scale["tokens"] * 6 == pytest.approx(5.88e21, rel=0.05)
    assert "compute-optimal" in risk.text


def test_baseline_below_irreducible_loss_warns(model):
    plan = issue_plan(value=LinearValue(baseline_loss=1.5, usd_per_loss_unit=1e6))
    with pytest.warns(InputWarning, match="irreducible loss E"):
        assess_roi(model, plan, random_seed=0)
    target = issue_plan(value=TargetValue(target_loss=1.7, usd_if_met=1e6))
    with pytest.warns(InputWarning, match="target_loss=1.7"):
        assess_roi(model, target, random_seed=0)


def test_unfitted_model_is_rejected():
    with pytest.raises(DataError, match="not fitted"):
        assess_roi(sb.ScalingLawModel("chinchilla"), issue_plan())


def test_joint_draws_frame_has_every_column():
    frame = assess_roi(loss_draws(300), issue_plan(), random_seed=0).draws.frame()
    assert {"loss", "cost.usd_per_gpu_hour", "value.usd_per_loss_unit", "gpu_hours", "roi"} <= set(
        frame.columns
    )
    np.testing.assert_allclose(frame["roi"], (frame["value"] - frame["cost"]) / frame["cost"])


def test_one_axis_power_law_on_compute():
    data = sb.ScalingData.from_frame(sb.load_example())
    rng = np.random.default_rng(2)
    law = {"E": 1.8, "A": 2000.0, "alpha": 0.16, "sigma": 0.01}
    draws = {k: v * np.exp(0.005 * rng.standard_normal((4, 500))) for k, v in law.items()}
    model = testing.fit_from_draws(
        sb.ScalingLawModel("power", x="compute", progressbar=False), data, draws
    )
    risk = assess_roi(model, issue_plan(), random_seed=0)
    expected = 1.8 + 2000.0 * 5.88e21**-0.16
    assert risk.table.loc["loss", "estimate"] == pytest.approx(expected, rel=0.01)
