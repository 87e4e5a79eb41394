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

import scaling_bayes as sb
from scaling_bayes.core.discrepancy import extrapolation_distance
from scaling_bayes.core.mixture import PILOT_MAX_RUNS, eligible, fit_form, mix_draws


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
    ch = json.load(open(be.CHOICES))
    units = be.all_units()
    full, pil = [], []
    for i, u in enumerate(units):
        full.append(be.fit_unit(u, 2000, i, True))
        if be.pilot_sized(u):
            full[-1] = be.restrict(
                be.fit_unit(
                    u, 2000, i, True, ch["exponent_prior_per_study"][u.study], all_forms=True
                ),
                ch["pilot_per_study"][u.study]["forms"],
            )
            full[-1].small = True
        pil.append(
            be.restrict(
                be.fit_unit(
                    be.pilot_of(u),
                    2000,
                    i,
                    False,
                    ch["exponent_prior_per_study"][u.study],
                    all_forms=True,
                ),
                ch["pilot_per_study"][u.study]["forms"],
            )
        )
    # full choices learned on every split's full fit with weak priors (as the benchmark does)
    plain = [be.fit_unit(u, 2000, i, True) for i, u in enumerate(units)]
    P_full, P_pil = frame(plain), frame(pil)
    studies = sorted({u.study for u in units})
    post = {s: posterior2(P_full, ch["per_study"][s]["weights"], s) for s in studies}
    ppost = {s: posterior2(P_pil, ch["pilot_per_study"][s]["weights"], s) for s in studies}
    print("full tau (axes, ratio) per left-out:", {s: summary(p) for s, p in post.items()})
    print("pilot tau:", {s: summary(p) for s, p in ppost.items()})
    rows, prow = [], []
    for i, s in enumerate(full):
        st = s.unit.study
        if getattr(s, "small", False):
            rows.append(score(s, ch["pilot_per_study"][st]["weights"], ppost[st], 1000 + i))
        else:
            rows.append(score(s, ch["per_study"][st]["weights"], post[st], 1000 + i))
    for i, s in enumerate(pil):
        prow.append(
            score(s, ch["pilot_per_study"][s.unit.study]["weights"], ppost[s.unit.study], 1000 + i)
        )
    for name, fr in (("full", rows), ("pilot", prow)):
        runs = pd.concat(fr, ignore_index=True)
        st = be.per_study(runs)
        print(name, be.pooled(runs, st).round(4).to_string())
        print(st[["study", "cov50", "cov90", "width90"]].round(3).to_string())
    # simulated laws with the all-studies posteriors
    allp, allpp = (
        posterior2(P_full, ch["all"]["weights"], None),
        posterior2(P_pil, ch["pilot_all"]["weights"], None),
    )
    print("all:", summary(allp), "pilot all:", summary(allpp))
    import bench_calibration as cal

    rng = np.random.default_rng(0)
    rec = []
    for i in range(120):
        kind = "power" if i % 2 == 0 else "chinchilla"
        law = cal.draw_law(rng, kind)
        noise = rng.uniform(0.005, 0.03)
        design = cal.draw_design(rng, kind)
        runs = sb.simulate_runs(design, law=law, noise=noise, random_seed=int(rng.integers(1e9)))
        target = cal.targets(design, kind)
        new = sb.simulate_runs(target, law=law, noise=noise, random_seed=int(rng.integers(1e9)))
        group = "one_axis" if kind == "power" else "two_axis"
        axes = ("params",) if kind == "power" else ("params", "tokens")
        x = "params" if kind == "power" else None
        scales = {a: runs[a].to_numpy(float) for a in axes}
        at = {a: target[a].to_numpy(float) for a in axes}
        fr = np.random.default_rng(i)
        pilot = len(runs) <= PILOT_MAX_RUNS
        preset = ch["pilot_all" if pilot else "all"]
        priors = ch["exponent_prior_all"] if pilot else {}
        draws = {
            f: fit_form(
                f, scales, runs["loss"].to_numpy(float), x=x, prior=priors.get(f)
            ).predictive_log(at, 2000, fr)[1]
            for f in be.GROUPS[group]
            if (pilot and preset["forms"] == "all") or eligible(f, len(runs))
        }
        mixed, _ = mix_draws(draws, preset["weights"][group], random_seed=fr)
        da, dr = parts(scales, at)
        d = np.exp(mixed + offsets(allpp if pilot else allp, da, dr, 2000, fr))
        q = np.quantile(d, [0.05, 0.25, 0.75, 0.95], axis=0)
        truth = new["loss"].to_numpy()
        for j in range(truth.size):
            rec.append(
                dict(
                    law=kind,
                    in90=q[0, j] <= truth[j] <= q[3, j],
                    in50=q[1, j] <= truth[j] <= q[2, j],
                    w=(q[3, j] - q[0, j]) / truth[j],
                )
            )
    sim = pd.DataFrame(rec)
    print(
        "simulated",
        sim[["in50", "in90", "w"]].mean().round(3).to_dict(),
        sim.groupby("law")[["in50", "in90", "w"]].mean().round(3).to_dict(),
    )


if __name__ == "__main__":
    main()
