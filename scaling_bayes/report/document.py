"""The memo as a list of blocks, in the memo's order (sections 1-7 and an appendix).

The control flow is written once, here, for every language: which sentence, which branch, which
table. The words are templates of the language's message catalogue
(:mod:`scaling_bayes.report.messages`), filled with numbers formatted from typed values
(:mod:`scaling_bayes.report.format`). Adding a sentence is one message per language and one
line here.

Every number in a text is a *token* carrying its key in the :class:`~.numbers.NumberBook`, so
the HTML template can mark each number with its key and full value (``data-key``,
``data-value``) and the same keys are cited whatever the language. Tokens are
``\\x00key\\x01display\\x02``; user text is cleaned of control characters before it enters a
text, so it cannot forge a token.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.exceptions import ScalingBayesError
from ..decision import DO_NOTHING
from .format import Formatter, Money, Probability, formatter, percent
from .numbers import draws_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from .numbers import NumberBook

__all__ = [
    "Box",
    "Bullets",
    "Ctx",
    "Figure",
    "Heading",
    "Links",
    "Para",
    "Table",
    "build",
    "clean",
]

OPEN, MID, CLOSE = "\x00", "\x01", "\x02"
TOKEN = re.compile("\x00([^\x01\x02]*)\x01([^\x02]*)\x02")


# ---------------------------------------------------------------------- blocks
@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    text: str
    level: int = 2
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    kind: ClassVar[str] = "para"
    text: str
    style: str = ""  # "", "meta", "note", "basis"


@dataclass(frozen=True)
class Bullets:
    kind: ClassVar[str] = "bullets"
    items: list


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    header: list
    rows: list
    numeric: list = field(default_factory=list)  # column indexes aligned right
    style: str = ""


@dataclass(frozen=True)
class Figure:
    kind: ClassVar[str] = "figure"
    name: str
    caption: str  # with its number, e.g. "Figure 2. ..."
    alt: str


@dataclass(frozen=True)
class Links:
    """A sentence followed by links to files beside the memo (``(label, relative href)``)."""

    kind: ClassVar[str] = "links"
    text: str
    items: list
    anchor: str = ""


@dataclass(frozen=True)
class Box:
    kind: ClassVar[str] = "box"
    title: str
    paras: list
    style: str = "warning"


def clean(text: object) -> str:
    """User text fit for a sentence: control characters removed, whitespace runs collapsed.

    Examples
    --------
    >>> clean("a\\x00b\\n  c")
    'ab c'
    """
    text = "".join(
        " " if ch in "\t\n\r\f\v" else ch
        for ch in str(text)
        if ch in "\t\n\r\f\v" or unicodedata.category(ch) != "Cc"
    )
    return " ".join(text.split())


def token(key: str, display: str) -> str:
    return f"{OPEN}{key}{MID}{display}{CLOSE}"


def plain_text(text: str) -> str:
    """A text with its tokens replaced by what they display."""
    return TOKEN.sub(lambda m: m.group(2), text)


# ---------------------------------------------------------------------- context
class Ctx:
    """Numbers of the book as tokens, and messages, in one language.

    Parameters
    ----------
    book : NumberBook
    fmt : Formatter
    """

    def __init__(self, book: NumberBook, fmt: Formatter) -> None:
        self.book = book
        self.f = fmt

    def m(self, key: str, **fields: object) -> str:
        """The message ``key`` of the catalogue, filled; ``{metric}`` names the forecast metric."""
        fields.setdefault("metric", self.metric)
        return self.f.message(key, **fields)

    @property
    def metric(self) -> str:
        """The forecast metric in the reader's words: the user's name (in the language's words
        when the catalogue knows it, e.g. error rate -> 誤り率), else the language's default."""
        name = self.book.get("metric.name")
        if name and name != "loss":  # "loss" is the default metric: each language names it
            shown = self.f.messages.table("metric_names").get(name, clean(name))
            return self.tok("metric.name", shown)
        return self.f.message("summary.metric_default")

    def label(self, table: str, name: str, default: str = "") -> str:
        return self.f.messages.table(table).get(name, default)

    def v(self, key: str) -> Any:
        return self.book[key]

    def has(self, key: str) -> bool:
        return key in self.book and self.book[key] is not None

    def tok(self, key: str, display: str) -> str:
        if key not in self.book:
            raise ScalingBayesError(f"internal: the memo cites {key!r}, which is not in its book")
        return token(key, display)

    def text(self, key: str) -> str:
        return self.tok(key, clean(self.v(key)))

    def plan(self, k: int) -> str:
        return self.text(f"plans.{k}.name")

    def money(self, key: str) -> str:
        return self.tok(key, self.f.money(Money(self.v(key), self.v("currency"))))

    def pct(self, key: str) -> str:
        return self.tok(key, percent(self.v(key)))

    def num(self, key: str) -> str:
        return self.tok(key, self.f.general(self.v(key)))

    def fixed(self, key: str, digits: int) -> str:
        return self.tok(key, self.f.fixed(self.v(key), digits))

    def sig(self, key: str) -> str:
        return self.tok(key, self.f.significant(self.v(key)))

    def scale(self, key: str) -> str:
        """A count of parameters, tokens or FLOPs in the language's style for scales in text."""
        style = self.f.messages.table("number_styles").get("scale", "general")
        shown = self.f.compact(self.v(key)) if style == "compact" else self.f.general(self.v(key))
        return self.tok(key, shown)

    def count(self, key: str) -> str:
        return self.tok(key, self.f.compact(self.v(key)))

    def integer(self, key: str) -> str:
        return self.tok(key, self.f.integer(self.v(key)))

    def ratio(self, key: str) -> str:
        return self.tok(key, self.f.ratio(self.v(key)))

    def flag(self, key: str) -> str:
        return self.tok(key, self.m("yes" if self.v(key) else "no"))

    def _probability(self, key: str) -> tuple[Probability, dict[str, str]]:
        n_key = draws_key(key)
        prob = Probability(self.v(key), self.book.get(f"{key}_mc_se"), self.v(n_key))
        keys = {"p": key, "se": f"{key}_mc_se", "n": n_key, "bound": f"{key}_bound95"}
        pieces = self.f.probability_pieces(prob)
        return prob, {name: self.tok(keys[name], shown) for name, shown in pieces.items()}

    def prob(self, key: str) -> str:
        """Likelihood words with the number and its Monte Carlo error."""
        prob, pieces = self._probability(key)
        return self.f.likelihood(prob, pieces)

    def prob_num(self, key: str) -> str:
        """The number with its Monte Carlo error, without words (compact, for tables)."""
        prob, pieces = self._probability(key)
        return self.f.compact_probability(prob.kind, pieces)

    def threshold(self) -> str:
        """The ROI threshold as a percent (``20%``), or ``0`` for break-even."""
        if self.v("threshold") == 0:
            return self.tok("threshold", "0")
        return self.pct("threshold")

    def interval(self, low: str, high: str, *, parens: bool = True) -> str:
        return self.m("interval_parens" if parens else "interval", low=low, high=high)

    def input_label(self, name: str) -> str:
        """An input's label; labels naming the metric say the user's metric (plain text, as
        labels are themselves shown inside a number's token)."""
        fallback = name.split(".", 1)[-1].replace("_", " ")
        label = self.label("input_labels", name, fallback)
        return label.replace("{metric}", plain_text(self.metric))


