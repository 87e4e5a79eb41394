"""Compare laws on the same runs: PSIS-LOO, stacking weights, and a forecast mixed across laws.

Which law to trust is itself uncertain. :func:`compare_laws` fits each candidate law, scores it by
Pareto-smoothed importance-sampling leave-one-out cross-validation (PSIS-LOO, Vehtari et al.
2017) on the loss scale, and computes stacking weights (Yao et al. 2018). When PSIS-LOO is
unreliable for some run (Pareto k > 0.7) the comparison says so, in a warning and in the table,
rather than printing weights as if they were sound. Stacking weights are a diagnostic of these
runs: learned within the study being forecast they collapse onto one law and lose coverage far
from the data (``benchmarks/EVIDENCE_RESULTS.md``). :meth:`LawComparison.predict` therefore
mixes the laws' forecasts by weights learned *across* public studies
(:func:`~scaling_bayes.core.mixture.preset_law_weights`) unless told otherwise, so law
uncertainty flows into the risk module.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core import _arviz as az
from ..core.exceptions import ConfigError, DataError, ScalingBayesWarning
from ..core.forecast import Forecast
from ..core.laws import get_law
from ..core.mixture import preset_law_weights
from ..core.progress import check_progressbar
from ._inputs import check_n_jobs, model_config
from .backtest import _score, split_runs, warn_unconverged
from .parallel import FitTask, check_client, map_fits

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..core.data import ScalingData

__all__ = ["LawComparison", "ParetoKWarning", "compare_laws", "law_comparison_plot_data"]

#: Metrics of a leave-future-out backtest added to the table as ``lfo_<metric>``.
_LFO_METRICS: tuple[str, ...] = (
    "coverage_50",
    "coverage_90",
    "median_abs_rel_error",
    "mean_crps",
    "mean_log_density",
)

#: Above this Pareto k the importance-sampling estimate of a run's LOO density is unreliable.
PARETO_K_MAX = 0.7


class ParetoKWarning(ScalingBayesWarning):
    """PSIS-LOO is unreliable for some runs; the comparison's weights are not to be trusted."""


