"""Text in and out of the XML of a workbook being edited: reading a cell's or a note's text,
and escaping text so it is stored literally (never a formula, never broken XML)."""

from __future__ import annotations

import re

from lxml import etree

from xl2report.xlsx.parts import NS_MAIN, string_text

_M = f"{{{NS_MAIN}}}"
# Characters XML 1.0 cannot hold; OOXML stores them as _xHHHH_.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LITERAL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def cell_text(el: etree._Element) -> str:
    """Text of an ``<si>``, ``<is>`` or a note's ``<text>``: plain and rich-text runs."""
    return string_text(el)


def value_text(c: etree._Element, shared: list[str]) -> str:
    """What a ``<c>`` shows as text: shared, inline or plain value ('' when empty)."""
    kind = c.get("t", "n")
    if kind == "inlineStr":
        inline = c.find(_M + "is")
        return "" if inline is None else cell_text(inline)
    v = c.find(_M + "v")
    if v is None or v.text is None:
        return ""
    if kind == "s":
        index = int(v.text)
        return shared[index] if 0 <= index < len(shared) else ""
    return v.text


def ooxml_escape(text: str) -> str:
    """``text`` with XML-illegal characters as ``_xHHHH_`` and literal ``_xHHHH_`` kept literal."""
    text = _LITERAL_ESCAPE.sub(r"_x005F_\1", text)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def escape(text: str) -> str:
    """``text`` escaped for element content (``xml.sax.saxutils`` would import urllib and
    http.client: ~20 ms of a run's start-up)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """``text`` as a double-quoted attribute value."""
    escaped = escape(text).replace('"', "&quot;")
    return '"' + escaped.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;") + '"'
