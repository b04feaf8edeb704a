"""``summary --audit DIR``: the county summary's sheet auditing a folder of published reports.

Each row must say what ``check DIR --json`` says of that report (the same findings, counted and
placed the same), be matched to the roster through its 别名, and the roster units without a
report must be listed; in the first year (no ledger yet) the summary holds that sheet only.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import openpyxl
import pytest

from helpers import consistent_values
from inbox_helpers import run_cli, write_valid
from published_helpers import report_html
from xl2report.batch.records import RunOptions
from xl2report.batch.session import run_batch
from xl2report.county.audit import AUDIT_COLUMNS, AUDIT_SHEET, NO_REPORT
from xl2report.form.national import compute_formulas

ROSTER = "机关名称,别名\n甲镇人民政府,\n淮安市乙区人民政府,乙区人民政府\n丙镇人民政府,\n"
HEADER = 3  # the sheet's header row (1-based); report rows follow


def _published(folder: Path) -> None:
    """甲: adds up; 乙 (titled with its 别名): 行政复议总计 printed wrong; 丁: not on the
    roster; an empty .pdf; 丙 has no report."""
    folder.mkdir()
    for seed, org, printed in ((1, "甲镇人民政府", {}), (2, "乙区人民政府", "wrong"),
                               (3, "丁镇人民政府", {})):  # fmt: skip
        vals = consistent_values(random.Random(seed), year=2024)
        vals["info.org"] = org
        if printed == "wrong":
            printed = {"s4.review.total": str(compute_formulas(vals)["s4.review.total"] + 5)}
        html = report_html(vals, printed=printed)  # type: ignore[arg-type]
        (folder / f"{org}2024年报.html").write_text(html, encoding="utf-8")
    (folder / "空白.pdf").write_bytes(b"")


def _rows(path: Path) -> dict[str, dict[str, object]]:
    """The sheet's rows by 文件 (a unit without a report by its roster name)."""
    ws = openpyxl.load_workbook(path)[AUDIT_SHEET]
    names = [n for n, _ in AUDIT_COLUMNS]
    assert [c.value for c in ws[HEADER]] == names
    out = {}
    for row in ws.iter_rows(min_row=HEADER + 1, values_only=True):
        cells = dict(zip(names, row, strict=True))
        out[str(cells["文件"] or cells["名单中的单位"])] = cells
    return out


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    """An outbox whose run accepted 甲's 2025 workbook, with the roster registered."""
    roster = tmp_path / "名单.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    write_valid(tmp_path / "inbox" / "甲.xlsx", "甲镇人民政府", seed=9, year=2025)
    run_batch(RunOptions(tmp_path / "inbox", tmp_path / "out", jobs=1, settle=0, roster=roster))
    return tmp_path / "out"


def test_audit_sheet_says_what_check_says_per_report(tmp_path: Path, outbox: Path) -> None:
    folder = tmp_path / "2024年已发布"
    _published(folder)
    out = tmp_path / "汇总.xlsx"
    done = run_cli("summary", "--year", "2025", "-o", str(out), "--outbox", str(outbox),
                   "--audit", str(folder))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 个单位" in done.stdout  # 甲's accepted 2025 workbook is summed as before
    checked = run_cli("check", str(folder), "--json")
    by_file = {Path(r["file"]).name: r for r in json.loads(checked.stdout)["files"]}
    rows = _rows(out)
    assert set(rows) == {*by_file, "丙镇人民政府"}
    for name, report in by_file.items():
        row = rows[name]
        errors = [f for f in report["findings"] if f["level"] == "error"]
        assert (row["错误"], row["提醒"]) == (len(errors), len(report["findings"]) - len(errors))
        places = {f"{f['sheet']} {f['cell']}".strip() for f in report["findings"]}
        assert all(p in str(row["发现的问题（逐条）"] or "") for p in places), name
    assert rows["乙区人民政府2024年报.html"]["名单中的单位"] == "淮安市乙区人民政府"  # its 别名
    assert rows["乙区人民政府2024年报.html"]["结论"] == "未通过"
    assert "四、复议诉讼 E6" in str(rows["乙区人民政府2024年报.html"]["发现的问题（逐条）"])
    assert rows["甲镇人民政府2024年报.html"]["结论"] == "通过"
    assert rows["丁镇人民政府2024年报.html"]["名单中的单位"] == "不在名单中"
    assert rows["空白.pdf"]["结论"] == "无法读取"
    assert rows["丙镇人民政府"]["结论"] == NO_REPORT
    # Roster order first (甲, 乙), then the reports of no roster unit, then units without one.
    assert list(rows)[:2] == ["甲镇人民政府2024年报.html", "乙区人民政府2024年报.html"]
    assert list(rows)[-1] == "丙镇人民政府"


def test_first_year_summary_holds_the_audit_only(tmp_path: Path) -> None:
    folder = tmp_path / "上年年报"
    _published(folder)
    out = tmp_path / "汇总.xlsx"
    done = run_cli("summary", "--year", "2025", "-o", str(out), "--outbox",
                   str(tmp_path / "还没有"), "--audit", str(folder))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(out).sheetnames == [AUDIT_SHEET]
    rows = _rows(out)
    assert len(rows) == 4  # no roster: no unit is missing, none is matched
    assert {r["名单中的单位"] for r in rows.values()} == {"不在名单中", None}
    assert not (tmp_path / "还没有").exists()  # nothing created where no outbox was


def test_audit_of_a_folder_without_reports_is_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "空").mkdir()
    done = run_cli("summary", "--year", "2025", "-o", str(tmp_path / "汇总.xlsx"),
                   "--outbox", str(tmp_path / "无"), "--audit", str(tmp_path / "空"))  # fmt: skip
    assert done.returncode == 2
    assert "没有已发布的报告" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "汇总.xlsx").exists()