@dataclass(frozen=True)
class LawComparison:
    """Laws fitted to the same runs, ranked by PSIS-LOO, with stacking weights.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per law (best first): ``elpd_loo`` (expected log predictive density, nats, on
        the loss scale), ``se``, ``elpd_diff`` and ``dse`` against the best law, ``p_loo``
        (effective parameters), ``weight`` (stacking), ``n_bad_k`` (runs with Pareto k > 0.7),
        ``reliable`` and ``converged``.
    models : dict
        The fitted :class:`~scaling_bayes.core.model.ScalingLawModel` of each law.
    reliable : bool
        False when any law has runs with Pareto k > 0.7 or a fit did not converge.
    lfo : str or None
        The leave-future-out split behind the ``lfo_*`` columns (``"fit on params <= 1e+09,
        scored on 12 larger runs"``), or None without one.
    method : str
        How the laws are ranked; the table's ``elpd_*`` are log densities of loss in nats.

    Examples
    --------
    Built by :func:`compare_laws` (real fits, so shown rather than run)::

        cmp = compare_laws(data, ["power", "chinchilla"])
        cmp.table, cmp.text, law_comparison_plot_data(cmp)
    """

    table: pd.DataFrame
    models: dict
    reliable: bool
    lfo: str | None = None
    method: str = "PSIS-LOO, stacking weights"

    @property
    def weights(self) -> dict[str, float]:
        """Stacking weight of each law (a diagnostic of these runs)."""
        return {str(law): float(weight) for law, weight in self.table["weight"].items()}

    def forecast_weights(self, weights: str | Mapping[str, float] = "across_studies") -> dict:
        """The weights :meth:`predict` mixes the laws' forecasts by.

        Parameters
        ----------
        weights : {"across_studies", "stacking"} or mapping
            ``"across_studies"`` (default): each law's weight learned on other public studies
            (:func:`~scaling_bayes.core.mixture.preset_law_weights`), never on these runs;
            ``"stacking"``: the stacking weights of these runs (:attr:`weights`; they tend to
            collapse onto one law); a mapping: fixed weights per law name (normalised).

        Returns
        -------
        dict
            Weight per law name, summing to 1.
        """
        names = list(self.models)
        if isinstance(weights, Mapping):
            unknown = sorted(set(weights) - set(names))
            values = [weights.get(n, 0.0) for n in names]
            bad = [v for v in values if isinstance(v, bool) or not np.isfinite(v) or v < 0]
            if unknown or bad or sum(values) <= 0:
                raise ConfigError(
                    f"weights must map the compared laws {names} to non-negative numbers with a "
                    f"positive sum; check {unknown or bad or 'the sum'}"
                )
            return {n: float(v) / float(sum(values)) for n, v in zip(names, values, strict=True)}
        if weights == "stacking":
            return {n: self.weights[n] for n in names}
        if weights == "across_studies":
            n_runs = min(int(m.data_.n_runs) for m in self.models.values())
            return preset_law_weights({n: m.law for n, m in self.models.items()}, n_runs)
        raise ConfigError(
            f"weights must be 'across_studies', 'stacking' or a mapping of law to weight; got "
            f"{weights!r}"
        )

    @property
    def text(self) -> str:
        """A sentence for memos and notebooks."""
        best = self.table.index[0]
        weight = self.table.loc[best, "weight"]
        head = f"PSIS-LOO prefers the {best} law (stacking weight {weight:.2f})."
        if not self.reliable:
            head += (
                " The comparison is NOT reliable: some runs have Pareto k > 0.7 or a fit did not "
                "converge, so the weights are indicative only (use a backtest instead)."
            )
        return head

    def _repr_html_(self) -> str:
        """Notebook display: :attr:`text` and :attr:`table`."""
        from ..core.display import result_html

        return result_html(self, text=self.text)

    def predict(
        self,
        *,
        weights: str | Mapping[str, float] = "across_studies",
        random_seed: int | None = None,
        **scales: ArrayLike,
    ) -> Forecast:
        """Forecast mixed across laws, by weights learned across studies unless told otherwise.

        Each law forecasts from its own posterior; the mixture takes from each law a share of
        draws equal to its weight (largest-remainder rounding; the total is the smallest
        forecast's number of draws). One-axis laws receive only their axis (compute is derived
        as 6ND when params and tokens are given).

        Parameters
        ----------
        weights : {"across_studies", "stacking"} or mapping
            See :meth:`forecast_weights`. The forecast's ``law`` names the choice
            (``"mixed (across_studies)"``, ``"mixed (stacking)"``, ``"mixed (fixed)"``).
        random_seed : int, optional
        **scales
            ``params``, ``tokens`` and/or ``compute``.
        """
        chosen = self.forecast_weights(weights)
        rng = np.random.default_rng(random_seed)
        forecasts = {
            name: model.predict(**_scales_for(model, scales), random_seed=int(rng.integers(2**31)))
            for name, model in self.models.items()
        }
        n_total = min(fc.flat_draws().shape[0] for fc in forecasts.values())
        share = np.array([chosen[name] for name in forecasts], dtype=float)
        exact = share / share.sum() * n_total
        counts = np.floor(exact).astype(int)
        counts[np.argsort(exact - counts)[::-1][: n_total - counts.sum()]] += 1
        draws, means = [], []
        for fc, count in zip(forecasts.values(), counts, strict=True):
            pick = rng.choice(fc.flat_draws().shape[0], size=count, replace=False)
            draws.append(fc.flat_draws()[pick])
            means.append(fc.flat_draws("mean")[pick])
        order = rng.permutation(n_total)
        converged = all(fc.converged for fc in forecasts.values())
        mixed = Forecast.from_draws(
            np.concatenate(draws)[order],
            mean_draws=np.concatenate(means)[order],
            converged=converged,
            params=scales.get("params"),
            tokens=scales.get("tokens"),
            compute=scales.get("compute"),
        )
        ratios = np.vstack(
            [fc.scales["extrapolation_ratio"].to_numpy() for fc in forecasts.values()]
        )
        table = mixed.scales.assign(extrapolation_ratio=np.nanmax(ratios, axis=0))
        label = weights if isinstance(weights, str) else "fixed"
        return Forecast(mixed.idata, table, law=f"mixed ({label})", converged=converged)


def _scales_for(model, scales: Mapping) -> dict:
    if model.law == "chinchilla":
        return dict(scales)
    axis = model.x
    if axis in scales:
        return {axis: scales[axis]}
    if axis == "compute" and "params" in scales and "tokens" in scales:
        return {"compute": 6.0 * np.asarray(scales["params"]) * np.asarray(scales["tokens"])}
    raise DataError(
        f"the {model.law} law on {axis} needs {axis}= to forecast; got {', '.join(scales)}"
    )


