"""PDF layouts seen in real reports (tests/data/published_real): WPS's invisible shading behind
body text, and a table that runs off the page with no rule under its last row.

The first is made for real: a report page printed to PDF by LibreOffice, then a white,
unstroked rectangle added behind every line of body text with pdfium (as WPS exports them:
one per line, edge to edge, as wide as the text block).  The second is tested on the edges
pdfplumber gives, the shape of the 洪泽区 2023 report's page 3.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from helpers import consistent_values
from published_helpers import report_html
from xl2report.form.national import FORM, S2, S3, S4, compute_formulas
from xl2report.published.pdf_text import _open_ends, _visible
from xl2report.published.reader import read_published

TABLE_KEYS = [f.key for f in FORM.fields if f.sheet in (S2, S3, S4)]


def _shade_body_lines(pdf: Path, out: Path) -> int:
    """``pdf`` with a white rectangle behind each body-text line; how many were added."""
    import pdfplumber
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    with pdfplumber.open(pdf) as plumb:
        pages = []
        for page in plumb.pages:
            boxes = [t.bbox for t in page.find_tables()]
            lines = [ln for ln in page.extract_text_lines()
                     if not any(b[1] - 2 <= ln["top"] <= b[3] + 2 for b in boxes)]  # fmt: skip
            pages.append((float(page.height), lines))
    x0 = min(ln["x0"] for _, lines in pages for ln in lines)
    x1 = max(ln["x1"] for _, lines in pages for ln in lines)
    doc = pdfium.PdfDocument(pdf)
    added = 0
    for number, (height, lines) in enumerate(pages):
        page = doc[number]
        for ln in lines:
            top, bottom = ln["top"] - 3, ln["bottom"] + 3
            rect = raw.FPDFPageObj_CreateNewRect(x0, height - bottom, x1 - x0, bottom - top)
            raw.FPDFPageObj_SetFillColor(rect, 255, 255, 255, 255)
            raw.FPDFPath_SetDrawMode(rect, raw.FPDF_FILLMODE_WINDING, False)
            raw.FPDFPage_InsertObjectAtIndex(page.raw, rect, 0)  # behind the text
            added += 1
        raw.FPDFPage_GenerateContent(page.raw)
    doc.save(out)
    doc.close()
    return added


@pytest.mark.libreoffice
def test_white_shading_behind_body_text_is_not_a_table(tmp_path: Path) -> None:
    from xl2report.report.office import convert

    vals = consistent_values(random.Random(11))
    page = tmp_path / "r.html"
    page.write_text(report_html(vals, chrome=False), encoding="utf-8")
    (printed,) = convert([page], "pdf:writer_web_pdf_Export", tmp_path / "pdf")
    shaded = tmp_path / "shaded.pdf"
    assert _shade_body_lines(printed, shaded) > 20
    plain, got = read_published(printed), read_published(shaded)
    assert {k: got.values.get(k) for k in TABLE_KEYS} == {
        k: compute_formulas(vals)[k] for k in TABLE_KEYS
    }
    assert got.values.get("s5.text") == plain.values["s5.text"]
    assert [(f.code, f.key) for f in got.findings] == [(f.code, f.key) for f in plain.findings]


def test_invisible_drawings_are_dropped_visible_ones_kept() -> None:
    rect = {"object_type": "rect", "fill": True, "stroke": False}
    assert not _visible({**rect, "non_stroking_color": (1.0, 1.0, 1.0)})
    assert not _visible({**rect, "non_stroking_color": (1,)})  # gray
    assert not _visible({**rect, "non_stroking_color": (0, 0, 0, 0)})  # CMYK, no ink
    assert _visible({**rect, "non_stroking_color": (0.776, 0.851, 0.945)})  # a shaded header
    assert _visible({"object_type": "line", "stroke": True, "stroking_color": (0,)})
    assert _visible({"object_type": "char", "text": "一"})


def _edge(x0: float, top: float, x1: float, bottom: float) -> dict:  # type: ignore[type-arg]
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": x1 - x0,
            "height": bottom - top, "orientation": "v" if x0 == x1 else "h"}  # fmt: skip


def test_a_table_running_off_the_page_is_closed_under_its_last_row() -> None:
    columns = [76.2, 231.0, 300.0, 516.6]
    rows = [363.8, 700.0, 738.7, 758.8]  # the last rule; the rules down the side reach 778.4
    edges = [_edge(x, 363.8, x, 778.4) for x in columns]
    edges += [_edge(76.2, y, 516.6, y) for y in rows]
    (closing,) = _open_ends(edges)
    assert (closing["top"], closing["x0"], closing["x1"]) == (778.4, 76.2, 516.6)
    ruled = [*edges, _edge(76.2, 778.4, 516.6, 778.4)]
    assert _open_ends(ruled) == []  # a closed table gets nothing added