# ---------------------------------------------------------------------- the document
def build(
    book: NumberBook, language: str, figures: set[str], numbers_files: tuple[str, ...] = ()
) -> list:
    """Blocks of the memo in ``language``: the executive summary, then sections 1-7.

    The summary fits on the first printed page; sections 1-7 follow as the technical appendix.
    Every number at full precision is in the numbers file the memo links (``numbers_files``,
    e.g. ``("numbers.json", "numbers.csv")`` written beside it), not in the printed memo.
    """
    c = Ctx(book, formatter(language))
    numbered: list[str] = []

    def figure(name: str) -> Figure:
        numbered.append(name)
        caption = c.m("figure_caption", n=len(numbered), caption=_caption(c, name))
        return Figure(name, caption, plain_text(c.m(f"alt.{name}")))  # alt is plain text

    def section(name: str) -> Heading:
        return Heading(c.m(f"section.{name}"), anchor=name)

    ok = not book["headline.withheld"]
    n = book["n_plans"]
    withheld = [Para(c.m("withheld"))]
    blocks: list = [Heading(c.text("memo.title"), level=1), Para(_meta(c), style="meta")]
    if not ok:
        blocks.append(Box(c.m("box.title"), _box(c)))
    note = c.m("figure_note" if book.get("figures.cjk_labels", True) else "figure_note_english")
    if note:
        blocks.append(Para(note, style="note"))

    blocks += _summary(c, ok, section("summary"), numbers_files)
    blocks.append(Heading(c.m("section.technical"), level=2, anchor="technical"))
    blocks.append(section("headline"))
    if ok:
        lead, bullets, after = _headline(c)
        blocks += [Para(p) for p in lead]
        blocks += [Bullets(bullets)] if bullets else []
        blocks += [Para(p, style="basis") for p in after]
    else:
        blocks.append(Para(c.m("headline.withheld")))

    blocks.append(section("forecast"))
    blocks += [Para(p) for p in _forecast(c)]
    blocks += [figure("fan"), _scales_table(c, n, ok)]
    if book.get("backtest.holdout") is not None:
        blocks.append(Para(_backtest(c)))

    blocks.append(section("roi"))
    if ok:
        blocks += [Para(p) for p in _roi(c)]
        blocks += [figure("roi"), _roi_table(c, n)]
        blocks.append(Para(c.m("roi.notes", max_se=c.pct("roi_percentile_mc_se_max")), "note"))
    else:
        blocks += withheld

    blocks.append(section("ladder"))
    if ok:
        blocks.append(_ladder_table(c, n))
        blocks += [Para(p) for p in _ladder(c)]
        blocks += [figure("ladder"), Para(_acceptability(c))]
        if "acceptability" in figures:
            blocks += [figure("acceptability"), _break_even_table(c, n)]
    else:
        blocks += withheld

    blocks.append(section("drivers"))
    if ok:
        blocks += [Para(p) for p in _tornado(c)]
        if "tornado" in figures:
            blocks += [figure("tornado"), _tornado_table(c)]
        blocks += [Para(p) for p in _voi(c)]
    else:
        blocks += withheld

    blocks.append(section("assumptions"))
    blocks += [Para(c.m("assumptions.intro")), _inputs_table(c), Para(_priors(c))]
    blocks += [_priors_table(c), Para(_prior_sensitivity(c))]

    blocks.append(section("diagnostics"))
    blocks += [Para(p) for p in _diagnostics(c)]
    blocks.append(_diagnostics_table(c))
    if ok:
        blocks.append(_law_table(c))
    design = [k for k in book.keys() if k.startswith("diagnostics.design_problem.")]
    if design:
        blocks += [Para(c.m("diagnostics.design_intro")), Bullets([c.text(k) for k in design])]
    blocks.append(_provenance_table(c))
    return blocks


def headline_blocks(blocks: list) -> list:
    """The warning box (if any) and section 1, for the plain-text headline."""
    out, inside = [], False
    for block in blocks:
        if isinstance(block, Box):
            out.append(block)
        if isinstance(block, Heading) and block.level == 2:
            if inside:
                break
            inside = block.anchor == "headline"
        if inside:
            out.append(block)
    return out


# ---------------------------------------------------------------------- top
def _meta(c: Ctx) -> str:
    fields = {
        "date": c.text("provenance.memo_date"),
        "version": c.text("provenance.scaling_bayes_version"),
    }
    if c.v("memo.author"):
        return c.m("meta.by", author=c.text("memo.author"), **fields)
    return c.m("meta.anonymous", **fields)


def _failed_params(c: Ctx) -> list[tuple[str, str]]:
    """``(name, key prefix)`` of each parameter that failed the convergence checks."""
    out = []
    for key in c.book.keys():
        if key.startswith("diagnostics.param.") and key.endswith(".ok") and not c.v(key):
            prefix = key[: -len(".ok")]
            out.append((prefix.split(".", 2)[2], prefix))
    return out


def _box(c: Ctx) -> list:
    paras = [c.m("box.intro")]
    for name, p in _failed_params(c):
        paras.append(
            c.m(
                "box.param",
                name=name,
                r_hat=c.fixed(f"{p}.r_hat", 3),
                r_hat_max=c.num("diagnostics.r_hat_max"),
                ess=c.fixed(f"{p}.ess_bulk", 0),
                ess_min=c.fixed("diagnostics.ess_bulk_min", 0),
            )
        )
    if c.v("diagnostics.divergences") > c.v("diagnostics.max_divergences"):
        paras.append(
            c.m(
                "box.divergences",
                divergences=c.integer("diagnostics.divergences"),
                allowed=c.integer("diagnostics.max_divergences"),
            )
        )
    return paras


# ---------------------------------------------------------------------- summary
def _summary(c: Ctx, ok: bool, heading: Heading, numbers_files: tuple) -> list:
    """The executive summary: what a board reads on page 1, each number from the book."""
    blocks: list = [heading]
    if ok:
        blocks += [Para(_decision(c)), Para(_kpi(c))]
        blocks.append(_summary_table(c))
        if _components(c):
            blocks.append(_breakdown_table(c))
        blocks.append(Para(_largest_risk(c)))
    else:
        blocks.append(Para(c.m("headline.withheld")))
    blocks.append(Para(_track_record(c)))
    if ok and c.has("form_check.lead_plan"):
        blocks.append(Para(_form_decision(c)))
    if numbers_files:
        items = [(name, name) for name in numbers_files]
        blocks.append(Links(c.m("summary.numbers_files"), items, anchor="summary-end"))
    else:
        blocks.append(Para(c.m("summary.numbers_api"), style="note"))
    return blocks


