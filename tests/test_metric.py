"""Declared metrics: name, unit, direction and bounds, from the data table to the forecast."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import scaling_bayes as sb
from scaling_bayes.core.data import design_problems
from scaling_bayes.core.forecast import Forecast
from scaling_bayes.core.metric import ACCURACY, ERROR_RATE, LM_LOSS, Metric, as_metric, default_law
from scaling_bayes.testing import fit_from_draws

IMAGES = [500, 1000, 2000, 4000, 8000]
ERRORS = [0.21, 0.16, 0.125, 0.10, 0.085]


def factory_runs(**columns) -> pd.DataFrame:
    return pd.DataFrame({"labelled_images": IMAGES, "error_rate": ERRORS, **columns})


def factory_data(metric=ERROR_RATE, loss="error_rate", runs=None) -> sb.ScalingData:
    return sb.ScalingData.from_frame(
        factory_runs() if runs is None else runs,
        params=None,
        tokens="labelled_images",
        loss=loss,
        kinds={"tokens": "count"},
        metric=metric,
    )


def saturating_draws(chains: int = 2, draws: int = 400, seed: int = 0) -> dict:
    """Posterior-like draws of the saturating law near the factory's curve (sampled params)."""
    rng = np.random.default_rng(seed)
    centre = {
        "E_fraction": 0.55,
        "a": 0.85,
        "alpha": 0.55,
        "ceiling_fraction": 0.8,
        "shape": 1.0,
        "sigma": 0.03,
    }
    out = {k: v * np.exp(0.05 * rng.standard_normal((chains, draws))) for k, v in centre.items()}
    out["E_fraction"] = np.minimum(out["E_fraction"], 0.95)
    out["ceiling_fraction"] = np.minimum(out["ceiling_fraction"], 0.99)
    return out


def fitted_saturating(data: sb.ScalingData) -> sb.ScalingLawModel:
    model = sb.ScalingLawModel("saturating", x="tokens", progressbar=False)
    return fit_from_draws(model, data, saturating_draws(), random_seed=0)


