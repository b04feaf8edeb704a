"""Prove a rendered report shows everything it should: nothing silently lost.

A template is first rendered once with *tokens* in place of every value (a "probe"); reading that
document back tells where each placeholder lands: which paragraph, which table cell, with what
text around it.  A real report is then checked against the probe with the real values put in
place of the tokens: every expected paragraph must appear, in order (extra ones, such as a
signature block, are allowed), and every table cell must read exactly as expected.  This works
for the bundled template and for any restyled copy alike, because nothing about positions is
assumed.  Pure functions over document XML; no files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from lxml import etree
from markupsafe import Markup

from xl2report.form.national import nest
from xl2report.report.content import (
    DRAFT,
    OPTIONAL_PLACEHOLDERS,
    PARAGRAPH_FIELDS,
    REPORT_FIELDS,
    TABLE_FIELDS,
    Para,
    Paragraphs,
    ReportContent,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _R, _T, _TAB, _BR, _CR = (W + n for n in ("p", "r", "t", "tab", "br", "cr"))
_TBL, _TR, _TC, _SDT, _SDT_CONTENT = (W + n for n in ("tbl", "tr", "tc", "sdt", "sdtContent"))
_TC_PR, _GRID_SPAN, _VAL = W + "tcPr", W + "gridSpan", W + "val"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)

KEYS = tuple(f.key for f in REPORT_FIELDS)
_PARAGRAPH_KEYS = frozenset(f.key for f in PARAGRAPH_FIELDS)
# Private-use characters delimit tokens: (kind, index).  S = a scalar value, I = a narrative
# printed whole ({{ s5.text }}), P = one paragraph of a narrative loop ({{ para.text }}).
_OPEN = {"S": "\ue000", "I": "\ue002", "P": "\ue004"}
_CLOSE = {"S": "\ue001", "I": "\ue003", "P": "\ue005"}
_TOKEN = re.compile("([\ue000\ue002\ue004])([0-9]+)[\ue001\ue003\ue005]")
_PARA_TOKEN = re.compile("\ue004([0-9]+)\ue005")
_KIND = {v: k for k, v in _OPEN.items()}


class VerifyError(Exception):
    """The rendered document does not show what it should (message in Chinese)."""


def token(kind: str, key: str) -> str:
    return f"{_OPEN[kind]}{KEYS.index(key)}{_CLOSE[kind]}"


@dataclass
class DocText:
    """What a reader sees: body paragraphs outside tables, and each table's cells."""

    paragraphs: list[str]
    tables: list[dict[tuple[int, int], list[str]]]  # (row, grid column) -> cell paragraphs


def read_document(xml: bytes) -> DocText:
    """Text of a document.xml: paragraphs in order, tables by row and grid column."""
    root = etree.fromstring(xml, _PARSER)
    body = root.find(W + "body")
    doc = DocText([], [])
    if body is not None:
        _walk(body, doc)
    return doc


def _walk(container: etree._Element, doc: DocText) -> None:
    for child in container:
        if child.tag == _P:
            doc.paragraphs.append(paragraph_text(child))
        elif child.tag == _TBL:
            doc.tables.append(_table(child))
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                _walk(content, doc)


def paragraph_text(p: etree._Element) -> str:
    """As Word shows it: text runs, tabs as \\t, line breaks as \\n (as python-docx reads)."""
    out = []
    for run in p.iter(_R):
        for el in run:
            if el.tag == _T:
                out.append(el.text or "")
            elif el.tag in _MARKS:
                out.append(_mark(el))
    return "".join(out)


_MARKS = frozenset((_TAB, _BR, _CR))


def _mark(el: etree._Element) -> str:
    """What a run's tab or break shows: \t, \n for a line break, nothing for a page break."""
    if el.tag == _TAB:
        return "\t"
    return "\n" if el.tag == _CR or el.get(W + "type") in (None, "textWrapping") else ""