def _axis_unit(c: Ctx, axis: str) -> str:
    """The scale axis in the reader's words: the user's label (in the language's words when the
    catalogue knows it), else the language's name of the axis."""
    if c.has("axis.label"):
        label = c.v("axis.label")
        if label not in c.f.messages.table("default_axis_labels").values():
            return c.tok("axis.label", c.label("axis_names", label, clean(label)))
    return c.label("axis_units", axis, axis).strip()


def _axis_count(c: Ctx, key: str, axis: str) -> str:
    """A count on the axis with its unit: ``50k images`` / ``5万枚``."""
    if c.has("axis.unit") and c.v("axis.unit"):
        unit = c.v("axis.unit")
        shown = c.tok("axis.unit", c.label("axis_names", unit, clean(unit)))
    else:
        shown = c.label("axis_units", axis, axis).strip()
    return c.m("summary.scale_axis", value=c.count(key), unit=shown)


def _plan_scale(c: Ctx, k: int) -> str:
    """Plan k's scale in words: the axes the law uses, in the language's style."""
    p = f"plans.{k}"
    axis = c.v("extrapolation.axis")
    if axis == "compute" and c.has(f"{p}.params") and c.has(f"{p}.tokens"):
        return c.m(
            "summary.scale_params_tokens",
            params=c.count(f"{p}.params"),
            tokens=c.count(f"{p}.tokens"),
        )
    if axis == "compute":
        return c.m("summary.scale_compute", compute=c.num(f"{p}.compute"))
    return _axis_count(c, f"{p}.{axis}", axis)


def _forecast_keys(c: Ctx, k: int) -> tuple[str, str, str]:
    """Keys of plan k's forecast median and interval, in the metric's own scale when known."""
    p = f"plans.{k}"
    if c.has(f"{p}.metric_median"):
        return f"{p}.metric_median", f"{p}.metric_lower", f"{p}.metric_upper"
    return f"{p}.loss_median", f"{p}.loss_lower", f"{p}.loss_upper"


def _fraction(c: Ctx) -> bool:
    """The metric is a fraction (an error rate, an accuracy): the summary shows it in percent."""
    named = c.book.get("metric.name") not in (None, "loss")  # "loss": the default metric
    unit = c.book.get("metric.unit") if named else c.book.get("loss_unit")
    return unit in ("fraction", "proportion")


def _metric_unit(c: Ctx) -> str:
    """The metric named with its unit, "loss (nats/token)"; a fraction, shown in percent, as is."""
    if _fraction(c):
        return c.metric
    key = "metric.unit" if c.book.get("metric.name") not in (None, "loss") else "loss_unit"
    if not c.has(key):
        return c.metric
    return c.m("summary.metric_with_unit", unit=c.text(key))


def _mval(c: Ctx, key: str) -> str:
    """A value of the metric as the summary shows it: a percent for a fraction."""
    return c.pct(key) if _fraction(c) else c.num(key)


def _has_targets(c: Ctx) -> bool:
    return c.has("targets.kpi") or c.has("targets.payback_months")


def _target_odds(c: Ctx, p: str) -> list[str]:
    """The odds of meeting the KPI and payback targets of the plan whose numbers are under
    ``p`` (``"plans.<k>"`` or ``"form_check.plans.<k>"``): one phrase per target set."""
    odds = []
    if c.has(f"{p}.p_kpi_target_met"):
        odds.append(c.m("summary.odds_kpi", prob=c.prob(f"{p}.p_kpi_target_met")))
    if c.has(f"{p}.p_payback_within_target"):
        months = c.num("targets.payback_months")
        prob = c.prob(f"{p}.p_payback_within_target")
        odds.append(c.m("summary.odds_payback", months=months, prob=prob))
    return odds


def _decision(c: Ctx) -> str:
    k = c.v("lead_plan")
    p = f"plans.{k}"
    nb = _nb(c, k) if _heavy(c, k) else c.money(f"{p}.expected_net_benefit")
    if c.v("best_is_do_nothing"):
        return c.m(
            "summary.nothing",
            t=c.threshold(),
            p_nothing=c.prob_num("p_best_do_nothing"),
            k=k,
            plan=c.plan(k),
            nb=c.money(f"{p}.expected_net_benefit"),
        )
    if not _has_targets(c):
        return c.m(
            "summary.decision",
            t=c.threshold(),
            k=k,
            plan=c.plan(k),
            scale=_plan_scale(c, k),
            nb=nb,
            prob=c.prob(f"{p}.p_roi_above_threshold"),
            returns=_returns(c),
        )
    targets = []
    if c.has("targets.kpi"):
        op = c.m(
            "summary.op_higher" if c.book.get("metric.higher_is_better") else "summary.op_lower"
        )
        targets.append(c.m("summary.target_kpi", op=op, kpi=_mval(c, "targets.kpi")))
    if c.has("targets.payback_months"):
        targets.append(c.m("summary.target_payback", months=c.num("targets.payback_months")))
    odds = _target_odds(c, p)
    return c.m(
        "summary.decision_targets",
        targets=c.m("summary.target_separator").join(targets),
        k=k,
        plan=c.plan(k),
        scale=_plan_scale(c, k),
        nb=nb,
        odds=c.m("summary.odds_separator").join(odds),
    )


def _kpi(c: Ctx) -> str:
    k = c.v("lead_plan")
    p = f"plans.{k}"
    median, low, high = _forecast_keys(c, k)
    text = c.m(
        "summary.kpi",
        metric=_metric_unit(c),
        k=k,
        median=_mval(c, median),
        interval=c.pct("interval_prob"),
        low=_mval(c, low),
        high=_mval(c, high),
        ratio=c.ratio(f"{p}.extrapolation_ratio"),
    )
    if c.has(f"{p}.payback_months_median"):
        text += c.m(
            "summary.payback",
            median=_months(c, f"{p}.payback_months_median"),
            interval=c.pct("interval_prob"),
            low=_months(c, f"{p}.payback_months_lower"),
            high=_months(c, f"{p}.payback_months_upper"),
        )
    return text


def _months(c: Ctx, key: str) -> str:
    """Months to payback; a payback beyond the value horizon (infinite) is said in words."""
    if c.v(key) is None:
        return c.tok(key, c.m("summary.never"))
    return c.tok(key, c.f.fixed(c.v(key), 0) if c.v(key) >= 10 else c.f.general(c.v(key)))


