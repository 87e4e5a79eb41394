"""The memo as a list of blocks, in the order of issue 4 (items 1-8), in either language.

Text is produced by a wording module (:mod:`.wording_en` or :mod:`.wording_ja`); every number
in it is a *token* carrying its key in the :class:`~.numbers.NumberBook`, so the HTML renderer
can mark each number with its key and full value (``data-key``, ``data-value``) and the same
keys are cited whatever the language. Tokens are ``\\x00key\\x01display\\x02``; user text is
cleaned of control characters before it enters a text, so it cannot forge a token.

Tables are built here, from the book only; the wording modules give their headers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..core.exceptions import ScalingBayesError
from ..decision.wording import format_percent, format_probability, likelihood_term
from .numbers import draws_key

__all__ = ["Box", "Bullets", "Ctx", "Figure", "Heading", "Para", "Table", "build", "clean"]

OPEN, MID, CLOSE = "\x00", "\x01", "\x02"
TOKEN = re.compile("\x00([^\x01\x02]*)\x01([^\x02]*)\x02")


# ---------------------------------------------------------------------- blocks
@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    text: str
    style: str = ""  # "", "meta", "note", "basis"


@dataclass(frozen=True)
class Bullets:
    items: list


@dataclass(frozen=True)
class Table:
    header: list
    rows: list
    numeric: list = field(default_factory=list)  # column indexes aligned right
    style: str = ""


@dataclass(frozen=True)
class Figure:
    name: str
    caption: str  # with its number, e.g. "Figure 2. ..."
    alt: str


@dataclass(frozen=True)
class Box:
    title: str
    paras: list
    style: str = "warning"


def clean(text) -> str:
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


# ---------------------------------------------------------------------- probabilities
_PATTERNS = (
    ("error", re.compile(r"^(\S+%), Monte Carlo error ±(\S+%)$")),
    ("below", re.compile(r"^(\S+%), Monte Carlo error below ±(0\.1%)$")),
    ("none", re.compile(r"^none of ([\d,]+) draws; 95% upper bound (\S+%)$")),
    ("all", re.compile(r"^all ([\d,]+) draws; 95% lower bound (\S+%)$")),
    ("plain", re.compile(r"^(\S+%)$")),
)


def probability_parts(p: float, se: float | None, n: int | None) -> tuple[str, tuple[str, ...]]:
    """The pieces of :func:`~scaling_bayes.format_probability`'s text, to reword them.

    Examples
    --------
    >>> probability_parts(0.7812, 0.0065, 4000)
    ('error', ('78.1%', '0.7%'))
    >>> probability_parts(0.0, 0.0, 4000)
    ('none', ('4,000', '0.075%'))
    """
    text = format_probability(p, se, n)
    for kind, pattern in _PATTERNS:
        match = pattern.match(text)
        if match:
            return kind, match.groups()
    raise ScalingBayesError(f"internal: unexpected probability text {text!r}")


# ---------------------------------------------------------------------- context
class Ctx:
    """Formats numbers of the book as tokens, in the wording module's language."""

    def __init__(self, book, wording):
        self.book = book
        self.w = wording

    def v(self, key: str):
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
        return self.tok(key, self.w.money(self.v(key), self.v("currency")))

    def pct(self, key: str) -> str:
        return self.tok(key, format_percent(self.v(key)))

    def num(self, key: str) -> str:
        value = self.v(key)
        return self.tok(key, "—" if value is None else f"{value:.3g}")

    def fixed(self, key: str, digits: int) -> str:
        """Fixed decimals with thousands separators: R-hat 1.001, ESS 1,878."""
        value = self.v(key)
        return self.tok(key, "—" if value is None else f"{value:,.{digits}f}")

    def sig(self, key: str) -> str:
        """3 significant digits, without exponents below a million: 2,086, 0.348."""
        value = self.v(key)
        if value is None:
            return self.tok(key, "—")
        if 1e3 <= abs(value) < 1e6:
            return self.tok(key, f"{value:,.0f}")
        return self.tok(key, f"{value:.3g}")

    def count(self, key: str) -> str:
        return self.tok(key, self.w.count(self.v(key)))

    def integer(self, key: str) -> str:
        return self.tok(key, f"{self.v(key):,}")

    def ratio(self, key: str) -> str:
        return self.tok(key, self.w.ratio(self.v(key)))

    def _parts(self, key: str):
        p = self.v(key)
        se = self.book.get(f"{key}_mc_se")
        n_key = draws_key(key)
        kind, pieces = probability_parts(p, se, self.v(n_key))
        keys = {
            "error": (key, f"{key}_mc_se"),
            "below": (key, f"{key}_mc_se"),
            "none": (n_key, f"{key}_bound95"),
            "all": (n_key, f"{key}_bound95"),
            "plain": (key,),
        }[kind]
        return p, kind, [self.tok(k, piece) for k, piece in zip(keys, pieces, strict=True)]

    def prob(self, key: str) -> str:
        """Likelihood words with the number and its Monte Carlo error."""
        p, kind, parts = self._parts(key)
        return self.w.likelihood(likelihood_term(p), kind, parts)

    def prob_num(self, key: str) -> str:
        """The number with its Monte Carlo error, without words (compact, for tables)."""
        p, kind, parts = self._parts(key)
        if kind in ("none", "all"):
            parts = [self.tok(key, f"{100 * p:.0f}%"), *parts]
        return self.w.compact(kind, parts)

    def threshold(self) -> str:
        """The ROI threshold as a percent (``20%``), or ``0`` for break-even."""
        if self.v("threshold") == 0:
            return self.tok("threshold", "0")
        return self.pct("threshold")


