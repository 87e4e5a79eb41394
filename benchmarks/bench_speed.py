"""Speed: fit the Chinchilla law to the 245 Chinchilla runs, as users get it, against plain PyMC.

Run from the project root (on a quiet machine: every number is wall time)::

    .venv/bin/python benchmarks/bench_speed.py --repeats 3 [--demo] [--evidence]
    .venv/bin/python benchmarks/bench_speed.py --quick      # smoke run, a few minutes
    .venv/bin/python benchmarks/bench_speed.py --forms      # today's fit and the form mixtures

Every fit of ours uses the package defaults (4 chains x (1000 tune + 2000 draws)). Two paths:

- **default** (``sampler="auto"``: nutpie, what ``pip install scaling_bayes`` gives);
- **plain PyMC NUTS** (``sampler="pymc"``: what a user gets when nutpie cannot be installed,
  the path of the fallback warning);

each measured three ways, every cold measurement in a fresh Python process:

- cold, empty caches: process start -> end of the first fit, with new, empty folders for our
  compiled-model cache, PyTensor's compile cache and numba's cache (a new machine's first fit);
- cold, new law (default path only): PyTensor's and numba's caches filled, ours empty (the first
  fit of a law never fitted on this machine: what every process paid before issue 12);
- cold, warm caches: the same in a new process once those folders are filled (a user's first fit
  of the day, a process-pool worker);
- warm: a second fit in the same process on other data (a random half of the runs).

The baseline is the straightforward PyMC model below (``_straightforward_fit``, unchanged since
issue 2: raw-scale parameters and the default ``pm.sample``), cold and warm in the same way.
Every row gives its median over the repeats and its ratio to the baseline of the same kind
(cold to cold, warm to warm), measured in the same run. Peak memory is the process's peak
resident set size (``ru_maxrss``), imports included. ``--demo`` adds the wall time and peak
memory of ``scaling-bayes demo`` (what ``make demo`` runs: both reviews); ``--evidence`` adds the
wall time of ``bench_evidence.py``. A last table compares the sampler backends on our model.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

QUICK_DRAWS = 200  # --quick: short chains, to check the script runs, not to measure


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


def _peak_mb(who=resource.RUSAGE_SELF) -> float:
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1 / 1024**2 if sys.platform == "darwin" else 1 / 1024
    return resource.getrusage(who).ru_maxrss * scale


def worker_ours(sampler: str = "auto", quick: bool = False) -> dict:
    import warnings

    from _common import load_chinchilla

    import scaling_bayes as sb
    from scaling_bayes.core import compile_cache

    imported = time.perf_counter() - T0
    routes = []
    original = compile_cache.compile_nutpie_model

    def spy(build, key):
        compiled, source = original(build, key)
        routes.append(source)
        return compiled, source

    compile_cache.compile_nutpie_model = spy
    frame = load_chinchilla()
    sizes = {} if not quick else {"draws": QUICK_DRAWS, "tune": QUICK_DRAWS}
    result = {"imports": imported, "peak_mb_before_fit": _peak_mb()}
    for label, half in (("cold", False), ("warm", True)):
        model = sb.ScalingLawModel("chinchilla", sampler=sampler, progressbar=False, **sizes)
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
        result["draws"] = f"{model.chains} x ({model.tune} + {model.draws})"
    result["peak_mb"] = _peak_mb()
    result["compile_routes"] = routes
    return result


def worker_mixture(posterior: str = "laplace") -> dict:
    """Form uncertainty (``FormMixture``): fit and forecast one scale, cold then warm."""
    import warnings

    from _common import load_chinchilla

    import scaling_bayes as sb

    imported = time.perf_counter() - T0
    frame = load_chinchilla()
    result = {"imports": imported}
    # cold: all 245 runs; warm: half of them (as the single-form rows), then all 245 again
    for label, half in (("cold", False), ("warm", True), ("warm_all", False)):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mixture = sb.FormMixture(posterior=posterior).fit(_data(frame, half), random_seed=1)
            mixture.predict(params=[7e10], tokens=[1.4e12])
        end = time.perf_counter()
        result[label] = (end - T0) if label == "cold" else (end - start)
        result["forms"] = sorted(mixture.fits_)
        result[f"{label}_converged"] = mixture.converged_
    result["peak_mb"] = _peak_mb()
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
    result["peak_mb"] = _peak_mb()
    return result


def worker_backends(quick: bool = False) -> dict:
    import warnings

    from _common import load_chinchilla

    import scaling_bayes as sb
    from scaling_bayes.core.sampling import available_samplers

    frame = load_chinchilla()
    sizes = {} if not quick else {"draws": QUICK_DRAWS, "tune": QUICK_DRAWS}
    out = {}
    for sampler in available_samplers():
        times = []
        for half in (False, True, False):  # first fit compiles; report the median of the rest
            model = sb.ScalingLawModel("chinchilla", sampler=sampler, progressbar=False, **sizes)
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


def _spawn(args: list[str], env_extra: dict | None = None) -> dict:
    env = {**os.environ, **(env_extra or {})}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall"] = wall
    return result


def _empty_cache_env(folder: Path) -> dict:
    """Environment sending every compile cache to new folders under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "SCALING_BAYES_CACHE_DIR": str(folder / "scaling_bayes"),
        "PYTENSOR_FLAGS": f"base_compiledir={folder / 'pytensor'}",
        "NUMBA_CACHE_DIR": str(folder / "numba"),
    }