def _summary_table(c: Ctx) -> Table:
    header = [
        *_headers(c, "number", "plan", "scale"),
        c.m("header.forecast", metric=_metric_unit(c), interval=c.pct("interval_prob")),
        *_headers(c, "cost", "nb_short"),
    ]
    targets = _has_targets(c)
    kpi = targets and c.has("plans.1.p_kpi_target_met")
    payback = c.has("plans.1.payback_months_median")
    within = targets and c.has("plans.1.p_payback_within_target")
    if kpi:
        header += _headers(c, "p_kpi")
    if payback:
        header += _headers(c, "payback")
    if within:
        header += _headers(c, "p_payback", months=c.num("targets.payback_months"))
    if not targets:
        header += _headers(c, "p_threshold", threshold=c.threshold())
    rows = []
    for k in range(1, c.v("n_plans") + 1):
        p = f"plans.{k}"
        median, low, high = _forecast_keys(c, k)
        row = [
            str(k),
            c.plan(k),
            _plan_scale(c, k),
            _mval(c, median) + c.interval(_mval(c, low), _mval(c, high)),
            _mark(c, k, c.money(f"{p}.expected_cost")),
            _mark(c, k, c.money(f"{p}.expected_net_benefit")),
        ]
        if kpi:
            row.append(c.prob_num(f"{p}.p_kpi_target_met"))
        if payback:
            row.append(_months(c, f"{p}.payback_months_median"))
        if within:
            row.append(c.prob_num(f"{p}.p_payback_within_target"))
        if not targets:
            row.append(c.prob_num(f"{p}.p_roi_above_threshold"))
        rows.append(row)
    return Table(header, rows, numeric=list(range(3, len(header))), style="summary")


def _components(c: Ctx) -> list[str]:
    """Cost components some plan spends money on, in the decision layer's order."""
    n = c.v("n_plans")
    parts = []
    for part in ("data", "compute", "energy", "carbon", "fixed", "integration", "running"):
        keys = [f"plans.{k}.cost_{part}" for k in range(1, n + 1)]
        if all(key in c.book for key in keys) and any(c.v(key) for key in keys):
            parts.append(part)
    return parts


def _breakdown_table(c: Ctx) -> Table:
    parts = _components(c)
    header = [*_headers(c, "number", "plan")]
    header += [c.label("cost_components", part, part) for part in parts]
    header += _headers(c, "cost_total")
    rows = []
    for k in range(1, c.v("n_plans") + 1):
        p = f"plans.{k}"
        row = [str(k), c.plan(k)]
        row += [c.money(f"{p}.cost_{part}") for part in parts]
        row.append(_mark(c, k, c.money(f"{p}.expected_cost")))
        rows.append(row)
    return Table(header, rows, numeric=list(range(2, len(header))), style="summary")


def _largest_risk(c: Ctx) -> str:
    k = c.v("tornado.plan")
    if not c.v("tornado.n_inputs"):
        return c.m("summary.risk_none", k=k)
    return c.m(
        "summary.risk",
        input=c.tok("tornado.1.input", c.input_label(c.v("tornado.1.input"))),
        k=c.integer("tornado.plan"),
        low=c.pct("tornado.low"),
        high=c.pct("tornado.high"),
        at_low=c.money("tornado.1.metric_at_low"),
        at_high=c.money("tornado.1.metric_at_high"),
    )


def _track_record(c: Ctx) -> str:
    study = c.v("track_record.kind")
    kind = c.tok("track_record.kind", c.m(f"summary.kind.{study}"))
    if not c.has("track_record.share"):
        return c.m("summary.track_none", kind=kind)
    return c.m(
        "summary.track",
        kind=kind,
        n_studies=c.integer("track_record.n_studies"),
        held_out=c.integer("track_record.held_out"),
        share=c.pct("track_record.share"),
        note=c.m(f"summary.track_note.{study}"),
    )


def _form_decision(c: Ctx) -> str:
    """The lead plan's odds and the best plan when the forecasts allow for the law's form
    (``RiskMemo(form_ladder=)``: the same plans compared on the form mixture's forecasts)."""
    k = c.v("lead_plan")
    p = f"form_check.plans.{k}"
    odds = _target_odds(c, p)
    if not odds:
        odds.append(
            c.m("summary.odds_roi", prob=c.prob(f"{p}.p_roi_above_threshold"), returns=_returns(c))
        )
    j = c.v("form_check.lead_plan")
    if c.v("form_check.best_is_do_nothing"):
        best = c.m("summary.form_best_nothing")
    elif j == k:
        best = c.m("summary.form_best_same")
    else:
        best = c.m("summary.form_best_other", j=c.integer("form_check.lead_plan"), plan=c.plan(j))
    if _heavy(c, k, "form_check.plans"):  # an unreliable expectation is not stated
        nb = c.m(
            "summary.form_nb_heavy",
            flag=c.tok(f"{p}.heavy_tailed", c.m("unreliable")),
            interval=c.pct("interval_prob"),
            low=c.money(f"{p}.expected_net_benefit_lower"),
            high=c.money(f"{p}.expected_net_benefit_upper"),
        )
    else:
        nb = c.money(f"{p}.expected_net_benefit")
    return c.m(
        "summary.form_decision",
        n_forms=c.integer("form_check.n_forms"),
        k=k,
        nb=nb,
        odds=c.m("summary.odds_separator").join(odds),
        best=best,
    )


# ---------------------------------------------------------------------- 1. headline
def _returns(c: Ctx) -> str:
    if c.v("threshold") == 0:
        return c.m("headline.returns_break_even")
    return c.m("headline.returns", t=c.threshold())


def _heavy(c: Ctx, k: int, prefix: str = "plans") -> bool:
    """Plan k's expectations rest on a heavy tail (Pareto k-hat above the limit); ``prefix``
    ``"form_check.plans"``: in the plans compared on the form mixture's forecasts."""
    return bool(c.book.get(f"{prefix}.{k}.heavy_tailed"))


def _heavy_plans(c: Ctx) -> list[int]:
    return [k for k in range(1, c.v("n_plans") + 1) if _heavy(c, k)]


def _nb(c: Ctx, k: int) -> str:
    p = f"plans.{k}"
    if _heavy(c, k):
        # the headline leaves an unreliable expectation out and says why
        return c.m(
            "headline.nb_heavy",
            flag=c.tok(f"{p}.heavy_tailed", c.m("unreliable")),
            interval=c.pct("interval_prob"),
            low=c.money(f"{p}.expected_net_benefit_lower"),
            high=c.money(f"{p}.expected_net_benefit_upper"),
        )
    return c.m(
        "headline.nb",
        nb=c.money(f"{p}.expected_net_benefit"),
        interval=c.pct("interval_prob"),
        low=c.money(f"{p}.expected_net_benefit_lower"),
        high=c.money(f"{p}.expected_net_benefit_upper"),
        se=c.money(f"{p}.expected_net_benefit_mc_se"),
    )


