"""The saturating law and the logit-scale noise model for bounded metrics (error rates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import potential_and_expected
from scipy import integrate, stats

import scaling_bayes as sb
from scaling_bayes.core.laws import get_law, mean_loss, published_parameters
from scaling_bayes.core.likelihood import (
    STUDENT_T_LOG_LOSS,
    StudentTLogitBounded,
    get_likelihood,
    likelihood_for,
)
from scaling_bayes.core.metric import ERROR_RATE
from scaling_bayes.core.priors import default_priors

LAW = get_law("saturating")
IMAGES = [500, 1000, 2000, 4000, 8000]
ERRORS = [0.21, 0.16, 0.125, 0.10, 0.085]


def law_values(**overrides) -> dict:
    values = {"E_fraction": 0.5, "a": 1.0, "alpha": 0.5, "ceiling_fraction": 0.8, "shape": 1.0}
    return {**values, **overrides}


def evaluate(x, upper=1.0, y_min=0.1, **overrides) -> np.ndarray:
    return mean_loss(
        LAW,
        law_values(**overrides),
        {"tokens": np.asarray(x, float)},
        x="tokens",
        reference={"tokens": 1e3},
        y_min=y_min,
        upper=upper,
    )


def _bounded_data(metric):
    runs = pd.DataFrame({"images": IMAGES, "error": ERRORS})
    if metric.direction == "higher":
        runs["error"] = 1.0 - runs["error"]
    return sb.ScalingData.from_frame(
        runs, params=None, tokens="images", loss="error", kinds={"tokens": "count"}, metric=metric
    )


# ---------------------------------------------------------------------- the law
@pytest.mark.parametrize("shape", [0.3, 1.0, 4.0])
def test_law_is_a_power_law_with_floor_far_out_and_the_ceiling_far_in(shape):
    values = law_values(shape=shape)
    floor = values["E_fraction"] * 0.1
    ceiling = floor + values["ceiling_fraction"] * (1.0 - floor)
    # Far enough that (u / room)^shape is below 1e-8 (or above 1e8) even for a gentle shape.
    x = 1e3 * np.array([1e-60, 1e60])
    near, far = evaluate(x, shape=shape)
    power_far = 0.1 * values["a"] * 1e60 ** -values["alpha"]
    assert near == pytest.approx(ceiling, rel=1e-6)
    assert far - floor == pytest.approx(power_far, rel=1e-6)


def test_law_stays_between_floor_and_ceiling_and_falls():
    rng = np.random.default_rng(0)
    x = np.geomspace(1e-3, 1e15, 60)
    for _ in range(50):
        values = law_values(
            E_fraction=rng.uniform(0.01, 0.99),
            a=rng.lognormal(0, 1.5),
            alpha=rng.lognormal(np.log(0.3), 0.8),
            ceiling_fraction=rng.uniform(0.01, 0.99),
            shape=rng.lognormal(0, 0.7),
        )
        curve = evaluate(x, **values)
        floor = values["E_fraction"] * 0.1
        ceiling = floor + values["ceiling_fraction"] * (1 - floor)
        tol = 1e-12  # rounding of y_min * (share) at the ends
        assert np.all((curve >= floor * (1 - tol)) & (curve <= ceiling * (1 + tol)))
        assert np.all(curve < 1.0)
        assert np.all(np.diff(curve) <= tol * ceiling)


def test_published_ceiling_and_unbounded_use_refused():
    draws = {k: np.array([v]) for k, v in law_values().items()}
    out = published_parameters(
        LAW, draws, x="tokens", reference={"tokens": 1e3}, y_min=0.1, upper=1
    )
    assert out["E"][0] == pytest.approx(0.05)
    assert out["ceiling"][0] == pytest.approx(0.05 + 0.8 * 0.95)
    assert LAW.reported == ("E", "A", "alpha", "ceiling", "shape", "sigma", "nu")
    with pytest.raises(sb.ConfigError, match="bounded metric"):
        evaluate([1e3], upper=np.inf)


def test_default_priors_of_the_saturating_law():
    priors = default_priors(LAW)
    assert priors["ceiling_fraction"].distribution == "Beta"
    assert priors["shape"].distribution == "LogNormal"
    assert set(LAW.law_parameters) <= set(priors)


# ---------------------------------------------------------------------- the noise model
def test_bounded_density_integrates_to_one_on_the_loss_scale():
    lik = StudentTLogitBounded(upper=0.8)
    mu = float(lik.link(0.3))
    for noise in ({"sigma": 0.2, "nu": 4.0}, {"sigma": 0.05, "nu": np.inf}):

        def density(y, noise=noise):
            return np.exp(lik.logpdf(np.array([y]), mu=mu, noise=noise))[0]

        total, error = integrate.quad(density, 0.0, 0.8, points=[0.3], limit=200)
        assert total == pytest.approx(1.0, abs=max(10 * error, 1e-6))


def test_bounded_draws_follow_the_logit_student_t():
    lik = StudentTLogitBounded(upper=1.0)
    n = 20_000
    mean = np.full(n, 0.2)
    draws = lik.random(np.random.default_rng(1), mean=mean, noise={"sigma": 0.3, "nu": 4.0})
    assert np.all((draws > 0) & (draws < 1))
    shocks = (lik.link(draws) - lik.link(0.2)) / 0.3
    # Kolmogorov-Smirnov against t_4: a correct sampler fails at 1% level 1% of the time.
    assert stats.kstest(shocks, stats.t(4).cdf).pvalue > 0.01


def test_likelihood_for_a_metric_and_the_registry():
    assert likelihood_for(None) is STUDENT_T_LOG_LOSS
    bounded = likelihood_for(sb.Metric("score", "points", "higher", (0, 100)))
    assert isinstance(bounded, StudentTLogitBounded) and bounded.upper == 100.0
    assert isinstance(get_likelihood("student_t_logit_bounded", upper=1.0), StudentTLogitBounded)
    with pytest.raises(sb.ConfigError, match="finite positive upper bound"):
        StudentTLogitBounded(upper=np.inf)


def test_model_inputs_are_on_the_logit_scale():
    data = _bounded_data(ERROR_RATE)
    model = sb.ScalingLawModel("saturating", x="tokens", progressbar=False)
    inputs, _, _ = model._model_inputs(data)
    errors = np.array(ERRORS)
    np.testing.assert_allclose(inputs["log_loss_rel"], np.log(errors / (1 - errors)))
    np.testing.assert_allclose(inputs["upper_rel"], [1.0 / 0.085])
    # The PyMC graph builds with the bound as data (one compiled model for every table).
    pm_model = model.build_model(data)
    assert "upper_rel" in pm_model.named_vars


def _factory_data(**kwargs) -> sb.ScalingData:
    """The factory's error-rate curve: labelled images on the tokens axis, a bounded metric."""
    return sb.ScalingData.from_frame(
        pd.DataFrame({"labelled_images": IMAGES, "error_rate": ERRORS}),
        params=None,
        tokens="labelled_images",
        loss="error_rate",
        kinds={"tokens": "count"},
        metric=ERROR_RATE,
        **kwargs,
    )


