"""The noise model is one object: its density, its draws and its PyMC term agree."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.core.likelihood import (
    LIKELIHOODS,
    STUDENT_T_LOG_LOSS,
    Likelihood,
    StudentTLogLoss,
    get_likelihood,
    register_likelihood,
)


def test_density_on_the_loss_scale_is_scipys_t_of_log_loss_with_the_jacobian():
    rng = np.random.default_rng(0)
    y = rng.uniform(1.5, 3.0, 20)
    mu = np.log(rng.uniform(1.5, 3.0, 20))
    sigma = rng.uniform(0.01, 0.2, 20)
    nu = rng.uniform(1.5, 30.0, 20)
    got = STUDENT_T_LOG_LOSS.logpdf(y, mu=mu, noise={"sigma": sigma, "nu": nu})
    expected = stats.t.logpdf(np.log(y), nu, mu, sigma) - np.log(y)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_density_integrates_to_one_over_loss():
    from scipy import integrate

    noise = {"sigma": 0.1, "nu": 4.0}

    def density(v):
        return np.exp(STUDENT_T_LOG_LOSS.logpdf(np.array([v]), mu=np.log(2.0), noise=noise))[0]

    pieces = [integrate.quad(density, a, b, limit=200) for a, b in ((0, 1), (1, 2), (2, 4))]
    pieces.append(integrate.quad(density, 4, np.inf, limit=200))
    total, err = sum(p[0] for p in pieces), sum(p[1] for p in pieces)
    assert total == pytest.approx(1.0, abs=10 * err + 1e-7)


def test_infinite_degrees_of_freedom_give_the_normal_density():
    z = np.linspace(-3, 3, 7)
    nu = np.array([np.inf, 1e7, 5.0, np.inf, 5.0, 1e9, 3.0])
    got = STUDENT_T_LOG_LOSS.logpdf_link(z, mu=0.0, noise={"sigma": 0.5, "nu": nu})
    finite = nu <= STUDENT_T_LOG_LOSS.normal_above
    expected = np.where(
        finite,
        stats.t.logpdf(z, np.where(finite, nu, 1.0), 0.0, 0.5),
        stats.norm.logpdf(z, 0.0, 0.5),
    )
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_outer_kernel_equals_the_pointwise_density():
    rng = np.random.default_rng(1)
    mu = rng.normal(size=40)
    sigma = rng.uniform(0.01, 0.1, 40)
    nu = np.where(np.arange(40) < 20, rng.uniform(2, 30, 40), np.inf)
    values = rng.normal(size=6)
    block = STUDENT_T_LOG_LOSS.outer(mu, sigma, nu).block(values.copy())
    pointwise = STUDENT_T_LOG_LOSS.logpdf_link(
        values[:, None], mu=mu[None, :], noise={"sigma": sigma[None, :], "nu": nu[None, :]}
    )
    np.testing.assert_allclose(block, pointwise, rtol=1e-10, atol=1e-12)


def test_draws_follow_the_density():
    # A Kolmogorov-Smirnov test of 4000 draws of log(L / mean) / sigma against t_4; the draws
    # are seeded, so the p-value is fixed: it fails only if the draws are not t_4.
    rng = np.random.default_rng(2)
    mean = np.full(4000, 2.0)
    draws = STUDENT_T_LOG_LOSS.random(rng, mean=mean, noise={"sigma": 0.05, "nu": 4.0})
    assert draws.shape == mean.shape
    assert stats.kstest(np.log(draws / mean) / 0.05, stats.t(4).cdf).pvalue > 0.001


def test_draws_with_no_or_infinite_nu_are_normal():
    a = STUDENT_T_LOG_LOSS.standard_noise(np.random.default_rng(3), None, (5,))
    b = STUDENT_T_LOG_LOSS.standard_noise(np.random.default_rng(3), np.inf, (5,))
    c = np.random.default_rng(3).standard_normal(5)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, c)


def test_same_seed_same_draws_as_numpys_t():
    # Seeded forecasts keep their numbers: the draws are NumPy's standard_t, scaled.
    nu = np.full((2, 3), 4.0)
    ours = STUDENT_T_LOG_LOSS.standard_noise(np.random.default_rng(4), nu, nu.shape)
    theirs = np.random.default_rng(4).standard_t(nu)
    np.testing.assert_array_equal(ours, theirs)


def test_pymc_term_is_the_same_density():
    import pymc as pm

    y = np.log(np.array([2.1, 1.9, 2.4]))
    with pm.Model() as model:
        obs = pm.Data("y", y)
        term = STUDENT_T_LOG_LOSS.pymc_term(
            "log_loss", mu=np.log(2.0), noise={"sigma": 0.1, "nu": 4.0}, observed=obs
        )
    logp = pm.logp(term, y).eval()
    expected = STUDENT_T_LOG_LOSS.logpdf_link(y, mu=np.log(2.0), noise={"sigma": 0.1, "nu": 4.0})
    # PyTensor evaluates the same formula in another order: agreement to about 1e-9 relative.
    np.testing.assert_allclose(logp, expected, rtol=1e-8)
    assert model["log_loss"] is term


def test_model_uses_the_registered_default():
    assert sb.ScalingLawModel().likelihood is STUDENT_T_LOG_LOSS
    assert get_likelihood("student_t_log_loss") == STUDENT_T_LOG_LOSS


def test_unknown_likelihood_names_the_known_ones():
    with pytest.raises(sb.ConfigError, match=r"unknown likelihood 'beta'.*'student_t_log_loss'"):
        get_likelihood("beta")


def test_a_new_noise_model_plugs_in_through_the_registry():
    @register_likelihood
    class NormalLogLoss(Likelihood):
        name = "test_normal_log_loss"
        noise_parameters = ("sigma",)

        def link(self, values):
            return np.log(values)

        def pymc_term(self, name, *, mu, noise, observed):
            import pymc as pm

            return pm.Normal(name, mu=mu, sigma=noise["sigma"], observed=observed)

        def logpdf(self, observed, *, mu, noise):
            return stats.norm.logpdf(np.log(observed), mu, noise["sigma"]) - np.log(observed)

        def random(self, rng, *, mean, noise):
            return mean * np.exp(noise["sigma"] * rng.standard_normal(np.shape(mean)))

    try:
        lik = get_likelihood("test_normal_log_loss")
        assert isinstance(lik, Likelihood)
        assert lik.logpdf(np.array([2.0]), mu=np.log(2.0), noise={"sigma": 1.0})[0] < 0
    finally:
        LIKELIHOODS.pop("test_normal_log_loss")


def test_abstract_interface_cannot_be_instantiated():
    with pytest.raises(TypeError):
        Likelihood()
    assert isinstance(StudentTLogLoss(), Likelihood)