def _far(c: Ctx, k: int) -> list:
    """A warning sentence when plan k's forecast reaches beyond the package's warning ratio."""
    ratio = c.v(f"plans.{k}.extrapolation_ratio")
    if ratio is None or ratio <= c.v("extrapolation.warn_ratio"):
        return []
    return [
        c.m(
            "headline.far",
            ratio=c.ratio(f"plans.{k}.extrapolation_ratio"),
            warn=c.ratio("extrapolation.warn_ratio"),
        )
    ]


def _headline(c: Ctx):
    n = c.v("n_plans")
    k = c.v("lead_plan")
    lead, bullets = [], []
    if c.v("single_plan"):
        prob = c.prob("plans.1.p_roi_above_threshold")
        lead.append(
            c.m("headline.single", plan=c.plan(1), prob=prob, returns=_returns(c), nb=_nb(c, 1))
        )
        lead += _far(c, 1)
        if c.v("best_is_do_nothing"):
            lead.append(c.m("headline.single_nothing"))
    elif c.v("best_is_do_nothing"):
        p_nothing = c.prob_num("p_best_do_nothing")
        lead.append(c.m("headline.nothing", p_nothing=p_nothing, k=k, plan=c.plan(k), nb=_nb(c, k)))
        lead += _far(c, k)
        bullets = [_plan_line(c, j) for j in range(1, n + 1)]
    else:
        lead.append(c.m("headline.lead", n=c.integer("n_plans"), k=k, plan=c.plan(k), nb=_nb(c, k)))
        lead.append(
            c.m(
                "headline.odds",
                prob=c.prob(f"plans.{k}.p_roi_above_threshold"),
                returns=_returns(c),
                p_best=c.prob_num(f"plans.{k}.p_best"),
            )
        )
        lead += _far(c, k)
        bullets = [_plan_line(c, j) for j in range(1, n + 1) if j != k]
        if bullets:
            lead.append(c.m("headline.alternatives"))
    heavy = _heavy_plans(c)
    if heavy:
        # says why the expectations are left out, before the list of alternatives
        at = len(lead) - 1 if bullets else len(lead)
        lead.insert(at, _heavy_note(c, heavy, "headline.heavy"))
    after = []
    if not c.v("single_plan") and not c.v("best_is_do_nothing") and c.has("p_best_do_nothing"):
        after.append(c.m("headline.p_nothing", p=c.prob_num("p_best_do_nothing")))
    after.append(_legend(c))
    if c.v("mcmc_chains"):
        ess = c.m("headline.ess_chains", chains=c.integer("mcmc_chains"))
    else:
        ess = c.m("headline.ess_draws")
    after.append(
        c.m(
            "headline.basis",
            n_draws=c.integer("n_draws"),
            ess=ess,
            max_ratio=c.ratio("extrapolation.max_ratio"),
        )
    )
    return lead, bullets, after


def _heavy_note(c: Ctx, plans: list[int], key: str) -> str:
    """Which plans' expectations rest on a heavy tail, and why that makes them unreliable."""
    names = c.m("list_separator").join(c.m("heavy.plan_item", k=k, plan=c.plan(k)) for k in plans)
    return c.m(key, plans=names, k_max=c.num("pareto_k_max"))


def _mark(c: Ctx, k: int, cell: str) -> str:
    """A table cell holding an expectation of plan k, marked when it is unreliable."""
    if not _heavy(c, k):
        return cell
    return cell + c.m("heavy.mark", flag=c.tok(f"plans.{k}.heavy_tailed", c.m("unreliable")))


def _plan_line(c: Ctx, k: int) -> str:
    p = f"plans.{k}"
    return c.m(
        "headline.plan_line",
        k=k,
        plan=c.plan(k),
        prob=c.prob(f"{p}.p_roi_above_threshold"),
        returns=_returns(c),
        nb=_nb(c, k) if _heavy(c, k) else c.money(f"{p}.expected_net_benefit"),
        p_best=c.prob_num(f"{p}.p_best"),
    )


def _legend(c: Ctx) -> str:
    used = {
        Probability(c.v(f"plans.{k}.p_roi_above_threshold")).term
        for k in range(1, c.v("n_plans") + 1)
    }
    ranges = c.f.messages.table("likelihood_ranges")
    terms = [
        c.m("headline.legend_item", term=c.f.term(term), span=span)
        for term, span in ranges.items()
        if term in used
    ]
    return c.m("headline.legend", terms=c.m("headline.legend_separator").join(terms))


# ---------------------------------------------------------------------- 2. forecast
def _forecast(c: Ctx) -> list:
    kind = c.m("forecast.predictive" if c.v("loss_kind") == "predictive" else "forecast.mean")
    axis = c.v("extrapolation.axis")
    unit = c.label("axis_units", axis)
    size = c.num
    if axis != "compute":  # a count on one axis: in the user's words and the language's digits
        size = c.count
        words = _axis_unit(c, axis)
        if words != unit.strip():
            unit = " " + words if unit.startswith(" ") else words
    first = c.m(
        "forecast.first",
        formula=c.text("provenance.law_formula"),
        n_runs=c.integer("provenance.n_runs"),
        max_observed=size("extrapolation.max_observed"),
        unit=unit,
        kind=kind,
    )
    if c.v("extrapolation.axis") == "compute" and c.v("provenance.law") == "chinchilla":
        first += c.m("forecast.compute_optimal")
    second = c.m(
        "forecast.second",
        max_candidate=size("extrapolation.max_candidate"),
        unit=unit,
        max_ratio=c.ratio("extrapolation.max_ratio"),
    )
    if (c.v("extrapolation.max_ratio") or 0) > c.v("extrapolation.warn_ratio"):
        second += c.m("forecast.beyond", warn=c.ratio("extrapolation.warn_ratio"))
    error = "error" if c.v("extrapolation.error_per_efold") else "no_error"
    second += c.m(f"forecast.{error}", error=c.num("extrapolation.error_per_efold"))
    return [first, second, *_interval_parts(c)]


