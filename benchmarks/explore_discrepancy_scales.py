"""Exploration: does a discrepancy with two scales hold clean laws and real studies better?

One scale per e-fold of extrapolation along the axes, one per e-fold of ln(D/N) outside the
runs' range (the package's discrepancy adds the two distances under one scale). Both are
learned nested on a 2-D grid by the held-out likelihood of the other studies, with the mixture
weights fixed to the committed per-study choices of ``bench_evidence.py`` (an approximation:
the weights are not relearned). Scored like ``bench_evidence.py`` (pilot-sized studies with
the pilot choices) and on its simulated laws. Results: benchmarks/EVIDENCE_RESULTS.md.

Usage (from the project root, ~4 min)::

    .venv/bin/python benchmarks/explore_discrepancy_scales.py
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_evidence as be

from scaling_bayes.core.discrepancy import extrapolation_distance
from scaling_bayes.core.mixture import mix_draws


def parts(train, new):
    """``(d_axes, d_ratio)``: the package's extrapolation distance split into its two terms."""
    total = extrapolation_distance(train, new)
    if not {"params", "tokens"} <= set(train) & set(new):
        return total, np.zeros_like(total)
    ratio = {
        side_name: {"ratio": np.asarray(side["tokens"], float) / np.asarray(side["params"], float)}
        for side_name, side in (("train", train), ("new", new))
    }
    d_ratio = extrapolation_distance(ratio["train"], ratio["new"])
    return total - d_ratio, d_ratio


def unit_parts(u):
    return parts(
        {a: u.train[a].to_numpy(float) for a in u.axes},
        {a: u.test[a].to_numpy(float) for a in u.axes},
    )


GRID = np.round(np.arange(0, 0.0601, 0.002), 4)


def frame(stored):
    rows = []
    for s in stored:
        y = np.log(s.unit.test["loss"].to_numpy(float))
        da, dr = unit_parts(s.unit)
        for f, d in s.draws.items():
            mu, sd = d.mean(0), d.std(0)
            for i in range(y.size):
                rows.append(
                    dict(
                        group=s.unit.group,
                        study=s.unit.study,
                        run=f"{s.unit.name}#{i}",
                        form=f,
                        mu=mu[i],
                        sd=sd[i],
                        y=y[i],
                        da=da[i],
                        dr=dr[i],
                    )
                )
    return pd.DataFrame(rows)


def posterior2(points, weights, left_out):
    use = points[points.study != left_out]
    total = np.zeros((GRID.size, GRID.size))
    for group, g in use.groupby("group"):
        mu = g.pivot_table(index=["study", "run"], columns="form", values="mu")
        sd = g.pivot_table(index=["study", "run"], columns="form", values="sd").loc[
            mu.index, mu.columns
        ]
        first = g.drop_duplicates(["study", "run"]).set_index(["study", "run"]).loc[mu.index]
        y, da, dr = (first[c].to_numpy()[:, None] for c in ("y", "da", "dr"))
        avail = mu.notna().to_numpy()
        W = np.where(
            avail, np.array([weights[group].get(f, 0.0) for f in mu.columns])[None, :], 0.0
        )
        W = W / W.sum(1, keepdims=True)
        logW = np.log(np.where(W > 0, W, 1e-300))
        m, s_ = np.nan_to_num(mu.to_numpy()), np.where(avail, sd.to_numpy(), 1.0)
        studies = first.index.get_level_values("study").astype(str)
        _, inv = np.unique(studies, return_inverse=True)
        row_w = 1.0 / np.bincount(inv)[inv]
        for i, ta in enumerate(GRID):
            for j, tr in enumerate(GRID):
                var = s_**2 + (ta * da) ** 2 + (tr * dr) ** 2
                dens = -0.5 * np.log(2 * np.pi * var) - 0.5 * (y - m) ** 2 / var
                dens = np.where(avail, dens, -np.inf)
                mix = np.logaddexp.reduce(dens + logW, axis=1)
                total[i, j] += np.sum(row_w * mix)
    lp = total - 0.5 * (GRID[:, None] / 0.02) ** 2 - 0.5 * (GRID[None, :] / 0.02) ** 2
    p = np.exp(lp - lp.max())
    return p / p.sum()


