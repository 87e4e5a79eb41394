"""Laws, their decorrelating parameterisation and the compute-optimal allocation."""

from __future__ import annotations

import numpy as np
import pytensor
import pytest
from helpers import TRUE_LAW, potential_and_expected
from pymc_extras.prior import Prior
from scipy import optimize

import scaling_bayes as sb
from scaling_bayes.core.laws import (
    LAWS,
    build_mean_log_loss,
    compute_optimal_allocation,
    get_law,
    mean_loss,
    published_parameters,
)
from scaling_bayes.core.priors import (
    default_priors,
    priors_from_json,
    priors_to_json,
    resolve_priors,
)
from scaling_bayes.testing import relative_draws


def test_unknown_law_lists_known_ones():
    with pytest.raises(sb.ConfigError, match=r"unknown law 'chinchila'.*'chinchilla'"):
        get_law("chinchila")


def test_mean_loss_matches_the_published_formula(example_data):
    model = sb.ScalingLawModel("chinchilla")
    draws = {k: np.array([v]) for k, v in TRUE_LAW.items()}
    rel = relative_draws(model, example_data, draws)
    _, reference, y_min = model._model_inputs(example_data)
    params, tokens = np.array([1e8, 7e10]), np.array([2e9, 1.4e12])
    got = mean_loss(
        model.law_spec,
        rel,
        {"params": params, "tokens": tokens},
        x=None,
        reference=reference,
        y_min=y_min,
    )
    np.testing.assert_allclose(got[0], sb.chinchilla_loss(params, tokens, **TRUE_LAW), rtol=1e-12)
    back = published_parameters(model.law_spec, rel, x=None, reference=reference, y_min=y_min)
    for name in ("E", "A", "B"):
        np.testing.assert_allclose(back[name], TRUE_LAW[name], rtol=1e-12)


@pytest.mark.parametrize("compute", [1e20, 5.76e23, 1e25])
def test_compute_optimal_allocation_minimises_loss_at_fixed_compute(compute):
    law = TRUE_LAW
    n_opt, d_opt = compute_optimal_allocation(
        {k: np.array(v) for k, v in law.items()}, np.array([compute])
    )
    np.testing.assert_allclose(6 * n_opt * d_opt, compute, rtol=1e-10)

    def loss_at(log_n):
        n = np.exp(log_n)
        return sb.chinchilla_loss(n, compute / (6 * n), **law)

    best = optimize.minimize_scalar(
        loss_at, bounds=(np.log(1e3), np.log(compute)), method="bounded", options={"xatol": 1e-10}
    )
    np.testing.assert_allclose(n_opt[0], np.exp(best.x), rtol=1e-4)


def test_compute_optimal_exponent_matches_facts():
    # FACTS.md: Epoch's refit gives N* ~ C^a with a = beta / (alpha + beta) = 0.513.
    law = {k: np.array(v) for k, v in TRUE_LAW.items()}
    n1, _ = compute_optimal_allocation(law, np.array([1e21]))
    n2, _ = compute_optimal_allocation(law, np.array([1e24]))
    slope = np.log(n2 / n1) / np.log(1e3)
    assert slope[0] == pytest.approx(0.513, abs=0.001)


def _transform_functions(model, data):
    pm_model = model.build_model(data)
    latents = [v for v in pm_model.value_vars if v.name.startswith("_")]
    names = [n for n in model.law_spec.law_parameters if n not in model.law_spec.extra]
    outputs = [pm_model[name] for name in names] + [pm_model["_prior_and_jacobian"]]
    outputs = pm_model.replace_rvs_by_values(outputs)
    fn = pytensor.function(latents, outputs, on_unused_input="ignore")
    return fn, latents, names


@pytest.mark.parametrize(
    ("law", "x"), [("chinchilla", None), ("power", "params"), ("kaplan", "params")]
)
def test_reparameterisation_log_jacobian_matches_finite_differences(example_data, law, x):
    """The sampler's coordinates must carry exactly the user's prior on the natural parameters.

    Potential = log prior(natural) + log |det d natural / d latent|. The determinant is checked
    against central finite differences at random points.
    """
    model = sb.ScalingLawModel(law, x=x)
    fn, latents, names = _transform_functions(model, example_data)
    priors = model.resolved_priors()
    rng = np.random.default_rng(3)
    for _ in range(5):
        point = rng.normal(0, 0.7, size=len(latents))
        point[[i for i, v in enumerate(latents) if v.name == "_ell"]] = 0.3  # L0 > 1 as in data
        potential, expected, _ = potential_and_expected(fn, point, names, priors)
        assert potential == pytest.approx(expected, abs=1e-5)