# ---------------------------------------------------------------------- one real fit
@pytest.mark.slow
def test_factory_curve_fits_and_forecasts_inside_bounds_below_the_last_error():
    data = _factory_data(axis_labels={"tokens": "labelled images"})
    # The package defaults (4 chains x 2000 draws): about 6 s once compiled.
    model = sb.ScalingLawModel("saturating", x="tokens", progressbar=False)
    model.fit(data, random_seed=0)  # an unconverged fit would warn, and fail the test
    assert model.diagnostics().converged
    forecast = model.predict(tokens=[5e4, 2e5], random_seed=0)
    draws = forecast.metric_draws().values
    assert np.all((draws > 0) & (draws < 1))
    table = forecast.summary()
    assert np.all(table["median"] < ERRORS[-1])
    assert np.all(table["upper"] < 1) and np.all(table["lower"] > 0)
    assert model.summary().loc["ceiling", "mean"] < 1


def test_hand_built_posterior_in_published_parameters_round_trips():
    from scaling_bayes.testing import fit_from_draws

    data = _factory_data()
    rng = np.random.default_rng(0)
    published = {"E": 0.05, "A": 3.0, "alpha": 0.5, "ceiling": 0.9, "shape": 1.5, "sigma": 0.02}
    draws = {k: v * np.exp(0.01 * rng.standard_normal((2, 300))) for k, v in published.items()}
    model = fit_from_draws(sb.ScalingLawModel("saturating", x="tokens"), data, draws)
    summary = model.summary()
    for name in ("E", "A", "alpha", "ceiling", "shape"):
        assert summary.loc[name, "mean"] == pytest.approx(np.mean(draws[name]), rel=1e-9)


