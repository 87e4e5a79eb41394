"""Exploration: should the discrepancy grow like the distance, or slower?

The package's discrepancy on log loss is ``tau * d * z``: its standard deviation grows in
proportion to ``d``, the e-folds of extrapolation (a wrong exponent: an error linear in log
scale). The public studies hold out runs mostly 1-4x beyond their training runs (``d`` below
about 1.4), while the simulated-law benchmark forecasts 10x and 100x (``d`` about 2.3 and
4.6), where the clean laws are over-covered. A discrepancy that grows like ``d ** kappa`` with
``kappa < 1`` (``kappa = 0.5``: a random walk in log scale, Brownian motion's variance growing
linearly in ``d``) is as wide at one e-fold and narrower far out. Which growth do the studies
support? This script lets them say, nested:

- ``kappa`` on a grid (0.25, 0.5, 0.75, 1) with a uniform prior, ``tau`` on the package's grid
  with its half-normal(0.02) prior, the joint posterior learned for each scored study S from
  the held-out runs of the other studies (each study once, as ``bench_evidence.py`` learns
  tau), with the mixture weights held at the committed per-study choices (as in
  ``explore_discrepancy_scales.py``: the weights are not relearned);
- the same with ``kappa`` fixed at 1 (the package's discrepancy; reproduces the committed
  choices' scores up to the Gaussian approximation of each form's draws used here) and at 0.5.

Each variant is scored like ``bench_evidence.py``: the 15 studies (pilot-sized studies with
the pilot choices), their 5-run pilots, and the 120 simulated laws (width as the median ratio
to today's NUTS fit of the same dataset, read from ``figures/evidence_simulated.csv``). The
committed choices file is only read (hash printed).

Usage (from the project root, ~1 min)::

    .venv/bin/python benchmarks/explore_discrepancy_growth.py

Results: benchmarks/EVIDENCE_RESULTS.md ("How fast the discrepancy grows").
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_evidence as be
import explore_discrepancy_scales as two
import explore_form_posteriors as efp

from scaling_bayes.core.discrepancy import TAU_GRID
from scaling_bayes.core.mixture import mix_draws

#: Growth exponents of the discrepancy's scale with the distance, ``sd = tau * d ** kappa``.
KAPPAS = np.array([0.25, 0.5, 0.75, 1.0])
#: Variants scored: which kappas the posterior may use.
VARIANTS = {"linear (package)": (1.0,), "square root": (0.5,), "growth learned": tuple(KAPPAS)}
#: Half-normal prior scale of tau, as the package's tau_posterior.
TAU_PRIOR = 0.02


def _arrays(points: pd.DataFrame, weights: dict, left_out: str | None):
    """Per group: mean/sd of each form's log draws per held-out run, the run's distance, the
    weights and each run's share of its study (a study counts once)."""
    use = points[points.study != left_out]
    for group, g in use.groupby("group"):
        mu = g.pivot_table(index=["study", "run"], columns="form", values="mu")
        sd = g.pivot_table(index=["study", "run"], columns="form", values="sd").loc[
            mu.index, mu.columns
        ]
        first = g.drop_duplicates(["study", "run"]).set_index(["study", "run"]).loc[mu.index]
        y = first["y"].to_numpy()[:, None]
        d = (first["da"] + first["dr"]).to_numpy()[:, None]
        avail = mu.notna().to_numpy()
        w = np.where(avail, np.array([weights[group].get(f, 0.0) for f in mu.columns]), 0.0)
        log_w = np.log(np.where(w > 0, w / w.sum(1, keepdims=True), 1e-300))
        studies = first.index.get_level_values("study").astype(str)
        _, inv = np.unique(studies, return_inverse=True)
        share = 1.0 / np.bincount(inv)[inv]
        m, s = np.nan_to_num(mu.to_numpy()), np.where(avail, sd.to_numpy(), 1.0)
        yield y, d, m, s, avail, log_w, share


def posterior(points: pd.DataFrame, weights: dict, left_out: str | None, kappas) -> np.ndarray:
    """Joint grid posterior of (kappa, tau), shape ``(len(KAPPAS), len(TAU_GRID))``; kappas
    not in ``kappas`` get probability 0."""
    total = np.zeros((KAPPAS.size, TAU_GRID.size))
    for y, d, m, s, avail, log_w, share in _arrays(points, weights, left_out):
        for i, kappa in enumerate(KAPPAS):
            if kappa not in kappas:
                continue
            grow = d**kappa
            for j, tau in enumerate(TAU_GRID):
                var = s**2 + (tau * grow) ** 2
                dens = -0.5 * np.log(2 * np.pi * var) - 0.5 * (y - m) ** 2 / var
                dens = np.where(avail, dens, -np.inf)
                total[i, j] += np.sum(share * np.logaddexp.reduce(dens + log_w, axis=1))
    lp = total - 0.5 * (TAU_GRID[None, :] / TAU_PRIOR) ** 2
    lp[~np.isin(KAPPAS, kappas)] = -np.inf
    p = np.exp(lp - lp.max())
    return p / p.sum()