def compare_laws(
    data: ScalingData,
    laws: Sequence[str | Mapping] = ("power", "chinchilla", "broken_power"),
    *,
    x: str = "compute",
    holdout: str | None = None,
    cutoff: float | None = None,
    random_seed: int = 0,
    client: Any = None,
    n_jobs: int | None = None,
    model_kwargs: dict | None = None,
    progressbar: bool | None = None,
) -> LawComparison:
    """Fit each law to ``data`` and compare them by PSIS-LOO with stacking weights.

    Parameters
    ----------
    data : ScalingData
    laws : sequence of str or dict
        Law names, or dicts of :class:`~scaling_bayes.core.model.ScalingLawModel` arguments (e.g.
        ``{"law": "power", "x": "params"}``), optionally with a ``"name"`` for the table (to
        compare variants of one law). One-axis laws given by name use ``x``.
    x : str
        Axis of one-axis laws given by name.
    holdout, cutoff : optional
        Also score each law leave-future-out: fit on runs with ``holdout <= cutoff`` and add the
        held-out coverage, error, CRPS and log density as ``lfo_*`` columns (one more fit per
        law; see :func:`~scaling_bayes.checks.backtest.backtest`).
    client, n_jobs
        Where the fits run (:func:`~scaling_bayes.checks.parallel.map_fits`): local processes by
        default, a Dask cluster with ``client=``, this process with ``n_jobs=1``.
    progressbar : bool or None
        A bar counting finished fits: None shows it only in a terminal or a notebook, True
        always, False never (:mod:`scaling_bayes.core.progress`).

    Raises
    ------
    ConfigError
        ``laws`` not a list of at least two laws, an unknown law or model argument, a law listed
        twice, ``holdout`` without ``cutoff`` (or the reverse), ``n_jobs`` not a positive
        integer, ``progressbar`` not True, False or None.
    DataError
        A column a law needs, or the holdout axis, missing from the runs; a cutoff that is not a
        positive finite number or leaves too few runs on a side. All before the first fit.

    Warns
    -----
    ParetoKWarning
        Some runs have Pareto k > 0.7 for some law: PSIS-LOO is unreliable there.
    ConvergenceWarning
        Each fit's own warning, labelled by its law (see
        :func:`~scaling_bayes.checks.parallel.map_fits`), then one naming every fit that did not
        converge.

    Examples
    --------
    Real fits, so shown rather than run here (``tests/test_checking_slow.py`` runs them)::

        cmp = compare_laws(data, ["power", "chinchilla"])
        cmp.table[["elpd_loo", "weight", "reliable"]]
        cmp.predict(params=[7e9], tokens=[1.4e11])
    """
    configs = _law_configs(laws, x, model_kwargs)
    n_jobs = check_n_jobs(n_jobs)
    progressbar = check_progressbar(progressbar)
    if client is not None:
        check_client(client)
    missing = {a for c in configs.values() for a in _axes(c) if a not in data.axes}
    if missing:
        raise DataError(
            f"the runs have no {', '.join(sorted(missing))} column needed by these laws; drop "
            "those laws or add the column"
        )
    tasks = [FitTask(c, data, random_seed, name) for name, c in configs.items()]
    lfo_splits = None
    if holdout is not None or cutoff is not None:
        if holdout is None or cutoff is None:
            raise ConfigError(
                "leave-future-out scoring needs both holdout= and cutoff= (e.g. "
                "holdout='params', cutoff=1e9); pass both, or neither to skip it"
            )
        n_free = max(len(get_law(c["law"]).law_parameters) for c in configs.values())
        lfo_splits = split_runs(data, holdout, cutoff, n_free)
        tasks += [
            FitTask(c, lfo_splits[0], random_seed, f"{name}, lfo") for name, c in configs.items()
        ]
    models = map_fits(
        tasks,
        client=client,
        n_jobs=n_jobs,
        progressbar=progressbar,
        description="compare_laws: fits",
    )
    fitted = dict(zip(configs, models[: len(configs)], strict=True))

    idatas, rows = {}, {}
    for name, model in fitted.items():
        idata = az.from_groups(
            posterior=az.group(model.idata_, "posterior")[["sigma"]],
            log_likelihood=model.log_likelihood().to_dataset(name="loss"),
        )
        with warnings.catch_warnings():
            # Warnings raised inside ArviZ only: its Pareto-k warning lacks the law's name (ours
            # below names it), and its pandas deprecations are not for our users to act on.
            warnings.filterwarnings("ignore", module="arviz")
            loo = az.loo(idata, pointwise=True)
        k = np.asarray(loo.pareto_k)
        rows[name] = {
            "n_bad_k": int((k > PARETO_K_MAX).sum()),
            "max_k": float(k.max()),
            "converged": model.diagnostics_.converged,
        }
        idatas[name] = idata
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="arviz")
        ranking = az.compare(idatas)
    table = ranking[["elpd_loo", "se", "elpd_diff", "dse", "p_loo", "weight"]].copy()
    for name, extra in rows.items():
        for key, value in extra.items():
            table.loc[name, key] = value
    lfo = None
    unconverged = [name for name, model in fitted.items() if not model.diagnostics_.converged]
    if lfo_splits is not None:
        train, test = lfo_splits
        for name, model in zip(configs, models[len(configs) :], strict=True):
            scored = _score(model, train, test, holdout, cutoff, 0.9, random_seed, warn=False)
            for key in _LFO_METRICS:
                table.loc[name, f"lfo_{key}"] = scored.metrics[key]
            if not scored.converged:
                unconverged.append(f"{name}, lfo")
        lfo = f"fit on {holdout} <= {cutoff:.3g}, scored on {len(test)} larger runs"
    table["reliable"] = (table["n_bad_k"] == 0) & table["converged"].astype(bool)
    table.index.name = "law"
    reliable = bool(table["reliable"].all())
    bad = table.index[table["n_bad_k"] > 0].tolist()
    if bad:
        warnings.warn(
            "PSIS-LOO is unreliable (Pareto k > 0.7) for "
            + ", ".join(f"{n} ({int(table.loc[n, 'n_bad_k'])} runs)" for n in bad)
            + ": treat the weights as indicative only and prefer a backtest",
            ParetoKWarning,
            stacklevel=2,
        )
    warn_unconverged("compare_laws (the comparison is unreliable)", unconverged)
    models_by_law = {n: fitted[n] for n in table.index}
    return LawComparison(table=table, models=models_by_law, reliable=reliable, lfo=lfo)


