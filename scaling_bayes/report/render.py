"""Blocks to HTML (one self-contained file), Markdown (figures beside it) and plain text.

Safety: every piece of text is escaped for its target (``html.escape`` for HTML; HTML and
Markdown punctuation for Markdown), including titles, plan names, column names and file names.
The HTML has no scripts, no external resources (figures are ``data:`` URIs, the CSS is inline)
and a Content-Security-Policy that forbids both, so it opens the same offline, in a mail client
or printed to PDF. Print rules: A4 pages, figures and tables kept whole, headings kept with what
follows, and the appendix of numbers on a new page.
"""

from __future__ import annotations

import base64
import html
import re
from urllib.parse import quote

from .document import TOKEN, Box, Bullets, Figure, Heading, Para, Table, plain_text

__all__ = ["to_html", "to_markdown", "to_text"]

_CSS = """
@page { size: A4; margin: 16mm 15mm; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #111;
  font: 10.5pt/1.5 -apple-system, "Segoe UI", "Helvetica Neue", Arial, "Hiragino Kaku Gothic ProN",
  "Hiragino Sans", "Yu Gothic", "Meiryo", "Noto Sans CJK JP", sans-serif; }
main { max-width: 180mm; margin: 0 auto; padding: 12mm 0; }
h1 { font-size: 18pt; margin: 0 0 2mm; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid #999; padding-bottom: 1mm;
  break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 2.5mm; overflow-wrap: anywhere; }
p.meta { color: #444; }
p.note, p.basis { color: #444; font-size: 9pt; }
ul { margin: 0 0 2.5mm; padding-left: 6mm; }
li { margin-bottom: 1mm; overflow-wrap: anywhere; }
.warning { border: 2px solid #b00; background: #fff3f3; padding: 3mm 4mm; margin: 3mm 0 4mm;
  break-inside: avoid; page-break-inside: avoid; }
.warning h2 { color: #b00; border: 0; margin: 0 0 2mm; }
figure { margin: 3mm 0 4mm; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; width: 100%; height: auto; }
figcaption { font-size: 9pt; color: #333; margin-top: 1mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 8.5pt;
  break-inside: auto; }
tr { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; }
th { background: #eee; }
td.n { text-align: right; }
table.provenance td:last-child, table.numbers td:first-child { font-family: monospace;
  word-break: break-all; }
table.numbers { font-size: 7.5pt; }
section.appendix { break-before: page; page-break-before: always; }
@media print { main { max-width: none; padding: 0; } a { color: inherit; } }
"""

_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)


# ---------------------------------------------------------------------- HTML
def _h(text: str, sources: dict) -> str:
    """Escape a text for HTML, turning its number tokens into marked spans."""
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
    return "".join(out)


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
    body = []
    in_appendix = False
    for block in blocks:
        if isinstance(block, Heading):
            if block.level == 1:
                body.append(f"<h1>{_h(block.text, sources)}</h1>")
                continue
            if block.anchor == "appendix":
                body.append('<section class="appendix">')
                in_appendix = True
            anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
            body.append(f"<h2{anchor}>{_h(block.text, sources)}</h2>")
        elif isinstance(block, Para):
            cls = f' class="{html.escape(block.style)}"' if block.style else ""
            body.append(f"<p{cls}>{_h(block.text, sources)}</p>")
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{_h(item, sources)}</li>" for item in block.items)
            body.append(f"<ul>{items}</ul>")
        elif isinstance(block, Box):
            paras = "".join(f"<p>{_h(p, sources)}</p>" for p in block.paras)
            body.append(
                f'<div class="warning" role="alert"><h2>{_h(block.title, sources)}</h2>'
                f"{paras}</div>"
            )
        elif isinstance(block, Table):
            body.append(_html_table(block, sources))
        elif isinstance(block, Figure):
            png = figures.get(block.name)
            if png is None:
                continue
            data = base64.b64encode(png).decode("ascii")
            body.append(
                f'<figure><img alt="{html.escape(block.alt)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{_h(block.caption, sources)}</figcaption></figure>"
            )
    if in_appendix:
        body.append("</section>")
    content = "\n".join(body)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{html.escape(plain_text(title))}</title>\n<style>{_CSS}</style>\n</head>\n"
        f'<body>\n<main class="memo">\n{content}\n</main>\n</body>\n</html>\n'
    )


def _html_table(table: Table, sources: dict) -> str:
    cls = f' class="{html.escape(table.style)}"' if table.style else ""
    head = "".join(f"<th>{_h(h, sources)}</th>" for h in table.header)
    rows = []
    for row in table.rows:
        cells = []
        for i, cell in enumerate(row):
            attr = ' class="n"' if i in table.numeric else ""
            cells.append(f"<td{attr}>{_h(cell, sources)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


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


def _m(text: str) -> str:
    """A memo text for Markdown: the memo's own words lightly escaped, numbers and user text
    (the tokens) fully escaped."""
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
    out = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {_m(block.text)}")
        elif isinstance(block, Para):
            text = _m(block.text)
            out.append(f"*{text}*" if block.style in ("meta", "note") else text)
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {_m(item)}" for item in block.items))
        elif isinstance(block, Box):
            lines = [f"> **{_m(block.title)}**", ">"]
            for p in block.paras:
                lines += [f"> {_m(p)}", ">"]
            out.append("\n".join(lines[:-1]))
        elif isinstance(block, Table):
            out.append(_md_table(block))
        elif isinstance(block, Figure):
            name = figure_files.get(block.name)
            if name is None:
                continue
            out.append(f"![{md_escape(block.alt)}]({quote(name)})\n\n*{_m(block.caption)}*")
    return "\n\n".join(out) + "\n"


def _md_table(table: Table) -> str:
    head = "| " + " | ".join(_m(h) for h in table.header) + " |"
    rule = "|" + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.header)))
    rows = ["| " + " | ".join(_m(cell) or " " for cell in row) + " |" for row in table.rows]
    return "\n".join([head, rule + "|", *rows])


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
    return "\n\n".join(out)
