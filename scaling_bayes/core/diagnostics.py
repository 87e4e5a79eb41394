"""Convergence diagnostics computed after every fit, and the report that carries them.

A fit converged when every parameter has R-hat <= 1.01 and bulk ESS >= 400, there are no
divergent transitions, E-BFMI is at least 0.3 in every chain, and at most 1% of draws hit the
maximum NUTS tree depth (thresholds in :mod:`scaling_bayes.core.constants`, as Stan checks them).
Anything else is reported with a suggested fix, and every number computed from the fit carries
the verdict.

The sampler-level checks read ``sample_stats``: ``energy`` for E-BFMI, and ``maxdepth_reached``
(nutpie) or ``reached_max_treedepth`` (PyMC's NUTS) for the tree depth. A posterior without those
statistics (hand-built draws, other samplers) skips them, and the report says so in
:attr:`ConvergenceReport.sampler_checks` and its text rather than claiming they passed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _arviz as az
from .constants import EBFMI_MIN, ESS_BULK_MIN, MAX_DIVERGENCES, MAX_TREEDEPTH_SHARE, R_HAT_MAX
from .exceptions import ConvergenceWarning

__all__ = ["ConvergenceReport", "check_convergence", "warn_if_unconverged"]

NOT_CONVERGED_BANNER = "NOT CONVERGED: do not use these numbers (see diagnostics())"

#: Names of the tree-depth saturation flag in ``sample_stats``: nutpie, then PyMC's NUTS.
_TREEDEPTH_FLAGS = ("maxdepth_reached", "reached_max_treedepth")


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
    ebfmi : tuple of float or None
        E-BFMI of each chain; None when the draws carry no ``energy`` statistic (not checked).
    treedepth_hits : int or None
        Kept draws whose trajectory hit the maximum tree depth; None when not recorded.
    """

    converged: bool
    table: pd.DataFrame
    divergences: int
    n_draws: int
    problems: list[str] = field(default_factory=list)
    design_problems: list[str] = field(default_factory=list)
    ebfmi: tuple[float, ...] | None = None
    treedepth_hits: int | None = None

    @property
    def skipped(self) -> list[str]:
        """Sampler checks that could not run because their statistics are absent."""
        out = []
        if self.ebfmi is None:
            out.append("E-BFMI")
        if self.treedepth_hits is None:
            out.append("tree depth")
        return out

    @property
    def sampler_checks(self) -> pd.DataFrame:
        """One row per sampler-level check: ``value``, ``threshold`` and ``status``.

        ``status`` is ``"passed"``, ``"failed"`` or ``"skipped"`` (statistic not recorded).
        """
        rows = [
            {
                "check": "divergences",
                "value": float(self.divergences),
                "threshold": f"<= {MAX_DIVERGENCES}",
                "status": "passed" if self.divergences <= MAX_DIVERGENCES else "failed",
            }
        ]
        if self.ebfmi is None:
            rows.append({"check": "E-BFMI (lowest chain)", "value": float("nan")})
        else:
            low = min(self.ebfmi)
            rows.append(
                {
                    "check": "E-BFMI (lowest chain)",
                    "value": low,
                    "status": "passed" if low >= EBFMI_MIN else "failed",
                }
            )
        rows[-1]["threshold"] = f">= {EBFMI_MIN}"
        if self.treedepth_hits is None:
            rows.append({"check": "draws at maximum tree depth", "value": float("nan")})
        else:
            share = self.treedepth_hits / max(self.n_draws, 1)
            rows.append(
                {
                    "check": "draws at maximum tree depth",
                    "value": float(self.treedepth_hits),
                    "status": "passed" if share <= MAX_TREEDEPTH_SHARE else "failed",
                }
            )
        rows[-1]["threshold"] = f"<= {MAX_TREEDEPTH_SHARE:.0%} of draws"
        table = pd.DataFrame(rows).set_index("check")
        table["status"] = table["status"].fillna("skipped")
        return table[["value", "threshold", "status"]]

    def _sampler_text(self) -> str:
        parts = []
        if self.ebfmi is not None:
            parts.append(f"lowest E-BFMI {min(self.ebfmi):.2f} (>= {EBFMI_MIN})")
        if self.treedepth_hits is not None:
            parts.append(f"{self.treedepth_hits} draws at the maximum tree depth")
        text = ("Sampler: " + ", ".join(parts) + ".") if parts else ""
        if self.skipped:
            text += (
                f" {' and '.join(self.skipped)} not checked: the draws carry no sampler "
                "statistics for them (e.g. hand-built draws)."
            )
        return text.strip()

    @property
    def text(self) -> str:
        """A paragraph for a notebook or memo."""
        head = (
            f"Converged: every parameter has R-hat <= {R_HAT_MAX} and bulk ESS >= "
            f"{ESS_BULK_MIN:.0f}, with {self.divergences} divergences in {self.n_draws} draws."
            if self.converged
            else f"{NOT_CONVERGED_BANNER}. " + " ".join(self.problems)
        )
        sampler = self._sampler_text()
        if sampler:
            head += " " + sampler
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
            "ebfmi": None if self.ebfmi is None else [float(v) for v in self.ebfmi],
            "treedepth_hits": self.treedepth_hits,
            "skipped_checks": self.skipped,
        }