def _interval_parts(c: Ctx) -> list[str]:
    """Where the 90% interval of the farthest plan comes from (noise, parameters, form)."""
    plans = [k for k in range(1, c.v("n_plans") + 1) if c.has(f"plans.{k}.interval_width")]
    if not plans:
        return []
    k = max(plans, key=lambda j: c.v(f"plans.{j}.extrapolation_ratio"))
    p = f"plans.{k}"
    paras = [
        c.m(
            "forecast.parts" if c.v(f"{p}.width_form") > 0 else "forecast.parts_no_form",
            plan=c.plan(k),
            width=c.pct(f"{p}.interval_width"),
            noise=c.pct(f"{p}.width_noise"),
            law=c.pct(f"{p}.width_law"),
            form=c.pct(f"{p}.width_form"),
        )
    ]
    if c.has("form_check.converged") and not c.v("form_check.converged"):
        paras.append(c.m("forecast.form_check_withheld", n_forms=c.integer("form_check.n_forms")))
    elif c.has(f"{p}.mixture_median"):
        median, low, high = _forecast_keys(c, k)
        mixed = [_mval(c, f"{p}.mixture_{q}") for q in ("median", "lower", "upper")]
        paras.append(
            c.m(
                "forecast.form_check",
                metric=_metric_unit(c),
                n_forms=c.integer("form_check.n_forms"),
                share=c.pct("form_check.share"),
                n_studies=c.integer("form_check.n_studies"),
                plan=c.plan(k),
                mixture=mixed[0] + c.interval(mixed[1], mixed[2]),
                mixture_width=c.pct(f"{p}.mixture_width"),
                single=_mval(c, median) + c.interval(_mval(c, low), _mval(c, high)),
                width=c.pct(f"{p}.interval_width"),
            )
        )
    return paras


def _backtest(c: Ctx) -> str:
    text = c.m(
        "backtest.text",
        n_train=c.integer("backtest.n_train"),
        holdout=c.text("backtest.holdout"),
        cutoff=c.num("backtest.cutoff"),
        n_test=c.integer("backtest.n_test"),
        coverage_90=c.pct("backtest.coverage_90"),
        coverage_50=c.pct("backtest.coverage_50"),
        error=c.pct("backtest.median_abs_rel_error"),
    )
    return text if c.v("backtest.converged") else text + c.m("backtest.unconverged")


def _caption(c: Ctx, name: str) -> str:
    fields = {}
    if name == "ladder":
        fields = {"interval": c.pct("interval_prob")}
    elif name == "tornado":
        fields = {
            "plan": c.integer("tornado.plan"),
            "low": c.pct("tornado.low"),
            "high": c.pct("tornado.high"),
        }
    return c.m(f"caption.{name}", **fields)


# ---------------------------------------------------------------------- 3. ROI
def _roi(c: Ctx) -> list:
    t = c.threshold()
    above = "above_threshold" if c.v("threshold") else "above_break_even"
    tail = c.pct("var_tail")
    paras = [
        c.m("roi.intro", above=c.m(f"roi.{above}", t=t)),
        c.m("roi.var", level=c.pct("var_level"), tail=tail),
    ]
    k = c.v("lead_plan")
    p = f"plans.{k}"
    var, cvar = c.v(f"{p}.var"), c.v(f"{p}.cvar")
    case = "loses" if var > 0 else "tail_loses" if cvar > 0 else "gains"
    paras.append(
        c.m(
            f"roi.{case}",
            k=k,
            plan=c.plan(k),
            tail=tail,
            var=c.money(f"{p}.var"),
            cvar=c.money(f"{p}.cvar"),
        )
    )
    return paras


# ---------------------------------------------------------------------- 4. ladder
def _ladder(c: Ctx) -> list:
    paras = [c.m("ladder.intro")]
    s = c.v("stop_plan")
    if c.v("single_plan"):
        paras.append(c.m("ladder.single"))
    elif c.v("stop_reached"):
        paras.append(
            c.m(
                "ladder.stop",
                stop=c.integer("stop_plan"),
                plan=c.plan(s),
                marginal=c.num("next_step_marginal"),
                prob=c.prob("p_next_step_pays"),
            )
        )
    else:
        paras.append(c.m("ladder.no_stop", stop=c.integer("stop_plan"), plan=c.plan(s)))
    heavy = _heavy_plans(c)
    if heavy:
        paras.append(_heavy_note(c, heavy, "ladder.heavy"))
    return paras


def _acceptability(c: Ctx) -> str:
    if not c.v("acceptability.available"):
        return c.m("acceptability.missing", problem=c.text("acceptability.problem"))
    per = c.m("acceptability.per_year") if c.v("acceptability.per_year") else ""
    return c.m("acceptability.text", per=per)


# ---------------------------------------------------------------------- 5. drivers, VOI
def _tornado(c: Ctx) -> list:
    k = c.v("tornado.plan")
    if not c.v("tornado.n_inputs"):
        return [c.m("tornado.none", k=k, plan=c.plan(k))]
    paras = [
        c.m(
            "tornado.text",
            k=c.integer("tornado.plan"),
            plan=c.plan(k),
            low=c.pct("tornado.low"),
            high=c.pct("tornado.high"),
            base=_mark(c, k, c.money("tornado.base")),
            input=c.tok("tornado.1.input", c.input_label(c.v("tornado.1.input"))),
            at_low=c.money("tornado.1.metric_at_low"),
            at_high=c.money("tornado.1.metric_at_high"),
        )
    ]
    fixed = c.v("tornado.fixed_inputs")
    if fixed:
        labels = c.m("list_separator").join(c.input_label(x) for x in fixed.split(", "))
        paras.append(c.m("tornado.fixed", inputs=c.tok("tornado.fixed_inputs", labels)))
    return paras


def _voi(c: Ctx) -> list:
    paras = [c.m("voi.evpi", evpi=c.money("evpi"), se=c.money("evpi_mc_se"))]
    k_hat = c.v("evpi_pareto_k")  # None when it could not be estimated (e.g. no regret)
    if k_hat is not None and k_hat > c.v("pareto_k_max"):
        paras.append(
            c.m("voi.evpi_heavy", k=c.fixed("evpi_pareto_k", 2), k_max=c.num("pareto_k_max"))
        )
    if not c.has("pilot.verdict"):
        return [*paras, c.m("voi.no_pilot")]
    key = "pilot.chosen_now"
    # "do nothing" is an option, not a plan name: each language words it
    chosen = c.tok(key, c.m("do_nothing")) if c.v(key) == DO_NOTHING else c.text(key)
    paras.append(
        c.m(
            "voi.pilot",
            verdict=c.tok("pilot.verdict", c.m(f"voi.verdict.{c.v('pilot.verdict')}")),
            scale=_pilot_scale(c),
            evsi=c.money("pilot.evsi"),
            evsi_se=c.money("pilot.evsi_mc_se"),
            evsi_cross=c.money("pilot.evsi_cross_fitted"),
            cost=c.money("pilot.pilot_cost"),
            enbs=c.money("pilot.expected_net_benefit_of_sampling"),
            enbs_cross=c.money("pilot.enbs_cross_fitted"),
            chosen=chosen,
            n_outer=c.integer("pilot.n_outer"),
            p_changes=c.prob_num("pilot.p_decision_changes"),
        )
    )
    return paras


