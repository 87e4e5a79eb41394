"""Functional forms of scaling laws, written around a reference scale inside the data.

Every law predicts the loss of a run from its scale. Written naively, ``L = E + A N^-alpha``
makes ``A`` and ``alpha`` almost perfectly correlated (a small change in ``alpha`` multiplies
``N^-alpha`` by a huge factor that ``A`` must undo), which is what makes straightforward fits slow
and fragile. Here each power term is written relative to a reference scale ``x0`` (the geometric
mean of the observed values), and loss relative to the smallest observed loss ``y_min``::

    L / y_min = e + a (x / x0)^-alpha                                   law="power"
    L / y_min = e + a (N / N0)^-alpha + b (D / D0)^-beta                law="chinchilla"

so ``e`` is the irreducible loss as a share of the smallest observed loss (``0 < E < y_min`` by
construction), and ``a``, ``b`` are the reducible loss at the reference scale, also as shares of
``y_min``. The published parameterisation is recovered exactly: ``E = e y_min``,
``A = a y_min N0^alpha``, ``B = b y_min D0^beta``; those are what summaries report.

Two more forms: ``law="kaplan"`` (Kaplan et al. 2020) has no irreducible loss, ``L = A x^-alpha``;
``law="broken_power"`` is a smoothly broken power law with one break (Caballero et al. 2023),
``L = E + A x^-alpha (1 + (x / x_b)^(1/f))^(-(alpha_after - alpha) f)``: the exponent moves from
``alpha`` to ``alpha_after`` around the break scale ``x_b``, over a width set by the sharpness
``f``. Its break is sampled as ``log_break = log(x_b / x0)``.

Every law is evaluated by one function, :func:`relative_loss`, on NumPy arrays (forecasts) and
PyTensor tensors (the fit) alike: a new law is a :class:`LawSpec` here (plus its priors).

The noise around the law lives in :mod:`scaling_bayes.core.likelihood`: by default Student-t on
log loss, ``log L_obs = log L + sigma t_nu``, so ``sigma`` is roughly the relative noise of a run
and heavy tails absorb the odd bad run (digitisation errors, unlucky seeds) without dragging the
fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .exceptions import ConfigError

__all__ = ["LAWS", "LawSpec", "get_law", "mean_loss", "relative_loss"]


@dataclass(frozen=True)
class LawSpec:
    """Description of one functional form.

    Attributes
    ----------
    name : str
        Registry name, as passed to ``ScalingLawModel(law=...)``.
    formula : str
        The law in the published parameterisation, for tables and memos.
    terms : tuple of (amplitude, exponent, axis slot)
        One reducible power term each. The axis slot is ``"x"`` for one-axis laws (the axis is
        chosen by the user) or a fixed axis name.
    parameters : tuple of str
        Sampled parameters, in the relative parameterisation described in the module docstring.
    reported : tuple of str
        Parameters shown in summaries, in the published parameterisation.
    has_irreducible : bool
        Whether the law has an irreducible loss term ``E``.
    """

    name: str
    formula: str
    terms: tuple[tuple[str, str, str], ...]
    has_irreducible: bool = True
    noise: tuple[str, ...] = ("sigma", "nu")
    description: str = ""
    extra: tuple[str, ...] = field(default=())
    has_break: bool = False

    @property
    def parameters(self) -> tuple[str, ...]:
        params = ["E_fraction"] if self.has_irreducible else []
        for amplitude, exponent, _ in self.terms:
            params += [amplitude, exponent]
        return (*params, *self.extra, *self.noise)

    @property
    def law_parameters(self) -> tuple[str, ...]:
        """Parameters of the law itself (without the noise model)."""
        return tuple(p for p in self.parameters if p not in self.noise)

    @property
    def reported(self) -> tuple[str, ...]:
        out = ["E"] if self.has_irreducible else []
        for amplitude, exponent, _ in self.terms:
            out += [amplitude.upper(), exponent]
        extra = [("break" if name == "log_break" else name) for name in self.extra]
        return (*out, *extra, *self.noise)

    def axes(self, x: str | None = None) -> tuple[str, ...]:
        """The data axes the law uses; ``x`` fills the slot of one-axis laws."""
        return tuple(x if slot == "x" else slot for _, _, slot in self.terms)


LAWS: dict[str, LawSpec] = {
    "power": LawSpec(
        name="power",
        formula="L = E + A x^-alpha",
        terms=(("a", "alpha", "x"),),
        description="one axis x (params, tokens or compute) with an irreducible loss E",
    ),
    "chinchilla": LawSpec(
        name="chinchilla",
        formula="L = E + A N^-alpha + B D^-beta",
        terms=(("a", "alpha", "params"), ("b", "beta", "tokens")),
        description="model size N and training tokens D (Hoffmann et al. 2022)",
    ),
    "kaplan": LawSpec(
        name="kaplan",
        formula="L = A x^-alpha",
        terms=(("a", "alpha", "x"),),
        has_irreducible=False,
        description="one axis, no irreducible loss (Kaplan et al. 2020)",
    ),
    "broken_power": LawSpec(
        name="broken_power",
        formula="L = E + A x^-alpha (1 + (x/break)^(1/sharpness))^(-(alpha_after-alpha) sharpness)",
        terms=(("a", "alpha", "x"),),
        extra=("alpha_after", "log_break", "sharpness"),
        has_break=True,
        description="one axis, smoothly broken power law with one break (Caballero et al. 2023)",
    ),
}


def get_law(name: str) -> LawSpec:
    """Return the :class:`LawSpec` registered under ``name``.

    Raises
    ------
    ConfigError
        For an unknown name; the message lists the known laws.
    """
    if not isinstance(name, str) or name not in LAWS:
        known = ", ".join(f"'{k}'" for k in LAWS)
        raise ConfigError(f"unknown law {name!r}; choose one of {known}")
    return LAWS[name]


def reference_scales(values: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Geometric mean of each axis: a reference scale inside the data range."""
    return {axis: float(np.exp(np.mean(np.log(v)))) for axis, v in values.items()}


