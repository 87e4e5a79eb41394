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

For bounded metrics (an error rate in ``[0, 1]``) ``law="saturating"`` bends the power law below
a ceiling ``U`` (the error at no data, near chance) and above the floor ``E``: the reducible part
is a smooth minimum of the power term ``u = A x^-alpha`` and the room ``U - E``::

    L = E + u / (1 + (u / (U - E))^k)^(1/k)

This is a closed-form analogue of the M4 form of Alabdulmohsin et al. 2022 ("Revisiting neural
scaling laws in language and vision", NeurIPS), ``(L - E) / (U - L)^a = b x^c``: both fall as
the power law ``E + A x^-alpha`` at large ``x`` and leave the ceiling as ``U - L ~ x^(alpha k)``
at small ``x``, M4's shape ``a`` playing the part of ``1 / k``; at ``k = a = 1`` they coincide
(``L = E + (U - E) / (1 + (x / x_s)^alpha)``). The law stays inside ``(E, U)``, within the
metric's bounds, at every scale. ``U`` is sampled as ``ceiling_fraction``:
``U = E + ceiling_fraction (bound - E)``, with ``bound`` the upper bound of the modelled loss;
``k`` is ``shape``.

Every law is evaluated by one function, :func:`relative_loss`, on NumPy arrays (forecasts) and
PyTensor tensors (the fit) alike: a new law is a :class:`LawSpec` here (plus its priors).

The noise around the law lives in :mod:`scaling_bayes.core.likelihood`: by default Student-t on
log loss, ``log L_obs = log L + sigma t_nu``, so ``sigma`` is roughly the relative noise of a run
and heavy tails absorb the odd bad run (digitisation errors, unlucky seeds) without dragging the
fit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from .exceptions import ConfigError, check_choice

if TYPE_CHECKING:
    from pytensor.tensor import TensorVariable

__all__ = ["LAWS", "LawSpec", "get_law", "mean_loss", "relative_loss"]

#: A NumPy array (or number) or a PyTensor tensor: the formulas below are written once for
#: both. ``Any`` to a type checker, which cannot follow values through both libraries' operators.
ArrayOrTensor: TypeAlias = Any


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
    saturating: bool = False

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
        extra = [_REPORTED_NAMES.get(name, name) for name in self.extra]
        return (*out, *extra, *self.noise)

    def axes(self, x: str | None = None) -> tuple[str, ...]:
        """The data axes the law uses; ``x`` fills the slot of one-axis laws."""
        return tuple(x if slot == "x" else slot for _, _, slot in self.terms)


#: Sampled extra parameters reported under another name (in the published parameterisation).
_REPORTED_NAMES = {"log_break": "break", "ceiling_fraction": "ceiling"}

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
    return LAWS[check_choice(name, LAWS, "law")]


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
    upper: float = np.inf,
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
    upper : float
        Upper bound of the modelled loss (a saturating law's ceiling lies below it).

    Returns
    -------
    numpy.ndarray
        Loss of shape ``S + (k,)`` in the data's loss units.
    """
    values = {name: np.asarray(draws[name])[..., None] for name in law.law_parameters}
    if law.saturating:
        values["upper_rel"] = _check_upper(upper) / y_min
    z = {}
    for _, _, slot in law.terms:
        axis = x if slot == "x" else slot
        z[slot] = np.log(np.asarray(scales[axis], dtype=float) / reference[axis])
    return y_min * relative_loss(law, values, z, exp=np.exp, softplus=_np_softplus)


def _np_softplus(u):
    return np.logaddexp(0.0, u)


def relative_loss(
    law: LawSpec,
    values: Mapping,
    z: Mapping,
    *,
    exp: Callable[[ArrayOrTensor], ArrayOrTensor],
    softplus: Callable[[ArrayOrTensor], ArrayOrTensor],
) -> ArrayOrTensor:
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
        term = values[amplitude] * exp(log_term)
        if law.saturating:
            term = saturate(term, values, law)
        total = total + term
    return total


def break_log_factor(
    z: ArrayOrTensor,
    alpha: ArrayOrTensor,
    alpha_after: ArrayOrTensor,
    log_break: ArrayOrTensor,
    sharpness: ArrayOrTensor,
    softplus: Callable[[ArrayOrTensor], ArrayOrTensor],
) -> ArrayOrTensor:
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
    upper: float = np.inf,
) -> dict[str, np.ndarray]:
    """Convert relative draws to the published parameterisation (E, A, B in loss units).

    ``A = a y_min x0^alpha`` so that ``A x^-alpha = y_min a (x / x0)^-alpha``; a saturating
    law's ceiling is ``U = E + ceiling_fraction (upper - E)``.
    """
    out: dict[str, np.ndarray] = {}
    if law.has_irreducible:
        out["E"] = np.asarray(draws["E_fraction"]) * y_min
    if law.saturating:
        floor = out.get("E", 0.0)
        out["ceiling"] = floor + np.asarray(draws["ceiling_fraction"]) * (
            _check_upper(upper) - floor
        )
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


def build_law_variables(
    law: LawSpec, priors: Mapping, upper_rel: TensorVariable | None = None
) -> dict:
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

    A saturating law (``upper_rel``: the metric's bound over the smallest observed loss) is
    sampled in the same coordinates read off the *bent* curve, see :func:`_saturating_variables`.
    """
    import pymc as pm
    import pytensor.tensor as pt

    if law.saturating:
        return _saturating_variables(law, priors, upper_rel)
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


def build_mean_log_loss(law: LawSpec, rvs: Mapping, z: Mapping) -> TensorVariable:
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


# ---------------------------------------------------------------------- bounded metrics
# The saturating law for error rates and other bounded metrics (see the module docstring).
LAWS["saturating"] = LawSpec(
    name="saturating",
    formula="L = E + A x^-alpha / (1 + (A x^-alpha / (U - E))^k)^(1/k)",
    terms=(("a", "alpha", "x"),),
    extra=("ceiling_fraction", "shape"),
    saturating=True,
    description=(
        "one axis, a bounded metric (error rate): a power law with floor E that bends below a "
        "ceiling U with shape k (closed-form analogue of M4, Alabdulmohsin et al. 2022)"
    ),
)


def saturate(term: ArrayOrTensor, values: Mapping, law: LawSpec) -> ArrayOrTensor:
    """Bend a reducible power term ``u`` below the ceiling: ``u / (1 + (u / r)^k)^(1/k)``.

    ``r = ceiling_fraction (upper_rel - E_fraction)`` is the reducible room between the floor
    and the ceiling, relative to the smallest observed loss; ``values["upper_rel"]`` is the
    metric's bound over that loss. Works on NumPy arrays and PyTensor tensors alike.

    Examples
    --------
    >>> values = {"E_fraction": 0.5, "ceiling_fraction": 0.5, "upper_rel": 2.5, "shape": 2.0}
    >>> round(float(saturate(1e9, values, LAWS["saturating"])), 6)  # far below the data
    1.0
    >>> round(float(saturate(1e-6, values, LAWS["saturating"])), 12)  # far above: the power law
    1e-06
    """
    floor = values["E_fraction"] if law.has_irreducible else 0.0
    room = values["ceiling_fraction"] * (values["upper_rel"] - floor)
    shape = values["shape"]
    return term / (1.0 + (term / room) ** shape) ** (1.0 / shape)


def _check_upper(upper: float) -> float:
    upper = float(upper)
    if not np.isfinite(upper) or upper <= 0:
        raise ConfigError(
            f"law 'saturating' needs a bounded metric (an error rate in (0, 1)); the metric's "
            f"upper bound is {upper}: declare metric=Metric(..., bounds=(0, 1)) on the data, or "
            "use law='power' for an unbounded loss"
        )
    return upper


def _saturating_variables(law: LawSpec, priors: Mapping, upper_rel) -> dict:
    """The saturating law's parameters in coordinates its runs pin down (see below).

    Read off the bent curve at the reference scale, with ``rho = upper_rel`` the bound:

    * ``ell`` = log L0, kept below ``log rho`` (``ell = log rho - softplus(-ell_raw)``);
    * ``q``: the floor's share of L0, as for the other laws; ``R0 = L0 - E``;
    * ``g = log(alpha_eff R0)`` with ``alpha_eff`` the curve's local slope there;
    * ``v``: how far the reference sits towards the ceiling, ``w = R0 / (U - E)`` in
      ``(b, 1)``, ``b = R0 / (rho - E)`` (so the ceiling stays below the bound);
    * ``shape`` k, sampled with its prior as it is.

    The natural parameters follow exactly: ``ceiling_fraction = b / w``,
    ``a = R0 (1 - w^k)^(-1/k)`` and ``alpha = alpha_eff / (1 - w^k)``. The user's priors on
    ``E_fraction``, ``a``, ``alpha`` and ``ceiling_fraction`` enter with the log-Jacobian of this
    map (checked against finite differences in the tests). Five runs that never approach the
    ceiling identify ``L0``, the floor and the local slope, not ``a`` and ``alpha`` of the
    unbent power law: moving in these coordinates keeps the sampler off that ridge.
    """
    import pymc as pm
    import pytensor.tensor as pt

    if upper_rel is None:
        raise ValueError("a saturating law needs the bound over the smallest loss (upper_rel)")
    ((amplitude, exponent, _),) = law.terms
    log_rho = pt.log(upper_rel)
    ell_raw = pm.Flat("_ell")
    ell = log_rho - pt.softplus(-ell_raw)
    log_jac = pt.log(pt.sigmoid(-ell_raw))  # d ell / d ell_raw
    q = pm.Flat("_q")
    log_cap = -pt.softplus(-_SOFTMIN_SHARPNESS * ell) / _SOFTMIN_SHARPNESS
    floor = pt.exp(log_cap) * pt.sigmoid(q)
    reducible = pt.exp(ell) - floor
    # |d(E, L0 - E) / d(ell, q)| = L0 * cap * sigmoid(q) * sigmoid(-q)
    log_jac = log_jac + ell + log_cap + pt.log(pt.sigmoid(q)) + pt.log(pt.sigmoid(-q))
    slope = pt.exp(pm.Flat(f"_g_{exponent}")) / reducible
    log_jac = log_jac + pt.log(slope)  # d alpha_eff / d g
    v = pm.Flat("_v_ceiling")
    b = reducible / (upper_rel - floor)
    w = b + (1.0 - b) * pt.sigmoid(v)
    ceiling_fraction = b / w
    # |d c / d v| = b (1 - b) sigmoid(v) sigmoid(-v) / w^2
    log_jac = log_jac + pt.log(b) + pt.log1p(-b) + pt.log(pt.sigmoid(v)) + pt.log(pt.sigmoid(-v))
    log_jac = log_jac - 2.0 * pt.log(w)
    shape = priors["shape"].create_variable("shape")
    log_one_minus = pt.log1p(-(w**shape))  # log(1 - t), t = (R0 / room)^k = w^k
    amp = reducible * pt.exp(-log_one_minus / shape)
    expo = slope / (1.0 - w**shape)
    # |d(a, alpha) / d(R0, alpha_eff)| at fixed floor, ceiling and shape = (a / R0) / (1 - t)^2
    log_jac = log_jac + pt.log(amp) - pt.log(reducible) - 2.0 * log_one_minus
    out = {"E_fraction": floor, amplitude: amp, exponent: expo}
    out["ceiling_fraction"] = ceiling_fraction
    log_prior = sum(_logp(priors[name], value) for name, value in out.items())
    pm.Potential("_prior_and_jacobian", log_prior + log_jac)
    out = {name: pm.Deterministic(name, value) for name, value in out.items()}
    out["shape"] = shape
    return out