# ---------------------------------------------------------------------- the document
def build(book, wording, figures: set[str]) -> list:
    """Blocks of the memo, sections 1-7 of issue 4 and an appendix of every number."""
    c = Ctx(book, wording)
    w = wording
    numbered: list[str] = []

    def figure(name: str) -> Figure:
        numbered.append(name)
        caption = f"{w.figure_label(len(numbered))} {w.caption(name, c)}"
        return Figure(name, caption, w.ALT[name])

    ok = not book["headline.withheld"]
    n = book["n_plans"]
    blocks: list = [Heading(c.text("memo.title"), level=1), Para(w.meta(c), style="meta")]
    if not ok:
        blocks.append(Box(w.T["box"], w.box(c)))
    note = w.figure_note(c)
    if note:
        blocks.append(Para(note, style="note"))

    # 1. headline
    blocks.append(Heading(w.T["headline"], anchor="headline"))
    if ok:
        lead, bullets, after = w.headline(c)
        blocks += [Para(p) for p in lead]
        if bullets:
            blocks.append(Bullets(bullets))
        blocks += [Para(p, style="basis") for p in after]
    else:
        blocks.append(Para(w.headline_withheld(c)))

    # 2. forecast
    blocks.append(Heading(w.T["forecast"], anchor="forecast"))
    blocks += [Para(p) for p in w.forecast(c)]
    blocks.append(figure("fan"))
    blocks.append(_scales_table(c, n, ok))
    if book.get("backtest.holdout") is not None:
        blocks.append(Para(w.backtest(c)))

    # 3. ROI distribution
    blocks.append(Heading(w.T["roi"], anchor="roi"))
    if ok:
        blocks += [Para(p) for p in w.roi(c)]
        blocks.append(figure("roi"))
        blocks.append(_roi_table(c, n))
        blocks.append(Para(w.roi_notes(c), style="note"))
    else:
        blocks.append(Para(w.withheld(c)))

    # 4. scale ladder
    blocks.append(Heading(w.T["ladder"], anchor="ladder"))
    if ok:
        blocks.append(_ladder_table(c, n))
        blocks += [Para(p) for p in w.ladder(c)]
        blocks.append(figure("ladder"))
        blocks += [Para(p) for p in w.acceptability(c)]
        if "acceptability" in figures:
            blocks.append(figure("acceptability"))
            blocks.append(_break_even_table(c, n))
    else:
        blocks.append(Para(w.withheld(c)))

    # 5. drivers and value of information
    blocks.append(Heading(w.T["drivers"], anchor="drivers"))
    if ok:
        blocks += [Para(p) for p in w.tornado(c)]
        if "tornado" in figures:
            blocks.append(figure("tornado"))
            blocks.append(_tornado_table(c))
        blocks += [Para(p) for p in w.voi(c)]
    else:
        blocks.append(Para(w.withheld(c)))

    # 6. assumptions
    blocks.append(Heading(w.T["assumptions"], anchor="assumptions"))
    blocks += [Para(p) for p in w.assumptions(c)]
    blocks.append(_inputs_table(c))
    blocks += [Para(p) for p in w.priors(c)]
    blocks.append(_priors_table(c))
    blocks.append(Para(w.prior_sensitivity(c)))

    # 7. diagnostics and provenance
    blocks.append(Heading(w.T["diagnostics"], anchor="diagnostics"))
    blocks += [Para(p) for p in w.diagnostics(c)]
    blocks.append(_diagnostics_table(c))
    if ok:
        blocks.append(_law_table(c))
    design = [k for k in book.keys() if k.startswith("diagnostics.design_problem.")]
    if design:
        blocks.append(Para(w.design_intro(c)))
        blocks.append(Bullets([c.text(k) for k in design]))
    blocks.append(_provenance_table(c))

    # appendix
    blocks.append(Heading(w.T["appendix"], anchor="appendix"))
    blocks.append(Para(w.appendix(c), style="note"))
    blocks.append(_appendix_table(c))
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


