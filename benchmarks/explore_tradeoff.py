"""Exploration: is there a mixture that meets the real-data and the simulated-law targets at once?

``bench_evidence.py`` reports two points: the mixture (forms + discrepancy), which holds on
the public studies and over-covers clean simulated laws, and the forms alone, which are
calibrated on simulated laws and leave Farseer and the pilots short. This script traces the
line between them and one step to each side, so the conflict is measured rather than asserted:

- the discrepancy scale multiplied by ``m`` (``tau * m``; ``m = 0`` is "forms only", ``m = 1``
  the committed choices);
- the one-axis forms: the committed weights, or the power laws only (power with a floor and
  the pure power law, their committed weights renormalised): the broken and saturating forms
  are what widen a clean power law's extrapolation.

Every variant uses the committed nested choices (``evidence_choices.json``, hash printed) and
changes nothing else. **Nothing is chosen here**: a variant picked by these scores would be
tuned on the studies it is scored on. The simulated-law width is the median ratio to today's
NUTS fit of the same dataset and factor, read from ``figures/evidence_simulated.csv`` (the same
120 datasets: ``simulated_set`` draws them from the same stream).

Usage (from the project root, ~2 min)::

    .venv/bin/python benchmarks/explore_tradeoff.py

Results: benchmarks/EVIDENCE_RESULTS.md ("The trade-off, traced").
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_evidence as be

from scaling_bayes.core.discrepancy import extrapolation_distance
from scaling_bayes.core.mixture import mix_draws

#: Multipliers of the discrepancy scale tau.
MULTIPLIERS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
#: One-axis form sets: the committed weights, or the power laws alone.
ONE_AXIS = ("all forms", "power laws only")
POWER_LAWS = ("power", "power_no_floor")


def variant(choice: dict, m: float, one_axis: str) -> dict:
    """``choice`` with tau multiplied by ``m`` and, for ``"power laws only"``, the one-axis
    weights restricted to the power laws (renormalised)."""
    weights = dict(choice["weights"])
    if one_axis == "power laws only":
        w = {f: v for f, v in weights["one_axis"].items() if f in POWER_LAWS}
        total = sum(w.values())
        weights["one_axis"] = {f: v / total for f, v in w.items()}
    grid = (np.asarray(choice["tau_grid"], float) * m).tolist()
    return {**choice, "weights": weights, "tau_grid": grid}


def restricted(s: be.Stored, one_axis: str) -> be.Stored:
    """``s`` without the forms the variant gives no weight (mix_draws needs a weight each)."""
    if s.unit.group != "one_axis" or one_axis == "all forms":
        return s
    return be.replace(s, draws={f: d for f, d in s.draws.items() if f in POWER_LAWS})


def label(m: float, one_axis: str) -> str:
    return f"tau x {m:g}, {one_axis}"


def real_studies(ch: dict) -> tuple[pd.DataFrame, float]:
    """Pooled scores of every variant on the full splits and on the 5-run pilots, and the
    Huber point fit's median ARE."""
    units = be.all_units()
    full, pilots = [], []
    for i, u in enumerate(units):
        if be.pilot_sized(u):  # as the package forecasts a fit of 8 runs or fewer
            full.append((be.fit_as_pilot(u, ch, 2000, i, True), ch["pilot_per_study"][u.study]))
        else:
            full.append((be.fit_unit(u, 2000, i, True), ch["per_study"][u.study]))
        pilot = be.fit_as_pilot(be.pilot_of(u), ch, 2000, i, False)
        pilots.append((pilot, ch["pilot_per_study"][u.study]))
    rows = []
    for one_axis in ONE_AXIS:
        for m in MULTIPLIERS:
            out = {"variant": label(m, one_axis)}
            for name, items in (("full", full), ("pilot", pilots)):
                frames = []
                for i, (s, choice) in enumerate(items):
                    v = variant(choice, m, one_axis)
                    frames.append(be.score_unit(restricted(s, one_axis), v, 1000 + i, "mixture"))
                runs = pd.concat(frames, ignore_index=True)
                studies = be.per_study(runs)
                pool = be.pooled(runs, studies).iloc[0]
                if name == "full":
                    worst = studies.loc[studies["cov90"].idxmin(), "study"]
                    out.update(
                        cov50=pool["cov50"],
                        cov90=pool["cov90"],
                        lowest=f"{pool['min_study_cov90']:.0%} ({worst})",
                        width90=pool["width90"],
                        interval_score=pool["interval_score_90"],
                        are=pool["are"],
                    )
                    huber = pool["are_huber"]
                else:
                    out["pilot_cov90"] = pool["cov90"]
            rows.append(out)
    return pd.DataFrame(rows), huber


