"""Run many independent fits: in this process, on local processes, or on a Dask cluster.

Backtests and law comparisons fit the same kind of model many times. :func:`map_fits` runs a
list of :class:`FitTask` and returns the fitted models in order:

- ``client=`` a connected ``dask.distributed.Client``: one task per fit on the cluster (the same
  call works on a laptop's ``LocalCluster`` and on a real cluster; workers need scaling_bayes
  installed);
- otherwise ``n_jobs`` local worker processes (default: one per CPU core). Each worker compiles a
  model once and reuses it, and each fit uses one core so workers do not oversubscribe the
  machine;
- ``n_jobs=1``: in this process, one fit after another, reusing this process's compiled models.

On a 2-core laptop the in-process path is usually fastest for a handful of fits (a worker pays
about 10 s of imports and compilation before its first fit); processes and clusters pay off for
dozens of fits or more cores (``benchmarks/README.md`` has the measurement).
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.exceptions import ConfigError
from ..core.progress import check_progressbar, progress
from ._inputs import check_n_jobs

if TYPE_CHECKING:
    from ..core.data import ScalingData
    from ..core.model import ScalingLawModel

__all__ = ["FitTask", "check_client", "map_fits"]


@dataclass(frozen=True)
class FitTask:
    """Everything one fit needs, picklable: the model's arguments, the runs and a seed."""

    model_kwargs: dict
    data: ScalingData
    random_seed: int
    label: str = ""
    options: dict = field(default_factory=dict)


def run_fit(task: FitTask) -> ScalingLawModel:
    """Fit one task; its warnings travel with the model as ``fit_warnings_`` (category, text).

    The fit may run in another process or on a cluster, where its warnings would be lost, so
    they are recorded here (not silenced) and re-issued in the caller by :func:`map_fits`.
    """
    from ..core.model import ScalingLawModel

    model = ScalingLawModel(**{"progressbar": False, **task.model_kwargs})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(task.data, random_seed=task.random_seed)
    unique = {(w.category, str(w.message)) for w in caught}
    # an attribute of this path only, so it is not declared on the model class
    model.fit_warnings_ = sorted(  # type: ignore[attr-defined]
        unique, key=lambda cw: (cw[0].__name__, cw[1])
    )
    return model


def _reissue(models, tasks) -> list:
    """Warn in the caller's process about what the fits warned: each warning once.

    A warning several fits gave word for word (a design warning on the same runs, say) is
    issued once, prefixed by the labels of the fits that gave it: ``[params <= 1e+08,
    params <= 1e+09] ...``.
    """
    labels: dict[tuple, list[str]] = {}
    for model, task in zip(models, tasks, strict=True):
        for category, message in getattr(model, "fit_warnings_", []):
            labels.setdefault((category, message), []).append(task.label)
    for (category, message), where in labels.items():
        named = [label for label in where if label]
        prefix = f"[{', '.join(named)}] " if named else ""
        warnings.warn(prefix + message, category, stacklevel=3)
    return models


def map_fits(
    tasks: Sequence[FitTask],
    *,
    client: Any = None,
    n_jobs: int | None = None,
    progressbar: bool | None = None,
    description: str = "map_fits: fits",
) -> list[ScalingLawModel]:
    """Fit every task; return the fitted models in the order of ``tasks``.

    Parameters
    ----------
    tasks : sequence of FitTask
    client : dask.distributed.Client, optional
        Run on this cluster. It must be connected.
    n_jobs : int, optional
        Local worker processes when no client is given; default one per CPU core; 1 runs in
        this process.
    progressbar : bool or None
        A bar counting finished fits: None shows it only in a terminal or a notebook, True
        always, False never (:mod:`scaling_bayes.core.progress`).
    description : str
        Label of the bar.

    Raises
    ------
    ConfigError
        A ``client`` that is not a connected Dask client, ``n_jobs`` that is not a positive
        integer, or ``progressbar`` not True, False or None; before any fit.

    Warns
    -----
    Whatever the fits warned (e.g. ``ConvergenceWarning``), once per distinct warning, labelled
    by the tasks that gave it (see :func:`run_fit`).
    """
    tasks = list(tasks)
    n_jobs = check_n_jobs(n_jobs)
    progressbar = check_progressbar(progressbar)
    if client is not None:
        check_client(client)
        from dask.distributed import as_completed

        futures = client.map(run_fit, tasks, pure=False)
        with progress(len(tasks), description, progressbar=progressbar) as bar:
            for _ in as_completed(futures):
                bar.advance()
        return _reissue(client.gather(futures), tasks)
    workers = (os.cpu_count() or 1) if n_jobs is None else n_jobs
    workers = min(workers, len(tasks))
    models = []
    with progress(len(tasks), description, progressbar=progressbar) as bar:
        if workers <= 1:
            for task in tasks:
                models.append(run_fit(task))
                bar.advance()
        else:
            single_core = [
                FitTask({**t.model_kwargs, "cores": 1}, t.data, t.random_seed, t.label, t.options)
                for t in tasks
            ]
            context = multiprocessing.get_context("spawn")  # fork is unsafe with sampler threads
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                for model in pool.map(run_fit, single_core):  # in order, as each one finishes
                    models.append(model)
                    bar.advance()
    return _reissue(models, tasks)


def check_client(client: object) -> None:
    try:
        from dask.distributed import Client
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "client= needs dask.distributed: pip install 'scaling_bayes[dask]'"
        ) from err
    if not isinstance(client, Client):
        raise ConfigError(
            f"client must be a dask.distributed.Client, got {type(client).__name__}; "
            "create one with Client(LocalCluster()) or Client('scheduler-address:8786')"
        )
    if client.status != "running":
        raise ConfigError(
            f"client is not connected (status {client.status!r}); start the cluster or "
            "reconnect the client before passing it"
        )