# ---------------------------------------------------------------------- tables
def _scales_table(c: Ctx, n: int, ok: bool) -> Table:
    w = c.w
    header = [
        w.H["number"],
        w.H["plan"],
        w.H["params"],
        w.H["tokens"],
        w.H["compute"],
        w.H["ratio"],
    ]
    if ok:
        header.append(w.H["loss"](c))
    rows = []
    for k in range(1, n + 1):
        p = f"plans.{k}"
        row = [
            str(k),
            c.plan(k),
            c.count(f"{p}.params"),
            c.count(f"{p}.tokens"),
            c.num(f"{p}.compute"),
            c.ratio(f"{p}.extrapolation_ratio"),
        ]
        if ok:
            row.append(
                c.num(f"{p}.loss_median")
                + c.w.interval(c.num(f"{p}.loss_lower"), c.num(f"{p}.loss_upper"))
            )
        rows.append(row)
    return Table(header, rows, numeric=list(range(2, len(header))))


def _roi_table(c: Ctx, n: int) -> Table:
    w = c.w
    header = [
        w.H["number"],
        w.H["plan"],
        w.H["p_threshold"](c),
        w.H["p_break_even"],
        "5%",
        "25%",
        "50%",
        "75%",
        "95%",
        w.H["var"](c),
        w.H["cvar"](c),
    ]
    rows = []
    for k in range(1, n + 1):
        p = f"plans.{k}"
        rows.append(
            [
                str(k),
                c.plan(k),
                c.prob_num(f"{p}.p_roi_above_threshold"),
                c.prob_num(f"{p}.p_break_even"),
                *(
                    c.pct(f"{p}.{q}")
                    for q in ("roi_p05", "roi_p25", "roi_p50", "roi_p75", "roi_p95")
                ),
                c.money(f"{p}.var"),
                c.money(f"{p}.cvar"),
            ]
        )
    return Table(header, rows, numeric=list(range(2, len(header))))


def _ladder_table(c: Ctx, n: int) -> Table:
    w = c.w
    header = [
        w.H["number"],
        w.H["plan"],
        w.H["cost"],
        w.H["value"],
        w.H["nb"](c),
        w.H["p_threshold"](c),
        w.H["p_best"],
        w.H["marginal"],
        w.H["p_step"],
        w.H["stop"],
    ]
    rows = []
    for k in range(1, n + 1):
        p = f"plans.{k}"
        nb = c.money(f"{p}.expected_net_benefit") + w.interval(
            c.money(f"{p}.expected_net_benefit_lower"), c.money(f"{p}.expected_net_benefit_upper")
        )
        stop = c.tok(f"{p}.stop_point", w.YES if c.v(f"{p}.stop_point") else "")
        rows.append(
            [
                str(k),
                c.plan(k),
                c.money(f"{p}.expected_cost"),
                c.money(f"{p}.expected_value"),
                nb,
                c.prob_num(f"{p}.p_roi_above_threshold"),
                c.prob_num(f"{p}.p_best"),
                c.num(f"{p}.marginal_net_benefit_per_extra_cost"),
                c.prob_num(f"{p}.p_step_pays"),
                stop,
            ]
        )
    return Table(header, rows, numeric=list(range(2, len(header) - 1)))


def _break_even_table(c: Ctx, n: int) -> Table:
    w = c.w
    rows = [
        [
            str(k),
            c.plan(k),
            c.money(f"plans.{k}.break_even_lambda")
            if c.has(f"plans.{k}.break_even_lambda")
            else c.tok(f"plans.{k}.break_even_lambda", w.NEVER),
        ]
        for k in range(1, n + 1)
    ]
    return Table([w.H["number"], w.H["plan"], w.H["break_even"](c)], rows, numeric=[2])


def _input_value(c: Ctx, key: str, name: str, field: str) -> str:
    value = c.v(f"{key}.{field}")
    if "usd" in name or name.endswith("usd_if_met"):
        return c.money(f"{key}.{field}")
    return c.tok(f"{key}.{field}", c.w.short(value))


