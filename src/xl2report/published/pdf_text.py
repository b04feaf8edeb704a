"""A text-layer PDF report (saved from Word or WPS) as a :class:`Document`, with pdfplumber.

Why pdfplumber (MIT; on pdfminer.six, MIT): its table finder rebuilds a ruled table's grid from
the drawn lines and returns every cell, with ``None`` for the grid positions a merged cell
covers, which is exactly what the parser needs from the bordered tables of a Word/WPS report;
pypdfium2 gives the text but no table geometry.

Tables are found per page (a table split across pages is two tables; the parser reads rows).
The text outside tables is rebuilt into paragraphs from line geometry: a line indented by the
first-line indent, a line after one that ends short of the right margin, and a line that opens
with a section number start a paragraph.  Page numbers ("— 1 —", "- 2 -", "第3页") are dropped.
No OCR: a PDF without a text layer (a scan) raises :class:`ReadError` with one clear message.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl2report.published.document import Document, ReadError, Table, paragraph_text

_PAGE_NUMBER = re.compile(r"^[—–\-－]*\s*(第\s*)?\d+\s*(页)?\s*[—–\-－]*$|^\d+\s*/\s*\d+$")
_STARTS_SECTION = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")
_CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]")
MAX_PAGES = 200  # a report has a few dozen pages at most
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}


@dataclass
class _Line:
    page: int
    top: float
    x0: float
    x1: float
    size: float
    text: str


def read_pdf(path: Path) -> Document:
    """Paragraphs and tables of the PDF at ``path`` in reading order."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(path)
    except PDFPasswordIncorrect as exc:
        raise ReadError("published-unreadable", "PDF 设置了打开密码，请取消密码后再导入") from exc
    except (PDFSyntaxError, OSError, ValueError, TypeError, KeyError) as exc:
        raise ReadError("published-unreadable", "不是有效的 PDF 文件，或文件已损坏") from exc
    except Exception as exc:  # pdfminer raises bare exceptions on some broken files
        raise ReadError("published-unreadable", f"PDF 无法解析（{type(exc).__name__}）") from exc
    with pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise ReadError("published-unreadable", f"PDF 有 {len(pdf.pages)} 页，不像年度报告")
        try:
            placed, lines = _pages(pdf)
        except ReadError:
            raise
        except Exception as exc:  # a damaged content stream on some page
            raise ReadError(
                "published-unreadable", f"PDF 内容无法解析（{type(exc).__name__}）"
            ) from exc
    if not lines and not placed:
        raise ReadError("published-scanned")
    return Document(_order(placed, _paragraphs(lines)))


def _pages(pdf: Any) -> tuple[list[tuple[int, float, Table]], list[_Line]]:
    placed: list[tuple[int, float, Table]] = []
    lines: list[_Line] = []
    for number, page in enumerate(pdf.pages):
        drawn = page.filter(_visible)
        settings = {**_TABLE_SETTINGS, "explicit_horizontal_lines": _open_ends(drawn.edges)}
        found = drawn.find_tables(settings)
        boxes = [t.bbox for t in found]
        for t in found:
            rows = [list(r) for r in t.extract()]
            if len(rows) >= 1 and any(len(r) > 1 for r in rows):
                placed.append((number, t.bbox[1], Table(rows)))
            else:  # a one-cell "table" is a framed paragraph
                boxes.remove(t.bbox)
        outside = page.filter(lambda obj, boxes=boxes: obj.get("object_type") != "char"
                              or not any(_inside(obj, b) for b in boxes))  # fmt: skip
        height = float(page.height)
        for raw in outside.extract_text_lines(return_chars=True, keep_blank_chars=True):
            chars = [c for c in raw["chars"] if c["text"].strip()]
            if not chars:
                continue
            text = _line_text(chars)
            margin = raw["top"] > height * 0.88 or raw["bottom"] < height * 0.08
            if margin and _PAGE_NUMBER.match(text):
                continue
            size = Counter(round(c["size"], 1) for c in chars).most_common(1)[0][0]
            lines.append(_Line(number, raw["top"], chars[0]["x0"], chars[-1]["x1"], size, text))
    return placed, lines


def _visible(obj: dict[str, Any]) -> bool:
    """False for a rectangle or line nobody can see: WPS paints a white, unstroked rectangle
    behind every line of body text, whose edges would otherwise make the text a "table"."""
    if obj.get("object_type") not in ("rect", "line", "curve"):
        return True
    stroked = obj.get("stroke") and not _white(obj.get("stroking_color"))
    filled = obj.get("fill") and not _white(obj.get("non_stroking_color"))
    return bool(stroked or filled)


