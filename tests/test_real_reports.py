"""Real published reports read with no false alarm: only the findings their figures deserve.

The corpus and each report's source are in ``tests/real_reports.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import make_workbook
from real_reports import ALL_TABLES, QUIET, REPORTS
from xl2report.checks.catalogue import CATALOGUE
from xl2report.checks.check import check_file
from xl2report.form.national import FORM, Kind, blank_values


def _values(report: dict) -> dict:  # type: ignore[type-arg]
    values = blank_values()
    values.update(QUIET)
    values.update(report["texts"])  # type: ignore[arg-type]
    values.update(report["table"])  # type: ignore[arg-type]
    return values


@pytest.mark.parametrize("report", REPORTS, ids=[str(r["id"]) for r in REPORTS])
def test_real_report_gets_only_what_it_deserves(report: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    for key in report["table"]:  # type: ignore[union-attr]
        assert FORM.field(key).kind is Kind.INPUT, key
    path = make_workbook(
        tmp_path / f"{report['id']}.xlsx", _values(report), org=report["org"], year=report["year"]
    )  # type: ignore[arg-type]
    found = [(f.code, f.key) for f in check_file(path).report.findings]
    assert sorted(found) == sorted(report["expected"]), report["why"]  # type: ignore[arg-type]


def test_corpus_spans_levels_and_provinces() -> None:
    assert len(REPORTS) >= 10
    assert len({r["level"] for r in REPORTS}) >= 5
    assert len({str(r["province"])[:2] for r in REPORTS}) >= 8
    for r in REPORTS:
        title, where = r["source"]  # type: ignore[misc]
        assert str(r["year"]) in title and where and r["seen"] and r["why"]
        for code, _ in r["expected"]:  # type: ignore[union-attr]
            assert code in CATALOGUE


def test_every_entry_says_which_tables_were_checked_against_the_published_page() -> None:
    for r in REPORTS:
        verified = r["verified"]
        assert isinstance(verified, tuple) and set(verified) <= set(ALL_TABLES), r["id"]
        if set(verified) != set(ALL_TABLES):
            assert r.get("unverified"), f"{r['id']}: say which cells were not read and why"
        else:
            assert "unverified" not in r, r["id"]
    # Most of the corpus has at least one table checked cell by cell against the published page.
    checked = [r for r in REPORTS if r["verified"]]
    assert len(checked) >= len(REPORTS) - 2


def test_a_real_contradiction_is_kept_as_an_error() -> None:
    errors = [r for r in REPORTS for code, _ in r["expected"]  # type: ignore[union-attr]
              if CATALOGUE[code].level.value == "error"]  # fmt: skip
    assert errors, "the corpus should keep the real contradiction it found"
