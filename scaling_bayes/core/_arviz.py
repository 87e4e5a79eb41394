"""The package's one door to ArviZ, for both of its generations.

Every ArviZ call of the package goes through here, so the rest of the code works unchanged with

- **ArviZ 0.x** (with PyMC 5.x, Python 3.11): the fitted object is an ``arviz.InferenceData``
  whose groups are attributes (``idata.posterior``) listed by ``idata.groups()``;
- **ArviZ 1.x** (with PyMC 6.x, Python 3.12+): the fitted object is an ``xarray.DataTree``
  (groups are child nodes, listed by ``tree.children``), the statistics live in
  ``arviz-stats`` and the plots in ``arviz-plots``, with renamed arguments and result fields
  (ArviZ 1.0 migration guide, in the ArviZ documentation at https://python.arviz.org).

Both objects give ``idata.posterior`` and ``idata.posterior.attrs``; everything else the
package does with them (list, read, build, save and load groups; summaries, LOO, ESS, MCSE,
R-hat, E-BFMI, PSIS) goes through the functions below, which take either generation's object
and return the same plain results (numpy arrays, pandas tables with ArviZ 0.x column names).

Examples
--------
>>> import numpy as np
>>> idata = from_dict(posterior={"x": np.zeros((2, 5))})
>>> groups(idata)
['posterior']
>>> group(idata, "posterior")["x"].shape
(2, 5)
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

__all__ = [
    "ARVIZ_1",
    "ARVIZ_VERSION",
    "InferenceData",
    "LooResult",
    "as_idata",
    "bfmi",
    "compare",
    "ess",
    "from_dict",
    "from_groups",
    "from_netcdf",
    "group",
    "groups",
    "has_group",
    "loo",
    "loo_pit",
    "mcse",
    "plot_ppc",
    "psislw",
    "rhat",
    "summary",
    "to_netcdf",
]

#: Version string of the installed ArviZ.
ARVIZ_VERSION: str = az.__version__

#: True under ArviZ 1.x (``xarray.DataTree``), False under ArviZ 0.x (``InferenceData``).
ARVIZ_1: bool = int(ARVIZ_VERSION.split(".")[0]) >= 1

# The type of a fitted model's ``idata_`` for isinstance checks.
_IDATA_TYPE: type = xr.DataTree if ARVIZ_1 else az.InferenceData

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    # A type checker sees one generation at most; to it the fitted object is opaque.
    InferenceData: TypeAlias = Any
else:
    #: The type of a fitted model's ``idata_``: ``arviz.InferenceData`` or ``xarray.DataTree``.
    InferenceData = _IDATA_TYPE


# ---------------------------------------------------------------------- groups
def groups(idata: InferenceData) -> list[str]:
    """Names of the groups of ``idata`` (``posterior``, ``sample_stats``, ...), in order.

    Examples
    --------
    >>> import numpy as np
    >>> groups(from_dict(posterior={"a": np.zeros((1, 3))}, observed_data={"y": np.zeros(3)}))
    ['posterior', 'observed_data']
    """
    if isinstance(idata, xr.DataTree):
        return [str(name) for name in idata.children]
    return list(idata.groups())


def has_group(idata: InferenceData, name: str) -> bool:
    """Whether ``idata`` has the group ``name``."""
    return name in groups(idata)


def group(idata: InferenceData, name: str) -> xr.Dataset:
    """The group ``name`` of ``idata`` as an ``xarray.Dataset`` (with its attributes).

    Under ArviZ 1 this is a copy of the node's data: write attributes through
    ``idata.<name>.attrs``, which both generations keep in place.
    """
    if isinstance(idata, xr.DataTree):
        return idata[name].to_dataset()
    return getattr(idata, name)


def from_groups(**datasets: xr.Dataset) -> InferenceData:
    """The installed generation's object (:data:`InferenceData`) from named datasets.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> post = xr.Dataset({"a": (("chain", "draw"), np.zeros((2, 3)))})
    >>> groups(from_groups(posterior=post))
    ['posterior']
    """
    plain = {
        name: ds.to_dataset() if isinstance(ds, xr.DataTree) else ds
        for name, ds in datasets.items()
    }
    if ARVIZ_1:
        return xr.DataTree.from_dict(plain)
    return az.InferenceData(**plain)


def as_idata(obj: object) -> InferenceData:
    """``obj`` (either generation's object) as the installed generation's object.

    PyMC and nutpie return the installed ArviZ's type; this also accepts the other one, so a
    sampler built against another ArviZ still feeds the package.
    """
    if isinstance(obj, _IDATA_TYPE):
        return obj
    if isinstance(obj, xr.DataTree) or hasattr(obj, "groups"):
        return from_groups(**{name: group(obj, name) for name in groups(obj)})
    raise TypeError(f"expected ArviZ InferenceData or xarray.DataTree, got {type(obj).__name__}")


def from_dict(**groups_of_arrays: Mapping[str, ArrayLike]) -> InferenceData:
    """``arviz.from_dict``: groups of arrays (``chain``, ``draw`` first) to :data:`InferenceData`.

    Keyword arguments are group names (``posterior=``, ``sample_stats=`` ...), as in ArviZ 0.x.
    """
    if ARVIZ_1:
        return az.from_dict(groups_of_arrays)
    return az.from_dict(**groups_of_arrays)


# ---------------------------------------------------------------------- files
def to_netcdf(idata: InferenceData, path: str | os.PathLike[str]) -> None:
    """Write ``idata`` to the netCDF-4 file ``path``, one netCDF group per ArviZ group.

    Both generations write the same layout, so either reads the other's files.
    """
    path = os.fspath(path)
    if isinstance(idata, xr.DataTree):
        # The root holds nothing of ours; ArviZ 0.x reads only the named groups.
        idata.to_netcdf(path, engine="netcdf4")
    else:
        idata.to_netcdf(path)


def from_netcdf(path: str | os.PathLike[str]) -> InferenceData:
    """Read a file written by :func:`to_netcdf` (either generation) fully into memory.

    The file is closed on return, so it can be replaced or deleted at once.
    """
    path = os.fspath(path)
    if ARVIZ_1:
        with xr.open_datatree(path, engine="netcdf4") as tree:
            loaded = tree.load()
            # Only the named groups: a root written by ArviZ 1 carries no data of ours.
            return from_groups(**{name: group(loaded, name) for name in groups(loaded)})
    idata = az.from_netcdf(path)
    for name in idata.groups():
        getattr(idata, name).load()
        getattr(idata, name).close()  # the data are in memory; release the file
    return idata


# ---------------------------------------------------------------------- statistics
def summary(
    idata: InferenceData,
    var_names: Sequence[str] | None = None,
    hdi_prob: float = 0.94,
    round_to: int | str = "none",
) -> pd.DataFrame:
    """``arviz.summary`` with ArviZ 0.x columns, whichever generation is installed.

    Columns ``mean``, ``sd``, ``hdi_<lo>%``, ``hdi_<hi>%``, ``mcse_mean``, ``mcse_sd``,
    ``ess_bulk``, ``ess_tail``, ``r_hat``; the interval is the highest-density interval of
    mass ``hdi_prob``.

    Examples
    --------
    >>> import numpy as np
    >>> idata = from_dict(posterior={"x": np.random.default_rng(0).normal(size=(2, 200))})
    >>> summary(idata, hdi_prob=0.9).columns.tolist()[:4]
    ['mean', 'sd', 'hdi_5%', 'hdi_95%']
    """
    if not ARVIZ_1:
        return az.summary(idata, var_names=var_names, hdi_prob=hdi_prob, round_to=round_to)
    table = az.summary(
        idata, var_names=var_names, ci_prob=hdi_prob, ci_kind="hdi", round_to=round_to
    )
    lower, upper = [c for c in table.columns if c.startswith("hdi")]
    edge = 100 * (1 - hdi_prob) / 2
    names = [f"hdi_{edge:g}%", f"hdi_{100 - edge:g}%"]  # as ArviZ 0.x names them
    table = table.rename(columns=dict(zip((lower, upper), names, strict=True)))
    order = [
        *names,
        "mcse_mean",
        "mcse_sd",
        "ess_bulk",
        "ess_tail",
        "r_hat",
    ]
    return table[["mean", "sd", *order]].astype(float)


@dataclass(frozen=True)
class LooResult:
    """PSIS-LOO of one model, with ArviZ 0.x field names whichever generation computed it.

    Attributes
    ----------
    elpd_loo, se, p_loo : float
        Expected log pointwise predictive density, its standard error, effective parameters.
    pareto_k : numpy.ndarray
        Pareto shape of each observation's importance weights.
    loo_i : numpy.ndarray or None
        Pointwise ELPD (``pointwise=True``).
    native : object
        The installed ArviZ's own result (``ELPDData``), for ``arviz.compare`` and plots.
    """

    elpd_loo: float
    se: float
    p_loo: float
    pareto_k: np.ndarray
    loo_i: np.ndarray | None
    native: object


def loo(idata: InferenceData, pointwise: bool = False) -> LooResult:
    """``arviz.loo``: PSIS leave-one-out cross-validation from the ``log_likelihood`` group."""
    res = az.loo(idata, pointwise=pointwise)
    if ARVIZ_1:
        elpd, p, pointwise_values = res.elpd, res.p, getattr(res, "elpd_i", None)
    else:
        elpd, p, pointwise_values = res.elpd_loo, res.p_loo, getattr(res, "loo_i", None)
    return LooResult(
        elpd_loo=float(elpd),
        se=float(res.se),
        p_loo=float(p),
        pareto_k=np.asarray(getattr(res, "pareto_k", np.array([])), dtype=float),
        loo_i=None if pointwise_values is None else np.asarray(pointwise_values, dtype=float),
        native=res,
    )


def compare(idatas: dict) -> pd.DataFrame:
    """``arviz.compare`` by PSIS-LOO with stacking weights, in ArviZ 0.x columns.

    Columns ``rank``, ``elpd_loo``, ``p_loo``, ``elpd_diff``, ``weight``, ``se``, ``dse``; one
    row per model, best first.
    """
    with warnings.catch_warnings():
        # ArviZ 0.23 calls a pandas method deprecated in pandas 3.1: not for users to act on.
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        if not ARVIZ_1:
            return az.compare(idatas, ic="loo", method="stacking")
        table = az.compare(idatas, method="stacking", round_to="none")
    table = table.rename(columns={"elpd": "elpd_loo", "p": "p_loo"})
    cols = ["rank", "elpd_loo", "p_loo", "elpd_diff", "weight", "se", "dse"]
    out = table[cols].copy()
    out[cols[1:]] = out[cols[1:]].astype(float)
    return out


def loo_pit(idata: InferenceData, y: str) -> np.ndarray:
    """LOO probability integral transform of the observed variable ``y`` (one value per run)."""
    if ARVIZ_1:
        return np.asarray(az.loo_pit(idata, var_names=[y])[y].values, dtype=float)
    return np.asarray(az.loo_pit(idata, y=y), dtype=float)


def plot_ppc(idata: InferenceData, num_pp_samples: int = 50, random_seed: int | None = None) -> Any:
    """Posterior predictive draws against the observed data (matplotlib).

    Returns the installed generation's plot object: matplotlib axes under ArviZ 0.x, an
    arviz-plots ``PlotCollection`` under ArviZ 1.x.
    """
    if ARVIZ_1:
        # arviz-plots draws the first num_samples draws; the seed has no role there.
        return az.plot_ppc_dist(idata, num_samples=num_pp_samples, backend="matplotlib")
    return az.plot_ppc(idata, num_pp_samples=num_pp_samples, random_seed=random_seed)


def _chains(values) -> np.ndarray:
    """A ``(chain, draw)`` float array; a 1-d array is one chain."""
    arr = np.asarray(values, dtype=float)
    return arr[np.newaxis, :] if arr.ndim == 1 else arr


def ess(
    values: ArrayLike | xr.Dataset | xr.DataArray, method: str = "bulk"
) -> float | xr.Dataset | xr.DataArray:
    """Effective sample size of a ``(chain, draw)`` array (``method`` "bulk", "tail", "mean").

    An ``xarray`` Dataset or DataArray with ``chain`` and ``draw`` dims gives ArviZ's own
    result instead: the ESS of each variable (and each remaining coordinate), as xarray.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(4, 500))
    >>> bool(1000 < ess(x, method="mean") < 3000)
    True
    """
    # ArviZ 0.x defaults the tail ESS to the 5% and 95% quantiles; ArviZ 1's array function
    # needs them given.
    kwargs = {"prob": (0.05, 0.95)} if method == "tail" else {}
    if isinstance(values, xr.Dataset | xr.DataArray):
        return az.ess(values, method=method, **kwargs)
    return float(np.asarray(az.ess(_chains(values), method=method, **kwargs)))


def rhat(values: ArrayLike) -> float:
    """Rank-normalised split R-hat of a ``(chain, draw)`` array."""
    return float(np.asarray(az.rhat(_chains(values))))


def mcse(values: ArrayLike, method: str = "mean", prob: float | None = None) -> float:
    """Monte Carlo standard error of a ``(chain, draw)`` array (``"mean"``, ``"quantile"``)."""
    kwargs = {} if prob is None else {"prob": prob}
    # ArviZ 0.x returns a one-element array for method="mean"; ravel covers both.
    return float(np.asarray(az.mcse(_chains(values), method=method, **kwargs)).ravel()[0])


def bfmi(energy: ArrayLike) -> np.ndarray:
    """E-BFMI of each chain from a ``(chain, draw)`` array of the sampler's energy."""
    return np.asarray(az.bfmi(np.asarray(energy, dtype=float)), dtype=float)