def _pilot_scale(c: Ctx) -> str:
    """The pilot's scale in the language's words, from its typed numbers."""
    if c.has("pilot.params"):
        return c.m(
            "voi.scale_params_tokens",
            params=c.scale("pilot.params"),
            tokens=c.scale("pilot.tokens"),
        )
    return c.m("voi.scale_compute", compute=c.scale("pilot.compute"))


# ---------------------------------------------------------------------- 6. assumptions
def _describe(c: Ctx, key: str, name: str) -> str:
    kind = c.v(f"{key}.kind")

    def fmt(field):
        k = f"{key}.{field}"
        return c.money(k) if "usd" in name else c.count(k)

    spread = ("median", "p05", "p95")
    if kind == "uniform":
        return c.m("describe.uniform", low=fmt("low"), high=fmt("high"))
    if kind == "distribution":
        fields = {f: fmt(f) for f in spread}
        return c.m("describe.distribution", dist=c.text(f"{key}.dist"), **fields)
    if kind == "draws":
        fields = {f: fmt(f) for f in spread}
        return c.m("describe.draws", n=c.integer(f"{key}.n"), **fields)
    if kind == "flag":
        return c.flag(f"{key}.value")
    if kind == "text":
        value = c.v(f"{key}.value")
        if name == "value.model":
            meaning = c.label("value_models", value, value)
            return c.tok(f"{key}.value", c.m("describe.value_model", model=value, meaning=meaning))
        return c.text(f"{key}.value")
    if name == "cost.peak_flops":
        return c.tok(f"{key}.value", f"{c.v(f'{key}.value') / 1e12:.4g} TFLOP/s")
    return fmt("value")


def _source(c: Ctx, key: str) -> str:
    kind = c.v(f"{key}.source_kind")
    if kind == "given":
        return c.text(f"{key}.source")
    if kind in ("package_default", "package_default_zero", "setting"):
        return c.tok(f"{key}.source", c.m(f"source.{kind}", source=c.v(f"{key}.source")))
    return c.tok(f"{key}.source", c.m("not_recorded"))


def _priors(c: Ctx) -> str:
    if c.v("priors.overrides"):
        changed = c.m("priors.changed", overrides=c.text("priors.overrides"))
    else:
        changed = c.m("priors.unchanged")
    return c.m("priors.text", preset=c.text("priors.preset"), changed=changed)


def _prior_sensitivity(c: Ctx) -> str:
    if not c.has("prior_sensitivity.alternative"):
        return c.m("prior_sensitivity.not_assessed")
    widths = c.v("prior_sensitivity.max_shift_in_widths")
    verdict = "barely" if widths < 0.1 else "moves" if widths < 0.5 else "a_lot"
    text = c.m(
        "prior_sensitivity.text",
        alternative=c.text("prior_sensitivity.alternative"),
        verdict=c.m(f"prior_sensitivity.verdict.{verdict}"),
        shift=c.num("prior_sensitivity.max_shift"),
        unit=c.text("loss_unit"),
        widths=c.pct("prior_sensitivity.max_shift_in_widths"),
        interval=c.pct("prior_sensitivity.interval_prob"),
    )
    if not c.v("prior_sensitivity.converged"):
        text += c.m("prior_sensitivity.unconverged")
    return text


# ---------------------------------------------------------------------- 7. diagnostics
def _diagnostics(c: Ctx) -> list:
    common = c.m(
        "diagnostics.common",
        max_r_hat=c.fixed("diagnostics.max_r_hat", 3),
        min_ess=c.fixed("diagnostics.min_ess_bulk", 0),
        divergences=c.integer("diagnostics.divergences"),
        n_draws=c.integer("diagnostics.n_draws"),
    )
    rules = c.m(
        "diagnostics.rules",
        r_hat_max=c.num("diagnostics.r_hat_max"),
        ess_min=c.fixed("diagnostics.ess_bulk_min", 0),
        allowed=c.integer("diagnostics.max_divergences"),
    )
    if c.v("diagnostics.converged"):
        paras = [c.m("diagnostics.converged", rules=rules, common=common)]
        paras.append(c.m("diagnostics.law_follows"))
    else:
        problems = c.integer("diagnostics.n_problems")
        paras = [c.m("diagnostics.not_converged", problems=problems, rules=rules, common=common)]
    return [*paras, c.m("diagnostics.provenance")]


# ---------------------------------------------------------------------- tables
def _headers(c: Ctx, *names: str, **fields) -> list[str]:
    return [c.m(f"header.{name}", **fields) for name in names]


def _plan_table(
    c: Ctx, n: int, header: list[str], cells: Callable[[int, str], list[str]], last: int = 0
) -> Table:
    """One row per plan: its number, its name, then ``cells(k, prefix)`` (``prefix`` is
    ``plans.<k>``); the columns after the name are numeric but for the ``last`` ones."""
    rows = [[str(k), c.plan(k), *cells(k, f"plans.{k}")] for k in range(1, n + 1)]
    return Table(header, rows, numeric=list(range(2, len(header) - last)))


def _loss_header(c: Ctx) -> list[str]:
    return _headers(c, "loss", metric=_metric_unit(c), interval=c.pct("interval_prob"))


def _scales_table(c: Ctx, n: int, ok: bool) -> Table:
    axis = c.v("extrapolation.axis")
    if axis != "compute":  # a law on one axis (labelled images, say): that axis alone
        return _axis_table(c, n, ok, axis)
    header = _headers(c, "number", "plan", "params", "tokens", "compute", "ratio")
    if ok:
        header += _loss_header(c)

    def cells(k: int, p: str) -> list[str]:
        row = [
            c.count(f"{p}.params"),
            c.count(f"{p}.tokens"),
            c.num(f"{p}.compute"),
            c.ratio(f"{p}.extrapolation_ratio"),
        ]
        if ok:
            spread = c.interval(c.num(f"{p}.loss_lower"), c.num(f"{p}.loss_upper"))
            row.append(c.num(f"{p}.loss_median") + spread)
        return row

    return _plan_table(c, n, header, cells)


def _axis_table(c: Ctx, n: int, ok: bool, axis: str) -> Table:
    header = [*_headers(c, "number", "plan"), _axis_unit(c, axis), *_headers(c, "ratio")]
    if ok:
        header += _loss_header(c)

    def cells(k: int, p: str) -> list[str]:
        row = [c.count(f"{p}.{axis}"), c.ratio(f"{p}.extrapolation_ratio")]
        if ok:
            median, low, high = _forecast_keys(c, k)
            row.append(_mval(c, median) + c.interval(_mval(c, low), _mval(c, high)))
        return row

    return _plan_table(c, n, header, cells)