def mean_loss(
    law: LawSpec,
    draws: Mapping[str, np.ndarray],
    scales: Mapping[str, np.ndarray],
    *,
    x: str | None,
    reference: Mapping[str, float],
    y_min: float,
) -> np.ndarray:
    """Evaluate the law (without noise) for every posterior draw at every requested scale.

    Parameters
    ----------
    law : LawSpec
    draws : mapping of parameter name to array
        Posterior draws of the sampled (relative) parameters, each of shape ``S`` (any shape).
    scales : mapping of axis name to array
        Scale values, each of shape ``S + (k,)`` or ``(k,)``, in raw units.
    x : str or None
        Axis of a one-axis law.
    reference, y_min
        Reference scales and loss scale the posterior was fitted with.

    Returns
    -------
    numpy.ndarray
        Loss of shape ``S + (k,)`` in the data's loss units.
    """
    values = {name: np.asarray(draws[name])[..., None] for name in law.law_parameters}
    z = {}
    for _, _, slot in law.terms:
        axis = x if slot == "x" else slot
        z[slot] = np.log(np.asarray(scales[axis], dtype=float) / reference[axis])
    return y_min * relative_loss(law, values, z, exp=np.exp, softplus=_np_softplus)


def _np_softplus(u):
    return np.logaddexp(0.0, u)


def relative_loss(law: LawSpec, values: Mapping, z: Mapping, *, exp, softplus):
    """The law itself, ``L / y_min``, on NumPy arrays and PyTensor tensors alike.

    The one evaluation of every law: :func:`mean_loss` calls it with NumPy's functions and
    :func:`build_mean_log_loss` with PyTensor's, so a new law is written here once.

    Parameters
    ----------
    law : LawSpec
    values : mapping
        The law's parameters in the relative parameterisation (``E_fraction``, ``a``,
        ``alpha``, ...), arrays or tensors that broadcast against ``z``.
    z : mapping
        ``log(x / x0)`` for each axis slot of the law's terms.
    exp, softplus : callable
        ``exp`` and ``softplus(u) = log(1 + e^u)`` of the array library.

    Examples
    --------
    >>> import numpy as np
    >>> law = get_law("power")
    >>> values = {"E_fraction": 0.5, "a": 0.5, "alpha": 0.3}
    >>> float(relative_loss(law, values, {"x": np.log(1.0)}, exp=np.exp, softplus=None))
    1.0
    """
    total = values["E_fraction"] if law.has_irreducible else 0.0
    for amplitude, exponent, slot in law.terms:
        log_term = -values[exponent] * z[slot]
        if law.has_break:
            extra = (values[k] for k in law.extra)
            log_term = log_term + break_log_factor(z[slot], values[exponent], *extra, softplus)
        total = total + values[amplitude] * exp(log_term)
    return total


