"""Speed: fit the Chinchilla law to the 245 Chinchilla runs, ours against the straightforward way.

Run from the project root::

    .venv/bin/python benchmarks/bench_speed.py [--repeats 3] [--skip-straightforward]

Each measurement runs in a fresh Python process (so "cold" includes imports and compilation):

- ours, cold: process start -> end of the first fit (4 chains x 1000 draws), compile cache warm
  (as on a user's machine after the first run ever);
- ours, cold with an empty compile cache (PyTensor's and numba's caches in a new folder: what a
  fresh CI machine pays once);
- ours, warm: a second fit in the same process on different data of another size (a random half
  of the runs);
- straightforward: a plain ``pm.Model`` with E, A, alpha, B, beta on the raw scale and the default
  ``pm.sample`` (4 chains, PyMC's NUTS), cold and warm in the same way.

Medians over the repeats are printed with the ratios straightforward / ours, measured in the same
run. A second table compares sampler backends on our model (warm fits in one process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _data(frame, half: bool):
    import scaling_bayes as sb

    if half:
        frame = frame.sample(frac=0.5, random_state=7)
    return sb.ScalingData.from_frame(frame, compute="flops")


def _diagnostics(idata, names) -> dict:
    import arviz as az

    summary = az.summary(idata, var_names=names)
    return {
        "max_r_hat": float(summary["r_hat"].max()),
        "min_ess_bulk": float(summary["ess_bulk"].min()),
        "divergences": int(idata.sample_stats["diverging"].sum()),
    }


def worker_ours(sampler: str = "auto") -> dict:
    import warnings

    from _common import load_chinchilla

    import scaling_bayes as sb

    frame = load_chinchilla()
    result = {}
    for label, half in (("cold", False), ("warm", True)):
        model = sb.ScalingLawModel("chinchilla", draws=1000, sampler=sampler, progressbar=False)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(_data(frame, half), random_seed=1)
        end = time.perf_counter()
        result[label] = (end - T0) if label == "cold" else (end - start)
        report = model.diagnostics().to_dict()
        result[f"{label}_diag"] = {
            "max_r_hat": report["max_r_hat"],
            "min_ess_bulk": report["min_ess_bulk"],
            "divergences": report["divergences"],
        }
        result["sampler"] = model.sampler_
    return result


def _straightforward_fit(data):
    import numpy as np
    import pymc as pm

    n = data.column("params")
    d = data.column("tokens")
    y = np.log(data.loss)
    with pm.Model():
        E = pm.Uniform("E", 0, float(data.loss.min()))
        A = pm.LogNormal("A", np.log(400), 2)
        B = pm.LogNormal("B", np.log(400), 2)
        alpha = pm.LogNormal("alpha", np.log(0.25), 0.8)
        beta = pm.LogNormal("beta", np.log(0.25), 0.8)
        sigma = pm.HalfNormal("sigma", 0.05)
        mu = pm.math.log(E + A * n**-alpha + B * d**-beta)
        pm.StudentT("obs", nu=4, mu=mu, sigma=sigma, observed=y)
        return pm.sample(random_seed=1, progressbar=False)


def worker_straightforward() -> dict:
    import warnings

    warnings.simplefilter("ignore")
    from _common import load_chinchilla

    frame = load_chinchilla()
    result = {}
    for label, half in (("cold", False), ("warm", True)):
        start = time.perf_counter()
        idata = _straightforward_fit(_data(frame, half))
        end = time.perf_counter()
        result[label] = (end - T0) if label == "cold" else (end - start)
        result[f"{label}_diag"] = _diagnostics(idata, ["E", "A", "alpha", "B", "beta", "sigma"])
    return result


def worker_backends() -> dict:
    import warnings

    from _common import load_chinchilla

    import scaling_bayes as sb
    from scaling_bayes.core.sampling import available_samplers

    frame = load_chinchilla()
    out = {}
    for sampler in available_samplers():
        times = []
        for half in (False, True, False):  # first fit compiles; report the median of the rest
            model = sb.ScalingLawModel("chinchilla", draws=1000, sampler=sampler, progressbar=False)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(_data(frame, half), random_seed=2)
            times.append(time.perf_counter() - start)
        diag = model.diagnostics().to_dict()
        out[sampler] = {
            "first": times[0],
            "warm": float(sorted(times[1:])[len(times[1:]) // 2]),
            "max_r_hat": diag["max_r_hat"],
            "min_ess_bulk": diag["min_ess_bulk"],
            "divergences": diag["divergences"],
        }
    return out


def _spawn(kind: str, env_extra: dict | None = None) -> dict:
    env = {**os.environ, **(env_extra or {})}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", kind],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"worker {kind} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall"] = wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-straightforward", action="store_true")
    args = parser.parse_args()
    if args.worker:
        fn = {
            "ours": worker_ours,
            "straightforward": worker_straightforward,
            "backends": worker_backends,
        }[args.worker]
        print(json.dumps(fn()))
        return

    import pandas as pd
    from _common import markdown, median

    import scaling_bayes as sb

    print(f"scaling_bayes {sb.__version__}; {os.cpu_count()} cores; repeats={args.repeats}")
    ours = [_spawn("ours") for _ in range(args.repeats)]
    with tempfile.TemporaryDirectory() as tmp:
        empty = [
            _spawn("ours", {"PYTENSOR_FLAGS": f"base_compiledir={tmp}/c{i}"})
            for i in range(args.repeats)
        ]
    rows = [
        {
            "fit": "ours, cold (fresh process, cache warm)",
            "median_s": median(r["cold"] for r in ours),
        },
        {
            "fit": "ours, cold (fresh process, empty cache)",
            "median_s": median(r["cold"] for r in empty),
        },
        {"fit": "ours, warm (2nd fit, half the runs)", "median_s": median(r["warm"] for r in ours)},
    ]
    diag_rows = [{"fit": "ours", **ours[0]["cold_diag"]}]
    if not args.skip_straightforward:
        plain = [_spawn("straightforward") for _ in range(args.repeats)]
        rows += [
            {"fit": "straightforward, cold", "median_s": median(r["cold"] for r in plain)},
            {"fit": "straightforward, warm", "median_s": median(r["warm"] for r in plain)},
        ]
        diag_rows.append({"fit": "straightforward", **plain[0]["cold_diag"]})
        cold_ratio = median(r["cold"] for r in plain) / median(r["cold"] for r in ours)
        warm_ratio = median(r["warm"] for r in plain) / median(r["warm"] for r in ours)
    table = pd.DataFrame(rows)
    print("\n## Wall time, Chinchilla law on 245 runs, 4 chains x 1000 draws (medians)\n")
    print(markdown(table))
    if not args.skip_straightforward:
        print(f"\nratio straightforward / ours: cold {cold_ratio:.1f}x, warm {warm_ratio:.1f}x")
    print("\n## Convergence of the cold fits\n")
    print(markdown(pd.DataFrame(diag_rows)))
    backends = _spawn("backends")
    rows = [
        {
            "backend": name,
            "first_fit_s": b["first"],
            "warm_fit_s": b["warm"],
            "max_r_hat": b["max_r_hat"],
            "min_ess_bulk": b["min_ess_bulk"],
            "divergences": b["divergences"],
        }
        for name, b in backends.items()
        if name != "process_wall"
    ]
    print("\n## Sampler backends on our model (one process; warm = median of the later fits)\n")
    print(markdown(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
