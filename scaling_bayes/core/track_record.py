"""How often the method's 90% intervals held in backtests on public studies of each kind.

A forecast states how far its intervals can be trusted (``Forecast.track_record``, shown by
``Forecast.summary`` and the memo), measured on studies *of its own kind* and with *its own
method*: language-model ladders (parameters and tokens) or learning curves (a metric over the
amount of data) for the single-law model, and the form mixture's nested leave-one-study-out
backtest for :class:`~scaling_bayes.core.mixture.FormMixture`. The figures are constants
measured once by the package's benchmarks and restated here with their source; nothing
recomputes them at run time.

Language-model ladders: forecasts beyond the fitted runs on six public studies (Hoffmann et al.
2022, https://arxiv.org/abs/2203.15556, two splits; Porian et al. 2024,
https://arxiv.org/abs/2406.19146; Brown et al. 2020, https://arxiv.org/abs/2005.14165;
Biderman et al. 2023, https://arxiv.org/abs/2304.01373; the ScaleBench splits of Farseer, Li et
al. 2025, and of the data-constrained runs of Muennighoff et al. 2023,
https://arxiv.org/abs/2305.16264), each held-out run scored once
with the package's default model (``ScalingLawModel``, one law form): the 90% predictive
intervals covered 46 of 87 held-out runs (``benchmarks/bench_evidence.py``, method "today").
They held on every run of Porian et al., GPT-3, Pythia and the data-constrained split, and failed
on most of Chinchilla (13 of 47) and all of Farseer (0 of 7), where the law's form did not hold.

Learning curves (a bounded metric over the amount of data): the 36 vision learning curves of the
M4 benchmark (Alabdulmohsin et al. 2022, https://arxiv.org/abs/2209.06640; few-shot error rate of
6 architectures on Birds-200 and CIFAR-100), each fitted on its training points and scored on
its held-out larger scales (1,438 points), with the law chosen leave-one-task-out: the 90%
intervals covered 64% of the held-out points (standard error 4 points, over curves;
``benchmarks/bench_m4_vision.py --chains 4 --tune 500 --draws 500 --max-heldout 40``). They are
over-confident: the tail of a curve bends a little differently from what its first points imply.

Examples
--------
>>> from scaling_bayes.core.track_record import track_record
>>> r = track_record("language_model")
>>> r.covered, r.held_out, r.n_studies, round(r.share, 2)
(46, 87, 6, 0.53)
>>> c = track_record("learning_curve")
>>> c.covered is None, c.held_out, c.n_studies, c.share
(True, 1438, 36, 0.64)
"""

from __future__ import annotations

from dataclasses import dataclass

from .exceptions import ConfigError

__all__ = ["KINDS", "TRACK_RECORD", "TrackRecord", "study_kind", "track_record"]


@dataclass(frozen=True)
class TrackRecord:
    """Coverage of the 90% intervals on held-out points of public studies of one kind.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    share : float
        Share of held-out points inside their 90% interval, as the benchmark reported it.
    held_out : int
        Held-out points scored.
    n_studies : int
        Public studies (or curves) the points come from.
    source : str
        The benchmark command that measured it and the studies it used.
    covered : int or None
        Held-out points inside their 90% interval, when the benchmark reported the count.
    """

    kind: str
    share: float
    held_out: int
    n_studies: int
    source: str
    covered: int | None = None