def break_log_factor(z, alpha, alpha_after, log_break, sharpness, softplus):
    """Log of the smooth break ``(1 + (x/x_b)^(1/f))^(-(alpha_after - alpha) f)``.

    With ``z = log(x / x0)`` and ``log_break = log(x_b / x0)``; ``softplus(u) = log(1 + e^u)``
    is passed in so that numpy and PyTensor share this one formula.
    """
    return -(alpha_after - alpha) * sharpness * softplus((z - log_break) / sharpness)


def published_parameters(
    law: LawSpec,
    draws: Mapping[str, np.ndarray],
    *,
    x: str | None,
    reference: Mapping[str, float],
    y_min: float,
) -> dict[str, np.ndarray]:
    """Convert relative draws to the published parameterisation (E, A, B in loss units).

    ``A = a y_min x0^alpha`` so that ``A x^-alpha = y_min a (x / x0)^-alpha``.
    """
    out: dict[str, np.ndarray] = {}
    if law.has_irreducible:
        out["E"] = np.asarray(draws["E_fraction"]) * y_min
    for amplitude, exponent, slot in law.terms:
        axis = x if slot == "x" else slot
        expo = np.asarray(draws[exponent])
        log_amp = np.log(np.asarray(draws[amplitude]) * y_min) + expo * np.log(reference[axis])
        out[amplitude.upper()] = np.exp(log_amp)
        if law.has_break:
            out["break"] = reference[axis] * np.exp(np.asarray(draws["log_break"]))
    return out


#: Sharpness of the smooth minimum that keeps E below both the smallest observed loss and the loss
#: at the reference scale: min(1, L0) is approximated from below within 0.03% for L0 > 1.3.
_SOFTMIN_SHARPNESS = 20.0


def build_law_variables(law: LawSpec, priors: Mapping) -> dict:
    """Create the law's parameters inside the current ``pm.Model``; return them by name.

    The sampler does not move the law's parameters directly. Their posterior is a thin curved
    ridge: with runs over a narrow range, many (E, A, alpha) triples draw the same curve. The
    sampler moves instead in coordinates the data pin down almost independently (all relative to
    the smallest observed loss, at the reference scale of the data):

    * ``ell`` = log L0, the loss at the reference scale;
    * ``q``, the logit of the irreducible share of L0 (with a smooth cap that keeps E below the
      smallest observed loss);
    * ``v_k``, the split of the reducible loss L0 - E between the power terms;
    * ``g_k`` = log(alpha_k a_k), the local slope of each term at the reference scale.

    The user's priors stay on the natural parameters (``E_fraction``, ``a``, ``alpha``, ...): they
    enter as a ``pm.Potential`` with the log-Jacobian of the change of variables, so the posterior
    is exactly the one of the natural parameterisation. Priors whose support extends beyond a
    parameter's range (a Normal on an exponent) are truncated to it. The natural parameters are
    recorded as deterministics.
    """
    import pymc as pm
    import pytensor.tensor as pt

    k = len(law.terms)
    if k > 2:
        raise NotImplementedError("laws with more than two power terms are not supported")
    ell = pm.Flat("_ell")
    reference_loss = pt.exp(ell)
    out = {}
    if law.has_irreducible:
        q = pm.Flat("_q")
        log_cap = -pt.softplus(-_SOFTMIN_SHARPNESS * ell) / _SOFTMIN_SHARPNESS
        out["E_fraction"] = pt.exp(log_cap) * pt.sigmoid(q)
        reducible = reference_loss - out["E_fraction"]
        log_reducible = pt.log(reducible)
        # |d(E, L0 - E) / d(ell, q)| = L0 * cap * sigmoid(q) * sigmoid(-q)
        log_jac = ell + log_cap + pt.log(pt.sigmoid(q)) + pt.log(pt.sigmoid(-q))
    else:
        reducible, log_reducible = reference_loss, ell
        log_jac = ell  # |d exp(ell) / d ell|
    shares = [1.0]
    if k == 2:
        w = pt.sigmoid(pm.Flat("_v"))
        shares = [w, 1.0 - w]
        # |d(w S, (1 - w) S) / d(S, v)| = S * w * (1 - w)
        log_jac = log_jac + log_reducible + pt.log(w) + pt.log1p(-w)
    for (amplitude, exponent, _), share in zip(law.terms, shares, strict=True):
        amp = share * reducible
        expo = pt.exp(pm.Flat(f"_g_{exponent}")) / amp
        log_jac = log_jac + pt.log(expo)  # |d expo / d g| = expo
        out[amplitude] = amp
        out[exponent] = expo
    log_prior = sum(_logp(priors[name], value) for name, value in out.items())
    pm.Potential("_prior_and_jacobian", log_prior + log_jac)
    out = {name: pm.Deterministic(name, value) for name, value in out.items()}
    for name in law.extra:
        out[name] = priors[name].create_variable(name)
    return out


