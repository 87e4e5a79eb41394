"""The Huber point fit (Hoffmann et al. 2022, Approach 3) and its bootstrap.

Recovery tolerances come from the estimator's own sampling error: for small noise the Huber
estimate of theta = (a, b, e, alpha, beta) is asymptotically normal with covariance
``c sigma^2 (J'J)^-1``, J the Jacobian of log loss in theta at the truth and
``c = E[psi^2] / E[psi']^2`` the Huber M-estimator's efficiency factor for normal noise
(psi = residual clipped at delta). Each parameter must fall within 4 such standard deviations;
the slow replicate study checks that this standard deviation is right.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.optimize import OptimizeResult, approx_fprime

from scaling_bayes.checks import baselines
from scaling_bayes.checks.baselines import (
    HUBER_DELTA,
    HuberBootstrap,
    HuberFit,
    bootstrap_huber,
    fit_huber,
    starting_grid,
)
from scaling_bayes.core.exceptions import ConvergenceWarning, DataError, InputWarning

#: Allowed distance from the truth or a reference, in standard errors.
N_SE = 4.0

#: Epoch AI's refit of the Chinchilla runs (FACTS.md): estimate and bootstrap SE.
EPOCH = {
    "E": (1.817, 0.026),
    "A": (482.0, 124.5),
    "alpha": (0.348, 0.015),
    "B": (2085.0, 1293.0),
    "beta": (0.366, 0.021),
}
TRUTH = {name: value for name, (value, _) in EPOCH.items()}

CHINCHILLA_CSV = (
    Path(__file__).resolve().parents[1].parent / "shared/data/chinchilla/chinchilla_nd_loss.csv"
)


def chinchilla_runs(drop_highest: int = 0) -> pd.DataFrame:
    """The Chinchilla runs from ../shared/data, without the ``drop_highest`` highest losses."""
    if not CHINCHILLA_CSV.exists():
        pytest.skip(f"{CHINCHILLA_CSV} is absent (public data live beside the project)")
    runs = pd.read_csv(CHINCHILLA_CSV)
    return runs.sort_values("loss").iloc[: len(runs) - drop_highest]


def design(sizes: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Chinchilla-like design: ``sizes`` model sizes, 70M to 16B, at 5 to 80 tokens/parameter."""
    n, ratio = np.meshgrid(np.geomspace(7e7, 1.6e10, sizes), [5.0, 10.0, 20.0, 40.0, 80.0])
    return n.ravel(), (n * ratio).ravel()


def law(params, tokens, p=TRUTH):
    return p["E"] + p["A"] * params ** -p["alpha"] + p["B"] * tokens ** -p["beta"]


def theta_of(p) -> np.ndarray:
    """(a, b, e, alpha, beta), the order of ``HuberFit.theta``."""
    return np.array([np.log(p["A"]), np.log(p["B"]), np.log(p["E"]), p["alpha"], p["beta"]])


def huber_sd(params, tokens, sigma: float, delta: float = HUBER_DELTA) -> np.ndarray:
    """Asymptotic sd of the Huber estimate of theta for normal log-loss noise ``sigma``."""
    loss = law(params, tokens)
    share_n = TRUTH["A"] * params ** -TRUTH["alpha"] / loss
    share_d = TRUTH["B"] * tokens ** -TRUTH["beta"] / loss
    jac = np.column_stack(
        [
            share_n,
            share_d,
            TRUTH["E"] / loss,
            -share_n * np.log(params),
            -share_d * np.log(tokens),
        ]
    )
    k = delta / sigma
    e_psi2 = stats.norm.expect(lambda z: z**2, lb=-k, ub=k) + 2 * k**2 * stats.norm.sf(k)
    e_dpsi = 1 - 2 * stats.norm.sf(k)
    return np.sqrt(e_psi2 / e_dpsi**2 * sigma**2 * np.diag(np.linalg.inv(jac.T @ jac)))


def huber(r: np.ndarray, delta: float = HUBER_DELTA) -> np.ndarray:
    return np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))


