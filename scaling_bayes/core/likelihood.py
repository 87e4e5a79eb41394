"""Observation models: how a run's measured metric scatters around the law.

One object per noise model carries everything the package does with it: the PyMC term of the
fit, the pointwise log density (for LOO, scoring and held-out runs), random draws (forecasts,
prior predictive checks, simulated runs) and the importance weights of the value-of-information
code. Code that needs the noise model asks the object; nothing else writes its formula.

The default, :class:`StudentTLogLoss`, is Student-t noise on log loss::

    log L_obs = log L(x; theta) + sigma t_nu

so ``sigma`` is roughly the relative noise of a run and the heavy tails absorb the odd bad run.
Its density on the loss scale carries the Jacobian ``- log L_obs`` of the log transform, so
densities are comparable across laws and with other tools.

For a bounded metric (an error rate in ``[0, 1]``), :class:`StudentTLogitBounded` puts the
same Student-t noise on the logit of the loss as a share of its bound ``U``::

    logit(L_obs / U) = logit(L(x; theta) / U) + sigma t_nu

so every draw stays strictly inside ``(0, U)``, and for small error rates (where
``logit(p) ~ log p``) ``sigma`` keeps its meaning of relative noise. :func:`likelihood_for`
picks the noise model of a declared metric.

A new noise model subclasses :class:`Likelihood`, implements its four methods and registers
itself with :func:`register_likelihood`.

Examples
--------
>>> import numpy as np
>>> lik = get_likelihood("student_t_log_loss")
>>> lik.noise_parameters
('sigma', 'nu')
>>> from scipy import stats
>>> value = lik.logpdf(np.array([2.1]), mu=np.log(2.0), noise={"sigma": 0.05, "nu": 4.0})
>>> exact = stats.t.logpdf(np.log(2.1), 4.0, np.log(2.0), 0.05) - np.log(2.1)
>>> bool(np.isclose(value[0], exact))
True
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from scipy import special

from .exceptions import ConfigError, check_choice

if TYPE_CHECKING:
    from numpy.typing import ArrayLike
    from pytensor.tensor import TensorVariable

    from .laws import ArrayOrTensor
    from .metric import Metric

__all__ = [
    "LIKELIHOODS",
    "STUDENT_T_LOG_LOSS",
    "Likelihood",
    "StudentTLogLoss",
    "StudentTLogitBounded",
    "get_likelihood",
    "likelihood_for",
    "register_likelihood",
]

#: Registered noise models by name (see :func:`register_likelihood`).
LIKELIHOODS: dict[str, type[Likelihood]] = {}


def register_likelihood(cls: type[Likelihood]) -> type[Likelihood]:
    """Class decorator: make a :class:`Likelihood` subclass available by its ``name``."""
    LIKELIHOODS[cls.name] = cls
    return cls


def get_likelihood(name: str, **options: Any) -> Likelihood:
    """Return an instance of the noise model registered under ``name``.

    Raises
    ------
    ConfigError
        For an unknown name; the message lists the known ones.
    """
    return LIKELIHOODS[check_choice(name, LIKELIHOODS, "likelihood")](**options)


class Likelihood(ABC):
    """Interface of an observation model.

    The law gives the noise-free value ``mean`` of the metric (loss, error rate, ...); ``mu`` is
    that value on the model's link scale (``link(mean)``), where the PyMC model works.

    Attributes
    ----------
    name : str
        Registry name.
    noise_parameters : tuple of str
        Names of the noise parameters (each has a prior, or is fixed, in the model's priors).
    """

    name: ClassVar[str]
    noise_parameters: ClassVar[tuple[str, ...]]

    @abstractmethod
    def link(self, values: ArrayLike) -> np.ndarray:
        """Map metric values to the link scale (numpy)."""

    @abstractmethod
    def pymc_term(
        self, name: str, *, mu: TensorVariable, noise: Mapping, observed: TensorVariable
    ) -> TensorVariable:
        """Add the observed variable ``name`` to the current ``pm.Model``; return it.

        ``mu`` and ``observed`` are on the link scale; ``noise`` maps each noise parameter to a
        PyMC variable or a number.
        """

    @abstractmethod
    def logpdf(self, observed: ArrayLike, *, mu: ArrayLike, noise: Mapping) -> np.ndarray:
        """Pointwise log density of ``observed`` (metric scale) given ``mu`` (link scale)."""

    @abstractmethod
    def random(self, rng: np.random.Generator, *, mean: ArrayLike, noise: Mapping) -> np.ndarray:
        """Draws of the observed metric around ``mean`` (metric scale), shape of ``mean``."""

    def link_from_log_relative(
        self,
        log_relative: ArrayOrTensor,
        upper_relative: ArrayOrTensor | None,
        *,
        log: Callable[[ArrayOrTensor], ArrayOrTensor],
        exp: Callable[[ArrayOrTensor], ArrayOrTensor],
    ) -> ArrayOrTensor:
        """``link(mean)`` from ``log(mean / y_min)`` and ``upper / y_min``, for the PyMC model.

        The model evaluates the law as ``log(L / y_min)``; the link of a log-scale noise model
        differs from it by the constant ``log y_min``, which cancels against the observed
        values given on the same relative scale. ``log``, ``exp`` are the array library's.
        """
        return log_relative

    def observed_link(self, observed: ArrayLike, y_min: float) -> np.ndarray:
        """Observed metric values on the relative link scale the PyMC model compares with."""
        return np.log(np.asarray(observed, dtype=float) / y_min)


@register_likelihood
@dataclass(frozen=True)
class StudentTLogLoss(Likelihood):
    """Student-t noise on log loss: ``log L_obs = log L + sigma t_nu``.

    Parameters
    ----------
    normal_above : float
        Degrees of freedom above which (and infinite ones) the t is treated as the normal it
        converges to: the t formulas lose precision there and NumPy cannot draw t with
        infinite degrees of freedom.

    Examples
    --------
    >>> import numpy as np
    >>> lik = StudentTLogLoss()
    >>> draws = lik.random(np.random.default_rng(0), mean=np.full(4, 2.0),
    ...                    noise={"sigma": 0.01, "nu": 4.0})
    >>> bool(np.all(np.abs(np.log(draws / 2.0)) < 0.1))
    True
    """

    name: ClassVar[str] = "student_t_log_loss"
    noise_parameters: ClassVar[tuple[str, ...]] = ("sigma", "nu")
    normal_above: float = 1e6

    # ------------------------------------------------------------------ link
    def link(self, values: ArrayLike) -> np.ndarray:
        """Log loss."""
        return np.log(values)

    # ------------------------------------------------------------------ PyMC
    def pymc_term(
        self, name: str, *, mu: TensorVariable, noise: Mapping, observed: TensorVariable
    ) -> TensorVariable:
        """``pm.StudentT`` on log loss, of the shape of ``observed`` (a ``pm.Data``)."""
        import pymc as pm

        return pm.StudentT(
            name,
            nu=noise["nu"],
            mu=mu,
            sigma=noise["sigma"],
            observed=observed,
            shape=observed.shape,
        )

    # ------------------------------------------------------------------ densities
    def is_normal(self, nu: ArrayLike) -> np.ndarray:
        """Where the degrees of freedom are treated as infinite (normal noise)."""
        nu = np.asarray(nu, dtype=float)
        return ~np.isfinite(nu) | (nu > self.normal_above)

    def log_normaliser(self, sigma: ArrayLike, nu: ArrayLike) -> np.ndarray:
        """``log`` of the density's constant on the log scale, ``- log sigma`` included."""
        sigma = np.asarray(sigma, dtype=float)
        nu = np.asarray(nu, dtype=float)
        big = self.is_normal(nu)
        safe = np.where(big, 1.0, nu)
        const = (
            special.gammaln((safe + 1) / 2) - special.gammaln(safe / 2) - 0.5 * np.log(safe * np.pi)
        )
        return np.where(big, -0.5 * np.log(2 * np.pi), const) - np.log(sigma)

    def logpdf_link(self, value: ArrayLike, *, mu: ArrayLike, noise: Mapping) -> np.ndarray:
        """Log density of log loss ``value`` (no Jacobian), broadcast over the arguments."""
        sigma = np.asarray(noise["sigma"], dtype=float)
        nu = np.asarray(noise["nu"], dtype=float)
        z = (np.asarray(value, dtype=float) - mu) / sigma
        big = self.is_normal(nu)
        if not big.any():
            return (
                special.gammaln(0.5 * (nu + 1.0))
                - special.gammaln(0.5 * nu)
                - 0.5 * np.log(nu * np.pi)
                - np.log(sigma)
                - 0.5 * (nu + 1.0) * np.log1p(z * z / nu)
            )
        safe = np.where(big, 1.0, nu)
        kernel = np.where(big, -0.5 * z * z, -0.5 * (safe + 1.0) * np.log1p(z * z / safe))
        return self.log_normaliser(sigma, nu) + kernel

    def logpdf(self, observed: ArrayLike, *, mu: ArrayLike, noise: Mapping) -> np.ndarray:
        """Log density of loss ``observed``: the density of its log minus ``log observed``."""
        log_y = np.log(np.asarray(observed, dtype=float))
        return self.logpdf_link(log_y, mu=mu, noise=noise) - log_y

    def outer(self, mu: ArrayLike, sigma: ArrayLike, nu: ArrayLike) -> _OuterStudentT:
        """A kernel for log densities of many values under many draws (flat ``mu``, ...).

        ``outer(mu, sigma, nu).block(values)`` is the ``(len(values), len(mu))`` matrix of log
        densities of log loss, computed in place: the hot loop of the value of information.
        """
        return _OuterStudentT(self, np.asarray(mu), np.asarray(sigma), np.asarray(nu))

    # ------------------------------------------------------------------ draws
    def standard_noise(
        self, rng: np.random.Generator, nu: ArrayLike | None, shape: int | tuple[int, ...]
    ) -> np.ndarray:
        """Unit-scale draws: ``t_nu`` (normal where :meth:`is_normal`, or when ``nu`` is None)."""
        if nu is None:
            return rng.standard_normal(shape)
        nu = np.broadcast_to(np.asarray(nu, dtype=float), shape)
        big = self.is_normal(nu)
        if not big.any():
            return rng.standard_t(nu)
        out = rng.standard_normal(shape)
        if (~big).any():
            out[~big] = rng.standard_t(nu[~big])
        return out

    def random(self, rng: np.random.Generator, *, mean: ArrayLike, noise: Mapping) -> np.ndarray:
        """``mean * exp(sigma t_nu)``: loss a new run would show, of the shape of ``mean``."""
        mean = np.asarray(mean, dtype=float)
        return mean * np.exp(noise["sigma"] * self.standard_noise(rng, noise["nu"], mean.shape))


class _OuterStudentT:
    """Log densities of log loss for many values under many draws, in place (see ``outer``)."""

    def __init__(self, likelihood: StudentTLogLoss, mu, sigma, nu):
        self.mu = mu
        self.big = likelihood.is_normal(nu)
        self.safe_nu = np.where(self.big, 1.0, nu)
        self.const = likelihood.log_normaliser(sigma, nu)
        self.inv_sigma = 1.0 / sigma
        self.student = not self.big.all()
        self.half_t = -(self.safe_nu + 1) / 2

    def block(self, values: np.ndarray) -> np.ndarray:
        """``(len(values), draws)`` matrix of log densities of log loss."""
        w = values[:, None] - self.mu[None, :]
        w *= self.inv_sigma
        np.square(w, out=w)
        if self.student and not self.big.any():
            w /= self.safe_nu
            np.log1p(w, out=w)
            w *= self.half_t
        elif self.student:
            t_part = np.log1p(w / self.safe_nu) * self.half_t
            w *= -0.5
            np.copyto(w, t_part, where=~self.big[None, :])
        else:
            w *= -0.5
        w += self.const
        return w


#: The package's default noise model.
STUDENT_T_LOG_LOSS = StudentTLogLoss()


@register_likelihood
@dataclass(frozen=True)
class StudentTLogitBounded(StudentTLogLoss):
    """Student-t noise on the logit of a bounded loss: ``logit(L_obs/U) = logit(L/U) + sigma t``.

    Parameters
    ----------
    upper : float
        Upper bound ``U`` of the modelled loss (1 for an error rate given as a fraction).
    normal_above : float
        As for :class:`StudentTLogLoss`.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> lik = StudentTLogitBounded(upper=1.0)
    >>> y, mean = np.array([0.1]), 0.12
    >>> value = lik.logpdf(y, mu=lik.link(mean), noise={"sigma": 0.1, "nu": 4.0})
    >>> exact = stats.t.logpdf(np.log(y / (1 - y)), 4.0, np.log(mean / (1 - mean)), 0.1)
    >>> bool(np.isclose(value[0], exact[0] - np.log(y[0] * (1 - y[0]))))
    True
    >>> draws = lik.random(np.random.default_rng(0), mean=np.full(1000, 0.999),
    ...                    noise={"sigma": 2.0, "nu": 4.0})
    >>> bool(draws.min() > 0 and draws.max() < 1)
    True
    """

    name: ClassVar[str] = "student_t_logit_bounded"
    noise_parameters: ClassVar[tuple[str, ...]] = ("sigma", "nu")
    upper: float = 1.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.upper) and self.upper > 0):
            raise ConfigError(
                f"StudentTLogitBounded needs a finite positive upper bound, got {self.upper!r}; "
                "declare the metric's bounds, e.g. bounds=(0, 1)"
            )

    def link(self, values: ArrayLike) -> np.ndarray:
        """``logit(values / upper) = log(values) - log(upper - values)``."""
        values = np.asarray(values, dtype=float)
        return np.log(values) - np.log(self.upper - values)

    def link_from_log_relative(
        self,
        log_relative: ArrayOrTensor,
        upper_relative: ArrayOrTensor | None,
        *,
        log: Callable[[ArrayOrTensor], ArrayOrTensor],
        exp: Callable[[ArrayOrTensor], ArrayOrTensor],
    ) -> ArrayOrTensor:
        """``log m - log(rho - m)`` with ``m = L / y_min`` and ``rho = upper / y_min``."""
        return log_relative - log(upper_relative - exp(log_relative))

    def observed_link(self, observed: ArrayLike, y_min: float) -> np.ndarray:
        """Observed losses on the logit scale (``y_min`` cancels in the logit)."""
        return self.link(observed)

    def logpdf(self, observed: ArrayLike, *, mu: ArrayLike, noise: Mapping) -> np.ndarray:
        """Log density of loss ``observed`` on the loss scale (logit Jacobian included)."""
        y = np.asarray(observed, dtype=float)
        jacobian = np.log(self.upper) - np.log(y) - np.log(self.upper - y)
        return self.logpdf_link(self.link(y), mu=mu, noise=noise) + jacobian

    def random(self, rng: np.random.Generator, *, mean: ArrayLike, noise: Mapping) -> np.ndarray:
        """``upper * expit(logit(mean / upper) + sigma t_nu)``: strictly inside ``(0, upper)``."""
        mean = np.asarray(mean, dtype=float)
        shocks = noise["sigma"] * self.standard_noise(rng, noise["nu"], mean.shape)
        return self.upper * special.expit(self.link(mean) + shocks)


def likelihood_for(metric: Metric | None) -> Likelihood:
    """The noise model of a declared metric: logit-scale for a bounded one, log-scale otherwise.

    Examples
    --------
    >>> from scaling_bayes.core.metric import ERROR_RATE, LM_LOSS
    >>> likelihood_for(ERROR_RATE).name, likelihood_for(LM_LOSS).name
    ('student_t_logit_bounded', 'student_t_log_loss')
    """
    if metric is not None and metric.is_bounded:
        return StudentTLogitBounded(upper=float(metric.loss_upper))
    return STUDENT_T_LOG_LOSS