# ---------------------------------------------------------------------- the Metric object
def test_default_metric_is_todays_loss():
    metric = Metric()
    assert metric == LM_LOSS
    assert (metric.lower, metric.upper, metric.is_bounded) == (0.0, np.inf, False)
    assert default_law(metric) is None
    assert default_law(ERROR_RATE) == "saturating"


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"direction": "up"}, ["direction", "'lower' or 'higher'"]),
        ({"bounds": (1, 0)}, ["bounds", "lower bound below the upper"]),
        ({"bounds": (0, "1")}, ["bounds", "numbers"]),
        ({"bounds": (0, 1, 2)}, ["two numbers"]),
        ({"bounds": (-np.inf, 1)}, ["finite lower bound"]),
        ({"direction": "higher"}, ["higher-is-better", "bounds=(0, 1)"]),
        ({"name": ""}, ["name", "non-empty"]),
    ],
)
def test_bad_metric_declarations_name_the_argument_and_fix(kwargs, words):
    with pytest.raises(sb.DataError) as info:
        Metric(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_metric_from_dict_and_unknown_key():
    metric = as_metric({"name": "accuracy", "unit": "%", "direction": "higher", "bounds": [0, 100]})
    assert metric.bounds == (0.0, 100.0) and metric.loss_upper == 100.0
    assert Metric.from_dict(metric.to_dict()) == metric
    with pytest.raises(sb.DataError, match=r"unknown key.*bound"):
        as_metric({"name": "accuracy", "bound": (0, 1)})
    with pytest.raises(sb.DataError, match="Metric or a dict"):
        as_metric("accuracy")


def test_complement_round_trip():
    values = np.array([0.2, 0.5, 0.999])
    assert np.allclose(ACCURACY.to_loss(values), 1 - values)
    assert np.allclose(ACCURACY.from_loss(ACCURACY.to_loss(values)), values)
    perplexity = Metric("perplexity", "ratio", "lower", (1.0, np.inf))
    assert np.allclose(perplexity.to_loss([3.0]), [2.0])
    assert np.allclose(perplexity.from_loss([2.0]), [3.0])


# ---------------------------------------------------------------------- the data layer
def test_default_metric_leaves_the_loss_untouched():
    runs = pd.DataFrame(
        {"params": [1e7, 1e8, 1e9], "tokens": [2e8, 2e9, 2e10], "loss": [4, 3, 2.5]}
    )
    data = sb.ScalingData.from_frame(runs)
    assert data.metric == LM_LOSS
    assert data.loss.tolist() == [4.0, 3.0, 2.5]
    assert data.metric_values.tolist() == [4.0, 3.0, 2.5]


def test_error_rate_is_modelled_as_itself():
    data = factory_data()
    assert np.allclose(data.loss, ERRORS)
    assert data.metric.name == "error rate"
    assert "error rate (fraction)" in repr(data)


@pytest.mark.parametrize("bad, row", [(1.2, 3), (0.0, 0), (1.0, 4), (-0.1, 2)])
def test_values_outside_bounds_are_refused_naming_column_row_and_fix(bad, row):
    errors = list(ERRORS)
    errors[row] = bad
    runs = factory_runs(error_rate=errors)
    with pytest.raises(sb.DataError) as info:
        factory_data(runs=runs)
    message = str(info.value)
    assert "'error_rate'" in message and f"row {row}" in message
    assert "strictly between" in message and "nothing is clipped" in message


def test_percentages_declared_as_fractions_get_a_hint():
    runs = factory_runs(error_rate=[100 * e for e in ERRORS])
    with pytest.raises(sb.DataError, match="percentages: divide the column by 100"):
        factory_data(runs=runs)


def test_accuracy_is_modelled_on_its_complement():
    runs = factory_runs(accuracy=[1 - e for e in ERRORS])
    data = factory_data(ACCURACY, "accuracy", runs)
    assert np.allclose(data.loss, ERRORS)  # 1 - accuracy: falls with scale
    assert np.allclose(data.metric_values, runs["accuracy"])
    assert data.select(mask=[True, True, True, True, False]).metric == ACCURACY
    assert np.allclose(data.select(mask=[True] * 4 + [False]).metric_values, runs["accuracy"][:4])


def test_higher_is_better_metric_that_falls_is_refused_with_the_test_named():
    runs = factory_runs(accuracy=ERRORS)  # an error rate declared as accuracy
    with pytest.raises(sb.DataError) as info:
        factory_data(ACCURACY, "accuracy", runs)
    message = str(info.value)
    assert "'accuracy'" in message and "higher-is-better" in message
    assert "Spearman rank correlation" in message and "-1.00" in message
    assert "direction='lower'" in message


def test_noisy_flat_accuracy_is_not_refused():
    # rho = -0.2: not a clear fall (the fit's design check reports a rising loss instead).
    runs = factory_runs(accuracy=[0.90, 0.92, 0.91, 0.89, 0.905])
    data = factory_data(ACCURACY, "accuracy", runs)
    assert data.n_runs == 5
    problems = design_problems(data, ["tokens"])
    assert any("accuracy falls with scale (rank correlation +0.20)" in p for p in problems)


def test_metric_given_as_dict_and_bad_metric_argument():
    data = factory_data({"name": "miss rate", "unit": "fraction", "bounds": (0, 1)})
    assert data.metric.name == "miss rate" and data.metric.is_bounded
    with pytest.raises(sb.DataError, match="direction"):
        factory_data({"name": "miss rate", "unit": "fraction", "direction": "down"})
    with pytest.raises(sb.DataError, match=r"needs its unit, e\.g\. unit='fraction'"):
        factory_data({"name": "miss rate", "bounds": (0, 1)})


# ---------------------------------------------------------------------- forecasts
def test_forecast_of_an_accuracy_reports_accuracy_and_stays_in_bounds():
    runs = factory_runs(accuracy=[1 - e for e in ERRORS])
    model = fitted_saturating(factory_data(ACCURACY, "accuracy", runs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.ExtrapolationWarning)  # 1e12 is far on purpose
        forecast = model.predict(tokens=[5e4, 2e5, 1e12], random_seed=0)
    assert forecast.metric == ACCURACY
    accuracy = forecast.metric_draws().values
    assert np.all((accuracy > 0) & (accuracy < 1))
    assert np.allclose(accuracy, 1 - forecast.draws.values)
    table = forecast.summary(hdi_prob=0.9)
    assert table.attrs["metric"] == "accuracy" and table.attrs["direction"] == "higher"
    flat = 1 - forecast.flat_draws()
    assert np.allclose(table["median"], np.median(flat, axis=0))
    assert np.allclose(table["lower"], np.quantile(flat, 0.05, axis=0))
    # Higher is better: more images, higher forecast accuracy, above the last observed.
    assert table["median"].is_monotonic_increasing
    assert table["median"].iloc[0] > runs["accuracy"].iloc[-1]


def test_error_rate_draws_stay_inside_bounds_far_out_and_far_in():
    model = fitted_saturating(factory_data())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.ExtrapolationWarning)
        forecast = model.predict(tokens=[1.0, 10.0, 5e4, 1e15], random_seed=1)
    for kind in ("predictive", "mean"):
        draws = forecast.metric_draws(kind).values
        assert np.all((draws > 0) & (draws < 1))
    assert np.all(forecast.mean_draws.values[..., 0] > forecast.mean_draws.values[..., -1])


def test_from_draws_with_a_bounded_metric_refuses_draws_beyond_the_bound():
    with pytest.raises(sb.DataError, match="below 1"):
        Forecast.from_draws(np.full((10, 1), 1.2), tokens=[1e4], metric=ERROR_RATE)
    forecast = Forecast.from_draws(np.full((10, 1), 0.2), tokens=[1e4], metric=ERROR_RATE)
    assert forecast.summary()["median"].iloc[0] == pytest.approx(0.2)


def test_unbounded_law_on_a_bounded_metric_is_refused_before_sampling(monkeypatch):
    def spy(*args, **kwargs):
        raise AssertionError("sampling started")

    monkeypatch.setattr("scaling_bayes.core.sampling.sample_posterior", spy)
    model = sb.ScalingLawModel("power", x="tokens", progressbar=False)
    with pytest.raises(sb.DataError, match="law='saturating'"):
        model.fit(factory_data(), random_seed=0)
    unbounded = factory_data(metric=None)
    with pytest.raises(sb.DataError, match="needs a bounded metric"):
        sb.ScalingLawModel("saturating", x="tokens").fit(unbounded, random_seed=0)


def test_saved_model_keeps_its_metric_and_axis_names(tmp_path):
    runs = factory_runs(accuracy=[1 - e for e in ERRORS])
    data = sb.ScalingData.from_frame(
        runs,
        params=None,
        tokens="labelled_images",
        loss="accuracy",
        kinds={"tokens": "count"},
        metric=ACCURACY,
        axis_units={"tokens": "images"},
    )
    model = fitted_saturating(data)
    model.save(tmp_path / "fit.nc")
    loaded = sb.ScalingLawModel.load(tmp_path / "fit.nc", law="saturating")
    assert loaded.data_.metric == ACCURACY
    assert np.allclose(loaded.data_.metric_values, runs["accuracy"])
    assert loaded.data_.axis_unit("tokens") == "images"
    assert loaded.data_.axis_label("tokens") == "labelled images"
    before = model.predict(tokens=[5e4], random_seed=3).summary()["median"]
    after = loaded.predict(tokens=[5e4], random_seed=3).summary()["median"]
    assert np.allclose(before, after)
