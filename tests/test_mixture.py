"""Form mixture: weights respected, forms fitted, summaries and forecasts (no MCMC)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import two_axis_runs

from scaling_bayes.core import mixture
from scaling_bayes.core.data import ScalingData
from scaling_bayes.core.discrepancy import Discrepancy
from scaling_bayes.core.exceptions import ConfigError, DataError, NotFittedError
from scaling_bayes.core.forecast import Forecast
from scaling_bayes.core.mixture import (
    FORMS,
    MIXTURE_PRESET,
    PILOT_MAX_RUNS,
    FormMixture,
    eligible,
    fit_form,
    forms_to_fit,
    learn_weights_and_tau,
    mix_draws,
)


@pytest.fixture(scope="module")
def fitted() -> FormMixture:
    data = ScalingData.from_frame(two_axis_runs())
    weights = {"chinchilla": 0.2, "alpha_eq_beta": 0.5, "farseer": 0.1, "kaplan_floor": 0.2}
    return FormMixture(weights=weights, discrepancy=None, draws=20000).fit(data)


def _binomial_band(p: float, n: int) -> float:
    # 4.5 standard errors: a false failure about once in 150,000 runs per check
    return 4.5 * np.sqrt(p * (1 - p) / n)


def test_mix_draws_respects_weights_within_binomial_error():
    n = 40000
    draws = {name: np.full((n, 2), float(i)) for i, name in enumerate("abc")}
    weights = {"a": 0.2, "b": 0.5, "c": 0.3}
    mixed, label = mix_draws(draws, weights, random_seed=1)
    for i, name in enumerate("abc"):
        share = np.mean(label == i)
        assert abs(share - weights[name]) < _binomial_band(weights[name], n)
        # each draw comes from its own form's array, at both scales
        assert np.all(mixed[label == i] == float(i))


def test_mixture_draws_follow_the_fixed_weights(fitted):
    parts = fitted.draw_components(
        {"params": np.array([1e10]), "tokens": np.array([2e11])}, random_seed=3
    )
    names = list(fitted.fits_)
    for i, name in enumerate(names):
        share = np.mean(parts["form"] == i)
        w = fitted.weights_[name]
        assert abs(share - w) < _binomial_band(w, fitted.draws)
    # no discrepancy was asked for: the offsets are exactly zero
    assert np.all(parts["log_offset"] == 0.0)


def test_zero_weight_form_never_drawn():
    n = 5000
    draws = {"a": np.zeros((n, 1)), "b": np.ones((n, 1))}
    mixed, label = mix_draws(draws, {"a": 1.0, "b": 0.0}, random_seed=0)
    assert np.all(label == 0) and np.all(mixed == 0.0)


def test_fit_form_recovers_a_noiseless_power_law():
    x = np.geomspace(1e7, 1e9, 15)
    fit = fit_form("power", {"params": x}, 1.8 + 400 * x**-0.34, x="params")
    alpha = float(np.exp(fit.theta[FORMS["power"].coords.index("log_alpha")]))
    assert alpha == pytest.approx(0.34, rel=0.05)
    # forecasts a noiseless point at 10x within 1%
    mean, _ = fit.predictive_log({"params": np.array([1e10])}, 2000, np.random.default_rng(0))
    assert np.exp(np.median(mean)) == pytest.approx(1.8 + 400 * 1e10**-0.34, rel=0.01)


def test_predict_returns_a_forecast_of_the_mixture(fitted):
    fc = fitted.predict(params=[1e10, 3e10], tokens=[2e11, 6e11], random_seed=0)
    assert isinstance(fc, Forecast)
    assert fc.law == "forms"
    assert fc.flat_draws().shape == (fitted.draws, 2)
    assert np.all(fc.flat_draws() > 0)
    largest = (fitted.data_.frame["params"] * fitted.data_.frame["tokens"]).max()
    assert fc.scales["extrapolation_ratio"].iloc[0] == pytest.approx(1e10 * 2e11 / largest)
    assert fc.scales["compute"].iloc[0] == pytest.approx(6 * 1e10 * 2e11)


def test_from_fits_builds_a_mixture_without_refitting():
    x = np.geomspace(1e7, 1e9, 12)
    loss = 1.8 + 400 * x**-0.34
    fits = {f: fit_form(f, {"params": x}, loss, x="params") for f in ("power", "power_no_floor")}
    mix = FormMixture.from_fits(fits, x="params", weights={"power": 3.0, "power_no_floor": 1.0})
    assert mix.weights_ == pytest.approx({"power": 0.75, "power_no_floor": 0.25})
    fc = mix.predict(params=[1e10], random_seed=0)
    assert fc.scales["extrapolation_ratio"].iloc[0] == pytest.approx(10.0)
    assert mix.fits_["power"] is fits["power"]


def test_summary_lists_every_form_with_its_weight(fitted):
    table = fitted.summary()
    assert set(table["form"]) == set(fitted.fits_)
    for name, w in fitted.weights_.items():
        assert np.allclose(table.loc[table["form"] == name, "weight"], w)
    alpha = table[(table["form"] == "chinchilla") & (table["parameter"] == "alpha")]["mean"]
    assert 0.2 < float(alpha.iloc[0]) < 0.5  # truth 0.34
    assert not table["fitted_by_prior"].any()  # every form has two runs more than parameters


def test_summary_flags_the_forms_a_pilot_fits_by_their_priors(monkeypatch):
    monkeypatch.setitem(MIXTURE_PRESET["pilot"], "forms", "all")
    pilot = FormMixture(discrepancy=None, draws=100).fit(ScalingData.from_frame(two_axis_runs(6)))
    flags = pilot.summary().groupby("form")["fitted_by_prior"].first()
    assert flags.to_dict() == {name: not eligible(name, 6) for name in pilot.fits_}
    assert flags["farseer"] and not flags["chinchilla"]


def test_interval_parts_add_up_and_form_part_grows_with_extrapolation():
    data = ScalingData.from_frame(two_axis_runs())
    disc = Discrepancy(np.array([0.01]), np.array([1.0]))
    mix = FormMixture(
        weights={"chinchilla": 1.0}, forms=("chinchilla",), discrepancy=disc, draws=20000
    ).fit(data)
    parts = mix.interval_parts(params=[5e8, 1e11], tokens=[1e10, 2e12], random_seed=0)
    assert (parts[["noise", "law", "form"]] >= 0).all().all()
    # inside the data the discrepancy adds nothing beyond Monte Carlo error; far out it does
    assert parts["form"].iloc[0] < 0.2 * parts["width"].iloc[0]
    assert parts["form"].iloc[1] > parts["form"].iloc[0]


@pytest.mark.parametrize("rule", ["eligible", "all"])
def test_pilot_fits_follow_the_presets_forms_rule(monkeypatch, rule):
    monkeypatch.setitem(MIXTURE_PRESET["pilot"], "forms", rule)
    data = ScalingData.from_frame(two_axis_runs(n=6))
    mix = FormMixture(weights="preset", discrepancy=None, draws=100).fit(data)
    two = {n for n in FORMS if FORMS[n].axes == ("params", "tokens")}
    expected = two if rule == "all" else {n for n in two if eligible(n, 6)}
    assert "farseer" in two - {n for n in two if eligible(n, 6)}  # the rules differ at 6 runs
    assert set(mix.fits_) == expected
    assert set(mix.skipped_) == two - expected
    assert sum(mix.weights_.values()) == pytest.approx(1.0)


def test_fits_above_the_pilot_size_keep_the_eligible_forms_whatever_the_pilot_rule(monkeypatch):
    # at the package's sizes every form is eligible above PILOT_MAX_RUNS; a smaller pilot size
    # shows that the rule stops there
    monkeypatch.setitem(MIXTURE_PRESET["pilot"], "forms", "all")
    monkeypatch.setattr(mixture, "PILOT_MAX_RUNS", 5)
    two = tuple(n for n in FORMS if FORMS[n].axes == ("params", "tokens"))
    assert forms_to_fit(two, 5) == two
    assert forms_to_fit(two, 6) == tuple(n for n in two if eligible(n, 6)) != two


@pytest.mark.parametrize("preset", [MIXTURE_PRESET, MIXTURE_PRESET["pilot"]])
def test_preset_weights_are_probabilities(preset):
    for group in ("two_axis", "one_axis"):
        weights = preset["weights"][group]
        assert all(w >= 0 for w in weights.values())
        assert sum(weights.values()) == pytest.approx(1.0, abs=1e-3)
    assert sum(preset["tau_prob"]) == pytest.approx(1.0, abs=1e-3)


def test_pilots_use_the_pilot_preset():
    small = FormMixture(draws=100).fit(ScalingData.from_frame(two_axis_runs(n=PILOT_MAX_RUNS)))
    large = FormMixture(draws=100).fit(ScalingData.from_frame(two_axis_runs(n=PILOT_MAX_RUNS + 1)))
    pilot_tau = np.asarray(MIXTURE_PRESET["pilot"]["tau_prob"])
    assert np.allclose(small.discrepancy_.tau_prob, pilot_tau / pilot_tau.sum())
    full_tau = np.asarray(MIXTURE_PRESET["tau_prob"])
    assert np.allclose(large.discrepancy_.tau_prob, full_tau / full_tau.sum())


def test_default_mixture_uses_the_preset_and_widens_far_forecasts():
    mix = FormMixture(draws=4000).fit(ScalingData.from_frame(two_axis_runs()))
    assert mix.discrepancy_.mean_tau > 0
    table = MIXTURE_PRESET["weights"]["two_axis"]
    total = sum(table[n] for n in mix.fits_)
    for name, w in mix.weights_.items():
        assert w == pytest.approx(table[name] / total)
    fc = mix.predict(params=[1e9, 1e11], tokens=[2e10, 2e12], random_seed=0)
    summary = fc.summary()
    width = (summary["upper"] - summary["lower"]) / summary["median"]
    assert width.iloc[1] > width.iloc[0]


def test_learned_weights_favour_the_form_that_was_right_elsewhere():
    rng = np.random.default_rng(0)
    rows = []
    for study in range(8):
        for run in range(3):
            y = rng.normal(0.0, 0.01)
            for form, bias in (("good", 0.0), ("bad", 0.08)):
                rows.append(
                    dict(
                        group="g",
                        study=study,
                        run=run,
                        form=form,
                        mu=y + bias,
                        sd=0.01,
                        y=y,
                        distance=1.0,
                    )
                )
    weights, disc = learn_weights_and_tau(pd.DataFrame(rows), {"g": ("good", "bad")})
    assert weights["g"]["good"] > 0.8
    assert disc.mean_tau < 0.02


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"forms": ("nope",)}, "unknown form"),
        ({"forms": ("power",)}, "do not take axes"),
        ({"weights": "heavy"}, "weights must be"),
        ({"weights": {"chinchilla": -1.0}}, "non-negative"),
        ({"discrepancy": 0.01}, "discrepancy must be"),
        ({"draws": 2}, "draws must be"),
        ({"x": "seconds", "forms": ("power",)}, "x must be"),
    ],
)
def test_bad_arguments_raise_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        FormMixture(**kwargs)


def test_predict_before_fit_and_wrong_axes():
    mix = FormMixture(discrepancy=None)
    with pytest.raises(NotFittedError, match="call fit"):
        mix.predict(params=[1e9], tokens=[2e10])
    mix.fit(ScalingData.from_frame(two_axis_runs()))
    with pytest.raises(DataError, match="params, tokens"):
        mix.predict(compute=[1e21])
    with pytest.raises(DataError, match="positive"):
        mix.predict(params=[-1.0], tokens=[2e10])
