"""The exact posterior of one plausible form, sampled by NUTS.

:func:`~scaling_bayes.core.mixture.fit_form` fits a form by its Laplace approximation, which
takes milliseconds but misses the curved ridge of the irreducible loss: on clean simulated laws
the Laplace single form covers about 80% at 90% where the exact posterior covers 88%
(``benchmarks/EVIDENCE_RESULTS.md``, "A better posterior per form"). This module samples the
same posterior (same forms, same normal priors on the coordinates, same Student-t(4)
likelihood on log loss and inverse-gamma prior on the noise variance) with NUTS.

The forms are written once (``core/mixture.py``) with their array functions passed in, so
PyTensor evaluates them here as NumPy does for forecasts. The sampler moves in coordinates
whitened by the Laplace fit: ``theta = mode + L eta`` with ``L`` the Cholesky factor of the
Laplace covariance, and ``log sigma`` shifted by its Laplace value. A linear change of
variables has a constant Jacobian, so the posterior is exactly the form's own; NUTS simply
starts at the mode with a mass matrix that is nearly right, which keeps tuning short. The
mode, ``L`` and the priors' means and scales enter as ``pm.Data``, so one compiled model per
form serves every table of runs (through the compile cache of
:mod:`scaling_bayes.core.sampling`).

Examples
--------
>>> import numpy as np
>>> from scaling_bayes.core.mixture import fit_form
>>> n = np.geomspace(1e7, 1e9, 12)
>>> fit = fit_form("power", {"params": n}, 1.8 + 400 * n**-0.34, x="params",
...                posterior="nuts", random_seed=0)            # doctest: +SKIP
>>> fit.posterior_draws.shape, fit.diagnostics.converged       # doctest: +SKIP
((4000, 3), True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _arviz as az
from . import sampling
from .diagnostics import ConvergenceReport, check_convergence
from .likelihood import StudentTLogLoss

if TYPE_CHECKING:
    from .mixture import FormSpec

__all__ = ["FormDraws", "sample_form"]

#: Sampler settings of a form's NUTS fit: four chains of 3000 draws after 3000 tuning steps
#: (the whitened coordinates start at the Laplace mode). The length: the forms' posteriors on
#: few or clean runs are prior-dominated ridges that mix slowly. Of 368 form fits of 9-404 runs
#: (the public studies' full splits and every third simulated design,
#: ``benchmarks/explore_nuts_convergence.py``) 59% met the package's convergence rule at
#: 1000 + 1000, 83% at 3000 + 3000, and the longer chains helped at every run count measured
#: (on 5-run pilots: 14-41% against 68-89% for the bending forms); a fit takes 1.2-1.7 s
#: instead of 0.5 s. ``target_accept`` 0.95, not 0.9: on the 245 Chinchilla runs the Kaplan
#: form's fits had a divergent transition in 6 of 30 seeds at 0.9 and in none of 30 at 0.95.
DEFAULT_SETTINGS = {
    "sampler": "auto",
    "draws": 3000,
    "tune": 3000,
    "chains": 4,
    "cores": None,
    "target_accept": 0.95,
}

#: Bumped whenever the PyMC model below changes, so the disk cache of compiled models does not
#: serve an older graph under the same form name.
_MODEL_VERSION = 1


@dataclass(frozen=True)
class FormDraws:
    """Posterior draws of one form's coordinates and noise.

    Attributes
    ----------
    theta : numpy.ndarray
        Coordinates, shape ``(chains * draws, p)``, in the form's unbounded coordinates.
    sigma : numpy.ndarray
        Noise sd on log loss, shape ``(chains * draws,)``, from the same draws.
    diagnostics : ConvergenceReport
        R-hat, ESS, divergences, E-BFMI and tree depth of the sampled coordinates.
    """

    theta: np.ndarray
    sigma: np.ndarray
    diagnostics: ConvergenceReport


def _pytensor_ops() -> SimpleNamespace:
    import pytensor.tensor as pt

    return SimpleNamespace(
        exp=pt.exp, log=pt.log, log1p=pt.log1p, logaddexp=pt.logaddexp, sigmoid=pt.sigmoid
    )


def _builder(
    relative: Callable, coords: tuple[str, ...], slots: tuple[str, ...], noise_prior, nu: float
) -> Callable[[], Any]:
    """A function returning the form's ``pm.Model`` with placeholder data."""
    a0, b0 = noise_prior
    p = len(coords)

    def build():
        import pymc as pm
        import pytensor.tensor as pt

        with pm.Model() as model:
            z = {s: pm.Data(f"z_{s}", np.zeros(3)) for s in slots}
            log_y = pm.Data("log_loss_rel", np.zeros(3))
            mode = pm.Data("mode", np.zeros(p))
            chol = pm.Data("chol", np.eye(p))
            mean0 = pm.Data("prior_mean", np.zeros(p))
            sd0 = pm.Data("prior_sd", np.ones(p))
            log_sigma_mode = pm.Data("log_sigma_mode", np.zeros(1))[0]
            eta = pm.Flat("_eta", shape=p)
            shift = pm.Flat("_log_sigma_shift")
            theta = mode + pt.dot(chol, eta)
            log_sigma = log_sigma_mode + shift
            var = pt.exp(2.0 * log_sigma)
            # Normal priors on the coordinates; sigma^2 ~ InvGamma(a0, b0), with the Jacobian
            # d sigma^2 / d log sigma = 2 sigma^2 (the whitening itself is linear).
            log_prior = pt.sum(-0.5 * ((theta - mean0) / sd0) ** 2 - pt.log(sd0))
            log_prior += -(a0 + 1.0) * pt.log(var) - b0 / var + pt.log(2.0 * var)
            pm.Potential("_prior", log_prior)
            t = {c: theta[i] for i, c in enumerate(coords)}
            mu = pt.log(relative(t, z, _pytensor_ops()))
            noise = {"sigma": pt.exp(log_sigma), "nu": nu}
            StudentTLogLoss().pymc_term("log_loss", mu=mu, noise=noise, observed=log_y)
        return model

    return build


