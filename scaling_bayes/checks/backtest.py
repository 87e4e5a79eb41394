"""Backtests: fit on the small runs, score forecasts of the larger ones ("leave the future out").

A board asks how often the method has been right. :func:`backtest` answers on the user's own runs:
fit below a cutoff on one scale axis, forecast every run above it, and score the forecasts (interval
coverage, relative error, CRPS, PIT, log predictive density; definitions in
:mod:`scaling_bayes.checks.scoring`). :meth:`Backtest.compare_with` scores the classic point fit
(Hoffmann et al. 2022 Approach 3, :mod:`scaling_bayes.checks.baselines`) and its bootstrap on the
same split. :func:`rolling_backtest` repeats the exercise with the origin moving up the scale axis
(fit on the smallest k scales for increasing k), the fits running in parallel
(:mod:`scaling_bayes.checks.parallel`). :func:`calibration_plot_data` holds the numbers of the
calibration plot, which :func:`scaling_bayes.report.check_plots.plot_calibration` draws.

Every argument is checked before the first fit (:mod:`scaling_bayes.checks._inputs`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.constants import INTERVAL_PROB
from ..core.data import SCALE_AXES, ScalingData
from ..core.exceptions import ConfigError, ConvergenceWarning, DataError, ExtrapolationWarning
from ..core.laws import get_law
from ..core.progress import check_progressbar
from ._inputs import check_cutoff, check_holdout, check_n_jobs, check_prob, model_config
from .parallel import FitTask, check_client, map_fits
from .scoring import COVERAGE_PROBS, interval_coverage, score_forecast, summary_metrics

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..core.model import ScalingLawModel

__all__ = ["Backtest", "backtest", "calibration_plot_data", "rolling_backtest"]


@dataclass(frozen=True)
class Backtest:
    """The result of one leave-future-out split.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per held-out run (index: the run's row label): its scales, ``observed`` loss,
        ``median`` forecast, central ``lower``/``upper`` bounds (mass: :attr:`interval_prob`),
        ``covered``, ``abs_rel_error``, ``pit``, ``crps``, ``log_density`` and
        ``extrapolation_ratio`` (its value of the ``holdout`` axis over the largest training
        value on that axis; the forecast's own ratio, used for ``extrapolation_error``, is on
        compute or the law's axis).
    metrics : pandas.Series
        Coverage at 50/80/90/95%, median and mean absolute relative error, mean CRPS (loss
        units), mean log predictive density (nats per run), ``n_runs``.
    coverage : pandas.DataFrame
        Coverage per nominal level with binomial errors
        (:func:`~scaling_bayes.checks.scoring.interval_coverage`).
    model : ScalingLawModel
        The model fitted to the training runs.
    train, test : ScalingData or pandas.DataFrame
        The split.
    holdout, cutoff
        The axis and value of the split.
    interval_prob : float
        Mass of the central interval in the table's ``lower``/``upper`` columns.
    converged : bool
        Whether the fit behind the scores converged (from the model's diagnostics).

    Examples
    --------
    Built by :func:`backtest` (a real fit, so shown rather than run)::

        bt = backtest(data, holdout="params", cutoff=1e9)
        bt.table, bt.text, calibration_plot_data(bt)
    """

    table: pd.DataFrame
    metrics: pd.Series
    coverage: pd.DataFrame
    model: ScalingLawModel
    train: ScalingData
    test: pd.DataFrame
    holdout: str
    cutoff: float
    interval_prob: float = INTERVAL_PROB

    @property
    def converged(self) -> bool:
        """Whether the fit behind the scores converged."""
        return bool(self.model.diagnostics_.converged)

    @property
    def text(self) -> str:
        """A sentence for memos and notebooks."""
        m = self.metrics
        state = "" if self.converged else " The fit did NOT converge; these scores are suspect."
        return (
            f"Fitted on {self.train.n_runs} runs with {self.holdout} <= {self.cutoff:.3g} and "
            f"scored on {int(m['n_runs'])} larger runs: the 90% intervals covered "
            f"{m['coverage_90']:.0%} and the 50% intervals {m['coverage_50']:.0%}; median "
            f"absolute relative error {m['median_abs_rel_error']:.1%}.{state}"
        )

    def _repr_html_(self) -> str:
        """Notebook display: convergence verdict, :attr:`text` and the per-run :attr:`table`."""
        from ..core.display import result_html

        return result_html(self, text=self.text)

    def compare_with(
        self,
        baseline: str = "huber",
        *,
        n_boot: int = 200,
        random_seed: int = 0,
        grid: str | ArrayLike | pd.DataFrame = "coarse",
    ) -> pd.DataFrame:
        """Score the point-fit baseline and its bootstrap on the same split, side by side.

        Parameters
        ----------
        baseline : {"huber"}
            Hoffmann et al.'s Approach 3: Huber loss (delta 1e-3) on log loss, multi-start
            L-BFGS; its intervals come from ``n_boot`` bootstrap refits with resampled residual
            noise (so that they are predictive intervals for a new run, like ours).

        Returns
        -------
        pandas.DataFrame
            Rows: the metrics of :attr:`metrics`; columns ``bayes``, ``huber_point`` (median
            error only: a point fit has no interval) and ``huber_bootstrap``.
        """
        from .baselines import bootstrap_huber, fit_huber

        if baseline != "huber":
            raise ConfigError(f"unknown baseline {baseline!r}; the built-in one is 'huber'")
        model = self.model
        law = model.law if model.law in ("chinchilla", "power") else "power"
        train, test = self.train.frame, self.test
        fit, new = _baseline_args(model, law, train, test)
        loss = train["loss"].to_numpy()
        point = fit_huber(loss=loss, law=law, grid=grid, **fit).predict(**new)
        boot = bootstrap_huber(
            loss=loss, law=law, n_boot=n_boot, random_seed=random_seed, grid=grid, **fit
        )
        draws = boot.predict_draws(**new, add_residual_noise=True, random_seed=random_seed)
        observed = test["loss"].to_numpy()
        point_error = np.abs(point - observed) / observed
        huber_point = pd.Series(np.nan, index=self.metrics.index)
        huber_point["n_runs"] = len(observed)
        huber_point["median_abs_rel_error"] = float(np.median(point_error))
        huber_point["mean_abs_rel_error"] = float(np.mean(point_error))
        bootstrap = summary_metrics(draws, observed).reindex(self.metrics.index)
        table = pd.DataFrame(
            {"bayes": self.metrics, "huber_point": huber_point, "huber_bootstrap": bootstrap}
        )
        table.attrs["baseline"] = "Hoffmann et al. 2022 Approach 3 (Huber delta 1e-3, L-BFGS)"
        table.attrs["n_boot"] = n_boot
        return table


def _baseline_args(
    model: ScalingLawModel, law: str, train: pd.DataFrame, test: pd.DataFrame
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Training arguments and forecast scales of the baseline, in ``baselines``' convention."""
    fit: dict[str, Any]
    if law == "chinchilla":
        fit = {"params": train["params"].to_numpy(), "tokens": train["tokens"].to_numpy()}
        new = {"params": test["params"].to_numpy(), "tokens": test["tokens"].to_numpy()}
    else:
        fit = {"params": None, "tokens": None, "x": train[model.x].to_numpy()}
        new = {"x": test[model.x].to_numpy()}
    return fit, new


def split_runs(
    data: ScalingData, holdout: str, cutoff: float, n_free: int
) -> tuple[ScalingData, pd.DataFrame]:
    """Training runs (``holdout <= cutoff``) and held-out runs, checked against the law's size."""
    holdout = check_holdout(data, holdout)
    cutoff = check_cutoff(cutoff, holdout)
    values = data.frame[holdout]
    below = (values <= cutoff).to_numpy()
    n_train, n_test = int(below.sum()), int((~below).sum())
    if n_train < n_free or n_test < n_free:
        raise DataError(
            f"cutoff={cutoff:.3g} on {holdout} leaves {n_train} training and {n_test} "
            "held-out runs; "
            f"the law has {n_free} parameters, so each side needs at least {n_free}. "
            f"{holdout} ranges from {values.min():.3g} to {values.max():.3g}"
        )
    return data.select(mask=below.tolist()), data.frame[~below]


def backtest(
    data: ScalingData,
    law: str = "chinchilla",
    *,
    holdout: str = "compute",
    cutoff: float,
    x: str | None = None,
    priors: str | Mapping | None = None,
    prob: float = INTERVAL_PROB,
    random_seed: int = 0,
    model_kwargs: dict | None = None,
    progressbar: bool | None = None,
) -> Backtest:
    """Fit on runs with ``holdout <= cutoff`` and score the forecasts of the others.

    Parameters
    ----------
    data : ScalingData
    law, x, priors
        As for :class:`~scaling_bayes.core.model.ScalingLawModel`.
    holdout : {"compute", "params", "tokens"}
        Axis of the split.
    cutoff : float
        Largest value of ``holdout`` used for fitting.
    prob : float
        Mass of the interval reported per run (coverage is reported at 50/80/90/95% anyway).
    model_kwargs : dict, optional
        Further arguments of the model (``draws``, ``sampler``, ...).
    progressbar : bool or None
        Progress of the fit: None shows it only in a terminal or a notebook, True always, False
        never (:mod:`scaling_bayes.core.progress`).

    Raises
    ------
    ConfigError
        An unknown law, holdout axis or model argument; ``progressbar`` not True, False or None.
    DataError
        A holdout axis the runs lack; a cutoff that is not a positive finite number or leaves
        fewer runs than the law has parameters on either side; ``prob`` outside (0, 1). All
        before the fit.

    Warns
    -----
    ConvergenceWarning
        The fit's own warning (once, labelled ``[backtest <holdout> <= <cutoff>]``), then one
        saying the scores are suspect; :attr:`Backtest.converged` and :attr:`Backtest.text` say
        it too.

    Examples
    --------
    A real fit, so shown rather than run here (``tests/test_checking_slow.py`` runs it)::

        bt = backtest(data, law="chinchilla", holdout="compute", cutoff=1e21)
        bt.metrics["coverage_90"], bt.compare_with("huber")
    """
    kwargs = model_config("backtest", model_kwargs, law=law, x=x, priors=priors)
    progressbar = check_progressbar(progressbar)
    prob = check_prob(prob, "prob")
    n_free = len(get_law(law).law_parameters)
    train, test = split_runs(data, holdout, cutoff, n_free)
    label = f"backtest {holdout} <= {cutoff:.3g}"
    task = FitTask(kwargs, train, random_seed, label)
    model = map_fits([task], n_jobs=1, progressbar=progressbar, description="backtest: fit")[0]
    return _score(model, train, test, holdout, cutoff, prob, random_seed)


def _score(model, train, test, holdout, cutoff, prob, random_seed, *, warn=True) -> Backtest:
    """Score ``model``'s forecasts of the held-out runs.

    ``warn=False`` leaves the warning about an unconverged fit to the caller: a many-fit check
    says once which of its fits did not converge instead of once per fit.
    """
    scales = {a: test[a].to_numpy() for a in model.axes}
    converged = bool(model.diagnostics_.converged)
    if warn and not converged:
        warnings.warn(
            f"backtest with cutoff {cutoff:.3g}: the fit did not converge, so its scores are "
            "suspect: " + " ".join(model.diagnostics_.problems),
            ConvergenceWarning,
            stacklevel=3,
        )
    with warnings.catch_warnings():
        # Held-out runs lie beyond the training runs by design: that is what is scored.
        warnings.simplefilter("ignore", ExtrapolationWarning)
        draws = model.predict(**scales, random_seed=random_seed).flat_draws()
    observed = test["loss"].to_numpy()
    ll = model.log_likelihood(loss=observed, **scales).values.reshape(-1, len(observed))
    log_density = _log_mean_exp(ll)
    table = score_forecast(draws, observed, prob=prob, log_density=log_density, index=test.index)
    for axis in reversed(SCALE_AXES):
        if axis in test.columns:
            table.insert(0, axis, test[axis].to_numpy())
    largest = train.frame[holdout].max()
    table["extrapolation_ratio"] = test[holdout].to_numpy() / largest
    metrics = summary_metrics(draws, observed, log_density=log_density)
    coverage = interval_coverage(draws, observed, COVERAGE_PROBS)
    return Backtest(table, metrics, coverage, model, train, test, holdout, cutoff, prob)


def warn_unconverged(what: str, labels: Iterable[str]) -> None:
    """One :class:`ConvergenceWarning` naming every fit of a many-fit check that did not converge.

    Each fit's own warning has been re-issued by :func:`~scaling_bayes.checks.parallel.map_fits`
    with its label; this one says what it means for the check as a whole.
    """
    labels = list(labels)
    if labels:
        warnings.warn(
            f"{what}: the fits of {', '.join(labels)} did not converge; their scores are suspect",
            ConvergenceWarning,
            stacklevel=3,
        )


def _log_mean_exp(values: np.ndarray) -> np.ndarray:
    top = values.max(axis=0)
    return top + np.log(np.mean(np.exp(values - top), axis=0))


def rolling_backtest(
    data: ScalingData,
    law: str = "chinchilla",
    *,
    holdout: str = "params",
    min_train_scales: int | None = None,
    x: str | None = None,
    priors: str | Mapping | None = None,
    random_seed: int = 0,
    model_kwargs: dict | None = None,
    client: Any = None,
    n_jobs: int | None = None,
    progressbar: bool | None = None,
) -> pd.DataFrame:
    """Rolling origin: fit on the smallest k distinct values of ``holdout`` for increasing k.

    Each origin is an independent fit, run in parallel
    (:func:`~scaling_bayes.checks.parallel.map_fits`: local processes by default, a Dask cluster
    with ``client=``). Every fit is scored on all the larger runs.

    Each fit's warnings are re-issued once, labelled by its origin (``params <= 1e+08``); when
    some fits did not converge, one more :class:`ConvergenceWarning` lists them (the table's
    ``converged`` column says the same per row).

    ``progressbar`` counts finished fits: None shows it only in a terminal or a notebook, True
    always, False never (:mod:`scaling_bayes.core.progress`).

    Returns
    -------
    pandas.DataFrame
        One row per origin: ``cutoff``, ``n_train``, ``n_test``, the metrics of
        :attr:`Backtest.metrics` and the largest extrapolation ratio.

    Raises
    ------
    ConfigError
        An unknown law, holdout axis or model argument; ``n_jobs`` or ``min_train_scales`` that
        is not a positive integer; ``random_seed`` that is not an integer; ``progressbar`` not
        True, False or None.
    DataError
        A holdout axis the runs lack, or too few distinct scales for any origin. All before the
        first fit.

    Examples
    --------
    Real fits, so shown rather than run here (``tests/test_checking_slow.py`` runs them)::

        table = rolling_backtest(data, holdout="params", n_jobs=1)
        table[["cutoff", "coverage_90", "median_abs_rel_error", "converged"]]
    """
    kwargs = model_config("rolling_backtest", model_kwargs, law=law, x=x, priors=priors)
    holdout = check_holdout(data, holdout)
    n_jobs = check_n_jobs(n_jobs)
    progressbar = check_progressbar(progressbar)
    if client is not None:
        check_client(client)
    if isinstance(random_seed, bool) or not isinstance(random_seed, int | np.integer):
        raise ConfigError(
            f"random_seed must be an integer (fit i uses random_seed + i); got {random_seed!r}"
        )
    n_free = len(get_law(law).law_parameters)
    if min_train_scales is not None and (
        isinstance(min_train_scales, bool)
        or not isinstance(min_train_scales, int | np.integer)
        or min_train_scales < 1
    ):
        raise ConfigError(
            "min_train_scales must be a positive integer (the fewest distinct values of "
            f"{holdout} in the first training set) or None for the law's {n_free} parameters; "
            f"got {min_train_scales!r}"
        )
    values = np.sort(data.frame[holdout].unique())
    first = n_free if min_train_scales is None else int(min_train_scales)
    cutoffs = []
    for k in range(first, len(values)):
        cutoff = float(values[k - 1])
        below = int((data.frame[holdout] <= cutoff).sum())
        above = data.n_runs - below
        if below >= n_free and above >= n_free:
            cutoffs.append(cutoff)
    if not cutoffs:
        raise DataError(
            f"no rolling origin leaves {n_free} runs on both sides of a cutoff on {holdout}; "
            "the runs cover too few distinct scales for this law"
        )
    splits = [split_runs(data, holdout, c, n_free) for c in cutoffs]
    tasks = [
        FitTask(kwargs, train, random_seed + i, f"{holdout} <= {c:.3g}")
        for i, (c, (train, _)) in enumerate(zip(cutoffs, splits, strict=True))
    ]
    models = map_fits(
        tasks,
        client=client,
        n_jobs=n_jobs,
        progressbar=progressbar,
        description="rolling_backtest: fits",
    )
    rows = []
    for cutoff, (train, test), model in zip(cutoffs, splits, models, strict=True):
        result = _score(model, train, test, holdout, cutoff, INTERVAL_PROB, random_seed, warn=False)
        rows.append(
            {
                "cutoff": cutoff,
                "n_train": train.n_runs,
                "n_test": len(test),
                "max_extrapolation_ratio": float(result.table["extrapolation_ratio"].max()),
                "converged": result.converged,
                **result.metrics.to_dict(),
            }
        )
    warn_unconverged(
        "rolling_backtest",
        (task.label for task, row in zip(tasks, rows, strict=True) if not row["converged"]),
    )
    table = pd.DataFrame(rows)
    table.attrs.update(holdout=holdout, law=law)
    return table


def calibration_plot_data(result: Backtest | pd.DataFrame) -> pd.DataFrame:
    """Coverage against nominal level with exact binomial intervals: the data of the plot.

    :func:`scaling_bayes.report.check_plots.plot_calibration` draws this table and nothing else.

    Parameters
    ----------
    result : Backtest or pandas.DataFrame
        A backtest, or a coverage table from
        :func:`~scaling_bayes.checks.scoring.interval_coverage`.

    Returns
    -------
    pandas.DataFrame
        ``nominal``, ``coverage``, ``ci_low``, ``ci_high``, ``covered``, ``n`` per interval mass.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.checks.scoring import interval_coverage
    >>> rng = np.random.default_rng(0)
    >>> table = calibration_plot_data(interval_coverage(rng.normal(size=(500, 40)),
    ...                                                 rng.normal(size=40)))
    >>> table.columns.tolist()
    ['nominal', 'coverage', 'ci_low', 'ci_high', 'covered', 'n']
    """
    coverage = result.coverage if isinstance(result, Backtest) else result
    return coverage[["nominal", "coverage", "ci_low", "ci_high", "covered", "n"]].copy()