def _tornado_table(c: Ctx) -> Table:
    w = c.w
    header = [
        w.H["input"],
        w.H["at_low"](c),
        w.H["at_high"](c),
        w.H["nb_at_low"](c),
        w.H["nb_at_high"](c),
        w.H["swing"],
    ]
    rows = []
    for i in range(1, c.v("tornado.n_inputs") + 1):
        k = f"tornado.{i}"
        name = c.v(f"{k}.input")
        rows.append(
            [
                c.tok(f"{k}.input", w.input_label(name)),
                _input_value(c, k, name, "input_at_low"),
                _input_value(c, k, name, "input_at_high"),
                c.money(f"{k}.metric_at_low"),
                c.money(f"{k}.metric_at_high"),
                c.money(f"{k}.swing"),
            ]
        )
    return Table(header, rows, numeric=[1, 2, 3, 4, 5])


def _inputs_table(c: Ctx) -> Table:
    w = c.w
    rows = []
    keys = [k[: -len(".source_kind")] for k in c.book.keys() if k.endswith(".source_kind")]
    for key in keys:
        name = key.split(".inputs.", 1)[1] if ".inputs." in key else key[len("inputs.") :]
        plans = c.v(f"{key}.plans")
        rows.append(
            [
                w.input_label(name),
                c.tok(f"{key}.plans", w.ALL_PLANS if plans == "all" else plans),
                w.describe(c, key, name),
                w.source(c, key, name),
                c.tok(f"{key}.date", c.v(f"{key}.date") or w.NOT_RECORDED),
            ]
        )
    return Table([w.H["input"], w.H["plans"], w.H["assumed"], w.H["source"], w.H["date"]], rows)


def _priors_table(c: Ctx) -> Table:
    w = c.w
    overrides = set(filter(None, c.v("priors.overrides").split(", ")))
    rows = []
    for key in c.book.keys():
        if not key.startswith("priors.") or key in ("priors.preset", "priors.overrides"):
            continue
        name = key.split(".", 1)[1]
        rows.append([name, c.text(key), w.prior_meaning(name), w.YES if name in overrides else ""])
    return Table([w.H["parameter"], w.H["prior"], w.H["meaning"], w.H["override"]], rows)


def _diagnostics_table(c: Ctx) -> Table:
    w = c.w
    rows = []
    for key in c.book.keys():
        if key.startswith("diagnostics.param.") and key.endswith(".ok"):
            p = key[: -len(".ok")]
            name = p.split(".", 2)[2]
            rows.append(
                [
                    name,
                    c.tok(f"{p}.r_hat", _fixed(c.v(f"{p}.r_hat"), 3)),
                    c.tok(f"{p}.ess_bulk", _fixed(c.v(f"{p}.ess_bulk"), 0)),
                    c.tok(f"{p}.ess_tail", _fixed(c.v(f"{p}.ess_tail"), 0)),
                    c.tok(key, w.YES if c.v(key) else w.NO),
                ]
            )
    header = [w.H["parameter"], "R-hat", w.H["ess_bulk"], w.H["ess_tail"], w.H["ok"]]
    return Table(header, rows, numeric=[1, 2, 3])


def _law_table(c: Ctx) -> Table:
    w = c.w
    rows = []
    for key in c.book.keys():
        if key.startswith("law.") and key.endswith(".mean"):
            p = key[: -len(".mean")]
            rows.append(
                [
                    p.split(".", 1)[1],
                    c.sig(key),
                    w.interval(c.sig(f"{p}.hdi_lower"), c.sig(f"{p}.hdi_upper"), parens=False),
                ]
            )
    return Table([w.H["parameter"], w.H["mean"], w.H["hdi"](c)], rows, numeric=[1, 2])


def _provenance_table(c: Ctx) -> Table:
    w = c.w
    rows = []
    for key in c.book.keys():
        if key.startswith("provenance."):
            name = key.split(".", 1)[1]
            value = c.v(key)
            shown = w.NOT_RECORDED if value is None else clean(value)
            rows.append([w.provenance_label(name), c.tok(key, shown)])
    return Table([w.H["item"], w.H["record"]], rows, style="provenance")


def _appendix_table(c: Ctx) -> Table:
    w = c.w
    rows = []
    for key in c.book.keys():
        entry = c.book.entry(key)
        rows.append([key, c.tok(key, full(entry.value)), clean(entry.unit), clean(entry.source)])
    return Table([w.H["key"], w.H["full_value"], w.H["unit"], w.H["from"]], rows, style="numbers")


def full(value) -> str:
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


def _fixed(value, digits: int) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"
