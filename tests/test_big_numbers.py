"""A city's year (issue #22): a count above 10,000,000 is a warning to check, not an error.

A city-level report with 11,398,889 行政许可 decisions was once refused as 超出合理范围.  Now
`check` passes it with one warning at that cell, `run` renders its report with the number as
typed, and the county summary adds it up exactly (integers throughout, no float rounding).
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from helpers import make_workbook
from inbox_helpers import run_cli, values_for
from report_helpers import read_report
from xl2report.batch.ledger import Ledger
from xl2report.batch.outbox import report_filename
from xl2report.batch.session import default_ledger
from xl2report.checks.check import check_file
from xl2report.county.detail import detail_rows
from xl2report.county.summary import DETAIL, numeric_fields, write_summary
from xl2report.form.national import FORM

CITY, TOWN = "某市人民政府", "甲镇人民政府"
BIG = 11_398_889
LICENSING = FORM.field("s2.licensing.decisions")


def _city(path: Path) -> Path:
    values = values_for(CITY, seed=3)
    values[LICENSING.key] = BIG
    return make_workbook(path, values, org=CITY, year=2024)


def test_check_passes_a_city_with_one_warning(tmp_path: Path) -> None:
    path = _city(tmp_path / "市.xlsx")
    done = run_cli("check", "--json", str(path))
    assert done.returncode == 0, done.stderr
    (entry,) = json.loads(done.stdout)["files"]
    assert entry["valid"] is True
    assert [
        (f["code"], f["level"], f["sheet"], f["cell"], f["actual"]) for f in entry["findings"]
    ] == [("number-large", "warning", LICENSING.sheet, LICENSING.cell, BIG)]
    value = check_file(path).values[LICENSING.key]
    assert value == BIG and type(value) is int


def test_run_renders_the_report_and_the_summary_adds_up_exactly(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    _city(inbox / "市.xlsx")
    town = values_for(TOWN, seed=4)
    make_workbook(inbox / "镇.xlsx", town, org=TOWN, year=2024)
    done = run_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0")
    assert done.returncode == 0, done.stderr
    report = read_report(outbox / "2024" / report_filename(CITY, 2024))
    row = next(r for t in report.tables for r in t if any("行政许可" in c for c in r))
    assert str(BIG) in row  # printed as typed: no separators lost, no 1.1e+07
    with Ledger.open(default_ledger(outbox)) as ledger:
        result = write_summary(ledger, 2024, tmp_path / "汇总.xlsx")
    total = result.totals[LICENSING.key]
    assert total == BIG + town[LICENSING.key] and type(total) is int
    cached = openpyxl.load_workbook(tmp_path / "汇总.xlsx", data_only=True)[DETAIL]
    cell = cached.cell(detail_rows(numeric_fields())[LICENSING.key] + 1, 3).value
    assert cell == total and type(cell) is int
