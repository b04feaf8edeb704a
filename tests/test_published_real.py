"""The real published reports of tests/real_reports.py, imported cell by cell.

Each entry's figures as published (a blank stays blank) are laid out as a government web page
(tests/published_helpers.py: the national tables, merged cells, site navigation around it) and
as the PDF LibreOffice prints from that page (a different layout: HTML tables on A4, wrapped
labels, a table split over pages).  These pages and PDFs are *made from* the recorded figures,
not the original files (the stored pages show only each page's beginning): see the entries'
``source`` for where each figure was read.  Every table cell must come back exactly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from published_helpers import report_html
from real_reports import QUIET, REPORTS
from xl2report.form.national import FORM, S2, S3, S4, Kind, blank_values, compute_formulas
from xl2report.published.reader import read_published

INPUTS = [f.key for f in FORM.fields if f.sheet in (S2, S3, S4) and f.kind is Kind.INPUT]


def _published(report: dict) -> tuple[dict, dict[str, str]]:  # type: ignore[type-arg]
    values = blank_values()
    values.update(QUIET)
    values.update(report["texts"])  # type: ignore[arg-type]
    values.update({k: v for k, v in report["table"].items() if v is not None})  # type: ignore[union-attr]
    values.update({"info.org": report["org"], "info.year": report["year"]})
    blanks = {k: "" for k, v in report["table"].items() if v is None}  # type: ignore[union-attr]
    return values, blanks


def _expected(values: dict, blanks: dict[str, str]) -> dict:  # type: ignore[type-arg]
    full = compute_formulas(values)
    return {k: ("" if k in blanks else full[k]) for k in INPUTS}


@pytest.mark.parametrize("report", REPORTS, ids=[str(r["id"]) for r in REPORTS])
def test_real_report_page_imports_as_published(report: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    values, blanks = _published(report)
    page = tmp_path / f"{report['id']}.html"
    page.write_text(report_html(values, printed=blanks), encoding="utf-8")
    got = read_published(page)
    assert (got.org, got.year) == (report["org"], report["year"])
    assert {k: got.values[k] for k in INPUTS} == _expected(values, blanks)
    assert {f.key for f in got.findings if f.code == "published-cell-blank"} >= set(blanks)


@pytest.mark.libreoffice
def test_real_reports_as_pdf_printed_from_the_page(tmp_path: Path) -> None:
    from xl2report.report.office import convert

    pages = []
    for report in REPORTS:
        values, blanks = _published(report)
        page = tmp_path / f"{report['id']}.html"
        page.write_text(report_html(values, printed=blanks), encoding="utf-8")
        pages.append((report, page, values, blanks))
    pdfs = convert([p for _, p, _, _ in pages], "pdf:writer_web_pdf_Export", tmp_path / "pdf")
    for (report, _, values, blanks), pdf in zip(pages, pdfs, strict=True):
        got = read_published(pdf)
        assert (got.org, got.year) == (report["org"], report["year"]), report["id"]
        assert {k: got.values[k] for k in INPUTS} == _expected(values, blanks), report["id"]