def test_sampling_coordinates_carry_the_prior_with_the_exact_jacobian():
    """Potential = log prior(E_fraction, a, alpha, ceiling_fraction) + log |det d natural/d latent|

    at fixed shape, checked against central finite differences at random points.
    """
    import pytensor

    data = _factory_data()
    model = sb.ScalingLawModel("saturating", x="tokens")
    pm_model = model.build_model(data)
    latents = [v for v in pm_model.value_vars if v.name.startswith("_")]
    shape_value = pm_model.rvs_to_values[pm_model["shape"]]
    names = ["E_fraction", "a", "alpha", "ceiling_fraction"]
    outputs = [pm_model[n] for n in names] + [pm_model["_prior_and_jacobian"]]
    outputs = pm_model.replace_rvs_by_values(outputs)
    fn = pytensor.function([*latents, shape_value], outputs, on_unused_input="ignore")
    priors = model.resolved_priors()
    rng = np.random.default_rng(5)
    for _ in range(5):
        point = rng.normal(0, 0.7, size=len(latents))
        log_shape = rng.normal(0, 0.5)  # the shape's value variable lives on the log scale
        potential, expected, natural = potential_and_expected(fn, point, names, priors, log_shape)
        assert potential == pytest.approx(expected, abs=1e-5)
        assert 0 < natural[3] < 1  # the ceiling stays below the bound


# ---------------------------------------------------------------------- prior predictive
@pytest.mark.parametrize("direction", ["lower", "higher"])
def test_prior_predictive_of_a_bounded_metric_stays_inside_its_bounds(direction):
    """The priors alone, with the metric's own bound and logit noise, never leave (0, 1)."""
    metric = sb.Metric(
        "error rate" if direction == "lower" else "accuracy", "fraction", direction, bounds=(0, 1)
    )
    model = sb.ScalingLawModel(law="saturating", x="tokens")
    fc = sb.prior_predictive(model, _bounded_data(metric), tokens=[2e4, 2e6], random_seed=0)
    assert fc.metric == metric
    draws = fc.metric_draws().values
    assert np.all((draws > 0) & (draws < 1))
    # the metric's direction: an accuracy forecast is 1 - the modelled error
    np.testing.assert_allclose(draws, metric.from_loss(fc.draws.values))
    # logit-scale noise: the predictive draws spread around the law's draws on the logit scale
    z = stats.logistic.ppf(fc.draws.values) - stats.logistic.ppf(fc.mean_draws.values)
    assert np.all(np.isfinite(z))


def test_prior_predictive_refuses_a_law_that_does_not_suit_the_metric():
    with pytest.raises(sb.DataError, match="bounded"):
        sb.prior_predictive(
            sb.ScalingLawModel(law="power", x="tokens"), _bounded_data(ERROR_RATE), tokens=[2e4]
        )