def _table(tbl: etree._Element) -> dict[tuple[int, int], list[str]]:
    """(row, grid column) -> the cell's paragraphs, as :func:`paragraph_text` reads each.

    One tag-filtered pass in document order (lxml filters in C, so the Python loop only sees
    rows, cells, spans, paragraphs and run text; walking every child of every cell cost two
    thirds of verifying a report).  A nested table's paragraphs belong to the outer cell.
    """
    row, col, span = -1, 0, 0
    cell: etree._Element | None = None
    paras: list[list[str]] = []  # the current cell's paragraphs, as pieces of text
    text: list[str] = []  # the current paragraph's pieces
    found: dict[tuple[int, int], list[list[str]]] = {}
    for el in tbl.iter(_TR, _TC, _GRID_SPAN, _P, _T, _TAB, _BR, _CR):
        tag = el.tag
        if tag == _T:
            text.append(el.text or "")
        elif tag == _P:
            text = []
            paras.append(text)
        elif tag == _TC:
            if el.getparent().getparent() is tbl:  # not a nested table's cell
                col += span
                span, cell = 1, el
                paras = found[(row, col)] = []
        elif tag == _TR:
            if el.getparent() is tbl:
                row, col, span = row + 1, 0, 0
        elif tag == _GRID_SPAN:
            if cell is not None and el.getparent().getparent() is cell:
                span = int(el.get(_VAL, "1"))
        elif el.getparent().tag == _R:  # not a tab stop in paragraph properties
            text.append(_mark(el))
    return {place: ["".join(p) for p in pieces] for place, pieces in found.items()}


class _ProbeParagraphs(Paragraphs):
    """A narrative in the probe: one token paragraph, and its own token when printed whole."""

    def __init__(self, key: str) -> None:
        super().__init__([Para(Markup(token("P", key)))])
        self.inline = token("I", key)

    def __html__(self) -> str:
        return Markup(self.inline)


def probe_context(draft: bool, present: frozenset[str]) -> dict[str, object]:
    """A context of tokens; optional values not in ``present`` are empty, as in the real one."""
    flat: dict[str, object] = {}
    for key in KEYS:
        if key in _PARAGRAPH_KEYS:
            flat[key] = _ProbeParagraphs(key)
        elif key in OPTIONAL_PLACEHOLDERS and key not in present:
            flat[key] = Markup("")
        else:
            flat[key] = Markup(token("S", key))
    context = nest(flat)  # type: ignore[arg-type]
    context[DRAFT] = draft
    return context


def probe_key(content: ReportContent) -> tuple[bool, frozenset[str]]:
    """Which probe a real report is compared with: draft or not, which optional values given."""
    present = frozenset(k for k in OPTIONAL_PLACEHOLDERS if content.scalars.get(k))
    return content.draft, present


def table_fields_outside_tables(probe: DocText) -> list[str]:
    """Keys of table values (二、三、四) that the template does not put in any table cell."""
    found = {
        KEYS[int(m.group(2))]
        for table in probe.tables
        for paras in table.values()
        for text in paras
        for m in _TOKEN.finditer(text)
    }
    return [f.key for f in TABLE_FIELDS if f.key not in found]


def expected_texts(texts: Iterable[str], content: ReportContent) -> Iterator[str]:
    """The probe's texts with the real values in place of the tokens."""
    for plan in _plan_texts(texts):
        yield from plan.texts(content)


def verify(doc: DocText, probe: DocText, content: ReportContent) -> None:
    """Raise :class:`VerifyError` unless ``doc`` shows every paragraph and cell it should."""
    Expectation(probe).check(doc, content)


# A probe text split at its tokens: literal text, and (kind, key) where a value goes.
_Segment = str | tuple[str, str]


class _Text:
    """One probe text, tokens located once: the real text is a join, not a regex pass."""

    __slots__ = ("loop", "segments")

    def __init__(self, text: str) -> None:
        whole = _PARA_TOKEN.fullmatch(text)
        self.loop = KEYS[int(whole.group(1))] if whole else None  # one paragraph per line
        self.segments: tuple[_Segment, ...] = ()
        if whole is None:
            parts: list[_Segment] = []
            at = 0
            for m in _TOKEN.finditer(text):
                parts += [text[at : m.start()], (_KIND[m.group(1)], KEYS[int(m.group(2))])]
                at = m.end()
            parts.append(text[at:])
            self.segments = tuple(p for p in parts if p != "")

    def texts(self, content: ReportContent) -> Iterator[str]:
        if self.loop is not None:
            yield from (t for t, _ in content.paragraphs.get(self.loop, []))
        else:
            yield "".join(p if isinstance(p, str) else _value(p, content) for p in self.segments)