def psislw(log_weights: ArrayLike, reff: float = 1.0) -> tuple[np.ndarray, float]:
    """Pareto-smoothed log weights of a 1-d array and the fitted Pareto shape ``k``.

    PSIS (Vehtari, Simpson, Gelman, Yao and Gabry 2024, "Pareto smoothed importance sampling",
    JMLR 25(72), https://jmlr.org/papers/v25/19-556.html): the largest
    ``min(n / 5, 3 sqrt(n / reff))`` weights are replaced by the quantiles of a generalized
    Pareto distribution fitted to them (:func:`_gpdfit`). Written here rather than taken from
    ArviZ, whose two generations differ in their argument conventions and in how they treat a
    tail of tied values, so that the same draws give the same ``k`` under both. The algorithm
    is the one ArviZ 0.x and the R package ``loo`` implement.

    Examples
    --------
    >>> import numpy as np
    >>> lw, k = psislw(np.random.default_rng(0).normal(size=4000))
    >>> bool(k < 0.7), lw.shape
    (True, (4000,))
    """
    lw = np.array(log_weights, dtype=float).reshape(-1)
    n = lw.size
    cutoff_index = -int(np.ceil(min(0.2 * n, 3 * np.sqrt(n / reff)))) - 1
    lw = lw - lw.max()
    cutoff = max(np.sort(lw)[cutoff_index], np.log(np.finfo(float).tiny))
    tail_index = np.flatnonzero(lw > cutoff)
    k = np.inf
    if tail_index.size > 4:
        tail = lw[tail_index]
        order = np.argsort(tail)
        exceedances = np.exp(tail[order]) - np.exp(cutoff)
        k, sigma = _gpdfit(exceedances)
        if np.isfinite(k):
            probs = np.arange(0.5, tail.size) / tail.size
            smoothed = np.log(_gpinv(probs, k, sigma) + np.exp(cutoff))
            tail[order] = np.minimum(smoothed, 0.0)
            lw[tail_index] = tail
    lw = lw - np.logaddexp.reduce(lw)
    return lw, float(k)


