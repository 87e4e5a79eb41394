"""Constants used across the package, each with the reason for its value.

One interval probability is used everywhere a single interval is shown (summaries, forecasts,
plots, memos), so that a table and the chart beside it never disagree (a CausalPy lesson).
"""

from __future__ import annotations

#: Probability mass of the single interval shown by default in summaries, forecasts and plots.
INTERVAL_PROB: float = 0.90

#: Bands drawn in fan charts (Bank of England style): central intervals of these masses.
FAN_PROBS: tuple[float, ...] = (0.50, 0.80, 0.90)

#: Convergence thresholds checked after every fit (Vehtari et al. 2021, "Rank-normalization,
#: folding, and localization: an improved R-hat"): R-hat at most 1.01 and at least 400 bulk
#: effective draws (100 per chain for 4 chains) for every parameter, and no divergent transitions.
R_HAT_MAX: float = 1.01
ESS_BULK_MIN: float = 400.0
MAX_DIVERGENCES: int = 0

#: Energy Bayesian fraction of missing information below this in any chain means the momentum
#: resampling cannot move the sampler through the posterior's energy levels, typical of heavy
#: tails (Betancourt 2016, "Diagnosing suboptimal cotangent disintegrations"; Stan's threshold).
EBFMI_MIN: float = 0.3

#: Share of kept draws whose NUTS trajectory may hit the maximum tree depth. Stan reports any
#: saturated transition; a few cost efficiency (which the ESS check already measures), while a
#: persistent share means the trajectory is cut short before it crosses the posterior, so more
#: than 1% fails the fit.
MAX_TREEDEPTH_SHARE: float = 0.01

#: Forecasts beyond this multiple of the largest observed training compute raise a warning.
EXTRAPOLATION_WARN_RATIO: float = 100.0

#: Training FLOPs per parameter per token (Kaplan et al. 2020; Hoffmann et al. 2022): C = 6 N D.
FLOPS_PER_PARAM_TOKEN: float = 6.0

#: Tokens-per-parameter ratios outside this range usually mean a unit slip (parameters given in
#: billions while tokens are raw counts, or the reverse). Published training runs sit between
#: about 0.04 (Chinchilla IsoFLOP edges) and a few thousand (Pythia: 300B tokens on 70M); a unit
#: slip moves the ratio by a factor of about 1e9.
PLAUSIBLE_TOKENS_PER_PARAM: tuple[float, float] = (1.0e-3, 1.0e6)

#: Sampler defaults: 4 chains (R-hat compares chains), 2000 kept draws per chain (a proof of
#: concept's weakly identified E mixes slowly; 8000 draws keep its bulk ESS above 400), 1000 tuning
#: steps, and a target acceptance of 0.9 against divergences in curved small-data posteriors.
DEFAULT_CHAINS: int = 4
DEFAULT_DRAWS: int = 2000
DEFAULT_TUNE: int = 1000
DEFAULT_TARGET_ACCEPT: float = 0.9
