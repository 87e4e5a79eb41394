"""Helpers for tests (ours and users'): a fitted model without MCMC.

:func:`fit_from_draws` fills a :class:`~scaling_bayes.core.model.ScalingLawModel` with posterior
draws given by hand, through the same code path as a real fit after sampling (InferenceData
completion, diagnostics, metadata), so forecasts, summaries, risk metrics and plots can be
unit-tested in milliseconds, in the spirit of ``pymc.testing.mock_sample``. The model it returns
has the same InferenceData groups as a fitted one (``log_likelihood`` and ``posterior_predictive``
included) and warns about convergence in the same single place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from .core import _arviz as az
from .core.exceptions import DataError

if TYPE_CHECKING:
    from .core.data import ScalingData
    from .core.model import ScalingLawModel

__all__ = ["HOFFMANN_LAW", "example_model", "fit_from_draws", "relative_draws"]

#: Hoffmann et al. (2022)'s fitted Chinchilla law (Approach 3) with a 1% noise on log loss: the
#: centre of :func:`example_model`'s hand-built posterior.
HOFFMANN_LAW = {"E": 1.817, "A": 482.0, "alpha": 0.348, "B": 2085.0, "beta": 0.366, "sigma": 0.01}


def relative_draws(
    model: ScalingLawModel, data: ScalingData, published: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Convert draws of the published parameters (E, A, alpha, B, beta) to the sampled ones.

    ``E_fraction = E / y_min`` and ``a = A x0^-alpha / y_min``, with ``y_min`` and the reference
    scales ``x0`` of ``data`` (see :mod:`scaling_bayes.core.laws`); for the saturating law also
    ``ceiling_fraction = (ceiling - E) / (upper - E)`` and ``shape``.
    """
    spec = model.law_spec
    _, reference, y_min = model._model_inputs(data)
    out = {}
    if spec.has_irreducible:
        out["E_fraction"] = np.asarray(published["E"], float) / y_min
    for amplitude, exponent, slot in spec.terms:
        axis = model.x if slot == "x" else slot
        expo = np.asarray(published[exponent], float)
        log_amp = np.log(np.asarray(published[amplitude.upper()], float)) - expo * np.log(
            reference[axis]
        )
        out[amplitude] = np.exp(log_amp) / y_min
        out[exponent] = expo
        if spec.has_break:
            out["log_break"] = np.log(np.asarray(published["break"], float) / reference[axis])
            out["alpha_after"] = np.asarray(published["alpha_after"], float)
            out["sharpness"] = np.asarray(published["sharpness"], float)
    if spec.saturating:
        # U = E + ceiling_fraction (upper - E), upper the bound of the data's modelled loss.
        floor = np.asarray(published["E"], float)
        upper = data.metric.loss_upper
        ceiling = np.asarray(published["ceiling"], float)
        out["ceiling_fraction"] = (ceiling - floor) / (upper - floor)
        out["shape"] = np.asarray(published["shape"], float)
    return out


def fit_from_draws(
    model: ScalingLawModel,
    data: ScalingData,
    draws: Mapping[str, np.ndarray],
    *,
    diverging: np.ndarray | None = None,
    random_seed: int | None = None,
) -> ScalingLawModel:
    """Make ``model`` fitted to ``data`` with the given posterior draws, without sampling.

    Parameters
    ----------
    model : ScalingLawModel
        Not yet fitted; it is fitted in place and returned (as ``fit`` does).
    data : ScalingData
    draws : mapping
        Arrays of shape ``(chain, draw)`` for ``sigma`` (and ``nu`` if it is not fixed) and for
        the law's parameters, either in the published parameterisation (``E``, ``A``,
        ``alpha``, ``B``, ``beta``) or the sampled one (``E_fraction``, ``a``, ...).
    diverging : array of bool, optional
        Divergence flags ``(chain, draw)``; none by default.
    random_seed : int, optional
        Seed of the posterior predictive draws (as ``fit``'s ``random_seed``).

    Examples
    --------
    >>> import numpy as np, scaling_bayes as sb
    >>> from scaling_bayes.testing import fit_from_draws
    >>> data = sb.ScalingData.from_frame(sb.load_example())
    >>> rng = np.random.default_rng(0)
    >>> draws = {k: v + 0.01 * v * rng.standard_normal((4, 500)) for k, v in
    ...          dict(E=1.8, A=480.0, alpha=0.35, B=2000.0, beta=0.37, sigma=0.01).items()}
    >>> model = fit_from_draws(sb.ScalingLawModel(progressbar=False), data, draws)
    >>> model.diagnostics().converged
    True
    """
    data, priors, problems = model._prepare_fit(data)
    spec = model.law_spec
    arrays = {k: np.asarray(v, dtype=float) for k, v in draws.items()}
    if "a" not in arrays:
        arrays = {**relative_draws(model, data, arrays), **arrays}
    needed = model.sampled_parameters(priors)
    missing = [p for p in needed if p not in arrays]
    if missing:
        raise DataError(f"draws lack {', '.join(missing)}; law '{spec.name}' needs {needed}")
    shape = arrays[needed[0]].shape
    if len(shape) != 2 or any(arrays[p].shape != shape for p in needed):
        raise DataError(f"every draw array must have the same (chain, draw) shape; got {shape}")
    coords = {"chain": np.arange(shape[0]), "draw": np.arange(shape[1])}
    posterior = xr.Dataset({p: (("chain", "draw"), arrays[p]) for p in needed}, coords=coords)
    posterior.attrs["sampler"] = "none (fit_from_draws)"
    flags = np.zeros(shape, bool) if diverging is None else np.asarray(diverging, bool)
    stats = xr.Dataset({"diverging": (("chain", "draw"), flags)}, coords=coords)
    idata = az.from_groups(posterior=posterior, sample_stats=stats)
    return model._finish_fit(idata, data, priors, problems, random_seed, 0.0)


def example_model(spread: float = 0.03, random_seed: int = 0) -> ScalingLawModel:
    """The bundled proof-of-concept runs with a Chinchilla posterior made by hand (no MCMC).

    Draws scatter each parameter of :data:`HOFFMANN_LAW` by ``spread`` on the log scale
    (4 chains of 250 draws), through :func:`fit_from_draws`: what the package's examples use
    in place of ``ScalingLawModel().fit(data)``, which takes seconds to minutes.

    Parameters
    ----------
    spread : float
        Standard deviation of each parameter's log around the published value.
    random_seed : int
        Seed of the draws.

    Returns
    -------
    ScalingLawModel
        Fitted, converged, law ``"chinchilla"``.

    Examples
    --------
    >>> model = example_model()
    >>> model.law, model.diagnostics().converged
    ('chinchilla', True)
    """
    from .core.data import ScalingData
    from .core.model import ScalingLawModel
    from .datasets import load_example

    rng = np.random.default_rng(random_seed)
    draws = {k: v * np.exp(spread * rng.standard_normal((4, 250))) for k, v in HOFFMANN_LAW.items()}
    data = ScalingData.from_frame(load_example())
    return fit_from_draws(ScalingLawModel(progressbar=False), data, draws)
