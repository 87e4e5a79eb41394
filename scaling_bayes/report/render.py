"""Blocks to HTML (one self-contained file), Markdown (figures beside it) and plain text.

HTML and Markdown come from the Jinja2 templates in ``report/templates`` (``memo.html.j2``,
``memo.md.j2``, with the print CSS in ``memo.css``). Safety: the HTML template is autoescaped,
and every memo text goes through :func:`html_text`, which escapes it and marks each number
token as a ``<span>`` with its key and full value; Markdown texts go through :func:`md_text`
(HTML and Markdown punctuation escaped in numbers and user text). The HTML has no scripts, no
external resources (figures are ``data:`` URIs, the CSS is inline) and a
Content-Security-Policy that forbids both, so it opens the same offline, in a mail client or
printed to PDF. Print rules (in the CSS): A4 pages, a body font of 10.5 pt, the executive
summary alone on page 1, the technical appendix from page 2, figures and tables kept whole and
headings kept with what follows. The only links are relative ones to the numbers files written
beside the memo.
"""

from __future__ import annotations

import base64
import html
import re
from functools import cache
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from .document import TOKEN, Box, Bullets, Figure, Heading, Links, Para, plain_text

__all__ = ["html_text", "md_escape", "md_text", "to_html", "to_markdown", "to_text"]

_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("scaling_bayes.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# ---------------------------------------------------------------------- HTML
def html_text(text: str, sources: dict) -> Markup:
    """A memo text as safe HTML: escaped, its number tokens turned into marked spans.

    Examples
    --------
    >>> from scaling_bayes.report.document import token
    >>> print(html_text("<b> " + token("evpi", "USD 1k"), {"evpi": ("1e3", "ladder")}))
    &lt;b&gt; <span class="num" data-key="evpi" data-value="1e3" title="evpi: ladder">USD 1k</span>
    """
    out, last = [], 0
    for m in TOKEN.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        key, display = m.group(1), m.group(2)
        value, source = sources.get(key, ("", ""))
        out.append(
            f'<span class="num" data-key="{html.escape(key)}" data-value="{html.escape(value)}" '
            f'title="{html.escape(key)}: {html.escape(source)}">{html.escape(display)}</span>'
        )
        last = m.end()
    out.append(html.escape(text[last:]))
    return Markup("".join(out))


def to_html(
    blocks: list, figures: dict[str, bytes], *, lang: str, title: str, sources: dict
) -> str:
    """One self-contained HTML document.

    Parameters
    ----------
    sources : dict
        ``key -> (full value as text, source)`` for the ``data-value`` and ``title`` of each
        number.
    """
    shown = [b for b in blocks if not isinstance(b, Figure) or b.name in figures]
    start = next(
        (i for i, b in enumerate(shown) if isinstance(b, Heading) and b.anchor == "technical"),
        len(shown),
    )
    return (
        _environment()
        .get_template("memo.html.j2")
        .render(
            quote=quote,
            summary=shown[:start],
            technical=shown[start:],
            figures={k: base64.b64encode(v).decode("ascii") for k, v in figures.items()},
            lang=lang,
            title=plain_text(title),
            csp=Markup(_CSP),  # our constant; its quotes must stay quotes
            text=lambda t: html_text(t, sources),
        )
    )


# ---------------------------------------------------------------------- Markdown
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|#~])")
_MD_OWN = re.compile(r"([`*|])")


def md_escape(text: str) -> str:
    """Text that Markdown renders literally: HTML escaped, Markdown punctuation backslashed.

    Used for every text that may hold user input (titles, plan names, currency, sources).

    Examples
    --------
    >>> print(md_escape("<b>*x*</b> | [a](b)"))
    &lt;b&gt;\\*x\\*&lt;/b&gt; \\| \\[a\\](b)
    """
    escaped = html.escape(text, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped).replace("\n", " ")


def md_text(text: str) -> str:
    """A memo text for Markdown: the memo's own words lightly escaped, numbers and user text
    (the tokens) fully escaped.

    Examples
    --------
    >>> from scaling_bayes.report.document import token
    >>> print(md_text("a*b " + token("plans.1.name", "<i>_x_</i>")))
    a\\*b &lt;i&gt;\\_x\\_&lt;/i&gt;
    """
    out, last = [], 0
    for m in TOKEN.finditer(text):
        out.append(_own(text[last : m.start()]))
        out.append(md_escape(m.group(2)))
        last = m.end()
    out.append(_own(text[last:]))
    return "".join(out)


def _own(text: str) -> str:
    return _MD_OWN.sub(r"\\\1", text.replace("<", "&lt;")).replace("\n", " ")


def to_markdown(blocks: list, figure_files: dict[str, str]) -> str:
    """Markdown with figures linked by relative file name (``figure_files``: name -> file)."""
    shown = [b for b in blocks if not isinstance(b, Figure) or b.name in figure_files]
    return (
        _environment()
        .get_template("memo.md.j2")
        .render(
            blocks=shown,
            figures={k: quote(v) for k, v in figure_files.items()},
            quote=quote,
            text=md_text,
            escape=md_escape,
        )
    )


# ---------------------------------------------------------------------- plain text
def to_text(blocks: list) -> str:
    """The blocks as plain text (no markup)."""
    out = []
    for block in blocks:
        if isinstance(block, Heading | Para):
            out.append(plain_text(block.text))
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {plain_text(item)}" for item in block.items))
        elif isinstance(block, Box):
            out.append("\n".join([f"!! {plain_text(block.title)}", *map(plain_text, block.paras)]))
        elif isinstance(block, Links):
            files = ", ".join(label for label, _ in block.items)
            out.append(f"{plain_text(block.text)} {files}")
    return "\n\n".join(out)