# ---------------------------------------------------------------------------------- objective
@pytest.mark.parametrize("law_name", ["chinchilla", "power"])
def test_analytic_gradient_matches_finite_differences(law_name):
    rng = np.random.default_rng(0)
    params, tokens = design(4)
    log_x = np.log(np.stack([params, tokens]))[: 2 if law_name == "chinchilla" else 1]
    log_loss = np.log(law(params, tokens)) + 0.01 * rng.standard_normal(params.size)
    weights = rng.integers(0, 3, params.size).astype(float)  # bootstrap multiplicities
    start = starting_grid(law_name).to_numpy()
    truth = theta_of(TRUTH) if law_name == "chinchilla" else theta_of(TRUTH)[[0, 2, 3]]
    for theta in [truth, truth + 0.01, start[5], start[-1]]:

        def value(t):
            return baselines._objective(t, log_x, log_loss, weights, HUBER_DELTA)[0]

        grad = baselines._objective(theta, log_x, log_loss, weights, HUBER_DELTA)[1]
        numeric = approx_fprime(theta, value, 1e-7)
        np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-4 * np.abs(grad).max())


@pytest.fixture(scope="module")
def epoch_runs() -> pd.DataFrame:
    """The 240 Chinchilla runs Epoch AI refitted (the 5 highest losses dropped)."""
    return chinchilla_runs(drop_highest=5)


@pytest.fixture(scope="module")
def epoch_fit(epoch_runs) -> HuberFit:
    return fit_huber(epoch_runs["params"], epoch_runs["tokens"], epoch_runs["loss"])


def test_objective_is_the_sum_not_the_mean_of_huber_losses(epoch_runs, epoch_fit):
    runs, fit = epoch_runs, epoch_fit
    residual = np.log(fit.predict(runs["params"], runs["tokens"])) - np.log(runs["loss"])
    assert fit.objective == pytest.approx(huber(residual.to_numpy()).sum(), rel=1e-10)


# ---------------------------------------------------------------------------------- recovery
def test_noise_free_chinchilla_law_is_recovered_exactly():
    # Exact data: the objective's minimum is 0 at the truth (a 40-run design identifies all
    # five parameters). L-BFGS stops at relative changes of 1e-12, which leaves errors of about
    # 1e-10; 1e-6 keeps a wide margin yet fails for a wrong optimum or gradient (errors >= 1e-3).
    params, tokens = design()
    runs = pd.DataFrame({"params": params, "tokens": tokens, "loss": law(params, tokens)})
    before = runs.copy()
    fit = fit_huber(runs["params"], runs["tokens"], runs["loss"])
    pd.testing.assert_frame_equal(runs, before)  # inputs are not modified
    assert isinstance(fit, HuberFit)
    for name, value in TRUTH.items():
        assert getattr(fit, name) == pytest.approx(value, rel=1e-6)
    assert fit.objective < 1e-15
    assert fit.converged
    assert fit.n_starts == 108
    assert 1 <= fit.n_at_optimum <= fit.n_starts
    assert fit.n_converged <= fit.n_starts
    np.testing.assert_allclose(fit.predict([7e10], [1.4e12]), law(7e10, 1.4e12), rtol=1e-6)


def test_noise_free_power_law_is_recovered_on_any_axis():
    compute = np.geomspace(1e17, 1e21, 12)
    loss = 2.0 + 130.0 * compute**-0.1
    fit = fit_huber(None, None, loss, law="power", x=compute)
    assert fit.to_dict() == pytest.approx({"E": 2.0, "A": 130.0, "alpha": 0.1}, rel=1e-6)
    assert np.isnan(fit.B) and np.isnan(fit.beta)
    assert fit.axis == "x"
    np.testing.assert_allclose(fit.predict(x=[1e23]), 2.0 + 130.0 * 1e23**-0.1, rtol=1e-6)
    by_params = fit_huber(compute / 1e10, None, loss, law="power")
    assert by_params.axis == "params"
    np.testing.assert_allclose(by_params.predict(params=[1e13]), fit.predict(x=[1e23]), rtol=1e-6)
    with pytest.raises(DataError, match="fitted on params"):
        by_params.predict(tokens=[1e13])


def test_low_noise_chinchilla_law_is_recovered_within_its_sampling_error():
    # 0.5% log-normal noise on 40 runs; each log-parameter within N_SE asymptotic sd of the
    # truth (sd of a about 0.32, of alpha 0.019, of E about 0.9%).
    rng = np.random.default_rng(42)
    params, tokens = design()
    sigma = 0.005
    loss = law(params, tokens) * np.exp(sigma * rng.standard_normal(params.size))
    fit = fit_huber(params, tokens, loss)
    error = np.array(fit.theta) - theta_of(TRUTH)
    assert np.all(np.abs(error) < N_SE * huber_sd(params, tokens, sigma))


