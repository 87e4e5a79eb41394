"""Law comparison logic on hand-built posteriors (the fits are replaced; no MCMC)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import hand_built_draws

import scaling_bayes as sb
import scaling_bayes.checks.comparison as comparison
from scaling_bayes.report.check_plots import plot_law_comparison, plot_prior_sensitivity
from scaling_bayes.testing import fit_from_draws


def _models(example_data):
    tight = fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False), example_data, hand_built_draws(0.01)
    )
    draws = hand_built_draws(0.01)
    # sigma spread over orders of magnitude: a few draws dominate every run's importance
    # weights, which is what a Pareto k far above 0.7 detects.
    draws["sigma"] = 0.002 * np.exp(1.5 * np.random.default_rng(1).standard_normal((4, 500)))
    wild = fit_from_draws(sb.ScalingLawModel("chinchilla", progressbar=False), example_data, draws)
    return tight, wild


def test_unreliable_psis_loo_says_so(example_data, monkeypatch):
    tight, wild = _models(example_data)
    monkeypatch.setattr(comparison, "map_fits", lambda tasks, **kw: [tight, wild])
    laws = [{"law": "chinchilla", "name": "tight"}, {"law": "chinchilla", "name": "wild"}]
    with pytest.warns(sb.ParetoKWarning, match=r"unreliable \(Pareto k > 0.7\) for wild"):
        cmp = sb.compare_laws(example_data, laws)
    assert not cmp.reliable
    assert bool(cmp.table.loc["tight", "reliable"])
    assert not bool(cmp.table.loc["wild", "reliable"])
    assert cmp.table.loc["wild", "n_bad_k"] > 0
    assert "NOT reliable" in cmp.text
    assert cmp.table["weight"].sum() == pytest.approx(1.0)


def test_mixed_forecast_takes_draws_in_proportion_to_weights(example_data, monkeypatch):
    tight, wild = _models(example_data)
    monkeypatch.setattr(comparison, "map_fits", lambda tasks, **kw: [tight, wild])
    laws = [{"law": "chinchilla", "name": "a"}, {"law": "chinchilla", "name": "b"}]
    with pytest.warns(sb.ParetoKWarning):
        cmp = sb.compare_laws(example_data, laws)
    forced = comparison.LawComparison(
        table=cmp.table.assign(weight=[0.25, 0.75]), models=cmp.models, reliable=False
    )
    mixed = forced.predict(params=[1e9], tokens=[2e10], random_seed=0, weights="stacking")
    assert mixed.flat_draws().shape[0] == 2000
    assert mixed.law == "mixed (stacking)"
    # Draws of model b have much wider noise (its sigma draws); the mixture's spread lies between.
    spread = {
        k: np.std(np.log(m.predict(params=[1e9], tokens=[2e10], random_seed=1).flat_draws()))
        for k, m in cmp.models.items()
    }
    mixed_spread = np.std(np.log(mixed.flat_draws()))
    assert min(spread.values()) < mixed_spread < max(spread.values())
    assert mixed.scales.loc[0, "compute"] == pytest.approx(6 * 1e9 * 2e10)


@pytest.mark.parametrize(
    ("laws", "match"),
    [
        (["chinchilla"], "at least two laws"),
        (["chinchilla", "chinchilla"], "listed twice"),
        ([{"x": "params"}, "power"], "a 'law' key"),
        (["chinchilla", "cubic"], "unknown law"),
    ],
)
def test_bad_law_lists(example_data, laws, match):
    with pytest.raises(sb.ConfigError, match=match):
        sb.compare_laws(example_data, laws)


def test_comparison_plot_draws_its_data(example_data, monkeypatch):
    tight, wild = _models(example_data)
    monkeypatch.setattr(comparison, "map_fits", lambda tasks, **kw: [tight, wild])
    laws = [{"law": "chinchilla", "name": "tight"}, {"law": "chinchilla", "name": "wild"}]
    with pytest.warns(sb.ParetoKWarning):
        cmp = sb.compare_laws(example_data, laws)
    assert cmp.lfo is None
    assert not cmp.table.attrs  # state lives in fields, not in the table
    data = comparison.law_comparison_plot_data(cmp)
    assert data.index.tolist() == cmp.table.index.tolist()
    _, ax = plot_law_comparison(cmp)
    # One marker per law, the unreliable one drawn hollow in its own series.
    series = [line for line in ax.get_lines() if line.get_marker() == "o"]
    xs = sorted(x for line in series for x in line.get_xdata())
    assert xs == sorted(data["elpd_loo"])
    assert [line.get_markerfacecolor() for line in series if len(line.get_xdata())][-1] in (
        "white",
        (1.0, 1.0, 1.0, 1.0),
    )


def test_map_fits_reissues_a_warning_several_fits_gave_once():
    from types import SimpleNamespace

    from scaling_bayes.checks.parallel import FitTask, _reissue

    same = (sb.DesignWarning, "only 3 distinct scales")
    models = [
        SimpleNamespace(fit_warnings_=[same]),
        SimpleNamespace(fit_warnings_=[same, (sb.ConvergenceWarning, "R-hat 1.2 for alpha")]),
        SimpleNamespace(fit_warnings_=[]),
    ]
    tasks = [FitTask({}, None, 0, label) for label in ("a", "b", "c")]
    with pytest.warns(sb.ScalingBayesWarning) as record:
        _reissue(models, tasks)
    assert sorted(str(w.message) for w in record) == [
        "[a, b] only 3 distinct scales",
        "[b] R-hat 1.2 for alpha",
    ]


# ---------------------------------------------------------------------------------- priors
def test_prior_sensitivity_keeps_its_state_in_fields(fitted_chinchilla, monkeypatch):
    """The refit is replaced by hand-built draws 3x wider: the forecast moves and widens."""
    from scaling_bayes.checks.prior_checks import prior_sensitivity_plot_data

    def hand_fit(self, data, *, random_seed=None, progressbar=None):
        return fit_from_draws(self, data, hand_built_draws(0.06, seed=1))

    monkeypatch.setattr(sb.ScalingLawModel, "fit", hand_fit)
    result = sb.prior_sensitivity(
        fitted_chinchilla, "literature", hdi_prob=0.8, params=[1e9, 7e9], tokens=[2e10, 1.4e11]
    )
    assert result.interval_prob == 0.8
    assert result.converged
    assert "80% interval" in result.text and "literature priors" in result.text
    table = result.table
    np.testing.assert_allclose(table["shift"], table["median_alternative"] - table["median_base"])
    data = prior_sensitivity_plot_data(result)
    assert data["priors"].tolist() == ["base", "base", "literature", "literature"]
    np.testing.assert_array_equal(data["median"][:2], table["median_base"])
    np.testing.assert_array_equal(data["upper"][2:], table["upper_alternative"])
    _, ax = plot_prior_sensitivity(result)
    assert len(ax.get_xticks()) == 2


def _far_apart(example_data):
    """Two fitted laws whose forecasts do not overlap: about 2.5 against 3.3 at N=1e9, D=2e10."""
    low = fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False), example_data, hand_built_draws(0.001)
    )
    high = fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False),
        example_data,
        hand_built_draws(0.001, E=2.6),
    )
    return low, high


def _comparison(example_data, monkeypatch, laws):
    low, high = _far_apart(example_data)
    monkeypatch.setattr(comparison, "map_fits", lambda tasks, **kw: [low, high])
    return sb.compare_laws(example_data, laws)


def test_mixed_forecast_takes_exactly_the_fixed_share_of_each_law(example_data, monkeypatch):
    laws = [{"law": "chinchilla", "name": "low"}, {"law": "chinchilla", "name": "high"}]
    cmp = _comparison(example_data, monkeypatch, laws)
    mixed = cmp.predict(params=[1e9], tokens=[2e10], random_seed=0, weights={"low": 1, "high": 3})
    draws = mixed.flat_draws()[:, 0]
    # largest-remainder rounding of 2000 draws: exactly 500 from the low law
    assert int((draws < 2.9).sum()) == 500
    assert mixed.law == "mixed (fixed)"


def test_mixed_forecast_uses_across_study_weights_by_default(example_data, monkeypatch):
    from scaling_bayes.core.mixture import preset_law_weights

    laws = [{"law": "chinchilla", "name": "low"}, {"law": "chinchilla", "name": "high"}]
    cmp = _comparison(example_data, monkeypatch, laws)
    # the stacking weights of these runs pile onto one law; the forecast does not follow them
    assert max(cmp.weights.values()) > 0.99
    default = cmp.forecast_weights()
    assert default == preset_law_weights({"low": "chinchilla", "high": "chinchilla"})
    assert default == {"low": 0.5, "high": 0.5}  # two variants of one law share its weight
    mixed = cmp.predict(params=[1e9], tokens=[2e10], random_seed=0)
    assert int((mixed.flat_draws()[:, 0] < 2.9).sum()) == 1000
    assert mixed.law == "mixed (across_studies)"


def test_preset_law_weights_follow_the_preset_within_a_group_and_split_across_groups():
    from scaling_bayes.core.mixture import MIXTURE_PRESET, preset_law_weights

    one = MIXTURE_PRESET["weights"]["one_axis"]
    w = preset_law_weights({"p": "power", "k": "kaplan", "b": "broken_power"})
    total = one["power"] + one["power_no_floor"] + one["broken_power"]
    assert w["p"] == pytest.approx(one["power"] / total)
    assert w["k"] == pytest.approx(one["power_no_floor"] / total)
    both = preset_law_weights({"p": "power", "c": "chinchilla", "b": "broken_power"})
    assert both["c"] == pytest.approx(0.5)  # the only two-axis law holds its group's half
    assert both["p"] + both["b"] == pytest.approx(0.5)
    pilot = MIXTURE_PRESET["pilot"]["weights"]["one_axis"]
    small = preset_law_weights({"p": "power", "k": "kaplan"}, n_runs=5)
    assert small["p"] == pytest.approx(pilot["power"] / (pilot["power"] + pilot["power_no_floor"]))


@pytest.mark.parametrize(
    "weights", ["loo", {"nope": 1.0}, {"low": -1.0, "high": 1.0}, {"low": 0.0, "high": 0.0}]
)
def test_bad_forecast_weights_are_refused(example_data, monkeypatch, weights):
    laws = [{"law": "chinchilla", "name": "low"}, {"law": "chinchilla", "name": "high"}]
    cmp = _comparison(example_data, monkeypatch, laws)
    with pytest.raises(sb.ConfigError, match="weights must"):
        cmp.predict(params=[1e9], tokens=[2e10], weights=weights)
