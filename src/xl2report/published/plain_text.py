"""A plain-text report (.txt) as a :class:`Document`.

Text copied out of a web page or a Word file keeps each table row on one line with its cells
separated by tabs (or by ``|`` when it went through a Markdown-like converter); such lines
become table rows, consecutive ones one table.  Every other non-empty line is a paragraph;
Markdown heading marks (``#``) are dropped.  The encoding is UTF-8 (with or without BOM),
else GB18030 (Windows Notepad's "ANSI" on a Chinese system).
"""

from __future__ import annotations

import re
from pathlib import Path

from xl2report.published.document import Document, ReadError, Row, Table, paragraph_text

MAX_BYTES = 8 * 1024 * 1024
_HEADING_MARK = re.compile(r"^#+\s*")


def read_text(path: Path) -> Document:
    """Paragraphs and tab- or bar-separated table rows of a text file."""
    data = path.read_bytes() if path.stat().st_size <= MAX_BYTES else None
    if data is None:
        raise ReadError("published-unreadable", "文件过大，不像一份年度报告")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return text_document(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise ReadError("published-unreadable", "无法识别文字编码（请另存为 UTF-8）")


def text_document(text: str) -> Document:
    doc = Document()
    table: Table | None = None
    for raw in text.splitlines():
        row = _row(raw)
        if row is not None:
            if table is None:
                table = Table()
                doc.blocks.append(table)
            table.rows.append(row)
            continue
        line = paragraph_text(_HEADING_MARK.sub("", raw))
        if line:
            table = None
            doc.blocks.append(line)
    return doc


def _row(line: str) -> Row | None:
    if "\t" in line:
        cells = line.split("\t")
    elif (line.count("|") >= 1 and line.strip().endswith("|")) or line.count("|") >= 2:
        cells = line.strip().strip("|").split("|") if line.strip() != "|" else [""]
    else:
        return None
    return [paragraph_text(c) for c in cells]