def _gpdfit(x: np.ndarray) -> tuple[float, float]:
    """Generalized Pareto shape and scale of sorted exceedances ``x`` (all >= 0).

    The empirical-Bayes estimate of Zhang and Stephens (2009, Technometrics 51(3), 316-325),
    with the weakly informative prior on ``k`` of Vehtari et al. (2024), as in ``loo``.
    """
    prior_bs, prior_k = 3, 10
    n = x.size
    m = 30 + int(np.sqrt(n))
    b = 1 - np.sqrt(m / (np.arange(1, m + 1) - 0.5))
    b /= prior_bs * x[int(n / 4 + 0.5) - 1]
    b += 1 / x[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.log1p(-b[:, None] * x).mean(axis=1)
        profile = n * (np.log(-(b / k)) - k - 1)
        weights = 1 / np.exp(profile - profile[:, None]).sum(axis=1)
    keep = weights >= 10 * np.finfo(float).eps
    weights, b = weights[keep], b[keep]
    weights /= weights.sum()
    b_post = float(np.sum(b * weights))
    k_post = float(np.log1p(-b_post * x).mean())
    sigma = -k_post / b_post
    # Shrink k towards 0.5 by the prior (as loo does): stabler with short tails.
    k_post = (n * k_post + prior_k * 0.5) / (n + prior_k)
    return k_post, sigma


def _gpinv(probs: np.ndarray, k: float, sigma: float) -> np.ndarray:
    """Quantiles of the generalized Pareto distribution with shape ``k`` and scale ``sigma``."""
    if sigma <= 0:
        return np.full_like(probs, np.nan)
    if abs(k) < np.finfo(float).eps:
        return -sigma * np.log1p(-probs)
    return sigma * np.expm1(-k * np.log1p(-probs)) / k