def test_irreducible_loss_stays_below_smallest_observed_loss(example_data):
    model = sb.ScalingLawModel("chinchilla")
    fn, latents, names = _transform_functions(model, example_data)
    e_index = names.index("E_fraction")
    for ell in (-1.0, 0.0, 0.05, 2.0):
        for q in (-5.0, 0.0, 20.0):
            point = {"_ell": ell, "_q": q, "_v": 0.0, "_g_alpha": -2.0, "_g_beta": -2.0}
            natural = fn(*[point[v.name] for v in latents])
            e = natural[e_index]
            assert 0 < e < min(1.0, np.exp(ell))


def test_prior_override_by_name_and_round_trip():
    law = get_law("chinchilla")
    override = {"alpha": Prior("Normal", mu=0.34, sigma=0.05)}
    priors = resolve_priors(law, override, "weak")
    assert priors["alpha"] == override["alpha"]
    assert priors["beta"] == default_priors(law)["beta"]
    assert priors_from_json(priors_to_json(priors)) == priors


def test_prior_for_unknown_parameter_names_the_valid_ones():
    with pytest.raises(sb.ConfigError, match=r"unknown parameter 'gamma'.*E_fraction, a, alpha"):
        resolve_priors(get_law("chinchilla"), {"gamma": Prior("Normal")})


def test_prior_must_be_a_prior_object():
    with pytest.raises(sb.ConfigError, match="must be a pymc_extras Prior"):
        resolve_priors(get_law("power"), {"alpha": 0.3})


def test_nested_prior_on_law_parameter_is_rejected():
    nested = Prior("Normal", mu=Prior("Normal"), sigma=1)
    with pytest.raises(sb.ConfigError, match="plain distribution"):
        resolve_priors(get_law("power"), {"alpha": nested})


def test_nu_can_be_fixed_or_learned():
    law = get_law("power")
    assert resolve_priors(law, {"nu": 7})["nu"] == 7.0
    with pytest.raises(sb.ConfigError, match="fixed nu must be positive"):
        resolve_priors(law, {"nu": -1})


def test_unknown_preset():
    with pytest.raises(sb.ConfigError, match="unknown prior preset 'strong'"):
        default_priors(get_law("power"), "strong")


def test_literature_preset_centres_exponents_on_published_fits():
    prior = default_priors(get_law("chinchilla"), "literature")["alpha"]
    median = np.exp(prior.parameters["mu"])
    low, high = median * np.exp(np.array([-1.96, 1.96]) * prior.parameters["sigma"])
    # Hoffmann (0.34, 0.28) and Epoch (0.348, 0.366) exponents all inside the 95% prior range.
    for published in (0.34, 0.28, 0.348, 0.366):
        assert low < published < high


def test_broken_power_law_bends_from_one_exponent_to_the_other(example_data):
    """Local log-log slope of the reducible loss is -alpha well below the break and -alpha_after
    well above it (Caballero et al. 2023)."""
    model = sb.ScalingLawModel("broken_power", x="params")
    _, reference, y_min = model._model_inputs(example_data)
    draws = {
        "E_fraction": np.array(0.0),
        "a": np.array(1.0),
        "alpha": np.array(0.2),
        "alpha_after": np.array(0.5),
        "log_break": np.array(0.0),
        "sharpness": np.array(0.1),
    }
    x = reference["params"] * np.exp(np.array([-6.0, -5.9, 5.9, 6.0]))
    loss = mean_loss(
        model.law_spec, draws, {"params": x}, x="params", reference=reference, y_min=y_min
    )
    slopes = np.diff(np.log(loss))[[0, 2]] / 0.1
    np.testing.assert_allclose(slopes, [-0.2, -0.5], atol=1e-6)


@pytest.mark.parametrize("name", sorted(LAWS))
def test_numpy_and_pytensor_evaluate_the_same_law(name):
    # One function evaluates every law; the PyTensor graph of the fit and the NumPy forecasts
    # must give the same numbers for the same parameters and scales.
    import pytensor.tensor as pt

    law = get_law(name)
    rng = np.random.default_rng(0)
    values = {p: rng.uniform(0.2, 0.6) for p in law.law_parameters}
    if law.has_break:
        values.update(alpha_after=0.7, log_break=0.3, sharpness=0.5)
    z_values = np.linspace(-2.0, 2.0, 9)
    slots = {slot for _, _, slot in law.terms}
    reference = {"params": 1e8, "tokens": 1e9, "x": 1e8}
    scales = {s if s != "x" else "params": reference[s] * np.exp(z_values) for s in slots}
    x = "params" if "x" in slots else None
    upper = 3.0 if law.saturating else np.inf  # a bounded metric's bound (y_min = 1)
    expected = mean_loss(
        law, values, scales, x=x, reference={"params": 1e8, "tokens": 1e9}, y_min=1.0, upper=upper
    )
    z = {slot: pt.as_tensor_variable(z_values) for slot in slots}
    rvs = {p: pt.as_tensor_variable(v) for p, v in values.items()}
    if law.saturating:
        rvs["upper_rel"] = pt.as_tensor_variable(upper)
    got = np.exp(build_mean_log_loss(law, rvs, z).eval())
    np.testing.assert_allclose(got, expected, rtol=1e-12)
