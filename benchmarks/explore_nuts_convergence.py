"""Exploration: up to how many runs do the forms' NUTS fits need longer chains to converge?

``FormMixture(posterior="nuts")`` sampled each form 4 x (1000 + 1000) and, for pilots (8 runs
or fewer), 4 x (3000 + 3000), because on 5-run pilots most forms failed the package's
convergence rule (R-hat <= 1.01, bulk ESS >= 400, no divergences) at the shorter length. A
review of the factory demo's 10 runs showed the same failure above that threshold. This
script measures, for fits of more than 8 runs, how often each form meets the rule at both
lengths:

- the public studies' full splits that the package would fit as full fits (more than 8
  training runs), with the forms ``FormMixture`` fits there (``forms_to_fit``: those with at
  least their coordinates + 2 runs);
- every third of ``bench_evidence.py``'s 120 simulated designs (``bench_calibration.py``'s
  design: 5-40 runs) with more than 8 runs, the same forms.

The rule, fixed before the run: pilots' long chains extend to a larger run count if, up to
it, fewer than 90% of the forms' fits converge at the short length and more converge at the
long one. They did at every run count measured, so the long chains are now every NUTS form
fit's default (``form_posterior.DEFAULT_SETTINGS``). Results: ``figures/nuts_convergence.csv``
and benchmarks/EVIDENCE_RESULTS.md ("Each form by NUTS, in the package").

Usage (from the project root, ~40 min on 2 cores)::

    .venv/bin/python benchmarks/explore_nuts_convergence.py
"""

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_evidence as be

from scaling_bayes.core.mixture import PILOT_MAX_RUNS, fit_form, forms_to_fit

OUT = be.HERE / "figures" / "nuts_convergence.csv"
#: The two lengths compared (draws and tuning steps per chain; 4 chains, target_accept 0.95).
SETTINGS = {"default": {"draws": 1000, "tune": 1000}, "long": {"draws": 3000, "tune": 3000}}
#: Run-count bins of the summary.
BINS = [PILOT_MAX_RUNS, 12, 20, 40, np.inf]


def fits(source: str, group: str, scales: dict, loss: np.ndarray, x, seed: int) -> list[dict]:
    """Every form the mixture fits on these runs, sampled at both lengths."""
    rows = []
    for j, form in enumerate(forms_to_fit(be.GROUPS[group], loss.size)):
        for k, (length, settings) in enumerate(SETTINGS.items()):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the verdict is recorded, not warned
                fit = fit_form(
                    form,
                    scales,
                    loss,
                    x=x,
                    posterior="nuts",
                    random_seed=seed * 100 + 10 * j + k,
                    sampler_settings=settings,
                )
            report = fit.diagnostics
            rows.append(
                dict(
                    source=source,
                    n_runs=int(loss.size),
                    form=form,
                    length=length,
                    converged=bool(report.converged),
                    r_hat=float(report.table["r_hat"].max()),
                    ess_bulk=float(report.table["ess_bulk"].min()),
                    divergences=int(report.divergences),
                    seconds=time.perf_counter() - start,
                )
            )
    return rows


def main() -> None:
    start = time.perf_counter()
    ch = json.loads(be.CHOICES.read_text())
    rows = []
    for i, u in enumerate(be.all_units()):
        if be.pilot_sized(u) or len(u.train) <= PILOT_MAX_RUNS:
            continue
        scales = {a: u.train[a].to_numpy(float) for a in u.axes}
        rows += fits(u.study, u.group, scales, u.train["loss"].to_numpy(float), u.x, i)
    rng = np.random.default_rng(0)
    for i in range(120):
        sim = be.simulated_set(i, rng, ch, 200)  # the same datasets as bench_evidence.py
        if i % 3 or sim.pilot:
            continue
        rows += fits(
            "simulated", sim.group, sim.scales, sim.runs["loss"].to_numpy(float), sim.x, 1000 + i
        )
    frame = pd.DataFrame(rows)
    frame.to_csv(OUT, index=False, float_format="%.6g")
    frame["runs"] = pd.cut(frame["n_runs"], BINS).astype(str)
    frame["data"] = np.where(frame["source"] == "simulated", "simulated", "public")
    table = frame.pivot_table(
        index=["data", "runs"], columns="length", values="converged", aggfunc=["mean", "size"]
    )
    print("Share of the forms' fits meeting the convergence rule, by runs:\n")
    print(table.round(3).to_string())
    by_form = frame.pivot_table(index="form", columns="length", values="converged")
    print("\nBy form:\n")
    print(by_form.round(3).to_string())
    secs = frame.groupby("length")["seconds"].median()
    print("\nMedian seconds per fit:", secs.round(2).to_dict())
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
