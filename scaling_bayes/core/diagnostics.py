"""Convergence diagnostics computed after every fit, and the report that carries them.

A fit converged when every parameter has R-hat <= 1.01 and bulk ESS >= 400 and there are no
divergent transitions (thresholds in :mod:`scaling_bayes.core.constants`). Anything else is reported
by parameter with a suggested fix, and every number computed from the fit carries the verdict.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import arviz as az
import numpy as np
import pandas as pd

from .constants import ESS_BULK_MIN, MAX_DIVERGENCES, R_HAT_MAX
from .exceptions import ConvergenceWarning

__all__ = ["ConvergenceReport", "check_convergence", "warn_if_unconverged"]

NOT_CONVERGED_BANNER = "NOT CONVERGED: do not use these numbers (see diagnostics())"


@dataclass(frozen=True)
class ConvergenceReport:
    """Verdict on a fit: converged or not, and why.

    Attributes
    ----------
    converged : bool
        True when every check passed.
    table : pandas.DataFrame
        One row per parameter: ``r_hat``, ``ess_bulk``, ``ess_tail`` and ``ok``.
    divergences : int
        Divergent transitions after tuning, over all chains.
    n_draws : int
        Kept draws over all chains.
    problems : list of str
        Each failed check in words, with a suggested fix.
    design_problems : list of str
        Warnings about the runs themselves (too few scales, rising loss), which make a
        converged posterior uninformative rather than wrong.
    """

    converged: bool
    table: pd.DataFrame
    divergences: int
    n_draws: int
    problems: list[str] = field(default_factory=list)
    design_problems: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """A paragraph for a notebook or memo."""
        head = (
            f"Converged: every parameter has R-hat <= {R_HAT_MAX} and bulk ESS >= "
            f"{ESS_BULK_MIN:.0f}, with {self.divergences} divergences in {self.n_draws} draws."
            if self.converged
            else f"{NOT_CONVERGED_BANNER}. " + " ".join(self.problems)
        )
        if self.design_problems:
            head += " Design: " + " ".join(p + "." for p in self.design_problems)
        return head

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        verdict = "converged" if self.converged else "NOT converged"
        return (
            f"ConvergenceReport({verdict}; max R-hat {self.table['r_hat'].max():.3f}, "
            f"min bulk ESS {self.table['ess_bulk'].min():.0f}, {self.divergences} divergences)"
        )

    def to_dict(self) -> dict:
        """Plain types, for JSON output and memos."""
        return {
            "converged": self.converged,
            "divergences": self.divergences,
            "n_draws": self.n_draws,
            "max_r_hat": float(self.table["r_hat"].max()),
            "min_ess_bulk": float(self.table["ess_bulk"].min()),
            "problems": list(self.problems),
            "design_problems": list(self.design_problems),
        }


def check_convergence(
    idata: az.InferenceData,
    var_names: list[str],
    design_problems: list[str] | None = None,
) -> ConvergenceReport:
    """Compute R-hat, ESS and divergences for ``var_names`` and judge convergence.

    Examples
    --------
    >>> import numpy as np, arviz as az
    >>> rng = np.random.default_rng(0)
    >>> idata = az.from_dict(posterior={"alpha": rng.normal(size=(4, 500))},
    ...                      sample_stats={"diverging": np.zeros((4, 500), bool)})
    >>> check_convergence(idata, ["alpha"]).converged
    True
    """
    posterior = idata.posterior
    n_chains = posterior.sizes["chain"]
    n_draws = posterior.sizes["draw"] * n_chains
    rows = []
    for name in var_names:
        values = np.asarray(posterior[name].values, dtype=float)
        r_hat = float(az.rhat(values)) if n_chains > 1 else float("nan")
        ess_bulk = float(az.ess(values, method="bulk"))
        ess_tail = float(az.ess(values, method="tail"))
        rows.append({"parameter": name, "r_hat": r_hat, "ess_bulk": ess_bulk, "ess_tail": ess_tail})
    table = pd.DataFrame(rows).set_index("parameter")
    r_ok = table["r_hat"] <= R_HAT_MAX
    ess_ok = table["ess_bulk"] >= ESS_BULK_MIN
    table["ok"] = r_ok & ess_ok
    divergences = 0
    if "sample_stats" in idata.groups() and "diverging" in idata.sample_stats:
        divergences = int(np.asarray(idata.sample_stats["diverging"]).sum())

    problems = []
    if n_chains < 2:
        problems.append("R-hat needs at least 2 chains; refit with chains=4.")
    for name in table.index[~r_ok & table["r_hat"].notna()]:
        problems.append(
            f"R-hat of {name} is {table.loc[name, 'r_hat']:.3f} (> {R_HAT_MAX}): chains disagree; "
            "refit with more tuning (tune=2000) and check the design warnings and priors."
        )
    for name in table.index[~ess_ok]:
        problems.append(
            f"bulk ESS of {name} is {table.loc[name, 'ess_bulk']:.0f} (< {ESS_BULK_MIN:.0f}): "
            "too few effective draws; refit with more draws (draws=2000) or tighter priors."
        )
    if divergences > MAX_DIVERGENCES:
        problems.append(
            f"{divergences} divergent transitions: the sampler could not explore part of the "
            "posterior, so it may be biased; tighten the priors, or add runs at more scales."
        )
    return ConvergenceReport(
        converged=not problems,
        table=table,
        divergences=divergences,
        n_draws=n_draws,
        problems=problems,
        design_problems=list(design_problems or []),
    )


def warn_if_unconverged(report: ConvergenceReport, what: str, stacklevel: int = 3) -> None:
    """Issue a :class:`ConvergenceWarning` naming ``what`` when the fit did not converge."""
    if not report.converged:
        warnings.warn(
            f"{what} come from a fit that did not converge: " + " ".join(report.problems),
            ConvergenceWarning,
            stacklevel=stacklevel,
        )
