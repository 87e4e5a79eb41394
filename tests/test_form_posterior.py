"""Each form's exact posterior by NUTS (core/form_posterior.py) and its use in FormMixture.

Fast tests check, without sampling, that the PyMC model is the form's posterior (the forms
evaluate alike in PyTensor and NumPy; the model's log density differs from an independent
scipy one by a constant) and that a mixture carries its forms' convergence verdicts. The slow
tests sample: NUTS against importance sampling of the same posterior, and seeded mixtures.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from helpers import import_benchmark, two_axis_runs
from scipy import stats

from scaling_bayes.core import _arviz as az
from scaling_bayes.core import form_posterior, mixture
from scaling_bayes.core.data import ScalingData
from scaling_bayes.core.diagnostics import NOT_CONVERGED_BANNER, check_convergence
from scaling_bayes.core.exceptions import ConfigError, ConvergenceWarning
from scaling_bayes.core.mixture import _NOISE_PRIOR, _NU, FORMS, NUMPY_OPS, FormMixture, fit_form


def _runs(n: int = 12, noise: float = 0.01, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``n`` runs of a power law with a floor, ``noise`` on log loss."""
    x = np.geomspace(1e7, 1e9, n)
    loss = (1.8 + 400 * x**-0.34) * np.exp(noise * np.random.default_rng(seed).normal(size=n))
    return x, loss


def _reference_log_posterior(fit, loss, theta, sigma) -> np.ndarray:
    """The form's posterior in (theta, log sigma) as the DE-MC exploration writes it with
    scipy (``benchmarks/explore_form_posteriors.py``), independently of the PyMC model."""
    explore = import_benchmark("explore_form_posteriors")
    return explore.log_posterior(fit, None, loss, theta, np.log(sigma))


@pytest.mark.parametrize("name", list(FORMS))
def test_every_form_evaluates_alike_in_pytensor_and_numpy(name):
    import pytensor.tensor as pt

    spec = FORMS[name]
    rng = np.random.default_rng(0)
    theta = {
        c: rng.normal(m, 0.5 * s, size=5)
        for c, m, s in zip(spec.coords, spec.prior_mean, spec.prior_sd, strict=True)
    }
    z = {slot: rng.normal(0, 2, size=5) for slot in ("params", "tokens", "x")}
    expected = spec.relative(theta, z, NUMPY_OPS)
    tensors = {k: pt.as_tensor_variable(v) for k, v in theta.items()}
    zt = {k: pt.as_tensor_variable(v) for k, v in z.items()}
    got = spec.relative(tensors, zt, form_posterior._pytensor_ops()).eval()
    np.testing.assert_allclose(got, expected, rtol=1e-10)


@pytest.mark.parametrize("name", ["kaplan_floor", "broken_power"])
def test_the_sampled_model_is_the_forms_posterior(name):
    """Its log density minus the scipy one is the same constant at every point (the
    whitening is linear, so its Jacobian is a constant)."""
    runs = two_axis_runs()
    scales = {"params": runs["params"].to_numpy(), "tokens": runs["tokens"].to_numpy()}
    loss = runs["loss"].to_numpy()
    axis = None if FORMS[name].axes != ("x",) else "params"
    fit = fit_form(name, scales, loss, x=axis)
    z = fit._z(fit.train)
    log_y = np.log(loss / fit.y_min)
    build = form_posterior._builder(fit.spec.relative, fit.spec.coords, tuple(z), _NOISE_PRIOR, _NU)
    model = build()
    chol = np.linalg.cholesky(fit.cov)
    data = {f"z_{s}": v for s, v in z.items()} | {
        "log_loss_rel": log_y,
        "mode": fit.theta,
        "chol": chol,
        "prior_mean": np.asarray(fit.spec.prior_mean),
        "prior_sd": np.asarray(fit.spec.prior_sd),
        "log_sigma_mode": np.array([math.log(fit.sigma)]),
    }
    import pymc as pm

    with model:
        pm.set_data(data)
    logp = model.compile_logp()
    rng = np.random.default_rng(2)
    eta = rng.normal(size=(4, fit.theta.size))
    shift = rng.normal(0, 0.3, size=4)
    got = np.array(
        [logp({"_eta": e, "_log_sigma_shift": s}) for e, s in zip(eta, shift, strict=True)]
    )
    theta = fit.theta + eta @ chol.T
    sigma = fit.sigma * np.exp(shift)
    expected = _reference_log_posterior(fit, loss, theta, sigma)
    assert np.ptp(got - expected) < 1e-8 * np.abs(expected).max()