def sample_form(
    spec: FormSpec,
    z: Mapping[str, np.ndarray],
    log_y: np.ndarray,
    *,
    mode: np.ndarray,
    cov: np.ndarray,
    sigma_mode: float,
    prior_mean: np.ndarray,
    prior_sd: np.ndarray,
    noise_prior: tuple[float, float],
    nu: float,
    random_seed: int | None = None,
    settings: Mapping[str, Any] | None = None,
) -> FormDraws:
    """Sample a form's exact posterior by NUTS, in coordinates whitened by its Laplace fit.

    Parameters
    ----------
    spec : FormSpec
        The form (its ``relative`` function, written for any array library, and ``coords``).
    z : mapping
        ``log(scale / reference)`` of the runs for each of the form's axis slots.
    log_y : numpy.ndarray
        ``log(loss / y_min)`` of the runs.
    mode, cov : numpy.ndarray
        The Laplace fit's mode and covariance of the coordinates (whitening and start).
    sigma_mode : float
        A noise sd near the posterior's (the Laplace fit's), to centre ``log sigma``.
    prior_mean, prior_sd : numpy.ndarray
        Normal priors on the coordinates.
    noise_prior : (float, float)
        Shape and scale of the inverse-gamma prior on the noise variance.
    nu : float
        Degrees of freedom of the Student-t noise on log loss.
    random_seed : int, optional
    settings : mapping, optional
        Overrides of :data:`DEFAULT_SETTINGS` (``sampler``, ``draws``, ``tune``, ``chains``,
        ``cores``, ``target_accept``).

    Returns
    -------
    FormDraws
    """
    run = {**DEFAULT_SETTINGS, **(settings or {})}
    slots = tuple(z)
    build = _builder(spec.relative, spec.coords, slots, noise_prior, nu)
    data = {f"z_{s}": np.asarray(v, dtype=float) for s, v in z.items()}
    data |= {
        "log_loss_rel": np.asarray(log_y, dtype=float),
        "mode": np.asarray(mode, dtype=float),
        "chol": np.linalg.cholesky(np.asarray(cov, dtype=float)),
        "prior_mean": np.asarray(prior_mean, dtype=float),
        "prior_sd": np.asarray(prior_sd, dtype=float),
        "log_sigma_mode": np.array([math.log(sigma_mode)]),
    }
    key = (
        f"form|{spec.name}|{spec.formula}|{'/'.join(slots)}|nu={nu}|noise={noise_prior}"
        f"|v{_MODEL_VERSION}"
    )
    idata = sampling.sample_posterior(
        build,
        data,
        cache_key=key,
        random_seed=random_seed,
        progressbar=False,
        **run,
    )
    posterior = idata.posterior
    eta = np.asarray(posterior["_eta"].transpose("chain", "draw", ...).values, dtype=float)
    shift = np.asarray(posterior["_log_sigma_shift"].transpose("chain", "draw").values)
    theta = data["mode"] + eta @ data["chol"].T  # (chain, draw, p)
    sigma = np.exp(data["log_sigma_mode"][0] + shift)
    named = {c: theta[..., i] for i, c in enumerate(spec.coords)} | {"sigma": sigma}
    groups = {"posterior": named}
    if az.has_group(idata, "sample_stats"):
        stats = az.group(idata, "sample_stats")
        groups["sample_stats"] = {str(k): stats[k].values for k in stats.data_vars}
    report = check_convergence(az.from_dict(**groups), [*spec.coords, "sigma"], tune=run["tune"])
    return FormDraws(
        theta=theta.reshape(-1, len(spec.coords)),
        sigma=sigma.reshape(-1),
        diagnostics=report,
    )