@pytest.mark.slow
def test_asymptotic_sd_used_as_tolerance_matches_replicated_fits():
    # 30 replicate data sets: for each parameter, sum of squared z-scores ~ chi-square(30);
    # two-sided 0.1% bounds.
    params, tokens = design()
    sigma = 0.005
    sd = huber_sd(params, tokens, sigma)
    z = []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        loss = law(params, tokens) * np.exp(sigma * rng.standard_normal(params.size))
        z.append((np.array(fit_huber(params, tokens, loss).theta) - theta_of(TRUTH)) / sd)
    chi2 = (np.array(z) ** 2).sum(axis=0)
    low, high = stats.chi2.ppf([0.0005, 0.9995], 30)
    assert np.all((chi2 > low) & (chi2 < high)), chi2


# ---------------------------------------------------------------------------------- real data
def test_chinchilla_refit_reproduces_epoch_ai(epoch_runs, epoch_fit):
    # Same runs (240: the 5 highest losses dropped) and objective as Epoch AI, so the optimum
    # should agree up to their optimiser's stopping point: within a quarter of their bootstrap
    # SE, and our objective no higher than at their (rounded) estimates.
    runs, fit = epoch_runs, epoch_fit
    for name, (value, se) in EPOCH.items():
        assert abs(getattr(fit, name) - value) < 0.25 * se, name
    residual = np.log(law(runs["params"], runs["tokens"])) - np.log(runs["loss"])
    assert fit.objective <= huber(residual.to_numpy()).sum()
    assert fit.n_runs == 240
    assert fit.n_at_optimum > 10


@pytest.mark.slow
def test_coarse_grid_finds_the_optimum_of_hoffmanns_full_grid():
    # On Epoch AI's 240 runs (the full grid takes ~25 s; the 245-run case is the same code path
    # and was checked when the default grid was chosen, see the module docstring).
    runs = chinchilla_runs(drop_highest=5)
    coarse = fit_huber(runs["params"], runs["tokens"], runs["loss"])
    full = fit_huber(runs["params"], runs["tokens"], runs["loss"], grid="hoffmann")
    assert full.n_starts == 4500
    assert coarse.objective == pytest.approx(full.objective, rel=1e-6)
    np.testing.assert_allclose(coarse.theta, full.theta, rtol=1e-4)


@pytest.mark.slow
def test_bootstrap_standard_errors_match_epoch_ai():
    # A sample sd from n_boot replicates has relative SE sqrt((kurtosis + 2) / (4 n_boot))
    # (excess kurtosis estimated from the draws); Epoch's own SEs (4000 replicates) are nearly
    # exact, so each ratio must be within N_SE of those relative SEs of 1.
    runs = chinchilla_runs(drop_highest=5)
    boot = bootstrap_huber(runs["params"], runs["tokens"], runs["loss"], n_boot=200, random_seed=24)
    summary = boot.summary()
    for name, (_, se) in EPOCH.items():
        kurtosis = stats.kurtosis(boot.draws[name])
        rel_se = np.sqrt((kurtosis + 2) / (4 * boot.n_boot))
        assert abs(summary.loc[name, "se"] / se - 1) < N_SE * rel_se, name


# ---------------------------------------------------------------------------------- bootstrap
def _power_runs(rng, n: int, sigma: float):
    x = np.geomspace(1e17, 1e21, n)
    return x, (2.0 + 130.0 * x**-0.1) * np.exp(sigma * rng.standard_normal(n))


def test_bootstrap_is_reproducible_and_shaped_per_replicate():
    x, loss = _power_runs(np.random.default_rng(1), 15, 0.01)
    boot = bootstrap_huber(None, None, loss, law="power", x=x, n_boot=12, random_seed=5)
    again = bootstrap_huber(None, None, loss, law="power", x=x, n_boot=12, random_seed=5)
    other = bootstrap_huber(None, None, loss, law="power", x=x, n_boot=12, random_seed=6)
    assert isinstance(boot, HuberBootstrap)
    assert boot.n_boot == 12
    assert boot.draws.columns.tolist() == ["E", "A", "alpha", "objective", "converged"]
    pd.testing.assert_frame_equal(boot.draws, again.draws)
    assert not boot.draws["alpha"].equals(other.draws["alpha"])
    draws = boot.predict_draws(x=[1e22, 1e23, 1e24], random_seed=3)
    assert draws.shape == (12, 3)
    np.testing.assert_array_equal(draws, boot.predict_draws(x=[1e22, 1e23, 1e24], random_seed=3))
    assert boot.summary().index.tolist() == ["E", "A", "alpha"]
    assert boot.log_residuals.shape == (15,)