def check_convergence(
    idata: az.InferenceData,
    var_names: list[str],
    design_problems: list[str] | None = None,
    *,
    tune: int | None = None,
) -> ConvergenceReport:
    """Compute R-hat, ESS, divergences, E-BFMI and tree depth and judge convergence.

    The advice in ``problems`` names settings twice those of the failed run: ``draws`` from
    the draws per chain, ``tune`` from ``tune`` (the tuning steps per chain, when known).

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.core import _arviz as az
    >>> rng = np.random.default_rng(0)
    >>> idata = az.from_dict(posterior={"alpha": rng.normal(size=(4, 500))},
    ...                      sample_stats={"diverging": np.zeros((4, 500), bool)})
    >>> report = check_convergence(idata, ["alpha"])
    >>> report.converged, report.skipped
    (True, ['E-BFMI', 'tree depth'])
    """
    posterior = idata.posterior
    n_chains = posterior.sizes["chain"]
    n_draws = posterior.sizes["draw"] * n_chains
    # advice worth following asks for more than the failed run had
    more_draws = f"draws={2 * posterior.sizes['draw']}"
    more_tuning = f"tune={2 * tune}" if tune else "twice the tuning steps"
    rows = []
    for name in var_names:
        values = np.asarray(posterior[name].values, dtype=float)
        r_hat = az.rhat(values) if n_chains > 1 else float("nan")
        ess_bulk = az.ess(values, method="bulk")
        ess_tail = az.ess(values, method="tail")
        rows.append({"parameter": name, "r_hat": r_hat, "ess_bulk": ess_bulk, "ess_tail": ess_tail})
    table = pd.DataFrame(rows).set_index("parameter")
    r_ok = table["r_hat"] <= R_HAT_MAX
    ess_ok = table["ess_bulk"] >= ESS_BULK_MIN
    table["ok"] = r_ok & ess_ok
    divergences = 0
    stats = az.group(idata, "sample_stats") if az.has_group(idata, "sample_stats") else None
    if stats is not None and "diverging" in stats:
        divergences = int(np.asarray(stats["diverging"]).sum())
    ebfmi = _ebfmi(stats)
    treedepth_hits = _treedepth_hits(stats)

    problems = []
    if n_chains < 2:
        problems.append("R-hat needs at least 2 chains; refit with chains=4.")
    for name in table.index[~r_ok & table["r_hat"].notna()]:
        problems.append(
            f"R-hat of {name} is {table.loc[name, 'r_hat']:.3f} (> {R_HAT_MAX}): chains disagree; "
            f"refit with more tuning ({more_tuning}) and check the design warnings and priors."
        )
    for name in table.index[~ess_ok]:
        problems.append(
            f"bulk ESS of {name} is {table.loc[name, 'ess_bulk']:.0f} (< {ESS_BULK_MIN:.0f}): "
            f"too few effective draws; refit with more draws ({more_draws}) or tighter priors."
        )
    if divergences > MAX_DIVERGENCES:
        problems.append(
            f"{divergences} divergent transitions: the sampler could not explore part of the "
            "posterior, so it may be biased; tighten the priors, or add runs at more scales."
        )
    if ebfmi is not None:
        low = [i for i, v in enumerate(ebfmi) if not v >= EBFMI_MIN]
        if low:
            per_chain = ", ".join(f"chain {i}: {ebfmi[i]:.2f}" for i in low)
            problems.append(
                f"E-BFMI below {EBFMI_MIN} ({per_chain}): the sampler moves too slowly between "
                "energy levels, typical of heavy tails or a poorly scaled parameter; tighten the "
                "priors (especially on E and the scale terms) or add runs, then refit."
            )
    if treedepth_hits is not None and treedepth_hits > MAX_TREEDEPTH_SHARE * n_draws:
        problems.append(
            f"{treedepth_hits} of {n_draws} draws hit the maximum tree depth (more than "
            f"{MAX_TREEDEPTH_SHARE:.0%}): trajectories were cut short, so the sampler may not "
            "cross the posterior; tighten the priors or reparameterise, and refit with more "
            f"tuning ({more_tuning})."
        )
    return ConvergenceReport(
        converged=not problems,
        table=table,
        divergences=divergences,
        n_draws=n_draws,
        problems=problems,
        design_problems=list(design_problems or []),
        ebfmi=ebfmi,
        treedepth_hits=treedepth_hits,
    )


def _ebfmi(stats) -> tuple[float, ...] | None:
    """E-BFMI of each chain from the ``energy`` statistic, or None when it is absent.

    E-BFMI = sum of squared successive energy differences / (n * variance of the energy)
    (Betancourt 2016), the quantity ``arviz.bfmi`` returns.
    """
    if stats is None or "energy" not in stats:
        return None
    energy = np.asarray(stats["energy"].transpose("chain", "draw", ...).values, dtype=float)
    if energy.ndim != 2 or energy.shape[1] < 2 or not np.isfinite(energy).all():
        return None
    return tuple(float(v) for v in az.bfmi(energy))


def _treedepth_hits(stats) -> int | None:
    if stats is None:
        return None
    for name in _TREEDEPTH_FLAGS:
        if name in stats:
            return int(np.asarray(stats[name].values, dtype=bool).sum())
    return None


def warn_if_unconverged(report: ConvergenceReport, what: str, stacklevel: int = 3) -> None:
    """Issue a :class:`ConvergenceWarning` naming ``what`` when the fit did not converge."""
    if not report.converged:
        warnings.warn(
            f"{what} come from a fit that did not converge: " + " ".join(report.problems),
            ConvergenceWarning,
            stacklevel=stacklevel,
        )
