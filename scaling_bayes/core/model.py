"""The Bayesian scaling-law model: fit a law to runs, check convergence, forecast larger scales.

:class:`ScalingLawModel` follows scikit-learn's contract: ``__init__`` only stores and checks its
arguments, :meth:`~ScalingLawModel.fit` does the work, sets attributes ending in ``_`` and returns
the model; every other method checks that it was fitted first.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from . import _arviz as az
from . import io as persistence
from . import sampling
from .constants import (
    DEFAULT_CHAINS,
    DEFAULT_DRAWS,
    DEFAULT_TARGET_ACCEPT,
    DEFAULT_TUNE,
    EXTRAPOLATION_WARN_RATIO,
    FLOPS_PER_PARAM_TOKEN,
    INTERVAL_PROB,
)
from .data import ScalingData, design_problems
from .diagnostics import ConvergenceReport, check_convergence, warn_if_unconverged
from .exceptions import (
    ConfigError,
    DataError,
    DesignWarning,
    ExtrapolationWarning,
    NotFittedError,
)
from .forecast import Forecast, build_predictions, interval_split, scales_frame
from .laws import (
    LawSpec,
    build_law_variables,
    build_mean_log_loss,
    compute_optimal_allocation,
    get_law,
    mean_loss,
    published_parameters,
    reference_scales,
)
from .likelihood import STUDENT_T_LOG_LOSS, Likelihood, StudentTLogitBounded, likelihood_for
from .priors import PRIOR_PRESETS, is_fixed, priors_from_json, priors_to_json, resolve_priors
from .sampling import SAMPLERS
from .track_record import study_kind, track_record
from .units import validate_scales

if TYPE_CHECKING:
    import pymc as pm
    from numpy.typing import ArrayLike

__all__ = ["ScalingLawModel"]

_ONE_AXIS_CHOICES = ("params", "tokens", "compute")

#: Spawn key of the posterior predictive draws made at fit, so they never share a stream with
#: the sampler's (which gets the plain seed).
_PPC_STREAM = 1

#: Largest seed every sampler backend accepts (NumPy's legacy generators, nutpie, numpyro).
MAX_SEED = 2**32 - 1


def check_seed(random_seed: Any, name: str = "random_seed") -> None:
    """Refuse a seed the samplers cannot take, naming the argument and the fix.

    Examples
    --------
    >>> check_seed(0); check_seed(None)
    >>> check_seed(-5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.DataError: random_seed must be an integer in [0, 2**32 - 1] ...
    """
    if random_seed is None:
        return
    ok = not isinstance(random_seed, bool) and isinstance(random_seed, int | np.integer)
    if not ok or not 0 <= int(random_seed) <= MAX_SEED:
        raise DataError(
            f"{name} must be an integer in [0, 2**32 - 1] or None; got {random_seed!r}. "
            f"Pass e.g. {name}=0"
        )


def check_probability(value: object, name: str) -> float:
    """Refuse an interval probability outside (0, 1), naming the argument and the fix.

    Examples
    --------
    >>> check_probability(0.9, "hdi_prob")
    0.9
    """
    ok = not isinstance(value, bool) and isinstance(value, int | float | np.floating)
    if not ok or not 0 < float(value) < 1:
        raise DataError(
            f"{name} must be a probability strictly between 0 and 1, e.g. {name}=0.9; got {value!r}"
        )
    return float(value)


def _run_labels(index) -> np.ndarray:
    """Coordinates of the ``run`` dim: the runs' row labels as text."""
    return np.asarray(index.astype(str))


class ScalingLawModel:
    """A scaling law fitted as a Bayesian model in PyMC.

    Parameters
    ----------
    law : {"chinchilla", "power", "kaplan", "broken_power", "saturating"}
        ``"chinchilla"``: ``L = E + A N^-alpha + B D^-beta`` on parameters N and tokens D.
        ``"power"``: ``L = E + A x^-alpha`` on one axis ``x``; ``"kaplan"`` the same without
        ``E``; ``"broken_power"`` with one smooth break in the exponent; ``"saturating"``, the
        law of a bounded metric (an error rate), which a metric declared with bounds requires:
        a power law that bends towards a ceiling, with noise on the logit of the metric
        (:mod:`scaling_bayes.core.laws`).
    x : {"params", "tokens", "compute"}, optional
        Axis of a one-axis law (required for ``law="power"``).
    priors : str or mapping, optional
        A preset name (``"weak"``, the default, or ``"literature"``) or a mapping from parameter
        name to ``pymc_extras.prior.Prior`` overriding the preset's defaults (see
        :mod:`scaling_bayes.core.priors` for the parameters, their defaults and why).
    prior_preset : str
        Preset the overrides in ``priors`` apply to.
    sampler : {"auto", "nutpie", "pymc", "numpyro"}
        NUTS backend; ``"auto"`` takes nutpie when installed, PyMC's own NUTS otherwise.
    draws, tune, chains : int
        Kept draws per chain, tuning steps per chain, and chains (4 by default: R-hat needs
        several chains to mean anything). 2000 draws per chain keep the bulk ESS of a
        proof of concept's weakly identified E above 400; sampling them takes about a second.
    target_accept : float
        NUTS target acceptance rate; 0.9 (rather than 0.8) avoids divergences in the curved
        posteriors of small designs at a cost of a few more leapfrog steps.
    cores : int, optional
        Chains run in parallel; defaults to ``min(chains, cpu count)``.
    progressbar : bool
        Show sampling progress (silence it with ``False``, e.g. in tests and batch jobs).
    loss_unit : str
        Unit of the loss, used in labels and memos.
    extrapolation_error : float
        Model discrepancy added to forecasts beyond the largest run: the law's log loss is off
        by ``extrapolation_error * log(ratio) * z`` with ``z ~ N(0, 1)`` shared by all scales of
        a draw, ``ratio`` being the forecast's extrapolation ratio. 0 (the default) trusts the
        law's form completely; ``benchmarks/README.md`` shows what real held-out runs say.

    Attributes
    ----------
    idata_ : arviz.InferenceData or xarray.DataTree
        The installed ArviZ's object (``InferenceData`` under ArviZ 0.x, ``DataTree`` under
        ArviZ 1.x): ``posterior`` (sampled parameters and the published E, A, B),
        ``sample_stats``, ``observed_data`` (loss), ``constant_data`` (the scales of the runs),
        and ``log_likelihood`` and ``posterior_predictive`` (``loss`` per draw and run), all with
        a ``run`` dim labelled by the runs' row labels, so ArviZ's LOO, LOO-PIT and posterior
        predictive plots read it as is (``az.loo(model.idata_)`` in both generations).
    data_ : ScalingData
        The runs the model was fitted to.
    diagnostics_ : ConvergenceReport
        R-hat, ESS and divergences, computed after every fit. An unconverged fit warns once,
        at fit; ``repr(model)`` and the ``converged`` column of every summary show the verdict.
    priors_ : dict of Prior
        The priors used, preset and overrides merged.
    reference_ : dict
        Reference scale of each axis (geometric mean of the runs).
    y_min_ : float
        Smallest observed loss (the loss scale of the relative parameterisation).
    sampler_ : str
        Backend that produced the draws.

    Examples
    --------
    A real fit takes a few seconds (``make demo`` and ``notebooks/01_quickstart`` run it)::

        import scaling_bayes as sb
        data = sb.ScalingData.from_frame(sb.load_example())
        model = sb.ScalingLawModel(law="chinchilla").fit(data, random_seed=0)
        model.summary(); model.diagnostics()
        model.predict(params=[7e10], tokens=[1.4e12]).summary()
    """

    def __init__(
        self,
        law: str = "chinchilla",
        *,
        x: str | None = None,
        priors: str | Mapping | None = None,
        prior_preset: str = "weak",
        sampler: str = "auto",
        draws: int = DEFAULT_DRAWS,
        tune: int = DEFAULT_TUNE,
        target_accept: float = DEFAULT_TARGET_ACCEPT,
        chains: int = DEFAULT_CHAINS,
        cores: int | None = None,
        progressbar: bool = True,
        loss_unit: str = "nats/token",
        extrapolation_error: float = 0.0,
    ) -> None:
        self.law = law
        self.x = x
        self.priors = priors
        self.prior_preset = prior_preset
        self.sampler = sampler
        self.draws = draws
        self.tune = tune
        self.target_accept = target_accept
        self.chains = chains
        self.cores = cores
        self.progressbar = progressbar
        self.loss_unit = loss_unit
        self.extrapolation_error = extrapolation_error
        self._check_arguments()

    # ------------------------------------------------------------------ configuration
    def _check_arguments(self) -> None:
        spec = get_law(self.law)
        one_axis = any(slot == "x" for _, _, slot in spec.terms)
        if one_axis and self.x not in _ONE_AXIS_CHOICES:
            raise ConfigError(
                f"law '{self.law}' needs x= naming its axis: one of "
                f"{', '.join(repr(c) for c in _ONE_AXIS_CHOICES)}; got {self.x!r}"
            )
        if not one_axis and self.x is not None:
            raise ConfigError(f"law '{self.law}' has fixed axes {spec.axes()}; drop x={self.x!r}")
        if isinstance(self.priors, str):
            if self.priors not in PRIOR_PRESETS:
                raise ConfigError(
                    f"unknown prior preset {self.priors!r}; choose one of {PRIOR_PRESETS}"
                )
        elif self.priors is not None and not isinstance(self.priors, Mapping):
            raise ConfigError(
                "priors must be a preset name ('weak' or 'literature') or a dict of "
                f"{{parameter: Prior}}; got {type(self.priors).__name__}"
            )
        if self.sampler not in SAMPLERS:
            raise ConfigError(f"unknown sampler {self.sampler!r}; choose one of {SAMPLERS}")
        error = self.extrapolation_error
        if isinstance(error, bool) or not isinstance(error, int | float) or not 0 <= error < 1:
            raise ConfigError(
                "extrapolation_error must be a relative error per e-fold of extrapolation in "
                f"[0, 1), e.g. 0.01; got {error!r}"
            )
        if not 0 < self.target_accept < 1:
            raise ConfigError(
                f"target_accept must be in (0, 1), e.g. 0.9; got {self.target_accept!r}"
            )
        for name in ("draws", "tune", "chains"):
            value = getattr(self, name)
            minimum = 0 if name == "tune" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")

    @property
    def law_spec(self) -> LawSpec:
        """The :class:`~scaling_bayes.core.laws.LawSpec` of this model."""
        return get_law(self.law)

    @property
    def likelihood(self) -> Likelihood:
        """The noise model of the runs (:mod:`scaling_bayes.core.likelihood`).

        Student-t on log loss; for a bounded metric (fitted with ``law="saturating"``),
        Student-t on the logit of the loss as a share of the metric's bound (before fit, a
        bound of 1).
        """
        if hasattr(self, "data_"):
            return likelihood_for(self.data_.metric)
        return StudentTLogitBounded() if self.law_spec.saturating else STUDENT_T_LOG_LOSS

    @property
    def axes(self) -> tuple[str, ...]:
        """Data axes the law uses."""
        return self.law_spec.axes(self.x)

    def sampled_parameters(self, priors: Mapping | None = None) -> list[str]:
        """Parameters with a posterior: the law's, ``sigma``, and ``nu`` unless it is fixed."""
        priors = self.resolved_priors() if priors is None else priors
        return [p for p in self.law_spec.parameters if not is_fixed(priors[p])]

    def resolved_priors(self) -> dict:
        """The priors this model uses: preset defaults with the overrides applied."""
        preset = self.priors if isinstance(self.priors, str) else self.prior_preset
        overrides = None if isinstance(self.priors, str) else self.priors
        return resolve_priors(self.law_spec, overrides, preset, self.x)

    def _sampler_settings(self) -> dict[str, Any]:
        """How this model samples (sampler, draws, tune, chains, cores, target_accept).

        What :meth:`fit` passes to the sampler, and what a refit of the same model under other
        priors keeps.
        """
        return {
            "sampler": self.sampler,
            "draws": self.draws,
            "tune": self.tune,
            "chains": self.chains,
            "cores": self.cores,
            "target_accept": self.target_accept,
        }

    def _cache_key(self, priors: Mapping) -> str:
        key = f"{self.law}|{self.x}|{priors_to_json(priors)}"
        if self.law_spec.saturating:
            # Compiled models are kept on disk under this key: name the saturating law's
            # sampling coordinates, so a change to them is never served an old graph.
            key += "|coordinates=bent-curve"
        return key

    # ------------------------------------------------------------------ PyMC model
    def build_model(
        self, data: ScalingData | None = None, priors: Mapping | None = None
    ) -> pm.Model:
        """Return the ``pm.Model`` of this law; with ``data``, its containers hold those runs.

        The model works on log loss relative to the smallest observed loss and on log scales
        relative to their geometric mean (see :mod:`scaling_bayes.core.laws`). Data enter only
        through
        ``pm.Data`` containers of free shape, so one compiled model serves any table of runs.
        """
        import pymc as pm
        import pytensor.tensor as pt

        spec = self.law_spec
        priors = self.resolved_priors() if priors is None else priors
        slots = [slot for _, _, slot in spec.terms]
        inputs = self._model_inputs(data)[0] if data is not None else None
        with pm.Model() as model:
            z = {
                slot: pm.Data(f"z_{slot}", inputs[f"z_{slot}"] if inputs else np.zeros(3))
                for slot in slots
            }
            y = pm.Data("log_loss_rel", inputs["log_loss_rel"] if inputs else np.zeros(3))
            upper_rel = None
            if spec.saturating:
                # The metric's bound over the smallest observed loss: data, not a constant, so
                # one compiled model serves every bounded table.
                upper_rel = pm.Data("upper_rel", inputs["upper_rel"] if inputs else np.full(1, 2.0))
                upper_rel = upper_rel[0]
            rvs = build_law_variables(spec, priors, upper_rel)
            noise = {
                name: priors[name] if is_fixed(priors[name]) else priors[name].create_variable(name)
                for name in self.likelihood.noise_parameters
            }
            if spec.saturating:
                rvs = {**rvs, "upper_rel": upper_rel}
            log_rel = build_mean_log_loss(spec, rvs, z)
            mu = self.likelihood.link_from_log_relative(log_rel, upper_rel, log=pt.log, exp=pt.exp)
            self.likelihood.pymc_term("log_loss", mu=mu, noise=noise, observed=y)
        return model

    def _model_inputs(self, data: ScalingData):
        spec = self.law_spec
        values = {axis: data.column(axis) for axis in self.axes}
        reference = reference_scales(values)
        y_min = float(data.loss.min())
        inputs = {}
        for _, _, slot in spec.terms:
            axis = self.x if slot == "x" else slot
            inputs[f"z_{slot}"] = np.log(values[axis] / reference[axis])
        # On the likelihood's link scale: log(L / y_min), or logit(L / U) for a bounded metric.
        inputs["log_loss_rel"] = likelihood_for(data.metric).observed_link(data.loss, y_min)
        if spec.saturating:
            inputs["upper_rel"] = np.full(1, data.metric.loss_upper / y_min)
        return inputs, reference, y_min

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        data: ScalingData | pd.DataFrame,
        *,
        random_seed: int | None = None,
        progressbar: bool | None = None,
    ) -> ScalingLawModel:
        """Sample the posterior of the law given the runs; return the fitted model.

        Every check on the data, the priors and the arguments runs before any sampling. After
        sampling the convergence diagnostics are computed; a fit that did not converge issues one
        :class:`~scaling_bayes.core.exceptions.ConvergenceWarning` naming the parameters, here and
        only here. Later outputs carry the verdict instead of repeating the warning: ``repr``,
        the ``converged`` column of :meth:`summary` and of ``Forecast.summary``.

        Parameters
        ----------
        data : ScalingData or pandas.DataFrame
            The runs (a DataFrame is validated with :meth:`ScalingData.from_frame` defaults).
        random_seed : int, optional
            Same seed, same draws; an integer in ``[0, 2**32 - 1]``.
        progressbar : bool, optional
            Overrides the constructor's ``progressbar`` for this fit.

        Raises
        ------
        DataError
            Bad runs or a bad ``random_seed``, before any sampling.
        """
        check_seed(random_seed)
        data, priors, problems = self._prepare_fit(data)
        inputs, _, _ = self._model_inputs(data)
        show = self.progressbar if progressbar is None else progressbar
        start = time.perf_counter()
        # Looked up on the module at call time, so a test can replace it with a spy.
        idata = sampling.sample_posterior(
            # Prior.create_variable caches state on the Prior; build from a copy so the priors
            # kept on the fitted model stay plain (and picklable for parallel fits).
            lambda: self.build_model(None, priors_from_json(priors_to_json(priors))),
            inputs,
            cache_key=self._cache_key(priors),
            **self._sampler_settings(),
            random_seed=random_seed,
            progressbar=show,
        )
        elapsed = time.perf_counter() - start
        return self._finish_fit(idata, data, priors, problems, random_seed, elapsed)

    def _prepare_fit(self, data):
        """Every check that must pass before sampling; warns about weak designs."""
        data = self._check_data(data)
        priors = self.resolved_priors()
        problems = design_problems(data, self.axes)
        for problem in problems:
            warnings.warn(problem, DesignWarning, stacklevel=3)
        if data.has_groups and data.frame["group"].nunique() > 1:
            warnings.warn(
                f"the runs span {data.frame['group'].nunique()} groups and one law is fitted to "
                "all of them; fit each setting separately with data.select(group=...) unless they "
                "really share one law",
                DesignWarning,
                stacklevel=3,
            )
        return data, priors, problems

    def _finish_fit(self, idata, data, priors, problems, random_seed, elapsed):
        """Complete the InferenceData, judge convergence and set the fitted attributes.

        The one place a :class:`ConvergenceWarning` is issued: real fits and
        :func:`scaling_bayes.testing.fit_from_draws` both end here.
        """
        _, reference, y_min = self._model_inputs(data)
        idata = self._complete_idata(idata, data, reference, y_min)
        report = self._diagnose(idata, problems)
        warn_if_unconverged(report, "the posterior and every number computed from it", 3)
        self.data_ = data
        self.priors_ = priors
        self.reference_ = reference
        self.y_min_ = y_min
        self.diagnostics_ = report
        idata = self._add_predictive_groups(idata, random_seed)
        self.idata_ = persistence.attach_metadata(idata, self, random_seed)
        self.sampler_ = str(idata.posterior.attrs.get("sampler", "none"))
        self.fit_seconds_ = elapsed
        return self

    def _add_predictive_groups(self, idata, random_seed) -> az.InferenceData:
        """Add ``log_likelihood`` and ``posterior_predictive`` of the fitted runs.

        Both have dims ``(chain, draw, run)`` with the runs' row labels as ``run`` coordinates,
        like ``observed_data``, so ``az.loo``, ``az.loo_pit`` and ``az.plot_ppc`` take the
        model's InferenceData as it is. The predictive draws are seeded by the fit's
        ``random_seed`` (a stream of their own: the posterior draws do not move).
        """
        run = idata.observed_data["run"].values
        post = idata.posterior
        scales = {axis: self.data_.column(axis) for axis in self.axes}
        log_lik = self._log_likelihood_values(post, scales, self.data_.loss)
        draws = {name: post[name].values for name in post.data_vars}
        mean = self._law_mean(draws, scales)
        rng = np.random.default_rng(None if random_seed is None else [random_seed, _PPC_STREAM])
        noise = self._noise_arrays(post, mean.shape)
        replicated = self.likelihood.random(rng, mean=mean, noise=noise)
        coords = {"chain": post["chain"].values, "draw": post["draw"].values, "run": run}
        dims = ("chain", "draw", "run")
        groups = {name: az.group(idata, name) for name in az.groups(idata)}
        groups["log_likelihood"] = xr.Dataset({"loss": (dims, log_lik)}, coords=coords)
        groups["posterior_predictive"] = xr.Dataset({"loss": (dims, replicated)}, coords=coords)
        return az.from_groups(**groups)

    def _check_data(self, data, check_design: bool = True) -> ScalingData:
        if isinstance(data, pd.DataFrame):
            data = ScalingData.from_frame(data)
        if not isinstance(data, ScalingData):
            raise DataError(
                f"fit() takes a ScalingData or a DataFrame, got {type(data).__name__}; "
                "build one with sb.ScalingData.from_frame(runs, params=..., tokens=..., loss=...)"
            )
        bounded = data.metric.is_bounded
        if bounded != self.law_spec.saturating:
            if bounded:
                raise DataError(
                    f"the runs' metric '{data.metric.name}' is bounded ({data.metric.lower:g} "
                    f"to {data.metric.upper:g}) but law '{self.law}' is not, so its forecasts "
                    "could leave the bounds; use law='saturating' (the law for bounded metrics, "
                    "with x= naming the scale axis)"
                )
            raise DataError(
                f"law 'saturating' needs a bounded metric, but the runs' metric "
                f"'{data.metric.name}' has no upper bound; declare it with "
                "ScalingData.from_frame(..., metric=Metric(..., bounds=(0, 1))) or use law='power'"
            )
        missing = [a for a in self.axes if a not in data.axes]
        if missing:
            raise DataError(
                f"law '{self.law}' uses {', '.join(self.axes)} but the runs have no "
                f"{', '.join(missing)} column; pass it to ScalingData.from_frame"
            )
        if not check_design:
            return data
        n_free = len(self.law_spec.law_parameters)
        distinct = data.n_distinct(self.axes)
        if distinct < n_free:
            raise DataError(
                f"law '{self.law}' has {n_free} free parameters but the runs cover only "
                f"{distinct} distinct scales of ({', '.join(self.axes)}); add runs at "
                f"{n_free - distinct} more scales or use a law with fewer parameters"
            )
        return data

    def _complete_idata(self, idata, data: ScalingData, reference, y_min) -> az.InferenceData:
        spec = self.law_spec
        posterior = az.group(idata, "posterior")
        latents = [name for name in posterior.data_vars if name.startswith("_")]
        posterior = posterior.drop_vars(latents)
        draws = {name: posterior[name].values for name in spec.law_parameters}
        published = published_parameters(
            spec, draws, x=self.x, reference=reference, y_min=y_min, upper=data.metric.loss_upper
        )
        posterior = posterior.assign(
            {name: (("chain", "draw"), values) for name, values in published.items()}
        )
        frame = data.frame
        run = _run_labels(frame.index)
        constant = xr.Dataset(
            {axis: ("run", frame[axis].to_numpy(dtype=float)) for axis in data.axes},
            coords={"run": run},
        )
        constant["row_label"] = ("run", frame.index.astype(str).to_numpy())
        if data.has_groups:
            constant["group"] = ("run", frame["group"].to_numpy(dtype=str))
        observed = xr.Dataset(
            {"loss": ("run", frame["loss"].to_numpy(dtype=float))}, coords={"run": run}
        )
        groups = {"posterior": posterior, "observed_data": observed, "constant_data": constant}
        if az.has_group(idata, "sample_stats"):
            groups["sample_stats"] = az.group(idata, "sample_stats")
        return az.from_groups(**groups)

    def _diagnose(self, idata, problems) -> ConvergenceReport:
        return check_convergence(idata, self.sampled_parameters(), problems, tune=self.tune)

    # ------------------------------------------------------------------ results
    def _check_fitted(self, what: str) -> None:
        if not hasattr(self, "idata_"):
            raise NotFittedError(
                f"this ScalingLawModel is not fitted yet; call fit(data) before {what}()"
            )

    def diagnostics(self) -> ConvergenceReport:
        """The convergence report of the last fit: converged or not, and why."""
        self._check_fitted("diagnostics")
        return self.diagnostics_

    def summary(self, hdi_prob: float = INTERVAL_PROB) -> pd.DataFrame:
        """Posterior summary of the law's parameters in the published parameterisation.

        Returns
        -------
        pandas.DataFrame
            Index ``parameter`` (E, A, alpha, [B, beta,] sigma, nu); columns ``mean``, ``sd``,
            ``hdi_lower``, ``hdi_upper`` (highest-density interval of mass ``hdi_prob``),
            ``r_hat``, ``ess_bulk``, ``ess_tail`` and ``converged`` (the fit's verdict, the same
            on every row; also in ``attrs["converged"]``).

        Raises
        ------
        DataError
            ``hdi_prob`` not a number strictly between 0 and 1.
        """
        self._check_fitted("summary")
        check_probability(hdi_prob, "hdi_prob")
        names = [n for n in self.law_spec.reported if n in self.idata_.posterior]
        table = az.summary(self.idata_, var_names=names, hdi_prob=hdi_prob, round_to="none")
        lower, upper = [c for c in table.columns if c.startswith("hdi_")]
        table = table.rename(columns={lower: "hdi_lower", upper: "hdi_upper"})
        table = table[["mean", "sd", "hdi_lower", "hdi_upper", "r_hat", "ess_bulk", "ess_tail"]]
        table["converged"] = bool(self.diagnostics_.converged)
        table.index.name = "parameter"
        table.attrs.update(
            hdi_prob=hdi_prob,
            converged=self.diagnostics_.converged,
            law=self.law_spec.formula,
            loss_unit=self.loss_unit,
            fixed={k: v for k, v in self.priors_.items() if is_fixed(v)},
        )
        return table

    def posterior_draws(self) -> dict[str, np.ndarray]:
        """Posterior draws of every parameter as flat arrays (chains stacked)."""
        self._check_fitted("posterior_draws")
        post = self.idata_.posterior
        return {name: post[name].values.reshape(-1) for name in post.data_vars}

    def log_likelihood(
        self,
        data: ScalingData | None = None,
        *,
        loss: ArrayLike | None = None,
        params: ArrayLike | None = None,
        tokens: ArrayLike | None = None,
        compute: ArrayLike | None = None,
    ) -> xr.DataArray:
        """Log density of each run's loss under every posterior draw, dims (chain, draw, run).

        ``log p(L_i | theta) = log t_nu((log L_i - log L(x_i; theta)) / sigma) - log sigma
        - log L_i``: the Student-t density of log loss with the Jacobian to the loss scale, so
        values are densities on the loss scale and comparable across laws. By default it scores
        the fitted runs (the ``log_likelihood`` group of :attr:`idata_`); pass ``data`` (e.g.
        held-out runs) or arrays ``loss=`` with the law's scale axes (``params=``, ``tokens=``,
        ``compute=``) to score other runs. ``run`` is labelled by the runs' row labels (by
        position for arrays).
        """
        self._check_fitted("log_likelihood")
        if loss is None:
            data = self.data_ if data is None else self._check_data(data, check_design=False)
            scales = {axis: data.column(axis) for axis in self.axes}
            observed = data.loss
            run = _run_labels(data.frame.index)
        else:
            given = {"params": params, "tokens": tokens, "compute": compute}
            scales = _broadcast_scales(**{a: given[a] for a in self.axes}, loss=loss)
            observed = scales.pop("loss")
            run = np.arange(observed.size)
        post = self.idata_.posterior
        values = self._log_likelihood_values(post, scales, observed)
        return xr.DataArray(
            values,
            dims=("chain", "draw", "run"),
            coords={"chain": post["chain"].values, "draw": post["draw"].values, "run": run},
            name="loss",
        )

    def _law_mean(self, draws, scales) -> np.ndarray:
        return mean_loss(
            self.law_spec,
            draws,
            scales,
            x=self.x,
            reference=self.reference_,
            y_min=self.y_min_,
            upper=self.data_.metric.loss_upper,
        )

    def _noise_arrays(self, posterior, shape) -> dict[str, np.ndarray]:
        """Noise parameters of ``posterior`` as ``S + (1,)`` arrays (``shape = S + (k,)``)."""
        lead = (*shape[:-1], 1)
        out = {}
        for name in self.likelihood.noise_parameters:
            if name in posterior:
                out[name] = posterior[name].values.reshape(lead)
            else:  # fixed in the priors
                out[name] = np.full(lead, float(self.priors_[name]))
        return out

    def _log_likelihood_values(self, posterior, scales, observed) -> np.ndarray:
        draws = {name: posterior[name].values for name in posterior.data_vars}
        mean = self._law_mean(draws, scales)
        noise = self._noise_arrays(posterior, mean.shape)
        return self.likelihood.logpdf(observed, mu=self.likelihood.link(mean), noise=noise)

    def noise_draws(self) -> dict[str, np.ndarray]:
        """Flat draws of the noise model: ``sigma`` and ``nu`` (a constant array when fixed).

        The noise is on log loss: ``log L_obs = log L + sigma * t_nu``. Draws are in the same
        order as :meth:`posterior_draws` and as ``Forecast.flat_draws()`` (chains stacked).
        """
        self._check_fitted("noise_draws")
        post = self.idata_.posterior
        shape = (post.sizes["chain"], post.sizes["draw"], 1)
        return {k: v.reshape(-1) for k, v in self._noise_arrays(post, shape).items()}

    def predict(
        self,
        *,
        params: ArrayLike | None = None,
        tokens: ArrayLike | None = None,
        compute: ArrayLike | None = None,
        random_seed: int | None = None,
        extrapolation_error: float | None = None,
    ) -> Forecast:
        """Posterior predictive loss at new scales.

        For ``law="chinchilla"`` give ``params`` and ``tokens``; or ``compute`` alone for the
        compute-optimal allocation of each posterior draw (reported as ``params_opt`` and
        ``tokens_opt`` draws); or ``compute`` with one of the two, the other following from
        ``C = 6 N D``. For ``law="power"`` give the law's axis. Scalars broadcast.

        Parameters
        ----------
        params, tokens : array-like, optional
            Raw counts.
        compute : array-like, optional
            Training FLOPs.
        random_seed : int, optional
            Seed of the observation-noise draws, an integer in ``[0, 2**32 - 1]``.
        extrapolation_error : float, optional
            Overrides the model's ``extrapolation_error`` for this forecast (a stress test).

        Returns
        -------
        Forecast
            ``loss`` (law + run-to-run noise) and ``loss_mean`` (the law) draws with dims
            ``(chain, draw, scale)``.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        DataError
            Missing, empty, non-positive or non-finite scales, scales in the wrong unit (see
            :mod:`scaling_bayes.core.units`), arguments the law cannot use, or a bad
            ``random_seed``.
        """
        self._check_fitted("predict")
        check_seed(random_seed)
        tau = self.extrapolation_error if extrapolation_error is None else extrapolation_error
        if isinstance(tau, bool) or not isinstance(tau, int | float) or not 0 <= tau < 1:
            raise DataError(f"extrapolation_error must be in [0, 1), e.g. 0.01; got {tau!r}")
        requested = _broadcast_scales(params=params, tokens=tokens, compute=compute)
        # The axis kinds the data declared (a count of labelled images gets no language-model
        # unit rule at prediction time either).
        validate_scales(
            requested, where="predict()", kinds={a: self.data_.kind(a) for a in requested}
        )
        spec = self.law_spec
        post = self.idata_.posterior
        draws = {name: post[name].values for name in post.data_vars}
        extra = {}
        given = set(requested)
        if spec.name == "chinchilla" or set(self.axes) == {"params", "tokens"}:
            scales, extra = self._two_axis_scales(requested, draws)
        else:
            axis = self.x
            if given != {axis}:
                raise DataError(
                    f"law '{self.law}' on {axis} is predicted from {axis}= only; got "
                    f"{', '.join(sorted(given)) or 'no scales'}"
                )
            scales = {axis: requested[axis]}
        mean = self._law_mean(draws, scales)
        rng = np.random.default_rng(random_seed)
        loss = self.likelihood.random(rng, mean=mean, noise=self._noise_arrays(post, mean.shape))
        one_form = loss

        k = mean.shape[-1]
        table = scales_frame(k, **{a: requested.get(a) for a in ("params", "tokens", "compute")})
        if "params" in requested and "tokens" in requested and "compute" not in requested:
            table["compute"] = FLOPS_PER_PARAM_TOKEN * table["params"] * table["tokens"]
        for axis in ("params", "tokens"):
            if axis in scales and axis not in requested and np.ndim(scales[axis]) == 1:
                table[axis] = scales[axis]
        table["extrapolation_ratio"] = self._extrapolation_ratio(table)
        if tau > 0:
            # One systematic deviation per draw, shared by all scales and growing with each
            # e-fold of extrapolation: the law itself may be off, not just a run.
            folds = np.log(np.maximum(table["extrapolation_ratio"].to_numpy(), 1.0))
            z = rng.standard_normal((*mean.shape[:-1], 1))
            discrepancy = np.exp(tau * folds * z)
            mean, loss = mean * discrepancy, loss * discrepancy
        far = table["extrapolation_ratio"] > EXTRAPOLATION_WARN_RATIO
        if far.any():
            warnings.warn(
                f"forecast at {int(far.sum())} scale(s) reaches up to "
                f"{table['extrapolation_ratio'].max():.0f}x the largest observed "
                f"{self._ratio_axis()} (more than {EXTRAPOLATION_WARN_RATIO:.0f}x): "
                "errors grow with "
                "the extrapolation ratio and the law may change regime; treat these intervals as "
                "optimistic and add runs at larger scale if the decision hinges on them",
                ExtrapolationWarning,
                stacklevel=2,
            )
        idata = build_predictions(loss, mean, table, extra)
        return Forecast(
            idata=idata,
            scales=table,
            law=self.law,
            converged=self.diagnostics_.converged,
            loss_unit=self.loss_unit,
            metric=self.data_.metric,
            interval_parts=self._interval_parts(post, mean, one_form, loss, random_seed),
            track_record=track_record(study_kind(self)),
        )

    def _interval_parts(self, post, mean, one_form, loss, random_seed) -> pd.DataFrame:
        """The split of the 90% interval: noise at the law's posterior median, parameters, and
        the extrapolation error (the ``form`` part; 0 without it). Drawn from its own stream so
        the forecast's draws do not depend on it."""
        rng = np.random.default_rng(
            None if random_seed is None else np.random.SeedSequence([random_seed, 1])
        )
        centre = np.broadcast_to(np.median(mean, axis=(0, 1)), mean.shape).copy()
        noise = self.likelihood.random(rng, mean=centre, noise=self._noise_arrays(post, mean.shape))
        metric = self.data_.metric
        full, noise, one = (
            metric.from_loss(a.reshape(-1, a.shape[-1])) for a in (loss, noise, one_form)
        )
        return interval_split(full, noise, one, INTERVAL_PROB)

    def _two_axis_scales(self, requested, draws):
        given = set(requested)
        if given == {"params", "tokens"}:
            return {"params": requested["params"], "tokens": requested["tokens"]}, {}
        if given == {"compute", "params"}:
            tokens = requested["compute"] / (FLOPS_PER_PARAM_TOKEN * requested["params"])
            return {"params": requested["params"], "tokens": tokens}, {}
        if given == {"compute", "tokens"}:
            params = requested["compute"] / (FLOPS_PER_PARAM_TOKEN * requested["tokens"])
            return {"params": params, "tokens": requested["tokens"]}, {}
        if given == {"compute"}:
            n_opt, d_opt = compute_optimal_allocation(draws, requested["compute"])
            return {"params": n_opt, "tokens": d_opt}, {"params_opt": n_opt, "tokens_opt": d_opt}
        raise DataError(
            "law 'chinchilla' is predicted from params= and tokens=, or from compute= alone "
            "(compute-optimal allocation), or from compute= with one of params=/tokens=; got "
            f"{', '.join(sorted(given)) or 'no scales'}"
        )

    def _ratio_axis(self) -> str:
        if "compute" in self.data_.axes and (self.law == "chinchilla" or self.x == "compute"):
            return "compute"
        return self.x or "compute"

    def _extrapolation_ratio(self, table: pd.DataFrame) -> np.ndarray:
        axis = self._ratio_axis()
        observed = float(self.data_.frame[axis].max())
        return (table[axis] / observed).to_numpy()

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to netCDF (no pickle): posterior, data, law, priors, version."""
        self._check_fitted("save")
        persistence.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, law: str | None = None) -> ScalingLawModel:
        """Read a model written by :meth:`save`.

        Parameters
        ----------
        law : str, optional
            The law the caller expects; a file of another law raises
            :class:`~scaling_bayes.core.exceptions.ModelFileError`.
        """
        return persistence.load(cls, path, expected_law=law)

    def __repr__(self) -> str:
        state = "not fitted"
        if hasattr(self, "idata_"):
            state = "fitted, converged" if self.diagnostics_.converged else "fitted, NOT CONVERGED"
        axis = f", x={self.x!r}" if self.x else ""
        return f"ScalingLawModel(law={self.law!r}{axis}; {state})"

    def _repr_html_(self) -> str:
        """Notebook display: law, runs, convergence verdict and parameter table."""
        from .display import model_html

        return model_html(self)


def _broadcast_scales(**scales) -> dict[str, np.ndarray]:
    given = {k: v for k, v in scales.items() if v is not None}
    if not given:
        raise DataError(
            "predict() needs scales: params=, tokens= and/or compute= (raw counts, FLOPs)"
        )
    arrays = {}
    for name, values in given.items():
        try:
            arr = np.atleast_1d(np.asarray(values, dtype=float))
        except (TypeError, ValueError, OverflowError) as err:
            raise DataError(
                f"{name}= must be numbers; got {values!r}; pass a number or a list of numbers"
            ) from err
        if arr.ndim != 1:
            raise DataError(f"{name}= must be a number or a 1-d list of numbers")
        if arr.size == 0:
            raise DataError(f"{name}= is empty; give at least one value, e.g. {name}=[1e9]")
        bad = ~np.isfinite(arr) | (arr <= 0)
        if bad.any():
            raise DataError(
                f"{name}= must be positive and finite; positions "
                f"{', '.join(str(i) for i in np.flatnonzero(bad))} are {arr[bad].tolist()}; "
                "fix or drop those values"
            )
        arrays[name] = arr
    sizes = {a.size for a in arrays.values()}
    k = max(sizes)
    if sizes - {1, k}:
        raise DataError(
            "params=, tokens= and compute= must have the same length (or be single numbers); got "
            + ", ".join(f"{n}: {a.size}" for n, a in arrays.items())
        )
    return {n: np.broadcast_to(a, (k,)).copy() for n, a in arrays.items()}