def _value(token: tuple[str, str], content: ReportContent) -> str:
    kind, key = token
    if kind == "S":
        return content.scalars.get(key, "")
    return "\n".join(text for text, _ in content.paragraphs.get(key, []))


def _plan_texts(texts: Iterable[str]) -> list[_Text]:
    return [_Text(text) for text in texts]


class _TablePlan(NamedTuple):
    """One probe table: its places, the cells without tokens (compared as they are, in one
    list comparison per report) and the cells values go into (their texts made per report)."""

    places: set[tuple[int, int]]
    static_places: list[tuple[int, int]]
    static_texts: list[list[str]]
    scalars: list[tuple[tuple[int, int], str]]  # cells that are exactly one value: its key
    dynamic: list[tuple[tuple[int, int], list[_Text]]]


class Expectation:
    """A probe compiled for checking many reports: where each value goes, worked out once.

    :meth:`check` is :func:`verify` (the same rules, the same messages); a renderer keeps one
    per probe, so checking a report is joins and comparisons only.
    """

    def __init__(self, probe: DocText) -> None:
        self.paragraphs = _plan_texts(probe.paragraphs)
        self.tables: list[_TablePlan] = []
        for table in probe.tables:
            static_places: list[tuple[int, int]] = []
            static_texts: list[list[str]] = []
            scalars: list[tuple[tuple[int, int], str]] = []
            dynamic: list[tuple[tuple[int, int], list[_Text]]] = []
            for place, paras in table.items():
                plans = _plan_texts(paras)
                if all(p.loop is None and all(isinstance(x, str) for x in p.segments)
                       for p in plans):  # fmt: skip
                    static_places.append(place)
                    static_texts.append(list(paras))
                elif (key := _lone_scalar(plans)) is not None:
                    scalars.append((place, key))
                else:
                    dynamic.append((place, plans))
            self.tables.append(
                _TablePlan(set(table), static_places, static_texts, scalars, dynamic)
            )

    def check(self, doc: DocText, content: ReportContent) -> None:
        """Raise :class:`VerifyError` unless ``doc`` shows every paragraph and cell it should."""
        actual = iter(doc.paragraphs)
        for plan in self.paragraphs:
            for want in plan.texts(content):
                if not any(got == want for got in actual):
                    raise VerifyError(f"生成的报告中缺少段落“{_short(want)}”")
        if len(doc.tables) != len(self.tables):
            raise VerifyError(f"生成的报告有 {len(doc.tables)} 个表格，应为 {len(self.tables)} 个")
        scalar = content.scalars
        for n, (plan, got_table) in enumerate(zip(self.tables, doc.tables, strict=True), 1):
            if plan.places != got_table.keys():
                raise VerifyError(f"生成的报告第 {n} 个表格的行列与模板不一致")
            if [got_table[p] for p in plan.static_places] != plan.static_texts:
                for place, want_paras in zip(plan.static_places, plan.static_texts, strict=True):
                    _compare_cell(n, place, "\n".join(want_paras), got_table[place])
            for place, key in plan.scalars:
                got = got_table[place]
                if len(got) != 1 or got[0] != scalar.get(key, ""):
                    _compare_cell(n, place, scalar.get(key, ""), got)
            for place, plans in plan.dynamic:
                want = "\n".join(t for text in plans for t in text.texts(content))
                _compare_cell(n, place, want, got_table[place])


def _lone_scalar(plans: list[_Text]) -> str | None:
    """The key of a cell that shows exactly one scalar value and nothing else (most cells)."""
    if len(plans) != 1 or plans[0].loop is not None or len(plans[0].segments) != 1:
        return None
    segment = plans[0].segments[0]
    return segment[1] if isinstance(segment, tuple) and segment[0] == "S" else None


def _compare_cell(n: int, place: tuple[int, int], want: str, got_paras: list[str]) -> None:
    """Raise :class:`VerifyError` unless the cell at ``place`` of table ``n`` reads ``want``."""
    got = "\n".join(got_paras)
    if want != got:
        r, c = place
        raise VerifyError(
            f"生成的报告第 {n} 个表格第 {r + 1} 行第 {c + 1} 列应为“{_short(want)}”，"
            f"实际为“{_short(got)}”"
        )


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
