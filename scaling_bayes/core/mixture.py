"""Forecasts with form uncertainty: a mixture of plausible laws plus a structured discrepancy.

A single law fitted on small runs is honest about run-to-run noise and silent about its own form
being wrong, which is the larger risk far from the data: fitted on Chinchilla runs below 1e9
parameters, Hoffmann et al.'s form misjudges how large models trade parameters for data. The
disagreement between plausible forms is a visible part of that risk, and the rest grows with the
distance from the data. :class:`FormMixture` therefore

1. fits several plausible forms to the same runs (:data:`FORMS`), each with its own posterior;
2. mixes their predictive draws with weights fixed *across* studies, never learned by stacking
   on the runs being forecast (Yao et al. 2018's stacking, done inside one study, collapses onto
   one form and loses the coverage);
3. adds a discrepancy on log loss (:mod:`scaling_bayes.core.discrepancy`) whose scale comes with
   a posterior learned from other studies.

Forms on parameters N and tokens D (relative to the geometric means N0, D0 of the runs and to
the smallest observed loss ``y_min``, as in :mod:`scaling_bayes.core.laws`)::

    chinchilla     L = E + A N^-alpha + B D^-beta                  (Hoffmann et al. 2022)
    alpha_eq_beta  L = E + A N^-alpha + B D^-alpha                 (one exponent; Gadre et al. 2024)
    farseer        L = E + A N^-alpha + B D^-beta(N),  beta(N) = beta0 (N/N0)^gamma
                   (a simplified form of Li et al. 2025's Farseer: the data exponent moves with N)
    kaplan_floor   L = E + [(Nc/N)^(alpha_N/alpha_D) + Dc/D]^alpha_D  (Kaplan et al. 2020, Eq. 1.5,
                   with an irreducible loss E)

Forms on one axis x::

    power          L = E + A x^-alpha
    broken_power   L = E + A x^-alpha (1 + x/x_b)^-(alpha_after - alpha)  (Caballero et al. 2023,
                   sharpness fixed at 1)
    power_no_floor L = A x^-alpha                                  (Kaplan et al. 2020)
    saturating     L = E + (U - E) / (1 + (x/x_s)^alpha)          (Alabdulmohsin et al. 2022's M4
                   with its shape exponent fixed at 1)

Each form's posterior is a Laplace approximation: the maximum a posteriori point in unbounded
coordinates (logit of the irreducible share, logs of amplitudes and exponents) under weak normal
priors, with the Gauss-Newton covariance there; noise on log loss is Student-t with 4 degrees of
freedom, as in the package's likelihood (fitted by iteratively reweighted least squares), its
scale with an approximate inverse-gamma posterior. It takes milliseconds per form, which is what
lets the evidence benchmark fit every form of every study. It is an approximation: with
``posterior="nuts"`` each form's exact posterior (the same priors and likelihood) is sampled
by NUTS instead (:mod:`scaling_bayes.core.form_posterior`), a second or two per form once its
model is compiled. Each form is written once, with its array functions passed in
(:data:`NUMPY_OPS` here, PyTensor's there).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize

from .constants import FLOPS_PER_PARAM_TOKEN, INTERVAL_PROB
from .data import ScalingData
from .diagnostics import NOT_CONVERGED_BANNER, ConvergenceReport, warn_if_unconverged
from .discrepancy import Discrepancy, extrapolation_distance
from .exceptions import ConfigError, DataError, NotFittedError, check_choice
from .forecast import Forecast, build_predictions, interval_split, scales_frame
from .form_posterior import DEFAULT_SETTINGS as NUTS_SETTINGS
from .form_posterior import sample_form
from .track_record import track_record

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = [
    "EXPONENT_COORDS",
    "FORMS",
    "LAW_FORMS",
    "MIXTURE_PRESET",
    "PILOT_MAX_RUNS",
    "FormFit",
    "FormMixture",
    "FormSpec",
    "eligible",
    "fit_form",
    "forms_to_fit",
    "learn_exponent_prior",
    "learn_weights_and_tau",
    "mix_draws",
    "preset_law_weights",
]


def _sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


#: The array functions the forms below are written with, for NumPy (forecasts, Laplace fits);
#: :mod:`scaling_bayes.core.form_posterior` passes PyTensor's to sample the same forms by NUTS.
NUMPY_OPS = SimpleNamespace(
    exp=np.exp, log=np.log, log1p=np.log1p, logaddexp=np.logaddexp, sigmoid=_sigmoid
)


@dataclass(frozen=True)
class FormSpec:
    """One plausible functional form.

    Attributes
    ----------
    name : str
    formula : str
    axes : tuple of str
        ``("params", "tokens")`` or ``("x",)`` for one-axis forms.
    coords : tuple of str
        Unbounded coordinates of the Laplace posterior.
    prior_mean, prior_sd : tuple of float
        Normal priors on the coordinates.
    relative : callable
        ``relative(theta, z, ops) -> L / y_min``; ``theta`` maps coordinate names to arrays,
        ``z`` maps ``"params"``, ``"tokens"`` or ``"x"`` to ``log(scale / reference)``, ``ops``
        holds ``exp``, ``log``, ``log1p``, ``logaddexp`` and ``sigmoid`` of the array library
        (:data:`NUMPY_OPS`, or PyTensor's), so each form is written once for both.
    """

    name: str
    formula: str
    axes: tuple[str, ...]
    coords: tuple[str, ...]
    prior_mean: tuple[float, ...]
    prior_sd: tuple[float, ...]
    relative: Callable = field(repr=False)


_LOG03 = math.log(0.3)


def _chinchilla(t, z, ops):
    return (
        ops.sigmoid(t["logit_e"])
        + ops.exp(t["log_a"] - ops.exp(t["log_alpha"]) * z["params"])
        + ops.exp(t["log_b"] - ops.exp(t["log_beta"]) * z["tokens"])
    )


def _alpha_eq_beta(t, z, ops):
    alpha = ops.exp(t["log_alpha"])
    return (
        ops.sigmoid(t["logit_e"])
        + ops.exp(t["log_a"] - alpha * z["params"])
        + ops.exp(t["log_b"] - alpha * z["tokens"])
    )


def _farseer(t, z, ops):
    beta = ops.exp(t["log_beta"] + t["gamma"] * z["params"])
    return (
        ops.sigmoid(t["logit_e"])
        + ops.exp(t["log_a"] - ops.exp(t["log_alpha"]) * z["params"])
        + ops.exp(t["log_b"] - beta * z["tokens"])
    )


def _kaplan_floor(t, z, ops):
    alpha_n, alpha_d = ops.exp(t["log_alpha"]), ops.exp(t["log_alpha_d"])
    k = ops.sigmoid(t["logit_k"])
    # Written so that the bracket is 1 at the reference scale: a is the reducible share there.
    log_bracket = ops.logaddexp(
        ops.log(k) - alpha_n / alpha_d * z["params"], ops.log1p(-k) - z["tokens"]
    )
    return ops.sigmoid(t["logit_e"]) + ops.exp(t["log_a"] + alpha_d * log_bracket)


def _power(t, z, ops):
    return ops.sigmoid(t["logit_e"]) + ops.exp(t["log_a"] - ops.exp(t["log_alpha"]) * z["x"])


def _broken_power(t, z, ops):
    alpha, after = ops.exp(t["log_alpha"]), ops.exp(t["log_alpha_after"])
    bend = ops.logaddexp(0.0, z["x"] - t["log_break"])  # softplus
    log_term = t["log_a"] - alpha * z["x"] - (after - alpha) * bend
    return ops.sigmoid(t["logit_e"]) + ops.exp(log_term)


def _power_no_floor(t, z, ops):
    return ops.exp(t["log_a"] - ops.exp(t["log_alpha"]) * z["x"])


def _saturating(t, z, ops):
    # M4-like sigmoid in log x (Alabdulmohsin et al. 2022 with its shape exponent fixed at 1):
    # from a ceiling U = E + span at small x down to the floor E.
    return ops.sigmoid(t["logit_e"]) + ops.exp(t["log_span"]) * ops.sigmoid(
        -ops.exp(t["log_alpha"]) * (z["x"] - t["log_scale"])
    )


# Priors on the coordinates, matching the package's "weak" preset (core/priors.py): E uniform on
# (0, y_min) (a logistic density on its logit, approximated by N(0, 1.8)), amplitudes
# LogNormal(log 0.25, 1.5), exponents LogNormal(log 0.25, 0.8), log break N(0, 1.5).
_LOG025 = math.log(0.25)
_E, _A, _AL = ("logit_e", 0.0, 1.8), ("log_a", _LOG025, 1.5), ("log_alpha", _LOG025, 0.8)
_B, _BE = ("log_b", _LOG025, 1.5), ("log_beta", _LOG025, 0.8)


def _spec(name, formula, axes, coords, relative) -> FormSpec:
    return FormSpec(
        name=name,
        formula=formula,
        axes=axes,
        coords=tuple(c[0] for c in coords),
        prior_mean=tuple(float(c[1]) for c in coords),
        prior_sd=tuple(float(c[2]) for c in coords),
        relative=relative,
    )


_TWO = ("params", "tokens")

#: The registry of plausible forms (see the module docstring for each formula).
FORMS: dict[str, FormSpec] = {
    "chinchilla": _spec(
        "chinchilla", "L = E + A N^-alpha + B D^-beta", _TWO, (_E, _A, _AL, _B, _BE), _chinchilla
    ),
    "alpha_eq_beta": _spec(
        "alpha_eq_beta", "L = E + A N^-alpha + B D^-alpha", _TWO, (_E, _A, _AL, _B), _alpha_eq_beta
    ),
    "farseer": _spec(
        "farseer",
        "L = E + A N^-alpha + B D^-(beta (N/N0)^gamma)",
        _TWO,
        (_E, _A, _AL, _B, _BE, ("gamma", 0.0, 0.15)),
        _farseer,
    ),
    "kaplan_floor": _spec(
        "kaplan_floor",
        "L = E + [(Nc/N)^(alpha/alpha_d) + Dc/D]^alpha_d",
        _TWO,
        (_E, _A, _AL, ("log_alpha_d", _LOG025, 0.8), ("logit_k", 0.0, 1.8)),
        _kaplan_floor,
    ),
    "power": _spec("power", "L = E + A x^-alpha", ("x",), (_E, _A, _AL), _power),
    "broken_power": _spec(
        "broken_power",
        "L = E + A x^-alpha (1 + x/x_b)^-(alpha_after - alpha)",
        ("x",),
        (_E, _A, _AL, ("log_alpha_after", _LOG025, 0.8), ("log_break", 0.0, 1.5)),
        _broken_power,
    ),
    "power_no_floor": _spec("power_no_floor", "L = A x^-alpha", ("x",), (_A, _AL), _power_no_floor),
    "saturating": _spec(
        "saturating",
        "L = E + (U - E) / (1 + (x/x_s)^alpha)",
        ("x",),
        (_E, ("log_span", _LOG025, 1.5), ("log_alpha", 0.0, 0.8), ("log_scale", 0.0, 2.0)),
        _saturating,
    ),
}


def eligible(name: str, n_runs: int) -> bool:
    """Whether ``n_runs`` runs can determine a form: at least two more runs than coordinates.

    A form with as many parameters as runs is fitted by its prior, not by the runs, and its
    forecasts far from the data say more about the prior than about the law; the default form of
    each group (Chinchilla, power) is always kept (see :data:`BASE_FORMS`).

    Examples
    --------
    >>> eligible("chinchilla", 5), eligible("farseer", 7), eligible("farseer", 8)
    (True, False, True)
    """
    if name in BASE_FORMS:
        return True
    return n_runs >= len(FORMS[name].coords) + 2


def forms_to_fit(names: Sequence[str], n_runs: int) -> tuple[str, ...]:
    """The forms of ``names`` that a mixture fits to ``n_runs`` runs.

    Fits of :data:`PILOT_MAX_RUNS` runs or fewer follow the pilot preset's ``"forms"`` rule,
    chosen across the public studies like its weights: ``"all"`` keeps every form (a pilot's
    form uncertainty is largest, and its weights were learned on pilots that mixed every form),
    ``"eligible"`` only those :func:`eligible` for ``n_runs``. Larger fits keep the eligible
    forms.

    Examples
    --------
    >>> MIXTURE_PRESET["pilot"]["forms"]
    'all'
    >>> forms_to_fit(("chinchilla", "farseer"), 7), eligible("farseer", 7)
    (('chinchilla', 'farseer'), False)
    """
    pilot = MIXTURE_PRESET.get("pilot", {})
    if n_runs <= PILOT_MAX_RUNS and pilot.get("forms") == "all":
        return tuple(names)
    return tuple(n for n in names if eligible(n, n_runs))


#: Fits of this many runs or fewer use the preset learned on 5-run pilots (``MIXTURE_PRESET``'s
#: ``"pilot"`` entry): a proof of concept's forms are fitted largely by their priors and miss by
#: more than a full study's, which the pilots of the public studies measure.
PILOT_MAX_RUNS = 8

#: The form of each group that is always fitted, whatever the number of runs (today's defaults).
BASE_FORMS = ("chinchilla", "power")

TWO_AXIS_FORMS = tuple(k for k, v in FORMS.items() if v.axes == _TWO)
ONE_AXIS_FORMS = tuple(k for k, v in FORMS.items() if v.axes == ("x",))

#: How a form's posterior is computed (:func:`fit_form`).
POSTERIORS = ("laplace", "nuts")

#: Degrees of freedom of the Student-t noise on log loss (the package's default likelihood).
_NU = 4.0

#: Inverse-gamma prior of the noise variance on log loss: shape and scale. Weak (worth two runs
#: with a noise of 0.1%), so that clean curves (noise of 0.1-0.3%) are not blurred by the prior.
_NOISE_PRIOR = (1.0, 1e-6)

# BEGIN GENERATED PRESET (benchmarks/bench_evidence.py --write-preset)
# fmt: off
#: Mixture weights and discrepancy posterior learned across the public studies of
#: the evidence benchmark (benchmarks/bench_evidence.py --choose --write-preset:
#: the nested leave-one-study-out procedure applied to all studies; choices file
#: SHA-256 4a842b9b0ad05568...). Grid values of tau with probability < 1e-6 dropped.
#: ``pilot``: the same procedure on 5-run pilots of every study, used for fits of
#: PILOT_MAX_RUNS runs or fewer, with ``forms``: which forms pilots mix ('all' of
#: the group, or the 'eligible' ones; chosen nested like the weights), and
#: ``exponent_prior``: the hierarchical prior on each form's exponents learned
#: from the full fits of every study (learn_exponent_prior), which pilots are
#: fitted with.
MIXTURE_PRESET: dict = {
    "weights": {
        "two_axis": {
            "chinchilla": 0.2091,
            "alpha_eq_beta": 0.2010,
            "farseer": 0.2815,
            "kaplan_floor": 0.3085,
        },
        "one_axis": {
            "power": 0.4815,
            "broken_power": 0.2365,
            "power_no_floor": 0.0815,
            "saturating": 0.2005,
        },
    },
    "tau_grid": [
        0.000, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007,
        0.008, 0.009, 0.010, 0.011, 0.012, 0.013, 0.014, 0.015,
        0.016, 0.017, 0.018, 0.019, 0.020, 0.021, 0.022, 0.023,
        0.024, 0.025, 0.026, 0.027, 0.028, 0.029, 0.030, 0.031,
        0.032, 0.033, 0.034, 0.035, 0.036, 0.037, 0.038, 0.039,
        0.040, 0.041, 0.042, 0.043, 0.044, 0.045, 0.046, 0.047,
        0.048, 0.049, 0.050, 0.051, 0.052, 0.053, 0.054,
    ],
    "tau_prob": [
        0.0492, 0.07196, 0.1062, 0.1187, 0.1135, 0.1005, 0.08523, 0.07047,
        0.0573, 0.0461, 0.03684, 0.02934, 0.02332, 0.01854, 0.01475, 0.01174,
        0.009353, 0.00746, 0.005956, 0.004758, 0.003804, 0.003042, 0.002433, 0.001946,
        0.001556, 0.001244, 0.0009941, 0.0007939, 0.0006336, 0.0005053, 0.0004026, 0.0003205,
        0.0002549, 0.0002025, 0.0001607, 0.0001274, 0.0001009, 7.975e-05, 6.298e-05, 4.967e-05,
        3.912e-05, 3.077e-05, 2.417e-05, 1.896e-05, 1.485e-05, 1.161e-05, 9.068e-06, 7.07e-06,
        5.505e-06, 4.279e-06, 3.321e-06, 2.573e-06, 1.991e-06, 1.538e-06, 1.186e-06,
    ],
    "pilot": {
        "forms": "all",
        "weights": {
            "two_axis": {
                "chinchilla": 0.2255,
                "alpha_eq_beta": 0.3244,
                "farseer": 0.2745,
                "kaplan_floor": 0.1756,
            },
            "one_axis": {
                "power": 0.4530,
                "broken_power": 0.1941,
                "power_no_floor": 0.1495,
                "saturating": 0.2035,
            },
        },
        "tau_grid": [
            0.000, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007,
            0.008, 0.009, 0.010, 0.011, 0.012, 0.013, 0.014, 0.015,
            0.016, 0.017, 0.018, 0.019, 0.020, 0.021, 0.022, 0.023,
            0.024, 0.025, 0.026, 0.027, 0.028, 0.029, 0.030, 0.031,
            0.032, 0.033, 0.034, 0.035, 0.036, 0.037, 0.038, 0.039,
            0.040, 0.041, 0.042, 0.043, 0.044, 0.045, 0.046, 0.047,
            0.048, 0.049, 0.050, 0.051, 0.052, 0.053, 0.054, 0.055,
            0.056, 0.057, 0.058, 0.059, 0.060, 0.061, 0.062, 0.063,
            0.064, 0.065, 0.066, 0.067,
        ],
        "tau_prob": [
            0.0347, 0.04669, 0.05698, 0.06098, 0.06274, 0.06226, 0.06015, 0.05717,
            0.05384, 0.05042, 0.04698, 0.04356, 0.04019, 0.03691, 0.03374, 0.0307,
            0.02778, 0.02501, 0.02239, 0.01994, 0.01766, 0.01556, 0.01364, 0.0119,
            0.01034, 0.008937, 0.007694, 0.006598, 0.005635, 0.004793, 0.004062, 0.00343,
            0.002885, 0.002419, 0.002021, 0.001682, 0.001396, 0.001155, 0.0009523, 0.0007828,
            0.0006415, 0.0005242, 0.000427, 0.0003468, 0.0002809, 0.0002268, 0.0001827, 0.0001467,
            0.0001175, 9.379e-05, 7.469e-05, 5.931e-05, 4.698e-05, 3.711e-05, 2.924e-05, 2.297e-05,
            1.8e-05, 1.407e-05, 1.097e-05, 8.535e-06, 6.622e-06, 5.125e-06, 3.956e-06, 3.047e-06,
            2.341e-06, 1.794e-06, 1.372e-06, 1.047e-06,
        ],
        "exponent_prior": {
            "alpha_eq_beta": {"log_alpha": [-0.9632, 0.7437]},
            "broken_power": {"log_alpha": [-2.1869, 0.9768], "log_alpha_after": [-0.7651, 1.0187]},
            "chinchilla": {"log_alpha": [-1.2519, 0.5499], "log_beta": [-0.8358, 0.8904]},
            "farseer": {"log_alpha": [-1.2937, 0.4661], "log_beta": [-0.8884, 0.8720]},
            "kaplan_floor": {"log_alpha": [-1.4933, 0.7715], "log_alpha_d": [-1.1171, 1.0510]},
            "power": {"log_alpha": [-1.2020, 0.6269]},
            "power_no_floor": {"log_alpha": [-2.1123, 1.0343]},
            "saturating": {"log_alpha": [-0.3611, 0.3571]},
        },
    },
    "source": "evidence benchmark, 15 studies, choices 4a842b9b0ad05568",
}
# fmt: on
# END GENERATED PRESET


#: The form of the preset behind each law of :class:`~scaling_bayes.core.model.ScalingLawModel`:
#: (group, form). ``kaplan`` (no irreducible loss) is the one-axis ``power_no_floor``.
LAW_FORMS: dict[str, tuple[str, str]] = {
    "chinchilla": ("two_axis", "chinchilla"),
    "power": ("one_axis", "power"),
    "broken_power": ("one_axis", "broken_power"),
    "kaplan": ("one_axis", "power_no_floor"),
    "saturating": ("one_axis", "saturating"),
}


def preset_law_weights(laws: Mapping[str, str], n_runs: int | None = None) -> dict[str, float]:
    """Weights of laws learned across the public studies (never on the runs being forecast).

    Each law gets its form's weight in :data:`MIXTURE_PRESET` (the ``"pilot"`` entry for
    :data:`PILOT_MAX_RUNS` runs or fewer), shared equally by variants of one law (the same law
    under other priors). Laws of both groups (one axis and two) get half the mass per group,
    since the benchmark learned weights within a group only; a law without a preset form
    counts as equal to the others of its group. Weights sum to 1.

    Parameters
    ----------
    laws : mapping of name to law
        E.g. ``{"power(compute)": "power", "chinchilla": "chinchilla"}``.
    n_runs : int, optional
        Runs behind the fits (chooses the pilot preset when small).

    Examples
    --------
    >>> w = preset_law_weights({"p": "power", "b": "broken_power"})
    >>> round(w["p"] / w["b"], 2) == round(
    ...     MIXTURE_PRESET["weights"]["one_axis"]["power"]
    ...     / MIXTURE_PRESET["weights"]["one_axis"]["broken_power"], 2)
    True
    """
    preset = MIXTURE_PRESET
    if n_runs is not None and n_runs <= PILOT_MAX_RUNS and "pilot" in MIXTURE_PRESET:
        preset = MIXTURE_PRESET["pilot"]
    groups = {n: LAW_FORMS.get(law, ("one_axis", "")) for n, law in laws.items()}
    raw = {}
    for name, (group, form) in groups.items():
        table = preset["weights"][group]
        same = sum(1 for g in groups.values() if g == (group, form))
        known = [table[f] for g, f in set(groups.values()) if g == group and f in table]
        fallback = float(np.mean(known)) if known else 1.0
        raw[name] = float(table.get(form, fallback)) / same
    out = {}
    for group in {g for g, _ in groups.values()}:
        members = [n for n, (g, _) in groups.items() if g == group]
        total = sum(raw[n] for n in members)
        n_groups = len({g for g, _ in groups.values()})
        out.update({n: raw[n] / total / n_groups for n in members})
    return {n: out[n] for n in laws}


# ---------------------------------------------------------------------------------- one form
@dataclass(frozen=True)
class FormFit:
    """The posterior of one form fitted to one set of runs: Laplace, or sampled by NUTS.

    Attributes
    ----------
    spec : FormSpec
    theta : numpy.ndarray
        Posterior mode of the coordinates.
    cov : numpy.ndarray
        Covariance of the coordinates (inverse Gauss-Newton Hessian at the mode).
    noise_shape, noise_scale : float
        Inverse-gamma posterior of the noise variance on log loss.
    reference : dict
        Reference scale of each axis (geometric mean of the runs).
    y_min : float
        Smallest observed loss.
    axis_map : dict
        Form slot (``"params"``, ``"tokens"`` or ``"x"``) to data axis.
    train : dict
        Scales of the training runs per data axis (for extrapolation distances).
    rss : float
        Weighted (Student-t IRLS) residual sum of squares of log loss at the mode.
    n_runs : int
    posterior_draws : numpy.ndarray or None
        Draws of the coordinates from the exact posterior, shape ``(S, p)``, when the form was
        sampled by NUTS (``fit_form(..., posterior="nuts")``); None for the Laplace fit, whose
        draws come from ``theta`` and ``cov``.
    sigma_draws : numpy.ndarray or None
        The noise sd of the same draws, shape ``(S,)``.
    diagnostics : ConvergenceReport or None
        The NUTS fit's convergence verdict; None for the Laplace fit (deterministic).
    """

    spec: FormSpec
    theta: np.ndarray
    cov: np.ndarray
    noise_shape: float
    noise_scale: float
    reference: dict
    y_min: float
    axis_map: dict
    train: dict
    rss: float
    n_runs: int
    posterior_draws: np.ndarray | None = field(default=None, repr=False)
    sigma_draws: np.ndarray | None = field(default=None, repr=False)
    diagnostics: ConvergenceReport | None = field(default=None, repr=False)

    @property
    def posterior(self) -> str:
        """``"nuts"`` for a sampled fit, ``"laplace"`` otherwise."""
        return "laplace" if self.posterior_draws is None else "nuts"

    @property
    def converged(self) -> bool:
        """The NUTS fit's verdict; always True for the (deterministic) Laplace fit."""
        return self.diagnostics is None or self.diagnostics.converged

    @property
    def sigma(self) -> float:
        """Posterior mean of the noise variance, as a standard deviation on log loss."""
        return math.sqrt(self.noise_scale / max(self.noise_shape - 1.0, 1e-9))

    def _z(self, scales: Mapping[str, np.ndarray]) -> dict:
        return {
            slot: np.log(np.asarray(scales[axis], dtype=float) / self.reference[axis])
            for slot, axis in self.axis_map.items()
        }

    def log_mean(self, theta: np.ndarray, scales: Mapping[str, np.ndarray]) -> np.ndarray:
        """``log L`` of the law at ``scales`` for coordinate draws ``theta`` (shape (S, p))."""
        t = {c: theta[:, i][:, None] for i, c in enumerate(self.spec.coords)}
        z = {k: v[None, :] for k, v in self._z(scales).items()}
        with np.errstate(over="ignore"):
            return math.log(self.y_min) + np.log(self.spec.relative(t, z, NUMPY_OPS))

    def draw_posterior(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Joint draws of the coordinates ``(n, p)`` and the noise sd ``(n,)``.

        From the Laplace posterior (normal coordinates, inverse-gamma noise variance), or, for
        a NUTS fit, resampled with replacement from its draws.
        """
        if self.posterior_draws is not None and self.sigma_draws is not None:
            pick = rng.integers(0, self.sigma_draws.size, size=n)
            return self.posterior_draws[pick], self.sigma_draws[pick]
        return self.draw_coords(rng, n), self.draw_sigma(rng, n)

    def draw_coords(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draws of the coordinates from the posterior, shape ``(n, p)``."""
        if self.posterior_draws is not None:
            return self.posterior_draws[rng.integers(0, len(self.posterior_draws), size=n)]
        chol = np.linalg.cholesky(self.cov)
        return self.theta[None, :] + rng.standard_normal((n, self.theta.size)) @ chol.T

    def draw_sigma(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draws of the noise sd on log loss from its posterior, shape ``(n,)``."""
        if self.sigma_draws is not None:
            return self.sigma_draws[rng.integers(0, self.sigma_draws.size, size=n)]
        return np.sqrt(self.noise_scale / rng.gamma(self.noise_shape, 1.0, size=n))

    def predictive_log(
        self, scales: Mapping[str, np.ndarray], n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draws of ``log L`` of the law and of a new run (law + noise), each shape ``(n, k)``."""
        theta, sigma = self.draw_posterior(rng, n)
        mean = self.log_mean(theta, scales)
        noise = sigma[:, None] * rng.standard_t(_NU, size=mean.shape)
        return mean, mean + noise

    def parameters(self, n: int = 4000, random_seed: int = 0) -> pd.DataFrame:
        """Posterior mean, sd and 90% interval of each coordinate transformed to natural units.

        Irreducible loss ``E`` and reference-scale amplitudes ``A0``, ``B0`` are in loss units
        (the reducible loss at the reference scale); exponents as they are.
        """
        rng = np.random.default_rng(random_seed)
        draws = self.draw_coords(rng, n)
        rows = []
        for i, coord in enumerate(self.spec.coords):
            values, name = _natural(coord, draws[:, i], self.y_min)
            lo, hi = np.quantile(values, [0.05, 0.95])
            rows.append(
                {
                    "parameter": name,
                    "mean": float(values.mean()),
                    "sd": float(values.std()),
                    "q5": lo,
                    "q95": hi,
                }
            )
        sigma = self.draw_sigma(rng, n)
        lo, hi = np.quantile(sigma, [0.05, 0.95])
        rows.append(
            {"parameter": "sigma", "mean": sigma.mean(), "sd": sigma.std(), "q5": lo, "q95": hi}
        )
        return pd.DataFrame(rows)


_NATURAL = {
    "logit_e": ("E", lambda v, y: _sigmoid(v) * y),
    "log_a": ("A0", lambda v, y: np.exp(v) * y),
    "log_b": ("B0", lambda v, y: np.exp(v) * y),
    "log_alpha": ("alpha", lambda v, y: np.exp(v)),
    "log_beta": ("beta", lambda v, y: np.exp(v)),
    "log_alpha_d": ("alpha_d", lambda v, y: np.exp(v)),
    "log_alpha_after": ("alpha_after", lambda v, y: np.exp(v)),
    "log_break": ("log_break", lambda v, y: v),
    "logit_k": ("k", lambda v, y: _sigmoid(v)),
    "log_span": ("U_minus_E", lambda v, y: np.exp(v) * y),
    "log_scale": ("log_scale", lambda v, y: v),
    "gamma": ("gamma", lambda v, y: v),
}


def _natural(coord: str, values: np.ndarray, y_min: float) -> tuple[np.ndarray, str]:
    name, fn = _NATURAL[coord]
    return fn(values, y_min), name


def _starts(spec: FormSpec) -> list[np.ndarray]:
    base = np.asarray(spec.prior_mean, dtype=float)
    out = []
    for logit_e in (-2.0, 0.0, 2.0):
        for log_alpha in (math.log(0.1), _LOG03, math.log(0.7)):
            s = base.copy()
            for i, c in enumerate(spec.coords):
                if c == "logit_e":
                    s[i] = logit_e
                elif c.startswith("log_alpha") or c == "log_beta":
                    s[i] = log_alpha
            out.append(s)
    return out


def fit_form(
    spec: FormSpec | str,
    scales: Mapping[str, np.ndarray],
    loss: ArrayLike,
    *,
    x: str | None = None,
    prior: Mapping[str, Sequence[float]] | None = None,
    posterior: str = "laplace",
    random_seed: int | None = None,
    sampler_settings: Mapping | None = None,
) -> FormFit:
    """Fit one form by its Laplace posterior, or sample its exact posterior by NUTS.

    Parameters
    ----------
    spec : FormSpec or str
        The form (or its name in :data:`FORMS`).
    scales : mapping of axis name to array
        ``params`` and ``tokens`` for two-axis forms; the axis ``x`` names for one-axis forms.
    loss : array-like
        Observed loss of each run (positive).
    x : str, optional
        Axis of a one-axis form.
    prior : mapping of coordinate name to (mean, sd), optional
        Normal priors replacing the form's weak defaults for some coordinates, e.g. the
        exponents' prior learned across studies (:func:`learn_exponent_prior`).
    posterior : {"laplace", "nuts"}
        ``"laplace"`` (milliseconds): the normal approximation at the mode. ``"nuts"``: the
        same posterior sampled exactly (:mod:`scaling_bayes.core.form_posterior`; a second or
        two per form once compiled); the Laplace fit still gives ``theta`` and ``cov``.
    random_seed : int, optional
        Seed of the NUTS fit.
    sampler_settings : mapping, optional
        Overrides of the NUTS settings (``draws``, ``tune``, ``chains``, ``cores``,
        ``target_accept``, ``sampler``; see ``form_posterior.DEFAULT_SETTINGS``).

    Returns
    -------
    FormFit

    Examples
    --------
    >>> import numpy as np
    >>> n = np.geomspace(1e7, 1e9, 12)
    >>> loss = 1.8 + 400 * n**-0.34
    >>> fit = fit_form("power", {"params": n}, loss, x="params")
    >>> round(float(np.exp(fit.theta[2])), 2)   # alpha
    0.34
    """
    if isinstance(spec, str):
        if spec not in FORMS:
            raise ConfigError(f"unknown form {spec!r}; choose from {', '.join(FORMS)}")
        spec = FORMS[spec]
    check_choice(posterior, POSTERIORS, "posterior")
    _check_sampler_settings(sampler_settings, posterior)
    if spec.axes == ("x",):
        if x is None or x not in scales:
            raise ConfigError(
                f"form '{spec.name}' has one axis: pass x= naming one of {', '.join(scales)}"
            )
        axis_map = {"x": x}
    else:
        missing = [a for a in spec.axes if a not in scales]
        if missing:
            raise DataError(f"form '{spec.name}' needs scales for {', '.join(missing)}")
        axis_map = {a: a for a in spec.axes}
    y = np.asarray(loss, dtype=float)
    train = {axis: np.asarray(scales[axis], dtype=float) for axis in axis_map.values()}
    for axis, values in train.items():
        if values.shape != y.shape or not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise DataError(
                f"scales of '{axis}' must be positive, finite and one per run ({y.size} runs)"
            )
    if y.ndim != 1 or y.size < 2 or not np.all(np.isfinite(y)) or np.any(y <= 0):
        raise DataError("loss must be a 1-D array of at least 2 positive, finite values")
    reference = {a: float(np.exp(np.mean(np.log(v)))) for a, v in train.items()}
    y_min = float(y.min())
    log_y = np.log(y / y_min)
    z = {slot: np.log(train[axis] / reference[axis]) for slot, axis in axis_map.items()}
    mean0, sd0 = _prior_arrays(spec, prior)

    def residuals(theta, scale):
        # scale: per-run sigma / sqrt(IRLS weight) of the Student-t noise
        t = dict(zip(spec.coords, theta, strict=True))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            pred = np.log(spec.relative(t, z, NUMPY_OPS))
        r = (log_y - pred) / scale
        r = np.where(np.isfinite(r), r, 1e6)
        return np.concatenate([r, (theta - mean0) / sd0])

    # Student-t noise on log loss (nu = 4, as the package's likelihood) by iteratively
    # reweighted least squares: a run far off the curve gets weight (nu + 1) / (nu + r^2).
    nu = _NU
    a0, b0 = _NOISE_PRIOR
    sigma, weights = 0.01, np.ones(y.size)
    best = None
    for step in range(5):
        scale = sigma / np.sqrt(weights)
        starts = _starts(spec) if best is None else [best.x]
        best = None
        for start in starts:
            res = optimize.least_squares(residuals, start, args=(scale,), method="trf")
            if best is None or res.cost < best.cost:
                best = res
        r = best.fun[: y.size] * scale
        if step < 4:
            sigma = math.sqrt((2 * b0 + np.sum(weights * r**2)) / (2 * a0 + y.size))
            weights = (nu + 1.0) / (nu + (r / sigma) ** 2)
    res = best
    jac = res.jac
    precision = jac.T @ jac
    cov = np.linalg.inv(precision + 1e-9 * np.eye(precision.shape[0]))
    cov = 0.5 * (cov + cov.T)
    rss = float(np.sum(weights * r**2))
    fit = FormFit(
        spec=spec,
        theta=res.x,
        cov=cov,
        noise_shape=a0 + y.size / 2.0,
        noise_scale=b0 + rss / 2.0,
        reference=reference,
        y_min=y_min,
        axis_map=axis_map,
        train=train,
        rss=rss,
        n_runs=int(y.size),
    )
    if posterior == "laplace":
        return fit
    draws = sample_form(
        spec,
        z,
        log_y,
        mode=fit.theta,
        cov=fit.cov,
        sigma_mode=fit.sigma,
        prior_mean=mean0,
        prior_sd=sd0,
        noise_prior=_NOISE_PRIOR,
        nu=_NU,
        random_seed=random_seed,
        settings=sampler_settings,
    )
    return replace(
        fit,
        posterior_draws=draws.theta,
        sigma_draws=draws.sigma,
        diagnostics=draws.diagnostics,
    )


def _check_sampler_settings(settings: Mapping | None, posterior: str) -> None:
    unknown = sorted(set(settings or {}) - set(NUTS_SETTINGS))
    if unknown:
        raise ConfigError(
            f"sampler_settings has unknown key(s) {unknown}; use {', '.join(NUTS_SETTINGS)}"
        )
    if settings and posterior != "nuts":
        raise ConfigError(
            f"sampler_settings applies to posterior='nuts' only (got posterior={posterior!r}); "
            "pass posterior='nuts' or leave sampler_settings out"
        )


def _prior_arrays(
    spec: FormSpec, prior: Mapping[str, Sequence[float]] | None
) -> tuple[np.ndarray, np.ndarray]:
    mean = np.asarray(spec.prior_mean, dtype=float).copy()
    sd = np.asarray(spec.prior_sd, dtype=float).copy()
    for coord, pair in (prior or {}).items():
        if coord not in spec.coords:
            raise ConfigError(
                f"prior names coordinate {coord!r}, which form '{spec.name}' does not have; "
                f"its coordinates are {', '.join(spec.coords)}"
            )
        m, v = (float(a) for a in pair)
        if not (math.isfinite(m) and math.isfinite(v) and v > 0):
            raise ConfigError(f"prior of {coord!r} must be (mean, sd) with sd > 0; got {pair!r}")
        i = spec.coords.index(coord)
        mean[i], sd[i] = m, v
    return mean, sd


# ---------------------------------------------------------------------------------- learning
#: Coordinates that are (logs of) exponents: free of the data's units and reference scale, so
#: comparable across studies; the ones a pilot borrows from other studies
#: (:func:`learn_exponent_prior`).
EXPONENT_COORDS = ("log_alpha", "log_beta", "log_alpha_d", "log_alpha_after")


def learn_exponent_prior(
    estimates: pd.DataFrame,
    *,
    spread_grid: ArrayLike | None = None,
) -> dict:
    """A normal prior on each form's exponents from fits of other studies (hierarchical).

    For each form and exponent coordinate (:data:`EXPONENT_COORDS`), each study's estimate
    (its curves' posterior means averaged, their variances averaged and divided by the number
    of curves, so a study counts once) is modelled as ``theta_s ~ Normal(mu, v_s + s^2)``,
    with a flat prior on ``mu`` and a uniform grid prior on the between-study spread ``s``.
    The prior returned for a new study is the posterior predictive of its exponent: mean
    ``E[mu]`` and variance ``E[s^2] + E[Var(mu | s)] + Var(E[mu | s])`` over the grid
    posterior of ``s``. A coordinate seen in fewer than three studies gets no prior (the
    form keeps its weak default).

    Parameters
    ----------
    estimates : pandas.DataFrame
        One row per fitted curve, form and coordinate: ``study``, ``form``, ``coord``,
        ``mean`` and ``sd`` (of the coordinate's Laplace posterior).
    spread_grid : array-like, optional
        Grid of the between-study spread ``s`` (default 0 to 2 in steps of 0.01, on log
        exponent).

    Returns
    -------
    dict
        ``{form: {coord: [mean, sd]}}``, ready for ``fit_form(prior=...)``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> rows = [dict(study=s, form="power", coord="log_alpha",
    ...              mean=np.log(0.3) + rng.normal(0, 0.2), sd=0.05) for s in range(12)]
    >>> prior = learn_exponent_prior(pd.DataFrame(rows))
    >>> mean, sd = prior["power"]["log_alpha"]
    >>> bool(abs(np.exp(mean) - 0.3) < 0.05 and 0.1 < sd < 0.4)
    True
    """
    need = {"study", "form", "coord", "mean", "sd"}
    missing = need - set(estimates.columns)
    if missing:
        raise DataError(f"estimates need columns {sorted(need)}; missing {sorted(missing)}")
    grid = np.arange(0.0, 2.0001, 0.01) if spread_grid is None else np.asarray(spread_grid)
    use = estimates[estimates["coord"].isin(EXPONENT_COORDS)]
    out: dict = {}
    for (form, coord), sub in use.groupby(["form", "coord"], sort=True):
        per = sub.groupby("study").agg(
            theta=("mean", "mean"),
            var=("sd", lambda v: float(np.mean(np.square(v)))),
            n=("mean", "size"),
        )
        if len(per) < 3:
            continue
        theta = per["theta"].to_numpy(float)
        within = (per["var"] / per["n"]).to_numpy(float)
        total = within[None, :] + grid[:, None] ** 2  # (grid, studies)
        w = 1.0 / total
        mu = (w * theta).sum(axis=1) / w.sum(axis=1)
        var_mu = 1.0 / w.sum(axis=1)
        # marginal likelihood of s with mu integrated out under its flat prior
        loglik = -0.5 * (
            np.log(total).sum(axis=1)
            + np.log(w.sum(axis=1))
            + (w * (theta[None, :] - mu[:, None]) ** 2).sum(axis=1)
        )
        prob = np.exp(loglik - loglik.max())
        prob /= prob.sum()
        mean = float(prob @ mu)
        var = float(prob @ (grid**2 + var_mu + (mu - mean) ** 2))
        out.setdefault(str(form), {})[str(coord)] = [round(mean, 4), round(math.sqrt(var), 4)]
    return out


def _normal_logpdf(y, mu, var):
    return -0.5 * (np.log(2 * np.pi * var) + (y - mu) ** 2 / var)


def learn_weights_and_tau(
    points: pd.DataFrame,
    groups: Mapping[str, tuple[str, ...]],
    *,
    tau_grid: ArrayLike | None = None,
    prior_scale: float = 0.02,
    dirichlet: float = 2.0,
) -> tuple[dict, Discrepancy]:
    """Mixture weights and the discrepancy's posterior from held-out runs of other studies.

    For each tau on the grid, the weights of each group of forms maximise the mixture's log
    predictive density of that group's held-out runs, each study's runs averaged so that a study
    counts once, plus a symmetric Dirichlet(``dirichlet``) log prior that keeps weights off
    zero. The sum over groups of those maxima, times a half-normal(``prior_scale``) prior, is
    tau's grid posterior (one tau for all groups); the weights returned are the optimal weights
    averaged over it. The predictive density of each form is approximated as normal on log loss.

    Parameters
    ----------
    points : pandas.DataFrame
        One row per held-out run and form: ``group`` (a key of ``groups``), ``study``, ``run``
        (an id unique within the study), ``form``, ``mu`` and ``sd`` (mean and sd of the form's
        predictive log loss), ``y`` (the observed log loss) and ``distance``
        (:func:`~scaling_bayes.core.discrepancy.extrapolation_distance`).
    groups : mapping of group name to tuple of form names
        E.g. ``{"two_axis": ("chinchilla", ...), "one_axis": ("power", ...)}``.

    Returns
    -------
    (weights, Discrepancy)
        ``weights[group][form]``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> rows = []
    >>> for s in range(6):
    ...     y = rng.normal(0, 0.01)
    ...     rows += [dict(group="g", study=s, run=0, form="good", mu=y, sd=0.01, y=y, distance=1.0),
    ...              dict(group="g", study=s, run=0, form="bad", mu=y + 0.1, sd=0.01, y=y,
    ...                   distance=1.0)]
    >>> weights, disc = learn_weights_and_tau(pd.DataFrame(rows), {"g": ("good", "bad")})
    >>> weights["g"]["good"] > 0.7
    True
    """
    from .discrepancy import TAU_GRID

    grid = TAU_GRID if tau_grid is None else np.asarray(tau_grid, dtype=float)
    profile = np.zeros(grid.size)
    weight_at = {}
    for group, forms in groups.items():
        sub = points[(points["group"] == group) & points["form"].isin(forms)]
        if sub.empty:
            weight_at[group] = np.full((grid.size, len(forms)), 1.0 / len(forms))
            continue
        wide = {
            col: sub.pivot_table(index=["study", "run"], columns="form", values=col).reindex(
                columns=list(forms)
            )
            for col in ("mu", "sd")
        }
        # A form not fitted to a unit (too few runs for it, see FormMixture) is missing from
        # that unit's rows; the other forms' weights are renormalised there.
        avail = wide["mu"].notna().to_numpy()
        if not avail.any(axis=1).all():
            raise DataError(f"a held-out run of group '{group}' has no form with a prediction")
        first = (
            sub.drop_duplicates(["study", "run"]).set_index(["study", "run"]).loc[wide["mu"].index]
        )
        y = first["y"].to_numpy(dtype=float)[:, None]
        d = first["distance"].to_numpy(dtype=float)[:, None]
        _, inverse = np.unique(
            first.index.get_level_values("study").astype(str), return_inverse=True
        )
        row_w = 1.0 / np.bincount(inverse)[inverse]
        mu = np.where(avail, wide["mu"].to_numpy(), 0.0)
        sd = np.where(avail, wide["sd"].to_numpy(), 1.0)
        k = len(forms)
        at = np.zeros((grid.size, k))
        u = np.zeros(k)
        for j, tau in enumerate(grid):
            dens = np.where(avail, _normal_logpdf(y, mu, sd**2 + (tau * d) ** 2), -np.inf)

            def objective(u, dens=dens, row_w=row_w, avail=avail):
                logw = u - np.logaddexp.reduce(u)
                row_logw = np.where(avail, logw[None, :], -np.inf)
                mix = np.logaddexp.reduce(dens + logw[None, :], axis=1) - np.logaddexp.reduce(
                    row_logw, axis=1
                )
                return -(np.sum(row_w * mix) + (dirichlet - 1.0) * np.sum(logw))

            res = optimize.minimize(objective, u, method="L-BFGS-B")
            u = res.x
            at[j] = np.exp(u - np.logaddexp.reduce(u))
            profile[j] += -res.fun
        weight_at[group] = at
    logpost = profile - 0.5 * (grid / prior_scale) ** 2
    prob = np.exp(logpost - logpost.max())
    prob /= prob.sum()
    weights = {}
    for group, forms in groups.items():
        w = prob @ weight_at[group]
        weights[group] = dict(zip(forms, (w / w.sum()).tolist(), strict=True))
    return weights, Discrepancy(grid, prob)


def mix_draws(
    form_draws: Mapping[str, np.ndarray],
    weights: Mapping[str, float],
    *,
    random_seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mix stored draws of several forms: each draw comes from one form, chosen by weight.

    Parameters
    ----------
    form_draws : mapping of form name to array of shape (n, k)
        Draws of each form (the same ``n`` and ``k`` for all).
    weights : mapping of form name to float
        Mixture weights (normalised here; forms missing from it get weight 0).

    Returns
    -------
    (draws, label)
        The mixed draws, shape ``(n, k)``, and the index (into ``form_draws``) of each draw's
        form.

    Examples
    --------
    >>> import numpy as np
    >>> d = {"a": np.zeros((1000, 1)), "b": np.ones((1000, 1))}
    >>> mixed, label = mix_draws(d, {"a": 0.25, "b": 0.75}, random_seed=0)
    >>> bool(0.7 < mixed.mean() < 0.8)
    True
    """
    names = list(form_draws)
    arrays = [np.asarray(form_draws[n], dtype=float) for n in names]
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays) or len(shape) != 2:
        raise DataError("draws of every form must be 2-D arrays (draws, scales) of one shape")
    p = np.array([float(weights.get(n, 0.0)) for n in names])
    if np.any(p < 0) or p.sum() <= 0:
        raise ConfigError("weights must be non-negative with a positive sum")
    rng = np.random.default_rng(random_seed)
    label = rng.choice(len(names), size=shape[0], p=p / p.sum())
    stacked = np.stack(arrays)  # (forms, n, k)
    return stacked[label, np.arange(shape[0])], label


# ---------------------------------------------------------------------------------- mixture
class FormMixture:
    """Forecasts that mix plausible forms and a discrepancy learned across studies.

    Parameters
    ----------
    forms : tuple of str, optional
        Forms to fit (names in :data:`FORMS`). Defaults to every two-axis form, or every
        one-axis form when ``x`` is given.
    x : {"params", "tokens", "compute"}, optional
        Axis of one-axis forms; leave ``None`` for forms on parameters and tokens.
    weights : "preset" or mapping
        Weight of each form: the preset learned across public studies (:data:`MIXTURE_PRESET`;
        its ``"pilot"`` entry for fits of :data:`PILOT_MAX_RUNS` runs or fewer), or fixed
        numbers (normalised). Never learned from the runs being forecast. Forms not fitted
        (:func:`forms_to_fit`) get no weight and the others' weights are renormalised.
    discrepancy : "preset", None or Discrepancy
        The discrepancy's posterior: the preset learned across studies, ``None`` for no
        discrepancy, or a :class:`~scaling_bayes.core.discrepancy.Discrepancy`.
    prior : "preset", None or mapping
        Priors on the forms' exponents. ``"preset"``: for fits of :data:`PILOT_MAX_RUNS` runs
        or fewer, the hierarchical prior learned across the public studies
        (``MIXTURE_PRESET["pilot"]["exponent_prior"]``, :func:`learn_exponent_prior`), so a
        proof of concept borrows what other studies say about exponents; larger fits keep the
        weak defaults. ``None``: the weak defaults always. A mapping
        ``{form: {coord: (mean, sd)}}``: those priors at any number of runs.
    draws : int
        Predictive draws per forecast.
    loss_unit : str
    posterior : {"laplace", "nuts"}
        How each form's posterior is computed (:func:`fit_form`): the Laplace approximation
        (milliseconds; the weights and discrepancy presets were learned with it), or its exact
        posterior sampled by NUTS (a second or two per form once compiled; narrower on the
        public studies, see ``benchmarks/EVIDENCE_RESULTS.md``, "A better posterior per
        form").
    sampler_settings : mapping, optional
        Overrides of the NUTS settings of each form (``draws``, ``tune``, ``chains``,
        ``cores``, ``target_accept``, ``sampler``; defaults in
        ``form_posterior.DEFAULT_SETTINGS``).

    Attributes
    ----------
    fits_ : dict of FormFit
    weights_ : dict of float
    discrepancy_ : Discrepancy
    skipped_ : tuple of str
        Forms not fitted: too few runs to determine them (:func:`eligible`), unless the fit
        is a pilot whose preset mixes every form (:func:`forms_to_fit`).
    prior_ : dict
        The exponent priors used, ``{form: {coord: [mean, sd]}}`` (empty: weak defaults).
    n_runs_ : int
    converged_ : bool
        Whether every form's NUTS fit converged (always True for Laplace fits). An unconverged
        fit warns once, at :meth:`fit`; its forecasts carry the verdict
        (``Forecast.converged``), as do :meth:`summary` and ``repr``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from scaling_bayes.core.data import ScalingData
    >>> n = np.geomspace(1e7, 1e9, 10)
    >>> runs = pd.DataFrame({"params": n, "tokens": 20 * n, "loss": 1.8 + 400 * n**-0.34})
    >>> mix = FormMixture(x="params", weights={"power": 1.0}, forms=("power",),
    ...                   discrepancy=None, draws=2000)
    >>> fc = mix.fit(ScalingData.from_frame(runs)).predict(params=[1e10], random_seed=0)
    >>> truth = 1.8 + 400 * 1e10**-0.34
    >>> abs(float(fc.summary()["median"].iloc[0]) / truth - 1) < 0.02
    True
    """

    def __init__(
        self,
        forms: tuple[str, ...] | None = None,
        *,
        x: str | None = None,
        weights: str | Mapping = "preset",
        discrepancy: str | Discrepancy | None = "preset",
        prior: str | Mapping | None = "preset",
        draws: int = 4000,
        loss_unit: str = "nats/token",
        posterior: str = "laplace",
        sampler_settings: Mapping | None = None,
    ) -> None:
        self.forms = forms
        self.x = x
        self.weights = weights
        self.discrepancy = discrepancy
        self.prior = prior
        self.draws = draws
        self.loss_unit = loss_unit
        self.posterior = posterior
        self.sampler_settings = sampler_settings
        self._check_arguments()

    def _form_names(self) -> tuple[str, ...]:
        if self.forms is not None:
            return tuple(self.forms)
        return ONE_AXIS_FORMS if self.x is not None else TWO_AXIS_FORMS

    def _check_arguments(self) -> None:
        names = self._form_names()
        if not names:
            raise ConfigError("forms must name at least one form, e.g. ('chinchilla',)")
        unknown = [n for n in names if n not in FORMS]
        if unknown:
            raise ConfigError(f"unknown form(s) {unknown}; choose from {', '.join(FORMS)}")
        want = ("x",) if self.x is not None else _TWO
        wrong = [n for n in names if FORMS[n].axes != want]
        if wrong:
            hint = "drop x=" if self.x is not None else "pass x= naming the axis"
            raise ConfigError(f"form(s) {wrong} do not take axes {want}; {hint} or drop them")
        if self.x is not None and self.x not in ("params", "tokens", "compute"):
            raise ConfigError(f"x must be 'params', 'tokens' or 'compute'; got {self.x!r}")
        if isinstance(self.weights, str):
            if self.weights != "preset":
                raise ConfigError(f"weights must be 'preset' or a mapping; got {self.weights!r}")
        elif isinstance(self.weights, Mapping):
            bad = [k for k, v in self.weights.items() if k not in names or not v >= 0]
            if bad or sum(self.weights.values()) <= 0:
                raise ConfigError(
                    f"weights must map the fitted forms {names} to non-negative numbers with a "
                    f"positive sum; check {bad or 'the sum'}"
                )
        else:
            raise ConfigError("weights must be 'preset' or a mapping of form name to weight")
        if not (
            self.discrepancy is None
            or self.discrepancy == "preset"
            or isinstance(self.discrepancy, Discrepancy)
        ):
            raise ConfigError("discrepancy must be 'preset', None or a Discrepancy")
        if isinstance(self.prior, Mapping):
            for form, coords in self.prior.items():
                if form not in names or not isinstance(coords, Mapping):
                    raise ConfigError(
                        f"prior must map fitted forms {names} to {{coord: (mean, sd)}}; "
                        f"check {form!r}"
                    )
                _prior_arrays(FORMS[form], coords)  # raises on an unknown coordinate
        elif not (self.prior is None or self.prior == "preset"):
            raise ConfigError("prior must be 'preset', None or {form: {coord: (mean, sd)}}")
        if isinstance(self.draws, bool) or not isinstance(self.draws, int) or self.draws < 4:
            raise ConfigError(f"draws must be an integer >= 4; got {self.draws!r}")
        check_choice(self.posterior, POSTERIORS, "posterior")
        _check_sampler_settings(self.sampler_settings, self.posterior)

    def _preset(self) -> dict:
        # Pilots (PILOT_MAX_RUNS runs or fewer) get the preset learned on 5-run pilots.
        n_runs = getattr(self, "n_runs_", None)
        if n_runs is not None and n_runs <= PILOT_MAX_RUNS and "pilot" in MIXTURE_PRESET:
            return MIXTURE_PRESET["pilot"]
        return MIXTURE_PRESET

    def _resolved_prior(self, n_runs: int) -> dict:
        if isinstance(self.prior, Mapping):
            return dict(self.prior)
        pilot = MIXTURE_PRESET.get("pilot", {})
        if self.prior == "preset" and n_runs <= PILOT_MAX_RUNS:
            return dict(pilot.get("exponent_prior", {}))
        return {}

    def _resolved_weights(self) -> dict:
        names = tuple(self.fits_) if hasattr(self, "fits_") else self._form_names()
        if isinstance(self.weights, Mapping):
            raw = {n: float(self.weights.get(n, 0.0)) for n in names}
        else:
            table = self._preset()["weights"]["one_axis" if self.x else "two_axis"]
            raw = {n: float(table.get(n, 0.0)) for n in names}
        total = sum(raw.values())
        if total <= 0:
            raise ConfigError(f"the weights of forms {names} sum to zero; give positive weights")
        return {n: w / total for n, w in raw.items()}

    def _resolved_discrepancy(self) -> Discrepancy:
        if self.discrepancy is None:
            return Discrepancy.none()
        if isinstance(self.discrepancy, Discrepancy):
            return self.discrepancy
        # the preset's probabilities are printed to 4 significant digits: renormalise them
        preset = self._preset()
        prob = np.asarray(preset["tau_prob"], dtype=float)
        return Discrepancy(np.asarray(preset["tau_grid"]), prob / prob.sum())

    # ------------------------------------------------------------------ fit
    def fit(self, data: ScalingData, *, random_seed: int | None = None) -> FormMixture:
        """Fit every form to the runs; returns ``self``.

        Laplace fits are deterministic; NUTS fits (``posterior="nuts"``) are seeded by
        ``random_seed`` (each form from its own stream) and warn once here if one did not
        converge.
        """
        if not isinstance(data, ScalingData):
            raise DataError("fit() takes a ScalingData; build it with ScalingData.from_frame")
        frame = data.frame
        axes = (self.x,) if self.x is not None else _TWO
        missing = [a for a in axes if a not in frame]
        if missing:
            raise DataError(f"the runs have no column {missing}; the forms need {axes}")
        scales = {a: frame[a].to_numpy(dtype=float) for a in axes}
        loss = frame["loss"].to_numpy(dtype=float)
        names = forms_to_fit(self._form_names(), loss.size)
        if not names:
            raise DataError(
                f"{loss.size} runs are too few for any of the forms {self._form_names()}; each "
                "needs two more runs than it has parameters, or include 'chinchilla'/'power'"
            )
        self.skipped_ = tuple(n for n in self._form_names() if n not in names)
        self.n_runs_ = int(loss.size)
        self.prior_ = self._resolved_prior(self.n_runs_)
        settings = dict(self.sampler_settings or {})
        seeds = np.random.SeedSequence(random_seed).generate_state(len(names))
        self.fits_ = {
            n: fit_form(
                n,
                scales,
                loss,
                x=self.x,
                prior=self.prior_.get(n),
                posterior=self.posterior,
                random_seed=int(seed),
                sampler_settings=settings,
            )
            for n, seed in zip(names, seeds, strict=True)
        }
        for name, fit in self.fits_.items():
            if fit.diagnostics is not None:
                warn_if_unconverged(fit.diagnostics, f"the form '{name}' and forecasts mixing it")
        self.weights_ = self._resolved_weights()
        self.discrepancy_ = self._resolved_discrepancy()
        self.data_ = data
        return self

    @classmethod
    def from_fits(
        cls,
        fits: Mapping[str, FormFit],
        *,
        x: str | None = None,
        weights: Mapping[str, float],
        discrepancy: Discrepancy | None = None,
        draws: int = 4000,
    ) -> FormMixture:
        """A fitted mixture from forms fitted with :func:`fit_form` (no refit)."""
        out = cls(tuple(fits), x=x, weights=dict(weights), discrepancy=discrepancy, draws=draws)
        out.posterior = "nuts" if any(f.posterior == "nuts" for f in fits.values()) else "laplace"
        out.fits_ = dict(fits)
        out.n_runs_ = min(f.n_runs for f in out.fits_.values())
        out.weights_ = out._resolved_weights()
        out.discrepancy_ = out._resolved_discrepancy()
        return out

    def _check_fitted(self, what: str) -> None:
        if not hasattr(self, "fits_"):
            raise NotFittedError(f"call fit() before {what}()")

    @property
    def converged_(self) -> bool:
        """Whether every fitted form converged (Laplace fits always do)."""
        self._check_fitted("converged_")
        return all(fit.converged for fit in self.fits_.values())

    # ------------------------------------------------------------------ predict
    def _requested(self, params, tokens, compute) -> dict:
        given = {
            k: np.atleast_1d(np.asarray(v, dtype=float))
            for k, v in (("params", params), ("tokens", tokens), ("compute", compute))
            if v is not None
        }
        want = {self.x} if self.x is not None else set(_TWO)
        if set(given) != want:
            raise DataError(
                f"predict() of these forms takes {', '.join(sorted(want))}=; got "
                f"{', '.join(sorted(given)) or 'no scales'}"
            )
        sizes = {v.shape for v in given.values()}
        if len(sizes) != 1:
            raise DataError("params and tokens must have the same length")
        for k, v in given.items():
            if not np.all(np.isfinite(v)) or np.any(v <= 0):
                raise DataError(f"{k} must be positive and finite (raw counts or FLOPs)")
        return given

    def draw_components(
        self, scales: Mapping[str, np.ndarray], *, random_seed: int | None = None
    ) -> dict:
        """Draws of the mixture at ``scales`` with their parts, each shape ``(draws, k)``.

        Returns a dict with ``form`` (index into the fitted forms of each draw), ``log_mean``
        (law), ``log_pred`` (law + noise) and ``log_offset`` (the discrepancy), all on log loss.
        """
        self._check_fitted("draw_components")
        rng = np.random.default_rng(random_seed)
        names = list(self.fits_)
        p = np.array([self.weights_[n] for n in names])
        label = rng.choice(len(names), size=self.draws, p=p)
        k = next(iter(scales.values())).shape[0]
        log_mean = np.empty((self.draws, k))
        log_pred = np.empty((self.draws, k))
        for i, name in enumerate(names):
            m = label == i
            if m.any():
                log_mean[m], log_pred[m] = self.fits_[name].predictive_log(
                    scales, int(m.sum()), rng
                )
        train = next(iter(self.fits_.values())).train
        distance = extrapolation_distance(train, scales)
        offset = self.discrepancy_.log_offsets(
            distance, n_draws=self.draws, random_seed=int(rng.integers(2**32))
        )
        return {"form": label, "log_mean": log_mean, "log_pred": log_pred, "log_offset": offset}

    def predict(
        self,
        *,
        params: ArrayLike | None = None,
        tokens: ArrayLike | None = None,
        compute: ArrayLike | None = None,
        random_seed: int | None = None,
    ) -> Forecast:
        """Predictive loss of a new run at new scales: forms mixed, discrepancy added.

        Returns
        -------
        Forecast
            ``law == "forms"``; ``loss`` is a new run's loss (law + noise + discrepancy) and
            ``loss_mean`` the law's (law + discrepancy), dims ``(chain, draw, scale)`` with one
            chain.
        """
        self._check_fitted("predict")
        scales = self._requested(params, tokens, compute)
        parts = self.draw_components(scales, random_seed=random_seed)
        loss = np.exp(parts["log_pred"] + parts["log_offset"])[None]
        mean = np.exp(parts["log_mean"] + parts["log_offset"])[None]
        k = loss.shape[-1]
        table = scales_frame(k, **{a: scales.get(a) for a in ("params", "tokens", "compute")})
        if self.x is None:
            table["compute"] = FLOPS_PER_PARAM_TOKEN * table["params"] * table["tokens"]
        # as ScalingLawModel: compute over the largest training compute (or the one axis)
        train = next(iter(self.fits_.values())).train
        if self.x is None:
            largest = np.max(train["params"] * train["tokens"])
            table["extrapolation_ratio"] = scales["params"] * scales["tokens"] / largest
        else:
            table["extrapolation_ratio"] = scales[self.x] / np.max(train[self.x])
        # the split of the interval from its own stream, so the forecast's draws do not move
        split_rng = np.random.default_rng(
            None if random_seed is None else np.random.SeedSequence([random_seed, 1])
        )
        kind = "form_mixture" + ("_nuts" if self.posterior == "nuts" else "")
        kind += "_pilot" if self.n_runs_ <= PILOT_MAX_RUNS else ""
        return Forecast(
            idata=build_predictions(loss, mean, table),
            scales=table,
            law="forms",
            converged=self.converged_,
            loss_unit=self.loss_unit,
            interval_parts=self._split(scales, parts, split_rng, INTERVAL_PROB),
            track_record=track_record(kind),
        )

    def interval_parts(
        self,
        *,
        params: ArrayLike | None = None,
        tokens: ArrayLike | None = None,
        compute: ArrayLike | None = None,
        prob: float = INTERVAL_PROB,
        random_seed: int | None = None,
    ) -> pd.DataFrame:
        """Split the central interval's width into noise, law parameters and form uncertainty.

        Widths are added one source at a time, relative to the predictive median
        (:func:`~scaling_bayes.core.forecast.interval_split`): ``noise`` is the interval of the
        heaviest form at its posterior mode with noise only; ``law`` what its parameter
        uncertainty adds; ``form`` what the other forms and the discrepancy add.
        :meth:`predict` attaches the same split to the forecast (``Forecast.interval_parts``).
        """
        self._check_fitted("interval_parts")
        scales = self._requested(params, tokens, compute)
        rng = np.random.default_rng(random_seed)
        parts = self.draw_components(scales, random_seed=int(rng.integers(2**32)))
        return self._split(scales, parts, rng, prob)

    def _split(self, scales, parts: dict, rng: np.random.Generator, prob: float) -> pd.DataFrame:
        # noise and parameter draws of the heaviest form beside the mixture's own draws
        top = max(self.weights_, key=self.weights_.get)
        fit = self.fits_[top]
        at_mode = fit.log_mean(fit.theta[None, :], scales)
        noise = at_mode + fit.draw_sigma(rng, self.draws)[:, None] * rng.standard_normal(
            (self.draws, at_mode.shape[1])
        )
        _, one_form = fit.predictive_log(scales, self.draws, rng)
        full = parts["log_pred"] + parts["log_offset"]
        return interval_split(np.exp(full), np.exp(noise), np.exp(one_form), prob)

    # ------------------------------------------------------------------ reporting
    def summary(self) -> pd.DataFrame:
        """Each form's weight and parameters (posterior mean, sd, 90% interval).

        ``fitted_by_prior`` is True for a form with fewer runs than its coordinates + 2
        (:func:`eligible`), which only a pilot mixes (:func:`forms_to_fit`): its parameters say
        more about the prior (and, for pilots, the exponents of other studies) than the runs.
        ``converged`` is the form's NUTS verdict (True for Laplace fits).
        """
        self._check_fitted("summary")
        frames = []
        for name, fit in self.fits_.items():
            table = fit.parameters()
            table["converged"] = fit.converged
            table.insert(0, "fitted_by_prior", not eligible(name, self.n_runs_))
            table.insert(0, "weight", self.weights_[name])
            table.insert(0, "form", name)
            frames.append(table)
        return pd.concat(frames, ignore_index=True)

    def __repr__(self) -> str:
        state = "not fitted"
        if hasattr(self, "fits_"):
            state = "fitted" if self.converged_ else f"fitted, {NOT_CONVERGED_BANNER}"
        return (
            f"FormMixture(forms={self._form_names()}, x={self.x!r}, "
            f"posterior={self.posterior!r}, {state})"
        )