def _roi_table(c: Ctx, n: int) -> Table:
    # at a threshold of 0 the two probabilities are one column stated twice
    break_even = bool(c.v("threshold"))
    header = [
        *_headers(c, "number", "plan"),
        *_headers(c, "p_threshold", threshold=c.threshold()),
        *(_headers(c, "p_break_even") if break_even else ()),
        *("5%", "25%", "50%", "75%", "95%"),
        *_headers(c, "var", "cvar", level=c.pct("var_level")),
    ]
    percentiles = ("roi_p05", "roi_p25", "roi_p50", "roi_p75", "roi_p95")
    return _plan_table(
        c,
        n,
        header,
        lambda k, p: [
            c.prob_num(f"{p}.p_roi_above_threshold"),
            *([c.prob_num(f"{p}.p_break_even")] if break_even else []),
            *(c.pct(f"{p}.{q}") for q in percentiles),
            c.money(f"{p}.var"),
            c.money(f"{p}.cvar"),
        ],
    )


def _ladder_table(c: Ctx, n: int) -> Table:
    header = [
        *_headers(c, "number", "plan", "cost", "value"),
        *_headers(c, "nb", interval=c.pct("interval_prob")),
        *_headers(c, "p_threshold", threshold=c.threshold()),
        *_headers(c, "p_best", "marginal", "p_step", "stop"),
    ]

    def cells(k: int, p: str) -> list[str]:
        nb = c.money(f"{p}.expected_net_benefit") + c.interval(
            c.money(f"{p}.expected_net_benefit_lower"), c.money(f"{p}.expected_net_benefit_upper")
        )
        return [
            _mark(c, k, c.money(f"{p}.expected_cost")),
            _mark(c, k, c.money(f"{p}.expected_value")),
            _mark(c, k, nb),
            c.prob_num(f"{p}.p_roi_above_threshold"),
            c.prob_num(f"{p}.p_best"),
            c.num(f"{p}.marginal_net_benefit_per_extra_cost"),
            c.prob_num(f"{p}.p_step_pays"),
            c.tok(f"{p}.stop_point", c.m("yes") if c.v(f"{p}.stop_point") else ""),
        ]

    return _plan_table(c, n, header, cells, last=1)


def _break_even_table(c: Ctx, n: int) -> Table:
    currency = c.f.currency_name(c.v("currency"))
    per = "per_year" if c.book.get("acceptability.per_year") else "per"
    header = _headers(c, "number", "plan")
    header += _headers(c, "break_even", per=c.m(f"header.{per}", currency=currency))

    def cell(key: str) -> str:
        return c.money(key) if c.has(key) else c.tok(key, c.m("never"))

    return _plan_table(c, n, header, lambda k, p: [cell(f"{p}.break_even_lambda")])


def _tornado_table(c: Ctx) -> Table:
    header = [
        *_headers(c, "input"),
        *_headers(c, "input_at", q=c.pct("tornado.low")),
        *_headers(c, "input_at", q=c.pct("tornado.high")),
        *_headers(c, "nb_at", q=c.pct("tornado.low")),
        *_headers(c, "nb_at", q=c.pct("tornado.high")),
        *_headers(c, "swing"),
    ]
    rows = []
    for i in range(1, c.v("tornado.n_inputs") + 1):
        k = f"tornado.{i}"
        name = c.v(f"{k}.input")
        is_money = "usd" in name or name.endswith("usd_if_met")
        at = c.money if is_money else c.count
        rows.append(
            [
                c.tok(f"{k}.input", c.input_label(name)),
                at(f"{k}.input_at_low"),
                at(f"{k}.input_at_high"),
                c.money(f"{k}.metric_at_low"),
                c.money(f"{k}.metric_at_high"),
                c.money(f"{k}.swing"),
            ]
        )
    return Table(header, rows, numeric=[1, 2, 3, 4, 5])


def _inputs_table(c: Ctx) -> Table:
    rows = []
    keys = [k[: -len(".source_kind")] for k in c.book.keys() if k.endswith(".source_kind")]
    for key in keys:
        name = key.split(".inputs.", 1)[1] if ".inputs." in key else key[len("inputs.") :]
        plans = c.v(f"{key}.plans")
        rows.append(
            [
                c.input_label(name),
                c.tok(f"{key}.plans", c.m("all_plans") if plans == "all" else plans),
                _describe(c, key, name),
                _source(c, key),
                c.tok(f"{key}.date", c.v(f"{key}.date") or c.m("not_recorded")),
            ]
        )
    return Table(_headers(c, "input", "plans", "assumed", "source", "date"), rows)


def _priors_table(c: Ctx) -> Table:
    overrides = set(filter(None, c.v("priors.overrides").split(", ")))
    rows = []
    for key in c.book.keys():
        if not key.startswith("priors.") or key in ("priors.preset", "priors.overrides"):
            continue
        name = key.split(".", 1)[1]
        changed = c.m("yes") if name in overrides else ""
        rows.append([name, c.text(key), c.label("prior_meanings", name), changed])
    return Table(_headers(c, "parameter", "prior", "meaning", "override"), rows)


def _diagnostics_table(c: Ctx) -> Table:
    rows = []
    for key in c.book.keys():
        if key.startswith("diagnostics.param.") and key.endswith(".ok"):
            p = key[: -len(".ok")]
            rows.append(
                [
                    p.split(".", 2)[2],
                    c.fixed(f"{p}.r_hat", 3),
                    c.fixed(f"{p}.ess_bulk", 0),
                    c.fixed(f"{p}.ess_tail", 0),
                    c.flag(key),
                ]
            )
    header = [*_headers(c, "parameter"), "R-hat", *_headers(c, "ess_bulk", "ess_tail", "ok")]
    return Table(header, rows, numeric=[1, 2, 3])


def _law_table(c: Ctx) -> Table:
    rows = []
    for key in c.book.keys():
        if key.startswith("law.") and key.endswith(".mean"):
            p = key[: -len(".mean")]
            hdi = c.interval(c.sig(f"{p}.hdi_lower"), c.sig(f"{p}.hdi_upper"), parens=False)
            rows.append([p.split(".", 1)[1], c.sig(key), hdi])
    header = [*_headers(c, "parameter", "mean"), *_headers(c, "hdi", prob=c.pct("law.hdi_prob"))]
    return Table(header, rows, numeric=[1, 2])


def _provenance_table(c: Ctx) -> Table:
    rows = []
    for key in c.book.keys():
        if key.startswith("provenance."):
            name = key.split(".", 1)[1]
            value = c.v(key)
            shown = c.m("not_recorded") if value is None else clean(value)
            rows.append([c.label("provenance_labels", name, name), c.tok(key, shown)])
    return Table(_headers(c, "item", "record"), rows, style="provenance")


def full(value: object) -> str:
    """A value at full precision, as written in the appendix and the CSV.

    Examples
    --------
    >>> full(0.1 + 0.2), full(None), full(True), full(12)
    ('0.30000000000000004', '', 'true', '12')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return clean(value)
