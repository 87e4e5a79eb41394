"""One result shape for every decision result: typed fields, .table, .text, plot_data()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.core.exceptions import ScalingBayesError
from scaling_bayes.decision import (
    AcceptabilityCurve,
    DecisionResult,
    EVPIResult,
    Investment,
    LinearValue,
    PilotValue,
    RiskResult,
    ScaleLadder,
    TargetBudget,
    TornadoResult,
    acceptability_curve,
    assess_roi,
    compare_scales,
    evpi,
    tornado,
)
from scaling_bayes.decision.results import TEXT_RENDERERS

VALUE = LinearValue(baseline_loss=2.6, usd_per_loss_unit=stats.uniform(1e6, 1e6))


def _plans():
    return [Investment(params=n, tokens=20 * n, value=VALUE) for n in (1e9, 3e9, 7e9)]


@pytest.fixture(scope="module")
def loss():
    rng = np.random.default_rng(1)
    return np.column_stack([rng.normal(m, 0.04, 3000) for m in (2.45, 2.35, 2.30)])


@pytest.fixture(scope="module")
def ladder(loss):
    return compare_scales(loss, _plans(), threshold=0.1, random_seed=3)


@pytest.fixture(scope="module")
def risk(loss):
    return assess_roi(loss[:, 2], _plans()[2], threshold=0.1, random_seed=3)


def test_every_result_shares_the_base_shape(ladder, risk):
    results = [
        ladder,
        risk,
        tornado(risk),
        acceptability_curve(ladder),
        evpi(ladder),
    ]
    kinds = [ScaleLadder, RiskResult, TornadoResult, AcceptabilityCurve, EVPIResult]
    for result, kind in zip(results, kinds, strict=True):
        assert isinstance(result, kind) and isinstance(result, DecisionResult)
        assert isinstance(result.table, pd.DataFrame) and not result.table.empty
        assert isinstance(result.text, str) and len(result.text) > 20
        assert str(result) == result.text
        assert result.converged is True and result.warning == ""
    for cls in (PilotValue, TargetBudget):
        assert issubclass(cls, DecisionResult)


def test_fields_replace_the_attrs(ladder, risk):
    # the ladder's fields are consistent with its own table
    t = ladder.table
    best_row = t["expected_net_benefit"].idxmax()
    assert ladder.best == t["plan"].iloc[best_row]
    assert ladder.stop_point in set(t["plan"])
    assert ladder.currency == "USD" and ladder.n_draws == 3000 and ladder.threshold == 0.1
    nb, _ = ladder.net_benefit_matrix()
    regret = nb.max(axis=1) - nb[:, np.argmax(nb.mean(axis=0))]
    assert ladder.evpi == pytest.approx(regret.mean())
    assert risk.interval_prob == 0.9 and risk.var_level == 0.95 and risk.kind == "predictive"
    assert risk.probability == risk.table.loc["p_roi_above_threshold", "estimate"]


def test_old_attrs_still_read_with_a_deprecation_warning(ladder, risk):
    with pytest.warns(DeprecationWarning, match=r"ScaleLadder\.best"):
        assert ladder.table.attrs["best"] == ladder.best
    with pytest.warns(DeprecationWarning, match=r"RiskResult\.entropy"):
        assert risk.table.attrs["seed_entropy"] == risk.entropy
    with pytest.warns(DeprecationWarning, match="evpi"):
        assert ladder.table.attrs.get("evpi") == ladder.evpi


def test_frame_like_results_still_answer_dataframe_calls(risk, ladder):
    result = tornado(risk)
    with pytest.warns(DeprecationWarning, match=r"result\.table\["):
        inputs = result["input"].tolist()
    assert inputs == result.table["input"].tolist()
    curve = acceptability_curve(ladder)
    with pytest.warns(DeprecationWarning, match=r"result\.table\.groupby"):
        groups = curve.groupby("plan").size()
    assert groups.sum() == len(curve.table)
    with pytest.raises(AttributeError, match="no attribute"):
        _ = curve.not_a_frame_method


def test_evpi_still_unpacks_as_a_tuple(ladder):
    result = evpi(ladder)
    value, se = result
    assert (value, se) == (result.value, result.mc_se) == (ladder.evpi, ladder.evpi_mc_se)
    assert result.table.loc["evpi", "estimate"] == value
    assert "EVPI" in result.text


def test_ladder_text_is_written_by_the_report_layer(ladder):
    from scaling_bayes.report.decision_text import ladder_text

    assert TEXT_RENDERERS["ScaleLadder"] is ladder_text
    assert ladder.text == ladder_text(ladder)
    assert "highest expected net benefit" in ladder.text or "Doing nothing" in ladder.text


def test_plot_data_twin_is_the_report_plot_data(ladder, risk):
    from scaling_bayes.report.decision_plots import roi_plot_data, scale_ladder_plot_data

    assert ladder.plot_data().equals(scale_ladder_plot_data(ladder))
    assert risk.plot_data(n_dots=20).equals(roi_plot_data(risk, n_dots=20))


def test_missing_renderer_raises_a_clear_error():
    # decision cannot import report; a result class nobody registered says what to import
    class Orphan(DecisionResult):
        pass

    with pytest.raises(ScalingBayesError, match=r"no text is registered for Orphan.*import"):
        _ = Orphan(table=pd.DataFrame()).text


def test_joint_draws_are_a_labelled_dataset_that_arviz_reads():
    import arviz as az

    rng = np.random.default_rng(2)
    # four autocorrelated "chains" of loss draws: ESS must come out below the number of draws
    walk = 0.02 * np.cumsum(rng.normal(size=(4, 500, 3)), axis=1)
    loss = (np.array([2.45, 2.35, 2.30]) + walk + 0.03 * rng.normal(size=(4, 500, 3))).reshape(
        -1, 3
    )
    fc = sb.Forecast.from_draws(
        loss.reshape(4, 500, 3), params=[1e9, 3e9, 7e9], tokens=[2e10, 6e10, 1.4e11]
    )
    ladder = compare_scales(fc, _plans(), random_seed=0)
    ds = ladder.joint
    assert ds["net_benefit"].dims == ("chain", "draw", "plan")
    parts = {f"cost_{k}" for k in sb.COST_COMPONENTS}
    rest = {"loss", "cost", "value", "net_benefit", "roi", "payback_months"}
    assert set(ds.data_vars) - parts == rest
    assert set(ds.data_vars) >= parts  # the cost's parts sum to the cost
    np.testing.assert_allclose(sum(ds[k] for k in parts), ds["cost"], rtol=1e-12)
    assert list(ds["plan"].values) == list(ladder.table["plan"])
    np.testing.assert_allclose(
        ds["net_benefit"] - (ds["value"] - ds["cost"]),
        0.0,
        atol=1e-6 * float(abs(ds["cost"]).max()),
    )
    ess = az.ess(ds, method="mean")
    assert ess["net_benefit"].dims == ("plan",)
    assert (ess["net_benefit"] < 2000).all() and (ess["net_benefit"] > 0).all()
    # the table's Monte Carlo error of E[NB] is sd / sqrt(ArviZ's ESS) on the same arrays
    nb = ds["net_benefit"].values
    for j in range(3):
        expected = nb[..., j].std(ddof=1) / np.sqrt(
            min(float(ess["net_benefit"][j]), nb[..., j].size)
        )
        assert ladder.table["expected_net_benefit_mc_se"].iloc[j] == pytest.approx(expected)


def test_every_result_class_has_a_text_and_a_plot_data_twin():
    from scaling_bayes.decision.results import PLOT_DATA

    names = ["RiskResult", "ScaleLadder", "TornadoResult", "AcceptabilityCurve", "EVPIResult"]
    names += ["PilotValue", "TargetBudget"]
    for name in names:
        assert name in TEXT_RENDERERS and name in PLOT_DATA, name


def test_evpi_plot_data_is_its_table(ladder):
    result = evpi(ladder)
    data = result.plot_data()
    assert data.loc["evpi", "estimate"] == result.value and data.attrs["currency"] == "USD"
