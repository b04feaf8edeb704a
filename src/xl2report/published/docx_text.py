"""A .docx report as a :class:`Document`: body paragraphs and tables in order, merges marked.

Reads ``word/document.xml`` straight from the package with lxml (entities off, no network),
as Word shows it: runs' text, tabs as spaces, line breaks as paragraph breaks, inserted text kept
and deleted text dropped, content controls opened.  A table cell spanning columns
(``gridSpan``) leaves ``None`` in the columns it covers; a cell continuing a vertical merge
(``vMerge`` without ``restart``) is ``None`` too.  Text boxes and nested tables' own grids are
not read (their text is part of the enclosing cell).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from xl2report.published.document import Document, ReadError, Row, Table, paragraph_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _R, _T, _TAB, _BR, _CR = (W + n for n in ("p", "r", "t", "tab", "br", "cr"))
_TBL, _TR, _TC, _SDT, _SDT_CONTENT = (W + n for n in ("tbl", "tr", "tc", "sdt", "sdtContent"))
_TC_PR, _GRID_SPAN, _V_MERGE, _VAL = W + "tcPr", W + "gridSpan", W + "vMerge", W + "val"
_DEL, _INS, _HYPERLINK, _SMART = W + "del", W + "ins", W + "hyperlink", W + "smartTag"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
MAX_XML = 64 * 1024 * 1024  # a report's document.xml is well under 1 MB


def read_docx(path: Path) -> Document:
    """The body of the .docx at ``path``; :class:`ReadError` when it is no Word document."""
    try:
        with zipfile.ZipFile(path) as package:
            info = package.getinfo("word/document.xml")
            if info.file_size > MAX_XML:
                raise ReadError("published-unreadable", "文档正文过大，拒绝读取")
            xml = package.read(info)
    except KeyError as exc:
        raise ReadError("published-unreadable", "不是 Word 文档（缺少正文部分）") from exc
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ReadError("published-unreadable", "不是有效的 .docx 文件，或文件已损坏") from exc
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ReadError("published-unreadable", "Word 文档正文已损坏") from exc
    doc = Document()
    body = root.find(W + "body")
    if body is not None:
        _walk(body, doc)
    return doc


def _walk(container: etree._Element, doc: Document) -> None:
    for child in container:
        if child.tag == _P:
            for line in _lines(child):
                if line:
                    doc.blocks.append(line)
        elif child.tag == _TBL:
            doc.blocks.append(_table(child))
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                _walk(content, doc)


def _lines(p: etree._Element) -> list[str]:
    """A paragraph's text, split at its manual line breaks."""
    pieces: list[str] = []
    for run in _runs(p):
        for el in run:
            if el.tag == _T:
                pieces.append(el.text or "")
            elif el.tag == _TAB:
                pieces.append(" ")
            elif el.tag in (_BR, _CR) and el.get(W + "type") in (None, "textWrapping"):
                pieces.append("\n")
    return [paragraph_text(line) for line in "".join(pieces).split("\n")]


def _runs(p: etree._Element) -> list[etree._Element]:
    """The paragraph's runs in order, through insertions, links and smart tags, not deletions."""
    out: list[etree._Element] = []
    for el in p:
        if el.tag == _R:
            out.append(el)
        elif el.tag in (_INS, _HYPERLINK, _SMART, _SDT, _SDT_CONTENT):
            out.extend(_runs(el))
    return out


def _table(tbl: etree._Element) -> Table:
    table = Table()
    for tr in tbl.iterchildren(_TR):
        row: Row = []
        for tc in tr.iterchildren(_TC):
            props = tc.find(_TC_PR)
            span, continued = 1, False
            if props is not None:
                grid = props.find(_GRID_SPAN)
                if grid is not None:
                    span = max(1, int(grid.get(_VAL, "1") or 1))
                merge = props.find(_V_MERGE)
                continued = merge is not None and merge.get(_VAL) in (None, "continue")
            text = "\n".join(line for p in tc.iter(_P) for line in _lines(p))
            row.append(None if continued else text)
            row.extend([None] * (span - 1))
        table.rows.append(row)
    return table