def _law_configs(laws, x: str, model_kwargs) -> dict[str, dict]:
    """Name and model arguments of each law, checked (not fitted): see :func:`compare_laws`."""
    if isinstance(laws, str | Mapping) or not isinstance(laws, Sequence):
        raise ConfigError(
            "laws must be a list of law names or dicts, e.g. ['power', 'chinchilla']; got "
            f"{type(laws).__name__} {laws!r}"
        )
    if model_kwargs is not None and not isinstance(model_kwargs, Mapping):
        raise ConfigError(
            "model_kwargs must be a dict of ScalingLawModel arguments applied to every law, e.g. "
            f"{{'draws': 500}}; got {type(model_kwargs).__name__}"
        )
    if len(laws) < 2:
        raise ConfigError("compare_laws needs at least two laws, e.g. ['power', 'chinchilla']")
    configs = {}
    for law in laws:
        kwargs = {"law": law} if isinstance(law, str) else dict(law)
        if not isinstance(law, str | Mapping) or "law" not in kwargs:
            raise ConfigError(f"each law must be a name or a dict with a 'law' key; got {law!r}")
        spec = get_law(kwargs["law"])
        if any(slot == "x" for _, _, slot in spec.terms):
            kwargs.setdefault("x", x)
        default = (
            kwargs["law"] if kwargs.get("x") in (None, x) else f"{kwargs['law']}({kwargs['x']})"
        )
        name = str(kwargs.pop("name", default))
        if name in configs:
            raise ConfigError(
                f"law {name!r} is listed twice; give variants distinct names, e.g. "
                "{'law': 'chinchilla', 'priors': 'literature', 'name': 'chinchilla (literature)'}"
            )
        configs[name] = model_config(
            f"compare_laws (law {name!r})", {**(model_kwargs or {}), **kwargs}
        )
    return configs


def law_comparison_plot_data(result: LawComparison) -> pd.DataFrame:
    """ELPD with its standard error and stacking weight per law: the data of the comparison plot.

    :func:`scaling_bayes.report.check_plots.plot_law_comparison` draws this table and nothing
    else.

    Returns
    -------
    pandas.DataFrame
        One row per law (best first): ``elpd_loo``, ``se`` (nats, loss scale), ``weight``,
        ``reliable``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"elpd_loo": [40.0, 35.0], "se": [3.0, 3.5], "weight": [0.8, 0.2],
    ...                       "reliable": [True, True]}, index=pd.Index(["a", "b"], name="law"))
    >>> law_comparison_plot_data(LawComparison(table, {}, True))["weight"].tolist()
    [0.8, 0.2]
    """
    return result.table[["elpd_loo", "se", "weight", "reliable"]].copy()


def _axes(config: Mapping) -> tuple[str, ...]:
    return get_law(config["law"]).axes(config.get("x"))