def _hand_built_draws(spec, converged: bool, n: int = 4000) -> form_posterior.FormDraws:
    rng = np.random.default_rng(0)
    theta = np.asarray(spec.prior_mean) + 0.01 * rng.normal(size=(4, n // 4, len(spec.coords)))
    sigma = 0.01 * np.exp(0.01 * rng.normal(size=(4, n // 4)))
    if not converged:  # chains stuck in different places: R-hat far above 1.01
        theta = theta + np.arange(4)[:, None, None]
    posterior = {c: theta[..., i] for i, c in enumerate(spec.coords)} | {"sigma": sigma}
    idata_like = {"posterior": posterior}
    from scaling_bayes.core import _arviz as az

    report = check_convergence(az.from_dict(**idata_like), [*spec.coords, "sigma"])
    return form_posterior.FormDraws(
        theta=theta.reshape(-1, len(spec.coords)), sigma=sigma.reshape(-1), diagnostics=report
    )


def _mixture_with_fake_sampler(monkeypatch, unconverged: str | None) -> FormMixture:
    def fake(spec, *args, **kwargs):
        return _hand_built_draws(spec, converged=spec.name != unconverged)

    monkeypatch.setattr(mixture, "sample_form", fake)
    x, loss = _runs(20)
    data = ScalingData.from_frame(pd.DataFrame({"params": x, "tokens": 20 * x, "loss": loss}))
    return FormMixture(
        x="params", forms=("power", "power_no_floor"), posterior="nuts", draws=200
    ).fit(data, random_seed=0)


def test_an_unconverged_form_warns_once_at_fit_and_flags_every_output(monkeypatch):
    with pytest.warns(ConvergenceWarning, match="power_no_floor") as caught:
        mix = _mixture_with_fake_sampler(monkeypatch, "power_no_floor")
    assert len([w for w in caught if issubclass(w.category, ConvergenceWarning)]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reading the results warns no more
        forecast = mix.predict(params=[1e10], random_seed=0)
        summary = mix.summary()
        text = repr(mix)
        table = forecast.summary()
    assert mix.converged_ is False and forecast.converged is False
    assert not table["converged"].any()
    assert NOT_CONVERGED_BANNER in text
    by_form = summary.groupby("form")["converged"].all()
    assert by_form.to_dict() == {"power": True, "power_no_floor": False}


def test_a_converged_nuts_mixture_reads_its_draws_without_warning(monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        mix = _mixture_with_fake_sampler(monkeypatch, None)
    assert mix.converged_ and mix.predict(params=[1e10], random_seed=0).converged
    assert all(fit.posterior == "nuts" for fit in mix.fits_.values())
    assert "posterior='nuts', fitted)" in repr(mix)


def test_joint_draws_keep_each_draws_coordinates_and_noise_together():
    x, loss = _runs()
    fit = fit_form("power", {"params": x}, loss, x="params")
    theta = np.random.default_rng(0).normal(size=(500, 3))
    paired = replace(fit, posterior_draws=theta, sigma_draws=np.exp(theta[:, 0]))
    got_theta, got_sigma = paired.draw_posterior(np.random.default_rng(1), 2000)
    np.testing.assert_array_equal(got_sigma, np.exp(got_theta[:, 0]))
    # resampled from the stored draws, not from the Laplace normal
    assert set(map(tuple, got_theta)).issubset(set(map(tuple, theta)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"posterior": "mcmc"}, "posterior"),
        ({"sampler_settings": {"n_draws": 10}}, "n_draws"),
        # settings a Laplace fit would silently ignore
        ({"sampler_settings": {"draws": 2000}}, "applies to posterior='nuts' only"),
    ],
)
def test_bad_posterior_arguments_raise_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        FormMixture(x="params", **kwargs)


def test_fit_form_rejects_an_unknown_posterior_or_setting_before_fitting(monkeypatch):
    monkeypatch.setattr(mixture, "sample_form", lambda *a, **k: pytest.fail("sampled"))
    x, loss = _runs()
    with pytest.raises(ConfigError, match="posterior"):
        fit_form("power", {"params": x}, loss, x="params", posterior="exact")
    with pytest.raises(ConfigError, match="posterior='nuts' only"):
        fit_form("power", {"params": x}, loss, x="params", sampler_settings={"tune": 2000})
    with pytest.raises(ConfigError, match="warmup"):
        fit_form(
            "power",
            {"params": x},
            loss,
            x="params",
            posterior="nuts",
            sampler_settings={"warmup": 5},
        )


# ------------------------------------------------------------------------ real sampling
@pytest.mark.slow
def test_nuts_matches_importance_sampling_of_the_same_posterior():
    """12 runs of a power law with a floor: a curved posterior the Laplace fit misjudges
    (its sd of the floor's logit is about two thirds of the exact one). Self-normalised
    importance sampling from a wide Student-t around the Laplace fit estimates the exact
    posterior mean and sd of every coordinate independently of NUTS; the two agree within
    4.5 combined Monte Carlo standard errors (a false failure about once in 150,000 checks
    per coordinate if both errors are normal). The sd's error comes from the variance's, by
    the delta method with the draws' own spread of squared deviations: the floor's logit is
    skewed, so the normal-theory sd / sqrt(2 ESS) understates it."""
    x, loss = _runs()
    fit = fit_form("power", {"params": x}, loss, x="params", posterior="nuts", random_seed=3)
    assert fit.converged
    # importance sampling in (theta, log sigma)
    rng = np.random.default_rng(4)
    centre = np.append(fit.theta, math.log(fit.sigma))
    cov = np.zeros((centre.size, centre.size))
    cov[:-1, :-1] = 4.0 * fit.cov  # twice the Laplace sd
    cov[-1, -1] = 0.5**2
    proposal = stats.multivariate_t(centre, cov, df=4)
    points = proposal.rvs(size=200_000, random_state=rng)
    # the reference density is already one in (theta, log sigma): no further Jacobian
    log_w = _reference_log_posterior(fit, loss, points[:, :-1], np.exp(points[:, -1]))
    log_w = log_w - proposal.logpdf(points)
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    assert 1.0 / np.sum(w**2) > 5000  # a proposal good enough to trust
    draws = np.column_stack([fit.posterior_draws, np.log(fit.sigma_draws)])
    chains = form_posterior.DEFAULT_SETTINGS["chains"]  # the draws are stored chain by chain

    def se_of_mean(values: np.ndarray) -> float:
        ess = float(az.ess(values.reshape(chains, -1), method="mean"))
        return float(values.std()) / math.sqrt(ess)

    for j in range(draws.shape[1]):
        x = draws[:, j]
        mean_is = np.sum(w * points[:, j])
        se_is = math.sqrt(np.sum(w**2 * (points[:, j] - mean_is) ** 2))
        assert abs(x.mean() - mean_is) < 4.5 * math.hypot(se_is, se_of_mean(x))
        dev2_is = (points[:, j] - mean_is) ** 2
        var_is = np.sum(w * dev2_is)
        se_var_is = math.sqrt(np.sum(w**2 * (dev2_is - var_is) ** 2))
        se_var_nuts = se_of_mean((x - x.mean()) ** 2)
        sd = x.std()
        se_sd = math.hypot(se_var_is, se_var_nuts) / (2 * sd)  # d sd = d var / (2 sd)
        assert abs(sd - math.sqrt(var_is)) < 4.5 * se_sd


@pytest.mark.slow
def test_a_seeded_nuts_mixture_gives_the_same_forecast_twice():
    x, loss = _runs(8)
    data = ScalingData.from_frame(pd.DataFrame({"params": x, "tokens": 20 * x, "loss": loss}))
    kwargs = dict(x="params", forms=("power",), weights={"power": 1.0}, discrepancy=None)
    a = FormMixture(posterior="nuts", **kwargs).fit(data, random_seed=5)
    b = FormMixture(posterior="nuts", **kwargs).fit(data, random_seed=5)
    assert a.converged_
    np.testing.assert_array_equal(
        a.fits_["power"].posterior_draws, b.fits_["power"].posterior_draws
    )
    at = dict(params=[1e11], random_seed=0)
    np.testing.assert_array_equal(a.predict(**at).draws.values, b.predict(**at).draws.values)


def test_form_check_with_nuts_forms_carries_their_verdict(monkeypatch):
    from scaling_bayes.checks.forms import form_check
    from scaling_bayes.testing import example_model

    def fake(spec, *args, **kwargs):
        return _hand_built_draws(spec, converged=spec.name != "farseer")

    monkeypatch.setattr(mixture, "sample_form", fake)
    with pytest.warns(ConvergenceWarning, match="farseer"):
        check = form_check(
            example_model(), params=[3e9], tokens=[6e10], random_seed=0, posterior="nuts"
        )
    assert check.converged is False and not check.table["converged"].any()
    assert check.forecast.converged is False


def test_a_nuts_mixture_cites_the_nuts_track_record(monkeypatch):
    mix = _mixture_with_fake_sampler(monkeypatch, None)  # 20 runs: above the pilot size
    assert mix.predict(params=[1e10], random_seed=0).track_record.kind == "form_mixture_nuts"
    mix.n_runs_ = mixture.PILOT_MAX_RUNS
    record = mix.predict(params=[1e10], random_seed=0).track_record
    assert record == mixture.track_record("form_mixture_nuts_pilot")


def test_every_fit_gets_the_same_settings_and_the_users_overrides(monkeypatch):
    """Pilots and larger fits sample alike: the form's defaults, under what the user gives."""
    seen = []

    def fake(spec, *args, settings=None, **kwargs):
        seen.append(dict(settings or {}))
        return _hand_built_draws(spec, converged=True)

    monkeypatch.setattr(mixture, "sample_form", fake)
    x, loss = _runs(6)
    data = ScalingData.from_frame(pd.DataFrame({"params": x, "tokens": 20 * x, "loss": loss}))
    kwargs = dict(x="params", forms=("power",), weights={"power": 1.0}, posterior="nuts")
    FormMixture(**kwargs).fit(data, random_seed=0)
    FormMixture(**kwargs, sampler_settings={"draws": 500}).fit(data, random_seed=0)
    big = ScalingData.from_frame(
        pd.DataFrame({"params": _runs(20)[0], "tokens": 20 * _runs(20)[0], "loss": _runs(20)[1]})
    )
    FormMixture(**kwargs).fit(big, random_seed=0)
    assert seen == [{}, {"draws": 500}, {}]