def offsets(prob: np.ndarray, d: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, k)`` log offsets ``tau * d ** kappa * z``, (kappa, tau) drawn from ``prob``."""
    idx = rng.choice(prob.size, size=n, p=prob.ravel())
    kappa, tau = KAPPAS[idx // TAU_GRID.size], TAU_GRID[idx % TAU_GRID.size]
    z = rng.standard_normal(n)
    return (tau * z)[:, None] * d[None, :] ** kappa[:, None]


def describe(prob: np.ndarray) -> str:
    """Posterior mass on each kappa and the mean of tau."""
    mass = prob.sum(1)
    tau = float((prob.sum(0) * TAU_GRID).sum())
    kap = " ".join(f"{k:g}:{m:.2f}" for k, m in zip(KAPPAS, mass, strict=True) if m > 0)
    return f"kappa {kap}; tau mean {tau:.4f}"


def score(s: be.Stored, weights: dict, prob: np.ndarray, seed: int, name: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mixed, _ = mix_draws(s.draws, weights[s.unit.group], random_seed=rng)
    da, dr = two.unit_parts(s.unit)
    draws = np.exp(mixed + offsets(prob, da + dr, mixed.shape[0], rng))
    out = be.score_unit(
        be.Stored(s.unit, s.draws, s.distance, s.huber, 0.0, today=draws), None, seed, "today"
    )
    out["method"] = name
    return out


def simulated(ch: dict, posts: dict, today: pd.Series) -> pd.DataFrame:
    """Every variant on bench_evidence.py's 120 simulated laws (the same datasets)."""
    rng = np.random.default_rng(0)
    rec = []
    for i in range(120):
        sim = be.simulated_set(i, rng, ch, 2000)
        mixed, _ = mix_draws(sim.draws, sim.preset["weights"][sim.group], random_seed=sim.rng)
        da, dr = two.parts(sim.scales, sim.at)
        factors = sim.target["factor"].to_numpy()
        for name, (full, pilot) in posts.items():
            vr = np.random.default_rng(10_000 + i)
            d = np.exp(mixed + offsets(pilot if sim.pilot else full, da + dr, 2000, vr))
            today_width = today.loc[[(i, f) for f in factors]].to_numpy(float)
            labels = dict(variant=name, law=sim.kind)
            rec += efp.coverage_records(d, sim.truth, today_width, labels)
    return pd.DataFrame(rec)


def main() -> None:
    start = time.time()
    ch = json.loads(be.CHOICES.read_text())
    print(f"choices: {be.CHOICES.name} sha256 {be.file_hash(be.CHOICES)}")
    units = be.all_units()
    plain = [be.fit_unit(u, 2000, i, True) for i, u in enumerate(units)]
    small = {
        i: be.fit_as_pilot(u, ch, 2000, i, True) for i, u in enumerate(units) if be.pilot_sized(u)
    }
    pil = [be.fit_as_pilot(be.pilot_of(u), ch, 2000, i, False) for i, u in enumerate(units)]
    p_full, p_pil = two.frame(plain), two.frame(pil)
    studies = sorted({u.study for u in units})
    rows = []
    posts_all = {}
    for name, kappas in VARIANTS.items():
        post = {s: posterior(p_full, ch["per_study"][s]["weights"], s, kappas) for s in studies}
        ppost = {
            s: posterior(p_pil, ch["pilot_per_study"][s]["weights"], s, kappas) for s in studies
        }
        posts_all[name] = (
            posterior(p_full, ch["all"]["weights"], None, kappas),
            posterior(p_pil, ch["pilot_all"]["weights"], None, kappas),
        )
        print(f"\n## {name}")
        print("all studies:", describe(posts_all[name][0]))
        print("pilots, all studies:", describe(posts_all[name][1]))
        if len(kappas) > 1:
            for s in studies:
                print(f"  without {s}: {describe(post[s])} | pilots {describe(ppost[s])}")
        full, pilots = [], []
        for i, s in enumerate(plain):
            st = s.unit.study
            if i in small:
                w = ch["pilot_per_study"][st]["weights"]
                full.append(score(small[i], w, ppost[st], 1000 + i, name))
            else:
                full.append(score(s, ch["per_study"][st]["weights"], post[st], 1000 + i, name))
        for i, s in enumerate(pil):
            st = s.unit.study
            w = ch["pilot_per_study"][st]["weights"]
            pilots.append(score(s, w, ppost[st], 1000 + i, name))
        for part, frames in (("studies", full), ("pilots", pilots)):
            runs = pd.concat(frames, ignore_index=True)
            per = be.per_study(runs)
            pool = be.pooled(runs, per).iloc[0]
            low = per.loc[per["cov90"].idxmin()]
            rows.append(
                {
                    "variant": name,
                    "part": part,
                    "cov50": pool["cov50"],
                    "cov90": pool["cov90"],
                    "lowest": f"{low['cov90']:.0%} ({low['study']})",
                    "width90": pool["width90"],
                    "interval_score": pool["interval_score_90"],
                }
            )
            if part == "studies":
                print(per[["study", "cov50", "cov90", "width90"]].round(3).to_string())
    today = pd.read_csv(be.HERE / "figures" / "evidence_simulated.csv")
    today = today[today["method"] == "today"].set_index(["dataset", "factor"])["width90"]
    sim = simulated(ch, posts_all, today)
    table = pd.DataFrame(rows)
    print("\n## Public studies (nested) and their 5-run pilots\n")
    print(table.round(3).to_string(index=False))
    print("\n## Simulated laws (120 datasets, 10x and 100x)\n")
    agg = sim.groupby("variant", sort=False).agg(
        cov50=("in50", "mean"), cov90=("in90", "mean"), width_ratio=("ratio", "median")
    )
    by_law = sim.groupby(["variant", "law"], sort=False)["in90"].mean().unstack()
    print(agg.join(by_law.add_prefix("cov90_")).round(3).to_string())
    print(f"\n{time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