def test_bootstrap_predictive_covers_new_runs_only_with_residual_noise():
    # 40 runs with 1% noise; 400 new runs at scales inside the data. With resampled residuals
    # the 90% intervals are predictive: coverage is 0.9 up to binomial error over new runs plus
    # the error of 40 residuals as a noise sample, sqrt(p (1-p) (1/400 + 1/40)) = 0.05. Without
    # them the intervals hold parameter uncertainty only and are far too narrow.
    rng = np.random.default_rng(3)
    x, loss = _power_runs(rng, 40, 0.01)
    boot = bootstrap_huber(
        None, None, loss, law="power", x=x, n_boot=100, random_seed=4, extra_starts=1
    )
    new_x = np.exp(rng.uniform(np.log(1e17), np.log(1e21), 400))
    new_loss = (2.0 + 130.0 * new_x**-0.1) * np.exp(0.01 * rng.standard_normal(400))
    lower, upper = np.quantile(boot.predict_draws(x=new_x, random_seed=5), [0.05, 0.95], axis=0)
    with_noise = np.mean((lower <= new_loss) & (new_loss <= upper))
    assert abs(with_noise - 0.9) < N_SE * np.sqrt(0.09 * (1 / 400 + 1 / 40))
    lower, upper = np.quantile(
        boot.predict_draws(x=new_x, add_residual_noise=False), [0.05, 0.95], axis=0
    )
    assert np.mean((lower <= new_loss) & (new_loss <= upper)) < 0.6


def test_bootstrap_of_the_chinchilla_law_warm_starts_from_the_full_fit():
    rng = np.random.default_rng(8)
    params, tokens = design()
    loss = law(params, tokens) * np.exp(0.005 * rng.standard_normal(params.size))
    boot = bootstrap_huber(params, tokens, loss, n_boot=8, random_seed=0, extra_starts=1)
    assert boot.draws.columns.tolist() == [
        "E",
        "A",
        "alpha",
        "B",
        "beta",
        "objective",
        "converged",
    ]
    # Replicates scatter around the full fit by about the sampling sd.
    spread = (theta_of(boot.draws) - np.array(boot.fit.theta)[:, None]).std(axis=1)
    assert np.all(spread < 3 * huber_sd(params, tokens, 0.005))
    assert boot.predict_draws([7e10], [1.4e12], random_seed=1).shape == (8, 1)


# ---------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"params": [1e8, np.nan, 1e9]}, "params must be finite"),
        ({"tokens": [1e9, -1e10, 1e11]}, "tokens must be positive"),
        ({"loss": [3.0, 2.5]}, "loss has 2 values but the scales have 3"),
        ({"tokens": [1e9, 1e10]}, "params has 3 values but tokens has 2"),
        ({"loss": [3.0, 0.0, 2.0]}, "loss must be positive"),
        ({"loss": None}, "loss is required"),
        ({"params": None}, "params is required"),
        ({"law": "broken"}, "law must be one of"),
        ({"grid": "fine"}, "grid must be 'coarse', 'hoffmann'"),
        ({"grid": np.zeros((3, 4))}, r"grid must have shape \(n_starts, 5\)"),
        ({"delta": 0.0}, "delta must be a positive number"),
        ({}, "loss has 3 runs; law='chinchilla' has 5 parameters"),
        ({"x": [1.0, 2.0, 3.0]}, "x is only for law='power'"),
    ],
)
def test_bad_input_raises_data_error_naming_the_argument(kwargs, match):
    args = {"params": [1e8, 1e9, 1e10], "tokens": [1e9, 1e10, 1e11], "loss": [3.0, 2.5, 2.2]}
    args.update(kwargs)
    with pytest.raises(DataError, match=match):
        fit_huber(args.pop("params"), args.pop("tokens"), args.pop("loss"), **args)


def test_power_law_needs_one_axis_and_the_bootstrap_validates_its_options():
    with pytest.raises(DataError, match="x is required for law='power'"):
        fit_huber([1e8] * 5, [1e9] * 5, [3.0] * 5, law="power")
    x, loss = _power_runs(np.random.default_rng(0), 6, 0.01)
    with pytest.raises(DataError, match="n_boot must be an integer"):
        bootstrap_huber(None, None, loss, law="power", x=x, n_boot=1)
    with pytest.raises(DataError, match="extra_starts must be an integer of at least 0"):
        bootstrap_huber(None, None, loss, law="power", x=x, n_boot=5, extra_starts=-1)


def test_scales_in_billions_are_flagged():
    params = np.geomspace(0.07, 16.0, 8)  # billions of parameters, not raw counts
    with pytest.warns(InputWarning, match="params are all below 1e5"):
        fit_huber(params, None, 2.0 + 0.5 * params**-0.3, law="power")


