"""The package's one door to ArviZ.

Every ArviZ call of the package goes through here, so that moving to ArviZ 1 (where the statistics
live in ``arviz-stats`` and the plots in ``arviz-plots``) changes this file only. Today this is
ArviZ 0.x; each name below is the 0.x function of the same name.

Examples
--------
>>> import numpy as np
>>> idata = from_dict(posterior={"x": np.zeros((2, 5))})
>>> "posterior" in idata.groups()
True
"""

from __future__ import annotations

import arviz as az

__all__ = [
    "ARVIZ_VERSION",
    "InferenceData",
    "ess",
    "from_dict",
    "loo",
    "loo_pit",
    "mcse",
    "plot_ppc",
    "psislw",
    "summary",
]

#: Version string of the installed ArviZ.
ARVIZ_VERSION: str = az.__version__

InferenceData = az.InferenceData


def from_dict(**groups) -> az.InferenceData:
    """``arviz.from_dict``: an InferenceData from dicts of arrays (``chain``, ``draw`` first)."""
    return az.from_dict(**groups)


def summary(idata, **kwargs):
    """``arviz.summary``: a DataFrame of means, intervals, R-hat and ESS."""
    return az.summary(idata, **kwargs)


def loo(idata, **kwargs):
    """``arviz.loo``: PSIS leave-one-out cross-validation from the ``log_likelihood`` group."""
    return az.loo(idata, **kwargs)


def loo_pit(idata, **kwargs):
    """``arviz.loo_pit``: LOO probability integral transform of the observed data."""
    return az.loo_pit(idata, **kwargs)


def plot_ppc(idata, **kwargs):
    """``arviz.plot_ppc``: posterior predictive draws against the observed data."""
    return az.plot_ppc(idata, **kwargs)


def ess(data, **kwargs):
    """``arviz.ess``: effective sample size of a ``(chain, draw)`` array or a dataset."""
    return az.ess(data, **kwargs)


def mcse(data, **kwargs):
    """``arviz.mcse``: Monte Carlo standard error (``method="mean"``, ``"quantile"`` ...)."""
    return az.mcse(data, **kwargs)


def psislw(log_weights, **kwargs):
    """``arviz.psislw``: Pareto-smoothed log weights and the Pareto shape ``k``."""
    return az.psislw(log_weights, **kwargs)