def _open_ends(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines closing a table that runs off the page: a table split across pages often has no
    rule under its last row on the page (nor over its first on the next), so its vertical
    rules end with no horizontal one; without it that row would not be a row."""
    verticals = [e for e in edges if e["orientation"] == "v" and e["height"] > 5]
    horizontals = [e for e in edges if e["orientation"] == "h"]
    out = []
    for y in {max((e["bottom"] for e in verticals), default=None),
              min((e["top"] for e in verticals), default=None)} - {None}:  # fmt: skip
        ending = [e for e in verticals if abs(e["bottom"] - y) < 2 or abs(e["top"] - y) < 2]
        x0, x1 = min(e["x0"] for e in ending), max(e["x1"] for e in ending)
        ruled = any(abs(h["top"] - y) < 3 and h["x0"] <= x0 + 3 and h["x1"] >= x1 - 3
                    for h in horizontals)  # fmt: skip
        if len(ending) >= 2 and not ruled:
            out.append({"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y,
                        "width": x1 - x0, "height": 0, "doctop": y})  # fmt: skip
    return out


def _white(colour: Any) -> bool:
    """Whether a PDF colour (gray, RGB or CMYK components) is white."""
    if not isinstance(colour, (tuple, list)) or not colour:
        return False
    if not all(isinstance(c, (int, float)) for c in colour):
        return False  # a pattern or a named colour space: assume it shows
    if len(colour) == 4:  # CMYK: no ink
        return all(c <= 0.02 for c in colour)
    return all(c >= 0.98 for c in colour)


def _inside(obj: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _line_text(chars: list[dict[str, Any]]) -> str:
    """A line's characters joined; a space only where a real gap is (not CJK/Latin spacing)."""
    chars = sorted(chars, key=lambda c: c["x0"])
    out = [chars[0]["text"]]
    for before, after in itertools.pairwise(chars):
        gap = after["x0"] - before["x1"]
        size = max(before["size"], after["size"], 1.0)
        cjk = _CJK.match(before["text"][-1]) or _CJK.match(after["text"][0])
        if gap > (0.9 if cjk else 0.25) * size:
            out.append(" ")
        out.append(after["text"])
    return "".join(out)


def _paragraphs(lines: list[_Line]) -> list[tuple[int, float, str]]:
    """Lines joined into paragraphs: (page, top of the first line, text)."""
    if not lines:
        return []
    left = _mode(round(line.x0) for line in lines)
    right = _mode(round(line.x1) for line in lines if line.x1 > left + 100) or max(
        line.x1 for line in lines
    )
    out: list[tuple[int, float, str]] = []
    previous: _Line | None = None
    for line in lines:
        joined = previous is not None and not _starts_paragraph(line, previous, left, right)
        if joined:
            page, top, text = out[-1]
            out[-1] = (page, top, text + _joint(text, line.text))
        else:
            out.append((line.page, line.top, line.text))
        previous = line
    return [(page, top, paragraph_text(text)) for page, top, text in out]


def _starts_paragraph(line: _Line, previous: _Line, left: float, right: float) -> bool:
    size = line.size
    if abs(line.size - previous.size) > 1.5:
        return True
    if line.x0 > left + 0.8 * size:  # first-line indent, or a centred line
        return True
    if previous.x1 < right - 1.5 * size:  # the previous line ended short: its paragraph ended
        return True
    if line.page == previous.page and line.top - previous.top > 2.6 * size:  # a blank gap
        return True
    return bool(_STARTS_SECTION.match(line.text))


def _joint(text: str, nxt: str) -> str:
    """What joins a wrapped line to the next: nothing in Chinese, a space between Latin words."""
    if text and nxt and text[-1].isascii() and nxt[0].isascii() and text[-1].isalpha() \
            and nxt[0].isalpha():  # fmt: skip
        return " " + nxt
    return nxt


def _mode(values: Any) -> float:
    counts = Counter(values)
    return counts.most_common(1)[0][0] if counts else 0.0


def _order(
    tables: list[tuple[int, float, Table]], paragraphs: list[tuple[int, float, str]]
) -> list[str | Table]:
    """Tables and paragraphs in reading order (page, then position on the page)."""
    items: list[tuple[int, float, int, str | Table]] = [(p, t, 1, x) for p, t, x in paragraphs]
    items += [(p, t, 0, x) for p, t, x in tables]
    items.sort(key=lambda i: (i[0], i[1], i[2]))
    return [i[3] for i in items]