def _logp(prior, value):
    import pymc as pm

    return pm.logp(prior.pymc_distribution.dist(**prior.parameters), value)


def build_mean_log_loss(law: LawSpec, rvs: Mapping, z: Mapping):
    """PyTensor expression for ``log(L / y_min)`` from the law's parameters and relative scales.

    ``z`` maps each axis slot name to a tensor ``log(x / x0)``.
    """
    import pytensor.tensor as pt

    return pt.log(relative_loss(law, rvs, z, exp=pt.exp, softplus=pt.softplus))


def compute_optimal_allocation(
    draws: Mapping[str, np.ndarray], compute: np.ndarray, *, flops_per_param_token: float = 6.0
) -> tuple[np.ndarray, np.ndarray]:
    """Compute-optimal N*(C) and D*(C) for the Chinchilla law, per posterior draw.

    Minimising ``A N^-alpha + B D^-beta`` subject to ``C = 6 N D`` gives (Hoffmann et al. 2022,
    Appendix D.2)::

        N*(C) = G (C/6)^a,   D*(C) = G^-1 (C/6)^b,
        a = beta / (alpha + beta),   b = alpha / (alpha + beta),
        G = (alpha A / (beta B))^(1 / (alpha + beta)).

    Parameters
    ----------
    draws : mapping
        Arrays ``A``, ``B``, ``alpha``, ``beta`` (published parameterisation), shape ``S``.
    compute : array of shape (k,)
        Training budgets in FLOPs.

    Returns
    -------
    (params, tokens) : arrays of shape ``S + (k,)``

    Examples
    --------
    >>> import numpy as np
    >>> n, d = compute_optimal_allocation(
    ...     {"A": np.array(482.0), "B": np.array(2085.0),
    ...      "alpha": np.array(0.348), "beta": np.array(0.366)}, np.array([5.76e23]))
    >>> round(float(d[0] / n[0]))  # Epoch AI's refit: about 20 tokens per parameter
    18
    """
    alpha = np.asarray(draws["alpha"])[..., None]
    beta = np.asarray(draws["beta"])[..., None]
    log_a = np.log(np.asarray(draws["A"]))[..., None]
    log_b = np.log(np.asarray(draws["B"]))[..., None]
    log_c6 = np.log(np.asarray(compute, dtype=float) / flops_per_param_token)
    log_g = (np.log(alpha) + log_a - np.log(beta) - log_b) / (alpha + beta)
    log_n = log_g + beta / (alpha + beta) * log_c6
    log_d = log_c6 - log_n
    return np.exp(log_n), np.exp(log_d)