def offsets(prob, da, dr, n, rng):
    idx = rng.choice(prob.size, size=n, p=prob.ravel())
    ta, tr = GRID[idx // GRID.size], GRID[idx % GRID.size]
    z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
    return (ta * z1)[:, None] * da[None, :] + (tr * z2)[:, None] * dr[None, :]


def score(s, weights, prob, seed):
    rng = np.random.default_rng(seed)
    mixed, _ = mix_draws(s.draws, weights[s.unit.group], random_seed=rng)
    da, dr = unit_parts(s.unit)
    draws = np.exp(mixed + offsets(prob, da, dr, mixed.shape[0], rng))
    s2 = be.Stored(s.unit, s.draws, s.distance, s.huber, 0.0, today=draws)
    out = be.score_unit(s2, None, seed, "today")
    out["method"] = "two-tau"
    return out


def summary(prob):
    ta = (prob.sum(1) * GRID).sum()
    tr = (prob.sum(0) * GRID).sum()
    return round(ta, 4), round(tr, 4)


def main() -> None:
    ch = json.loads(be.CHOICES.read_text())
    units = be.all_units()
    # full choices are learned on every split's full fit with weak priors (as the benchmark
    # does); splits of PILOT_MAX_RUNS runs or fewer are scored as the package fits them
    plain = [be.fit_unit(u, 2000, i, True) for i, u in enumerate(units)]
    small = {
        i: be.fit_as_pilot(u, ch, 2000, i, True) for i, u in enumerate(units) if be.pilot_sized(u)
    }
    pil = [be.fit_as_pilot(be.pilot_of(u), ch, 2000, i, False) for i, u in enumerate(units)]
    p_full, p_pil = frame(plain), frame(pil)
    studies = sorted({u.study for u in units})
    post = {s: posterior2(p_full, ch["per_study"][s]["weights"], s) for s in studies}
    ppost = {s: posterior2(p_pil, ch["pilot_per_study"][s]["weights"], s) for s in studies}
    print("full tau (axes, ratio) per left-out:", {s: summary(p) for s, p in post.items()})
    print("pilot tau:", {s: summary(p) for s, p in ppost.items()})
    rows, prow = [], []
    for i, s in enumerate(plain):
        st = s.unit.study
        if i in small:
            rows.append(score(small[i], ch["pilot_per_study"][st]["weights"], ppost[st], 1000 + i))
        else:
            rows.append(score(s, ch["per_study"][st]["weights"], post[st], 1000 + i))
    for i, s in enumerate(pil):
        st = s.unit.study
        prow.append(score(s, ch["pilot_per_study"][st]["weights"], ppost[st], 1000 + i))
    for name, fr in (("full", rows), ("pilot", prow)):
        runs = pd.concat(fr, ignore_index=True)
        st = be.per_study(runs)
        print(name, be.pooled(runs, st).round(4).to_string())
        print(st[["study", "cov50", "cov90", "width90"]].round(3).to_string())
    # simulated laws with the all-studies posteriors
    allp = posterior2(p_full, ch["all"]["weights"], None)
    allpp = posterior2(p_pil, ch["pilot_all"]["weights"], None)
    print("all:", summary(allp), "pilot all:", summary(allpp))
    rng = np.random.default_rng(0)
    rec = []
    for i in range(120):
        sim = be.simulated_set(i, rng, ch, 2000)
        mixed, _ = mix_draws(sim.draws, sim.preset["weights"][sim.group], random_seed=sim.rng)
        da, dr = parts(sim.scales, sim.at)
        post_i = allpp if sim.pilot else allp
        d = np.exp(mixed + offsets(post_i, da, dr, 2000, sim.rng))
        q = np.quantile(d, [0.05, 0.25, 0.75, 0.95], axis=0)
        for j, truth in enumerate(sim.truth):
            rec.append(
                dict(
                    law=sim.kind,
                    in90=q[0, j] <= truth <= q[3, j],
                    in50=q[1, j] <= truth <= q[2, j],
                    w=(q[3, j] - q[0, j]) / truth,
                )
            )
    sim = pd.DataFrame(rec)
    cols = ["in50", "in90", "w"]
    print("simulated", sim[cols].mean().round(3).to_dict())
    print(sim.groupby("law")[cols].mean().round(3).to_dict())


if __name__ == "__main__":
    main()
