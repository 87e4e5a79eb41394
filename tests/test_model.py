"""ScalingLawModel without MCMC: arguments, forecasts, diagnostics, warnings (hand-built draws)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import TRUE_LAW, hand_built_draws

import scaling_bayes as sb
from scaling_bayes.core import _arviz
from scaling_bayes.testing import fit_from_draws


def test_constructor_only_stores_and_checks_arguments():
    model = sb.ScalingLawModel("power", x="params")
    assert not hasattr(model, "idata_")
    assert "not fitted" in repr(model)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"law": "cubic"}, "unknown law"),
        ({"law": "power"}, "needs x= naming its axis"),
        ({"law": "chinchilla", "x": "params"}, "drop x="),
        ({"law": "chinchilla", "priors": "strong"}, "unknown prior preset"),
        ({"law": "chinchilla", "priors": 3}, "preset name"),
        ({"law": "chinchilla", "sampler": "stan"}, "unknown sampler"),
        ({"law": "chinchilla", "draws": 0}, "draws must be an integer >= 1"),
        ({"law": "chinchilla", "target_accept": 1.5}, "target_accept"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(sb.ConfigError, match=match):
        sb.ScalingLawModel(**kwargs)


@pytest.mark.parametrize("method", ["summary", "diagnostics", "save"])
def test_methods_before_fit_say_call_fit_first(method, tmp_path):
    model = sb.ScalingLawModel()
    args = (tmp_path / "m.nc",) if method == "save" else ()
    with pytest.raises(sb.NotFittedError, match=rf"call fit\(data\) before {method}"):
        getattr(model, method)(*args)


def test_predict_before_fit():
    with pytest.raises(sb.NotFittedError, match="before predict"):
        sb.ScalingLawModel().predict(params=[1e9], tokens=[2e10])


def test_fit_rejects_too_few_distinct_scales_before_sampling():
    frame = pd.DataFrame(
        {"params": [1e7, 3e7, 1e8, 1e7], "tokens": [2e8, 6e8, 2e9, 4e8], "loss": [4, 3.7, 3.3, 3.9]}
    )
    data = sb.ScalingData.from_frame(frame)
    with pytest.raises(sb.DataError, match="5 free parameters but the runs cover only 4"):
        sb.ScalingLawModel("chinchilla").fit(data)


def test_fit_rejects_data_without_the_law_axis():
    frame = pd.DataFrame({"compute": [1e17, 1e18, 1e19, 1e20], "loss": [4, 3.5, 3.1, 2.9]})
    data = sb.ScalingData.from_frame(frame, params=None, tokens=None, compute="compute")
    with pytest.raises(
        sb.DataError, match="uses params, tokens but the runs have no params, tokens"
    ):
        sb.ScalingLawModel("chinchilla").fit(data)


def test_fit_rejects_non_data():
    with pytest.raises(sb.DataError, match="takes a ScalingData or a DataFrame"):
        sb.ScalingLawModel().fit([1, 2, 3])


def test_forecast_mean_is_the_law_at_every_draw(fitted_chinchilla):
    model = fitted_chinchilla
    params, tokens = np.array([1e9, 7e9]), np.array([2e10, 1.4e11])
    fc = model.predict(params=params, tokens=tokens, random_seed=0)
    post = model.posterior_draws()
    expected = sb.chinchilla_loss(
        params[None, :],
        tokens[None, :],
        **{k: post[k][:, None] for k in ("E", "A", "alpha", "B", "beta")},
    )
    np.testing.assert_allclose(fc.flat_draws("mean"), expected, rtol=1e-10)
    assert fc.draws.dims == ("chain", "draw", "scale")
    assert "predictions" in _arviz.groups(fc.idata)


def test_predictive_noise_has_the_posterior_sigma(fitted_chinchilla):
    # log(loss / loss_mean) = sigma * t_4: its sd is sigma * sqrt(nu / (nu - 2)) = sigma * sqrt 2.
    fc = fitted_chinchilla.predict(params=[1e9], tokens=[2e10], random_seed=1)
    log_ratio = np.log(fc.flat_draws() / fc.flat_draws("mean"))[:, 0]
    sigma = fitted_chinchilla.noise_draws()["sigma"]
    n = log_ratio.size
    expected_var = np.mean(sigma**2) * 2.0
    # Var of a sample variance of t_4 noise is infinite-kurtosis-prone; compare robustly via MAD:
    # MAD of t_4 is 0.7407 (scipy.stats.t(4).ppf(0.75)); tolerance from the MAD's sampling sd.
    mad = np.median(np.abs(log_ratio - np.median(log_ratio)))
    expected_mad = 0.7407 * np.median(sigma)
    assert mad == pytest.approx(expected_mad, rel=4 * 1.0 / np.sqrt(n) + 0.02)
    assert np.var(log_ratio) > 0.5 * expected_var


def test_same_seed_same_forecast(fitted_chinchilla):
    a = fitted_chinchilla.predict(params=[1e9], tokens=[2e10], random_seed=5).flat_draws()
    b = fitted_chinchilla.predict(params=[1e9], tokens=[2e10], random_seed=5).flat_draws()
    c = fitted_chinchilla.predict(params=[1e9], tokens=[2e10], random_seed=6).flat_draws()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_compute_optimal_forecast_reports_allocations(fitted_chinchilla):
    compute = np.array([1e21, 1e22])
    fc = fitted_chinchilla.predict(compute=compute, random_seed=0)
    alloc = fc.allocation
    assert alloc is not None
    product = 6 * alloc["params_opt"].values * alloc["tokens_opt"].values
    np.testing.assert_allclose(product, np.broadcast_to(compute, product.shape), rtol=1e-10)
    table = fc.summary()
    assert {"params_opt_median", "tokens_opt_median"} <= set(table.columns)
    # Compute-optimal loss is never above the loss of any other split of the same compute.
    other = fitted_chinchilla.predict(compute=compute, params=[2e9, 2e9], random_seed=0)
    assert np.all(fc.flat_draws("mean") <= other.flat_draws("mean") + 1e-12)


def test_params_and_compute_fix_tokens(fitted_chinchilla):
    fc = fitted_chinchilla.predict(params=[1e9], compute=[1.2e20], random_seed=0)
    assert fc.scales.loc[0, "tokens"] == pytest.approx(2e10)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "needs scales"),
        ({"params": [1e9]}, "predicted from params= and tokens="),
        ({"params": [1e9, -1], "tokens": [1e10, 1e10]}, r"params= must be positive.*positions 1"),
        ({"params": [1e9, np.nan], "tokens": [1e10, 1e10]}, "positive and finite"),
        ({"params": [1e9, 2e9], "tokens": [1e10, 2e10, 3e10]}, "same length"),
        ({"params": "big", "tokens": [1e10]}, "must be numbers"),
        ({"params": [], "tokens": []}, r"params= is empty; give at least one value"),
        ({"params": [1e9], "tokens": [np.inf]}, r"tokens= must be positive.*fix or drop"),
        ({"params": [1e9], "tokens": [-2e10]}, r"tokens= must be positive.*fix or drop"),
        ({"params": [7.0], "tokens": [2e10]}, r"params .* look like billions"),
        ({"params": [1e9], "tokens": [2e10], "random_seed": "abc"}, r"random_seed must be an"),
        ({"params": [1e9], "tokens": [2e10], "random_seed": -1}, r"random_seed=0"),
        ({"params": [1e9], "tokens": [2e10], "random_seed": 2**70}, r"\[0, 2\*\*32 - 1\]"),
    ],
)
def test_bad_predict_arguments(fitted_chinchilla, kwargs, match):
    with pytest.raises(sb.DataError, match=match):
        fitted_chinchilla.predict(**kwargs)


def test_scalar_scales_broadcast(fitted_chinchilla):
    fc = fitted_chinchilla.predict(params=[1e9, 3e9], tokens=2e10, random_seed=0)
    assert fc.n_scales == 2
    np.testing.assert_array_equal(fc.scales["tokens"], [2e10, 2e10])


def test_far_extrapolation_warns_with_the_ratio(fitted_chinchilla):
    largest = fitted_chinchilla.data_.max_compute
    with pytest.warns(
        sb.ExtrapolationWarning, match=r"reaches up to 200x the largest observed compute"
    ):
        fc = fitted_chinchilla.predict(compute=[200 * largest], random_seed=0)
    assert fc.scales.loc[0, "extrapolation_ratio"] == pytest.approx(200)


def test_summary_reports_published_parameters(fitted_chinchilla):
    table = fitted_chinchilla.summary()
    assert list(table.index) == ["E", "A", "alpha", "B", "beta", "sigma"]
    assert list(table.columns) == [
        "mean",
        "sd",
        "hdi_lower",
        "hdi_upper",
        "r_hat",
        "ess_bulk",
        "ess_tail",
        "converged",
    ]
    assert table["converged"].all()
    for name in ("E", "A", "alpha", "B", "beta"):
        assert table.loc[name, "hdi_lower"] < TRUE_LAW[name] < table.loc[name, "hdi_upper"]
    assert table.attrs["converged"] is True
    assert table.attrs["fixed"] == {"nu": 4.0}


def _unconverged(example_data):
    rng = np.random.default_rng(0)
    draws = hand_built_draws()
    draws["alpha"][0] *= 1.5  # one chain elsewhere: R-hat far above 1.01
    diverging = rng.random((4, 500)) < 0.01
    model = sb.ScalingLawModel("chinchilla", progressbar=False)
    with pytest.warns(sb.ConvergenceWarning, match="R-hat of alpha"):
        fit_from_draws(model, example_data, draws, diverging=diverging)
    return model


def test_unconverged_fit_warns_once_and_is_flagged_in_every_output(example_data):
    # The ConvergenceWarning is issued once, at fit (asserted in _unconverged); summaries,
    # forecasts and property reads carry the verdict instead. filterwarnings=error makes any
    # repeated warning below fail the test.
    model = _unconverged(example_data)
    report = model.diagnostics()
    assert not report.converged
    assert report.divergences > 0
    assert any("alpha" in p for p in report.problems)
    assert "NOT CONVERGED" in report.text
    assert "NOT CONVERGED" in repr(model)
    table = model.summary()
    assert table.attrs["converged"] is False
    assert not table["converged"].any()
    fc = model.predict(params=[1e9], tokens=[2e10], random_seed=0)
    assert not fc.converged
    _ = fc.draws, fc.mean_draws, model.idata_, model.posterior_draws(), model.noise_draws()
    table = fc.summary()
    assert "NOT CONVERGED" in table.attrs["warning"]
    assert not table["converged"].any()


def test_converged_fit_says_so_in_repr(fitted_chinchilla):
    assert repr(fitted_chinchilla) == "ScalingLawModel(law='chinchilla'; fitted, converged)"


def test_too_few_draws_fail_the_ess_check(example_data):
    model = sb.ScalingLawModel("chinchilla", progressbar=False)
    with pytest.warns(sb.ConvergenceWarning, match="bulk ESS of"):
        fit_from_draws(model, example_data, hand_built_draws(draws=50))


def test_design_problems_warn_at_fit_and_appear_in_diagnostics():
    frame = pd.DataFrame(
        {
            "params": [1e7, 3e7, 1e8, 3e8, 1e9],
            "tokens": [2e8, 6e8, 2e9, 6e9, 2e10],  # one tokens-per-parameter ratio
            "loss": [4.1, 3.7, 3.3, 3.0, 2.8],
        }
    )
    data = sb.ScalingData.from_frame(frame)
    model = sb.ScalingLawModel("chinchilla", progressbar=False)
    with pytest.warns(sb.DesignWarning, match="same tokens-per-parameter ratio"):
        fit_from_draws(model, data, hand_built_draws())
    assert any("ratio" in p for p in model.diagnostics().design_problems)
    assert "Design:" in model.diagnostics().text


def test_power_law_predicts_from_its_axis_only(example_data):
    model = sb.ScalingLawModel("power", x="params", progressbar=False)
    draws = {k: v for k, v in hand_built_draws(B=1.0).items() if k not in ("B", "beta")}
    draws["E"] = draws["E"] + 0.4  # the tokens term folded into E for this one-axis law
    fit_from_draws(model, example_data, draws)
    fc = model.predict(params=[1e9, 1e10], random_seed=0)
    expected = draws["E"].reshape(-1, 1) + draws["A"].reshape(-1, 1) * np.array([1e9, 1e10]) ** (
        -draws["alpha"].reshape(-1, 1)
    )
    np.testing.assert_allclose(fc.flat_draws("mean"), expected, rtol=1e-10)
    with pytest.raises(sb.DataError, match="predicted from params= only"):
        model.predict(params=[1e9], tokens=[1e10])


def test_log_likelihood_is_the_student_t_density_on_the_loss_scale(fitted_chinchilla):
    from scipy import stats

    model = fitted_chinchilla
    ll = model.log_likelihood()
    assert ll.dims == ("chain", "draw", "run")
    assert ll.shape[-1] == model.data_.n_runs
    post = model.posterior_draws()
    i, run = 17, 4
    n, d, y = (model.data_.column(c)[run] for c in ("params", "tokens", "loss"))
    mean = sb.chinchilla_loss(n, d, **{k: post[k][i] for k in ("E", "A", "alpha", "B", "beta")})
    sigma = post["sigma"][i]
    # Density of L = exp(log mean + sigma T), T ~ t_4, evaluated at y.
    expected = stats.t.logpdf(np.log(y / mean) / sigma, 4) - np.log(sigma * y)
    assert ll.values.reshape(-1, ll.shape[-1])[i, run] == pytest.approx(expected, rel=1e-10)
    # The same through explicit arrays, for runs outside the fitted data.
    again = model.log_likelihood(loss=[y], params=[n], tokens=[d])
    assert again.values.reshape(-1)[i] == pytest.approx(expected, rel=1e-10)


def test_extrapolation_error_widens_forecasts_beyond_the_data_only(example_data):
    draws = hand_built_draws()
    plain = fit_from_draws(sb.ScalingLawModel(progressbar=False), example_data, draws)
    wide = fit_from_draws(
        sb.ScalingLawModel(progressbar=False, extrapolation_error=0.02), example_data, draws
    )
    inside = dict(params=[1e8], tokens=[2e9], random_seed=0)  # inside the pilot's compute range
    np.testing.assert_array_equal(
        plain.predict(**inside).flat_draws(), wide.predict(**inside).flat_draws()
    )
    far = dict(params=[3e9], tokens=[6e10], random_seed=0)
    a, b = plain.predict(**far), wide.predict(**far)
    ratio = a.scales.loc[0, "extrapolation_ratio"]
    # log(loss) gains an independent N(0, (0.02 log ratio)^2) term: variances add.
    extra_var = np.var(np.log(b.flat_draws("mean"))) - np.var(np.log(a.flat_draws("mean")))
    expected = (0.02 * np.log(ratio)) ** 2
    n = a.flat_draws().shape[0]
    # A normal variance estimate has relative SE sqrt(2 / n); allow 6 of them, since the
    # difference of two variances also carries a sampled covariance term.
    assert extra_var == pytest.approx(expected, rel=6 * np.sqrt(2 / n))


def test_extrapolation_error_is_validated():
    with pytest.raises(sb.ConfigError, match="extrapolation_error must be"):
        sb.ScalingLawModel(extrapolation_error=-0.1)


def test_extrapolation_error_can_be_set_per_forecast(example_data):
    draws = hand_built_draws()
    plain = fit_from_draws(sb.ScalingLawModel(progressbar=False), example_data, draws)
    wide = fit_from_draws(
        sb.ScalingLawModel(progressbar=False, extrapolation_error=0.02), example_data, draws
    )
    far = dict(params=[3e9], tokens=[6e10], random_seed=0)
    np.testing.assert_array_equal(
        plain.predict(**far, extrapolation_error=0.02).flat_draws(),
        wide.predict(**far).flat_draws(),
    )
    with pytest.raises(sb.DataError, match="extrapolation_error must be in"):
        plain.predict(**far, extrapolation_error=2)


@pytest.fixture
def no_sampling(monkeypatch):
    """Replace the sampler with a spy that fails the test if sampling starts."""
    from scaling_bayes.core import sampling

    def spy(*args, **kwargs):
        raise AssertionError("sampling started")

    monkeypatch.setattr(sampling, "sample_posterior", spy)


def test_the_sampler_spy_sees_a_valid_fit(example_data, no_sampling):
    # Control for the tests below: with a legal seed (the largest one) fit reaches the sampler.
    with pytest.raises(AssertionError, match="sampling started"):
        sb.ScalingLawModel(progressbar=False).fit(example_data, random_seed=2**32 - 1)


@pytest.mark.parametrize("seed", [-5, 2**70, 2**32, "abc", 1.5, True])
def test_bad_fit_seed_is_refused_before_sampling(example_data, no_sampling, seed):
    with pytest.raises(
        sb.DataError, match=r"random_seed must be an integer in \[0, 2\*\*32 - 1\].*random_seed=0"
    ):
        sb.ScalingLawModel(progressbar=False).fit(example_data, random_seed=seed)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"params": [], "tokens": []},
        {"params": [1e9], "tokens": [2e10], "random_seed": "abc"},
        {"params": [np.nan], "tokens": [2e10]},
        {"params": [1e9], "tokens": [np.inf]},
        {"params": [-1e9], "tokens": [2e10]},
        {"compute": [0.0]},
    ],
)
def test_bad_predict_input_is_a_data_error_naming_the_argument(
    fitted_chinchilla, no_sampling, kwargs
):
    with pytest.raises(sb.DataError) as info:
        fitted_chinchilla.predict(**kwargs)
    message = str(info.value)
    named = next(k for k in kwargs if k in message)
    assert f"{named}=" in message
    assert any(fix in message for fix in ("give at least one value", "fix or drop", "e.g."))


@pytest.mark.parametrize("hdi_prob", [1.5, 0, 0.0, 1, np.nan, "x", True, -0.1])
def test_bad_hdi_prob_is_a_data_error_naming_the_argument(fitted_chinchilla, hdi_prob):
    with pytest.raises(sb.DataError, match=r"hdi_prob must be a probability .*hdi_prob=0.9"):
        fitted_chinchilla.summary(hdi_prob=hdi_prob)
    fc = fitted_chinchilla.predict(params=[1e9], tokens=[2e10], random_seed=0)
    with pytest.raises(sb.DataError, match=r"hdi_prob must be a probability .*hdi_prob=0.9"):
        fc.summary(hdi_prob=hdi_prob)


def test_predict_applies_the_axis_kind_the_data_declared():
    """A model fitted on a count axis (labelled images) predicts at 500 images without being
    told that 500 'looks like billions of tokens'; a language-model axis still is."""
    import warnings

    from scaling_bayes.testing import fit_from_draws

    images = np.array([500, 1000, 2000, 4000, 8000], float)
    error = 0.05 + 2.0 * images**-0.4
    frame = pd.DataFrame({"images": images, "error_rate": error})
    data = sb.ScalingData.from_frame(
        frame, params=None, tokens="images", loss="error_rate", kinds={"tokens": "count"}
    )
    rng = np.random.default_rng(0)
    centre = {"E": 0.05, "A": 2.0, "alpha": 0.4, "sigma": 0.01}
    draws = {k: v * np.exp(0.01 * rng.standard_normal((4, 500))) for k, v in centre.items()}
    model = fit_from_draws(sb.ScalingLawModel("power", x="tokens", progressbar=False), data, draws)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no unit warning either
        fc = model.predict(tokens=[500.0, 50_000.0])
    assert np.isfinite(fc.draws.values).all()
