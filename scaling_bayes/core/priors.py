"""Default priors and prior presets, as ``pymc_extras`` :class:`~pymc_extras.prior.Prior` objects.

Priors live on the relative parameterisation of :mod:`scaling_bayes.core.laws` (loss as a share of
the smallest observed loss, scales relative to the geometric mean of the data), which is what lets
one set of defaults serve a language model in nats and an inspection model's error rate alike.

Presets
-------
``"weak"`` (the default) is wide enough for any falling loss curve:

- ``E_fraction ~ Beta(1, 1)``: the irreducible loss E anywhere between 0 and the smallest observed
  loss; the data, not the prior, say how close the runs are to E.
- ``a, b ~ LogNormal(log 0.25, 1.5)``: reducible loss at the reference scale, median a quarter of
  the smallest observed loss, 95% between 1.3% and 5 times it.
- ``alpha, beta ~ LogNormal(log 0.25, 0.8)``: median 0.25, 95% 0.05-1.2; covers every published
  exponent, from Kaplan's compute exponent 0.050 (arXiv:2001.08361) to Chinchilla's 0.37
  (Besiroglu et al. 2024, arXiv:2404.10102), and the steeper
  curves of small vision models.
- ``sigma ~ HalfNormal(0.05)``: noise sd of log loss, i.e. the relative scatter of a run;
  seed-to-seed noise is about 1-4% (Choshen et al. 2024).
- ``nu = 4`` (fixed): Student-t degrees of freedom. t with 4 degrees of freedom is the usual
  robust default (Gelman et al., BDA3 section 17.2). A proof of concept's dozen runs cannot learn
  nu, and learning it opens a funnel with sigma that starves the sampler; pass
  ``{"nu": Prior("Gamma", alpha=2, beta=0.1)}`` (Juárez & Steel 2010) to learn it from hundreds
  of runs.

``"literature"`` centres the exponents on published language-model fits, widened to cover the
spread between them: Hoffmann et al. 2022 (arXiv:2203.15556) alpha 0.34, beta 0.28; Epoch AI's refit
alpha 0.348, beta 0.366; for a loss-vs-compute law Porian et al. 2024's 0.106, Kaplan's 0.050 and
Chinchilla's implied alpha beta / (alpha + beta) of about 0.18. E stays uniform: its value depends
on the dataset and tokenizer, so no published number transfers.

- ``alpha, beta ~ LogNormal(log 0.33, 0.25)``: 95% 0.20-0.54 (params or tokens axis).
- ``alpha ~ LogNormal(log 0.11, 0.5)``: 95% 0.04-0.29 (compute axis of the power law).
- ``a, b ~ LogNormal(log 0.25, 1.0)``.

The broken power law adds ``alpha_after`` (the exponent after the break, with the same prior as
``alpha``), ``log_break ~ Normal(0, 1.5)`` (log of the break scale over the data's reference
scale: 95% within 20x either side of the data's centre, so a break beyond the data stays
possible and widens far forecasts honestly) and ``sharpness ~ LogNormal(log 0.5, 0.5)``.

The saturating law (bounded metrics) adds ``ceiling_fraction ~ Beta(1, 1)``: where the ceiling
U (the error at no data) sits between the floor E and the metric's bound, uniform because a
proof of concept rarely measures the start of the curve; near chance level when it does. Its
``shape ~ LogNormal(0, 0.7)`` (median 1, the closed-form case of M4; 95% 0.25-4) sets how
gradually the curve leaves the ceiling. Its
noise sd ``sigma`` is on the logit of the error rate, which for small rates is the relative
noise again, so the same ``HalfNormal(0.05)`` serves.

The law's priors are evaluated on the natural parameters while the sampler moves in decorrelated
coordinates (:func:`scaling_bayes.core.laws.build_law_variables`); a prior whose support is wider
than a parameter's range (e.g. a Normal on an exponent) is truncated to that range.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
from pymc_extras.prior import Prior

from .exceptions import ConfigError, check_choice
from .laws import LawSpec

__all__ = [
    "DEFAULT_NU",
    "PRIOR_PRESETS",
    "default_priors",
    "is_fixed",
    "priors_from_json",
    "priors_to_json",
    "resolve_priors",
]

PRIOR_PRESETS: tuple[str, ...] = ("weak", "literature")


def _lognormal(median: float, sigma: float) -> Prior:
    return Prior("LogNormal", mu=float(np.log(median)), sigma=sigma)


def default_priors(law: LawSpec, preset: str = "weak", x: str | None = None) -> dict[str, Prior]:
    """Return the default prior of every sampled parameter of ``law`` under ``preset``.

    Examples
    --------
    >>> from scaling_bayes.core.laws import get_law
    >>> default_priors(get_law("power"), "weak", x="params")["alpha"]
    Prior("LogNormal", mu=-1.3862943611198906, sigma=0.8)
    """
    check_choice(preset, PRIOR_PRESETS, "prior preset")
    priors: dict[str, Prior] = {}
    if law.has_irreducible:
        priors["E_fraction"] = Prior("Beta", alpha=1.0, beta=1.0)
    for amplitude, exponent, slot in law.terms:
        axis = x if slot == "x" else slot
        if preset == "weak":
            priors[amplitude] = _lognormal(0.25, 1.5)
            priors[exponent] = _lognormal(0.25, 0.8)
        else:
            priors[amplitude] = _lognormal(0.25, 1.0)
            priors[exponent] = (
                _lognormal(0.11, 0.5) if axis == "compute" else _lognormal(0.33, 0.25)
            )
    if law.has_break:
        # The exponent after the break gets the same prior as the one before it; the break sits
        # within about 20x either side of the data's centre (95%), and its width is moderate.
        priors["alpha_after"] = priors[law.terms[0][1]]
        priors["log_break"] = Prior("Normal", mu=0.0, sigma=1.5)
        priors["sharpness"] = _lognormal(0.5, 0.5)
    if law.saturating:
        priors["ceiling_fraction"] = Prior("Beta", alpha=1.0, beta=1.0)
        priors["shape"] = _lognormal(1.0, 0.7)
    priors["sigma"] = Prior("HalfNormal", sigma=0.05)
    priors["nu"] = DEFAULT_NU
    return priors


#: Default Student-t degrees of freedom of the noise (fixed; see the table above).
DEFAULT_NU: float = 4.0


def resolve_priors(
    law: LawSpec,
    overrides: Mapping[str, Prior | float] | None,
    preset: str = "weak",
    x: str | None = None,
) -> dict[str, Prior | float]:
    """Merge user overrides onto the preset, checking names and types.

    Raises
    ------
    ConfigError
        An override for a parameter the law does not have, a value that is not a ``Prior``
        (``nu`` also takes a positive number, which fixes it), or a prior the law cannot use
        (nested priors or a ``transform=`` on a law parameter).
    """
    priors = default_priors(law, preset, x)
    for name, prior in (overrides or {}).items():
        if name not in priors:
            known = ", ".join(priors)
            raise ConfigError(
                f"prior given for unknown parameter {name!r}; law '{law.name}' has {known}"
            )
        if name == "nu" and isinstance(prior, int | float) and not isinstance(prior, bool):
            if not prior > 0:
                raise ConfigError(f"a fixed nu must be positive (e.g. 4), got {prior}")
            priors[name] = float(prior)
            continue
        if not isinstance(prior, Prior):
            raise ConfigError(
                f"prior for {name!r} must be a pymc_extras Prior, e.g. "
                f"Prior('LogNormal', mu=-1.4, sigma=0.8); got {type(prior).__name__}"
            )
        if name in law.law_parameters:
            nested = [k for k, v in prior.parameters.items() if isinstance(v, Prior)]
            if nested or prior.transform is not None or prior.dims:
                raise ConfigError(
                    f"prior for {name!r} must be a plain distribution with numeric parameters "
                    f"(no nested priors, transform= or dims=); got {prior}"
                )
        priors[name] = prior
    return priors


def is_fixed(value: object) -> bool:
    """True for a parameter fixed at a number rather than given a prior."""
    return not isinstance(value, Prior)


def priors_to_json(priors: Mapping[str, Prior | float]) -> str:
    """Serialise priors to a JSON string (stable key order) for saved files and cache keys."""
    return json.dumps(
        {k: (v.to_dict() if isinstance(v, Prior) else float(v)) for k, v in priors.items()},
        sort_keys=True,
    )


def priors_from_json(text: str) -> dict[str, Prior | float]:
    """Inverse of :func:`priors_to_json`."""
    return {
        k: (float(v) if isinstance(v, int | float) else Prior.from_dict(v))
        for k, v in json.loads(text).items()
    }