def simulated(ch: dict, n_sets: int = 120) -> pd.DataFrame:
    """Coverage and width ratio to today's fit of every variant on the simulated laws."""
    today = pd.read_csv(be.HERE / "figures" / "evidence_simulated.csv")
    today = today[today["method"] == "today"].set_index(["dataset", "factor"])["width90"]
    rng = np.random.default_rng(0)
    rec = []
    for i in range(n_sets):
        sim = be.simulated_set(i, rng, ch, 2000)
        d = extrapolation_distance(sim.scales, sim.at)
        factors = sim.target["factor"].to_numpy(float)
        for one_axis in ONE_AXIS:
            draws = sim.draws
            if sim.group == "one_axis" and one_axis != "all forms":
                draws = {f: v for f, v in draws.items() if f in POWER_LAWS}
            for m in MULTIPLIERS:
                v = variant(sim.preset, m, one_axis)
                rs = np.random.default_rng(10_000 + i)
                mixed, _ = mix_draws(draws, v["weights"][sim.group], random_seed=rs)
                disc = be.Discrepancy(np.asarray(v["tau_grid"]), np.asarray(v["tau_prob"]))
                offset = disc.log_offsets(d, n_draws=mixed.shape[0], random_seed=rs)
                q = np.quantile(np.exp(mixed + offset), [0.05, 0.25, 0.75, 0.95], axis=0)
                for j, truth in enumerate(sim.truth):
                    width = (q[3, j] - q[0, j]) / truth
                    rec.append(
                        dict(
                            variant=label(m, one_axis),
                            law=sim.kind,
                            in50=q[1, j] <= truth <= q[2, j],
                            in90=q[0, j] <= truth <= q[3, j],
                            ratio=width / today.loc[(i, factors[j])],
                        )
                    )
    frame = pd.DataFrame(rec)
    out = frame.groupby("variant", sort=False).agg(
        sim_cov50=("in50", "mean"), sim_cov90=("in90", "mean"), sim_width_ratio=("ratio", "median")
    )
    by_law = frame.pivot_table(index="variant", columns="law", values="in90", sort=False)
    out["sim_cov90_power"] = by_law["power"]
    out["sim_cov90_chinchilla"] = by_law["chinchilla"]
    return out.reset_index()


def meets(row: pd.Series) -> str:
    """Which of the issue's coverage and width targets a variant meets (R: real, S: simulated)."""
    checks = {
        "R90": 0.85 <= row["cov90"] <= 0.95,
        "R50": 0.40 <= row["cov50"] <= 0.60,
        "Rmin": float(row["lowest"].split("%")[0]) >= 60,
        "P90": 0.85 <= row["pilot_cov90"] <= 0.95,
        "S90": abs(row["sim_cov90"] - 0.90) <= 0.05,
        "S50": abs(row["sim_cov50"] - 0.50) <= 0.05,
        "Sw": row["sim_width_ratio"] <= 1.5,
    }
    return " ".join(k for k, ok in checks.items() if ok)


def main() -> None:
    start = time.perf_counter()
    ch = json.loads(be.CHOICES.read_text())
    print(f"choices file SHA-256 {be.file_hash(be.CHOICES)}")
    real, huber = real_studies(ch)
    table = real.merge(simulated(ch), on="variant")
    table["targets met"] = table.apply(meets, axis=1)
    table["ARE vs Huber"] = table["are"].map("{:.2%}".format) + f" vs {huber:.2%}"
    print()
    print(be.markdown(table.drop(columns="are"), ".3f"))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