def test_degenerate_bootstrap_replicate_still_predicts_finitely(monkeypatch):
    """A resample of a few runs can fit a steep exponent whose amplitude A = exp(a) overflows;
    predictions come from the log parameters, so every draw stays finite.

    Whether a random resample is that degenerate depends on the optimiser's version, so the
    degenerate replicate is made on purpose: the second replicate's optimum is replaced by one
    with log A = 800 (beyond exp's range of about 709) and an exponent that keeps its law equal
    to the fitted one at the middle of the runs."""
    x = 1.25e16 * 2.0 ** np.arange(6)
    y = np.array([4.543239, 4.3644003, 4.2011504, 4.0373517, 3.8989374, 3.7640933])
    log_mid = float(np.log(x).mean())
    real = baselines._multistart
    calls = []

    def steep_second_replicate(starts, *args):
        best, n_conv, n_opt, converged = real(starts, *args)
        calls.append(best)
        if len(calls) == 3:  # call 1 is the full fit, calls 2, 3, ... the replicates
            a, e, alpha = best.x
            steep = np.array([800.0, e, alpha + (800.0 - a) / log_mid])
            best = OptimizeResult(x=steep, fun=best.fun, success=True)
        return best, n_conv, n_opt, converged

    monkeypatch.setattr(baselines, "_multistart", steep_second_replicate)
    boot = bootstrap_huber(None, None, y, law="power", x=x, n_boot=4, random_seed=0)
    assert np.isinf(boot.draws["A"].iloc[1])  # the degenerate replicate is really there
    assert np.isfinite(boot.draws["A"].drop(index=1)).all()
    draws = boot.predict_draws(x=[8e17, np.exp(log_mid)], add_residual_noise=False)
    assert np.isfinite(draws).all()
    # At the middle of the runs the steep replicate predicts what its own fit predicted.
    mid = np.exp(baselines._log_law(calls[2].x, np.array([[log_mid]])))
    np.testing.assert_allclose(draws[1, 1], mid[0], rtol=1e-9)


def _script_convergence(monkeypatch, certify):
    """Run the real L-BFGS from every start but replace its success flag by ``certify``.

    ``certify(res, k)`` sees the result and how many earlier starts ended at the same optimum,
    so a test can make starts that tie at the optimum disagree about convergence (as SciPy's
    L-BFGS-B does on the kinked Huber objective: some end "ABNORMAL" in the line search)."""
    real = baselines._minimise
    optimum = []

    def scripted(*args):
        res = real(*args)
        at_optimum = optimum and abs(res.fun - optimum[0]) <= 1e-6 * abs(optimum[0])
        seen = sum(1 for f in optimum[1:] if abs(f - optimum[0]) <= 1e-6 * abs(optimum[0]))
        res.success = certify(res, seen) if at_optimum else True
        if at_optimum:
            optimum.append(res.fun)
        return res

    return scripted, optimum


def _power_doctest_runs():
    x = np.geomspace(1e17, 1e21, 12)
    return x, (2.0 + 130 * x**-0.1) * np.exp(0.01 * np.random.default_rng(0).normal(size=12))


def test_an_optimum_certified_by_one_start_counts_as_converged(monkeypatch):
    x, loss = _power_doctest_runs()
    reference = fit_huber(None, None, loss, law="power", x=x)
    scripted, optimum = _script_convergence(monkeypatch, lambda res, seen: seen == 0)
    optimum.append(reference.objective / reference.delta)
    monkeypatch.setattr(baselines, "_minimise", scripted)
    fit = fit_huber(None, None, loss, law="power", x=x)  # any warning fails the test
    assert fit.n_at_optimum == reference.n_at_optimum > 1
    assert fit.n_converged == fit.n_starts - (fit.n_at_optimum - 1)
    assert fit.converged
    np.testing.assert_allclose(fit.theta, reference.theta, rtol=1e-4)


def test_an_optimum_no_start_certifies_warns(monkeypatch):
    x, loss = _power_doctest_runs()
    reference = fit_huber(None, None, loss, law="power", x=x)
    scripted, optimum = _script_convergence(monkeypatch, lambda res, seen: False)
    optimum.append(reference.objective / reference.delta)
    monkeypatch.setattr(baselines, "_minimise", scripted)
    with pytest.warns(ConvergenceWarning, match=f"any of the {reference.n_at_optimum} starts"):
        fit = fit_huber(None, None, loss, law="power", x=x)
    assert not fit.converged
