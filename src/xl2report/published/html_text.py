"""A web page (.html/.htm) or a saved web archive (.mhtml) as a :class:`Document`.

Government sites publish the report as the article of a page full of navigation; the parser
finds the report by its title and section headings, so here every block of text is kept in
order.  Tables are expanded into a grid: a ``colspan``/``rowspan`` cell leaves ``None`` in the
positions it covers.  Scripts, styles and forms are dropped.  An .mhtml file (Chrome's and
Edge's "save as single file") is a MIME message: its first HTML part is read with
:mod:`email`, in the charset it declares.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from lxml import etree, html

from xl2report.published.document import Document, ReadError, Row, Table, paragraph_text

_BLOCKS = frozenset(
    ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "article", "header", "footer", "center", "blockquote", "pre", "dd", "dt"]
)  # fmt: skip
_SKIP = frozenset(
    ["script", "style", "noscript", "template", "form", "select", "button", "iframe", "object"]
)
MAX_BYTES = 32 * 1024 * 1024
MAX_SPAN = 100  # a colspan/rowspan beyond any real report table: ignored


def read_html(path: Path) -> Document:
    """The text blocks and tables of an .html/.htm file."""
    return html_document(_read_bytes(path))


def read_mhtml(path: Path) -> Document:
    """The first HTML part of an .mhtml (MIME) web archive."""
    message = email.message_from_bytes(_read_bytes(path), policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset() or "utf-8"
                try:
                    text = payload.decode(charset, errors="replace")
                except LookupError:
                    text = payload.decode("utf-8", errors="replace")
                return html_document(text.encode("utf-8"), "utf-8")
    raise ReadError("published-unreadable", "网页存档（.mhtml）中没有网页内容")


def _read_bytes(path: Path) -> bytes:
    if path.stat().st_size > MAX_BYTES:
        raise ReadError("published-unreadable", "文件过大，不像一份年度报告")
    return path.read_bytes()


def html_document(data: bytes, encoding: str | None = None) -> Document:
    """Blocks of an HTML page given as bytes (its own charset declaration is honoured)."""
    parser = html.HTMLParser(encoding=encoding, remove_comments=True, no_network=True)
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError("published-unreadable", "网页内容无法解析") from exc
    doc = Document()
    title = root.find(".//title")
    if title is not None:
        doc.title = paragraph_text(title.text_content())
    body = root.find("body")
    _walk(body if body is not None else root, doc, [])
    _flush(doc, [])
    return doc


def _walk(el: etree._Element, doc: Document, pending: list[str]) -> None:
    """Text in order; a block element ends the paragraph being gathered in ``pending``."""
    if el.text:
        pending.append(el.text)
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _SKIP or not tag:
            pass
        elif tag == "table":
            _flush(doc, pending)
            doc.blocks.append(_table(child))
        elif tag in _BLOCKS:
            _flush(doc, pending)
            _walk(child, doc, pending)
            _flush(doc, pending)
        else:
            _walk(child, doc, pending)
        if child.tail:
            pending.append(child.tail)


def _flush(doc: Document, pending: list[str]) -> None:
    text = paragraph_text("".join(pending))
    pending.clear()
    if text:
        doc.blocks.append(text)


def _table(table: etree._Element) -> Table:
    """The table as a grid; covered positions are ``None``.  Nested tables' text stays in
    their cell."""
    grid: dict[tuple[int, int], str | None] = {}
    rows = [tr for tr in table.iter("tr") if _owner(tr) is table]
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            span_c = _span(cell.get("colspan"))
            span_r = _span(cell.get("rowspan"))
            for dr in range(span_r):
                for dc in range(span_c):
                    grid[(r + dr, c + dc)] = None
            grid[(r, c)] = _cell_text(cell)
            c += span_c
    width = 1 + max((c for _, c in grid), default=-1)
    out: list[Row] = []
    for r in range(len(rows)):
        out.append([grid.get((r, c), "") for c in range(width)])
    return Table(out)


def _owner(tr: etree._Element) -> etree._Element | None:
    parent = tr.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _span(value: str | None) -> int:
    try:
        n = int((value or "1").strip())
    except ValueError:
        return 1
    return n if 1 <= n <= MAX_SPAN else 1


def _cell_text(cell: etree._Element) -> str:
    for skipped in cell.xpath(".//script|.//style"):
        skipped.drop_tree()
    return paragraph_text(cell.text_content())