#: Measured coverage per kind of study (see the module docstring for the studies).
TRACK_RECORD: dict[str, TrackRecord] = {
    "language_model": TrackRecord(
        kind="language_model",
        share=46 / 87,
        held_out=87,
        n_studies=6,
        covered=46,
        source=(
            "scaling_bayes benchmarks/bench_evidence.py (method 'today'): Hoffmann et al. 2022 "
            "(two splits), Porian et al. 2024, Brown et al. 2020, Biderman et al. 2023, "
            "ScaleBench Farseer and data-constrained splits"
        ),
    ),
    "learning_curve": TrackRecord(
        kind="learning_curve",
        share=0.64,
        held_out=1438,
        n_studies=36,
        source=(
            "scaling_bayes benchmarks/bench_m4_vision.py --chains 4 --tune 500 --draws 500 "
            "--max-heldout 40: the 36 vision curves of the M4 benchmark (Alabdulmohsin et al. "
            "2022), law chosen leave-one-task-out"
        ),
    ),
    # BEGIN MIXTURE RECORD (benchmarks/EVIDENCE_RESULTS.md)
    "form_mixture": TrackRecord(
        kind="form_mixture",
        share=0.948,
        held_out=398,
        n_studies=15,
        source=(
            "scaling_bayes benchmarks/bench_evidence.py (method 'mixture', nested "
            "leave-one-study-out, each study weighted once): every study in the project's "
            "public corpus (language-model ladders and M4 learning curves)"
        ),
    ),
    "form_mixture_pilot": TrackRecord(
        kind="form_mixture_pilot",
        share=0.854,
        held_out=398,
        n_studies=15,
        source=(
            "scaling_bayes benchmarks/bench_evidence.py (method 'mixture' on 5-run pilots of "
            "each study, nested leave-one-study-out, each study weighted once)"
        ),
    ),
    # END MIXTURE RECORD
    # FormMixture(posterior="nuts"): the same presets, each form sampled by NUTS
    # (benchmarks/explore_form_posteriors.py --nuts, figures/form_posteriors_nuts_studies.csv)
    "form_mixture_nuts": TrackRecord(
        kind="form_mixture_nuts",
        share=0.915,
        held_out=398,
        n_studies=15,
        source=(
            "scaling_bayes benchmarks/explore_form_posteriors.py --nuts (method 'exact: "
            "mixture': every form sampled by NUTS, the committed nested leave-one-study-out "
            "weights and discrepancy, each study weighted once)"
        ),
    ),
    "form_mixture_nuts_pilot": TrackRecord(
        kind="form_mixture_nuts_pilot",
        share=0.899,
        held_out=398,
        n_studies=15,
        source=(
            "scaling_bayes benchmarks/explore_form_posteriors.py --nuts (method 'exact: "
            "mixture' on 5-run pilots of each study, nested leave-one-study-out)"
        ),
    ),
}


#: The kinds of track record :func:`track_record` knows.
KINDS = (
    "language_model",
    "learning_curve",
    "form_mixture",
    "form_mixture_pilot",
    "form_mixture_nuts",
    "form_mixture_nuts_pilot",
)


def study_kind(model: object) -> str:
    """The kind of study a fitted model's review belongs to.

    A learning curve: a bounded metric (an error rate, fitted with the saturating law) or a
    one-axis law along an axis in the user's own unit (``kinds={"tokens": "count"}``, such as
    labelled images). Anything else, including a power law on a language model's tokens, is a
    language-model ladder.

    Examples
    --------
    >>> class Model:  # a duck-typed model: a law along a language model's token axis
    ...     x, law_spec, data_ = "tokens", None, None
    >>> study_kind(Model())
    'language_model'
    """
    if getattr(getattr(model, "law_spec", None), "saturating", False):
        return "learning_curve"
    data = getattr(model, "data_", None)
    metric = getattr(data, "metric", None)
    if metric is not None and metric.is_bounded:
        return "learning_curve"
    axis = getattr(model, "x", None)
    if data is not None and axis is not None and data.kind(axis) == "count":
        return "learning_curve"
    return "language_model"


def track_record(kind: str) -> TrackRecord | None:
    """The measured coverage for ``kind``, or None when none has been measured yet.

    ``kind`` is ``"language_model"`` or ``"learning_curve"`` (the single-law model, see
    :func:`study_kind`), ``"form_mixture"`` or ``"form_mixture_pilot"`` (a
    :class:`~scaling_bayes.core.mixture.FormMixture` fitted on more than, or at most,
    ``PILOT_MAX_RUNS`` runs), with ``"_nuts"`` before ``"_pilot"`` for one whose forms were
    sampled by NUTS (``posterior="nuts"``).
    """
    if kind not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    return TRACK_RECORD.get(kind)