def _measure_path(sampler: str, repeats: int, quick: bool, tmp: Path) -> dict:
    """Cold (empty caches; only our cache empty; warm caches) and warm fits of one path."""
    args = ["ours", sampler] + (["--quick"] if quick else [])
    empty = []
    for i in range(repeats):
        env = _empty_cache_env(tmp / f"{sampler}-{i}")
        empty.append(_spawn(args, env))
    # The last empty-cache run filled its folders: later processes start from them.
    warm_cache = [_spawn(args, env) for _ in range(repeats)]
    # A law never fitted on this machine: PyTensor's and numba's caches warm, ours empty.
    new_law = [
        _spawn(args, {**env, "SCALING_BAYES_CACHE_DIR": str(tmp / f"{sampler}-new-{i}")})
        for i in range(repeats if sampler == "auto" else 0)
    ]
    return {"empty": empty, "new_law": new_law, "warm_cache": warm_cache}


def _timed_command(command: list[str]) -> dict:
    """Wall time and the command's own peak resident memory (its rusage, from ``wait4``)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{command} failed:\n{err.read().decode()[-3000:]}")
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1 / 1024**2 if sys.platform == "darwin" else 1 / 1024
    return {"wall": wall, "peak_mb": usage.ru_maxrss * scale}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs="*", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 repeat, 200+200 draws, no baseline")
    parser.add_argument("--skip-straightforward", action="store_true")
    parser.add_argument(
        "--forms",
        action="store_true",
        help="only today's default fit and the form mixtures (no PyMC fallback, no baseline)",
    )
    parser.add_argument("--demo", action="store_true", help="also time `scaling-bayes demo`")
    parser.add_argument("--evidence", action="store_true", help="also time bench_evidence.py")
    args = parser.parse_args()
    if args.worker is not None:
        kind, *rest = args.worker
        quick = "--quick" in rest or args.quick
        rest = [r for r in rest if r != "--quick"]
        if kind == "ours":
            out = worker_ours(rest[0] if rest else "auto", quick=quick)
        elif kind == "straightforward":
            out = worker_straightforward()
        elif kind == "mixture":
            out = worker_mixture(rest[0] if rest else "laplace")
        else:
            out = worker_backends(quick=quick)
        print(json.dumps(out))
        return

    import pandas as pd
    from _common import markdown, median

    import scaling_bayes as sb
    from scaling_bayes.core.compile_cache import library_versions

    repeats = 1 if args.quick else args.repeats
    skip_plain = args.skip_straightforward or args.quick or args.forms
    versions = library_versions()
    print(
        f"scaling_bayes {sb.__version__}; {os.cpu_count()} cores; repeats={repeats}; "
        + ", ".join(f"{k} {versions[k]}" for k in ("python", "nutpie", "numba", "pymc"))
    )
    if args.quick:
        print(f"--quick: {QUICK_DRAWS} tune + {QUICK_DRAWS} draws, no baseline; not a measurement")

    with tempfile.TemporaryDirectory() as tmp:
        paths = {"default (nutpie)": _measure_path("auto", repeats, args.quick, Path(tmp))}
        if not args.forms:
            paths["plain PyMC NUTS (fallback)"] = _measure_path(
                "pymc", repeats, args.quick, Path(tmp)
            )
    baseline = None
    if not skip_plain:
        plain = [_spawn(["straightforward"]) for _ in range(repeats)]
        baseline = {
            "cold": median(r["cold"] for r in plain),
            "warm": median(r["warm"] for r in plain),
        }

    def ratio(kind: str, seconds: float) -> str:
        return "n/a" if baseline is None else f"{baseline[kind] / seconds:.1f}x"

    rows, diag_rows = [], []

    def row(path, label, kind, runs, field_="cold", peak=True, imports=False):
        seconds = median(r[field_] for r in runs)
        return {
            "path": path,
            "fit": label,
            "median_s": seconds,
            "baseline / this": ratio(kind, seconds),
            "peak_mb": f"{median(r['peak_mb'] for r in runs):.0f}" if peak else "",
            "imports_s": f"{median(r['imports'] for r in runs):.2f}" if imports else "",
            "compile": "/".join(runs[0].get("compile_routes", [])) or "-",
        }

    for name, runs in paths.items():
        rows.append(row(name, "cold, empty caches", "cold", runs["empty"]))
        if runs["new_law"]:
            rows.append(row(name, "cold, new law (our cache empty)", "cold", runs["new_law"]))
        rows.append(row(name, "cold, warm caches", "cold", runs["warm_cache"], imports=True))
        every = runs["empty"] + runs["new_law"] + runs["warm_cache"]
        warm = row(name, "warm (2nd fit, half the runs)", "warm", every, "warm", peak=False)
        rows.append({**warm, "compile": "-"})
        first = runs["warm_cache"][0]
        diag_rows.append({"path": name, "sampler": first["sampler"], **first["cold_diag"]})
    if baseline is not None:
        for kind in ("cold", "warm"):
            rows.append(
                {
                    "path": "straightforward PyMC (baseline)",
                    "fit": kind,
                    "median_s": baseline[kind],
                    "baseline / this": "1.0x",
                    "peak_mb": f"{median(r['peak_mb'] for r in plain):.0f}",
                    "imports_s": "",
                    "compile": "-",
                }
            )
        diag_rows.append({"path": "straightforward", "sampler": "pymc", **plain[0]["cold_diag"]})
    # Form uncertainty (issue 14): every form by its Laplace approximation (no compilation), or
    # sampled by NUTS (one compiled model per form: empty caches, warm caches, warm).
    with tempfile.TemporaryDirectory() as tmp:
        nuts_empty = [
            _spawn(["mixture", "nuts"], _empty_cache_env(Path(tmp) / f"mixture-{i}"))
            for i in range(repeats)
        ]
        env = _empty_cache_env(Path(tmp) / f"mixture-{repeats - 1}")
        nuts_warm = [_spawn(["mixture", "nuts"], env) for _ in range(repeats)]
    mixtures = {
        ("Laplace per form", "cold, fresh process"): [_spawn(["mixture"]) for _ in range(repeats)],
        ("NUTS per form", "cold, empty caches"): nuts_empty,
        ("NUTS per form", "cold, warm caches"): nuts_warm,
    }
    for (how, label), runs in mixtures.items():
        kinds = ("cold", "warm", "warm_all") if label != "cold, empty caches" else ("cold",)
        names = {
            "cold": f"{label}: fit + forecast",
            "warm": "warm: fit + forecast (half the runs)",
            "warm_all": "warm: fit + forecast (all 245 runs)",
        }
        for kind in kinds:
            rows.append(
                {
                    "path": f"form mixture (FormMixture, {how})",
                    "fit": names[kind],
                    "median_s": median(r[kind] for r in runs),
                    "baseline / this": ratio(
                        "cold" if kind == "cold" else "warm", median(r[kind] for r in runs)
                    ),
                    "peak_mb": f"{median(r['peak_mb'] for r in runs):.0f}"
                    if kind == "cold"
                    else "",
                    "imports_s": f"{median(r['imports'] for r in runs):.2f}"
                    if kind == "cold"
                    else "",
                    "compile": "-",
                }
            )
    converged = [
        r[f"{k}_converged"] for r in nuts_empty + nuts_warm for k in ("cold", "warm", "warm_all")
    ]
    print(
        f"form mixture: forms {', '.join(nuts_warm[0]['forms'])}; NUTS fits converged in "
        f"{sum(converged)} of {len(converged)}"
    )
    draws = paths["default (nutpie)"]["empty"][0]["draws"]
    print(f"\n## Wall time, Chinchilla law on 245 runs, chains x (tune + draws) = {draws}\n")
    print(markdown(pd.DataFrame(rows)))
    print("\n## Convergence of the cold fits (warm caches)\n")
    print(markdown(pd.DataFrame(diag_rows)))

    extra = []
    if args.demo:
        with tempfile.TemporaryDirectory() as tmp:
            cli = Path(sys.executable).with_name("scaling-bayes")
            run = _timed_command([str(cli), "demo", "--out", f"{tmp}/demo", "--force"])
        extra.append({"what": "scaling-bayes demo (make demo)", "wall_s": run["wall"], **run})
    if args.evidence:
        run = _timed_command([sys.executable, str(HERE / "bench_evidence.py")])
        extra.append({"what": "bench_evidence.py", "wall_s": run["wall"], **run})
    if extra:
        print("\n## Whole commands (one run each)\n")
        frame = pd.DataFrame(extra)[["what", "wall_s", "peak_mb"]]
        print(markdown(frame))
    if args.forms:
        return

    backends = _spawn(["backends"] + (["--quick"] if args.quick else []))
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
