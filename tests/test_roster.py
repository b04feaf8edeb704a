"""Rosters: .csv in UTF-8 / UTF-8 with BOM / GBK, .xlsx; clear errors; one template per org."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from inbox_helpers import run_cli
from xl2report.batch.roster import normalize_org, read_roster, write_roster_templates
from xl2report.checks.check import check_file
from xl2report.errors import FatalError

CSV = "机关名称,代码,联系人,邮箱\n甲镇人民政府,001,张三,a@example.cn\n乙镇人民政府,002,李四,\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(CSV.encode(encoding))
    entries = read_roster(path)
    assert [(e.name, e.code, e.contact, e.email) for e in entries] == [
        ("甲镇人民政府", "001", "张三", "a@example.cn"),
        ("乙镇人民政府", "002", "李四", ""),
    ]


def test_xlsx_with_title_row_and_other_header_names(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2024年报送名单"])
    ws.append(["序号", "单位名称", "编码", "电子邮箱"])
    ws.append([1, "甲镇人民政府", 1001, "a@example.cn"])
    ws.append([None, None, None, None])  # blank rows are ignored
    ws.append([2, " 乙镇人民政府 ", 1002, None])
    wb.save(tmp_path / "名单.xlsx")
    entries = read_roster(tmp_path / "名单.xlsx")
    assert [(e.name, e.code, e.email) for e in entries] == [
        ("甲镇人民政府", "1001", "a@example.cn"),
        ("乙镇人民政府", "1002", ""),
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("机关名称\n甲镇\n甲 镇\n", "第 3 行：“甲 镇”与第 2 行重复"),
        ("机关名称,代码\n甲镇,1\n,2\n", "第 3 行：机关名称为空"),
        ("名字,代码\n甲镇,1\n", "没有“机关名称”列"),
        ("机关名称\n", "没有任何单位"),
    ],
)
def test_roster_problems_are_fatal_with_the_row(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "名单.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FatalError, match=fragment):
        read_roster(path)


def test_normalize_org() -> None:
    assert normalize_org(" 甲镇 人民政府（办公室）") == normalize_org("甲镇人民政府(办公室)")


def test_templates_per_org_with_windows_safe_names(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "机关名称,联系人\n甲镇人民政府,张三\n县局/办公室,李四\nCON\n", encoding="utf-8"
    )
    paths = write_roster_templates(read_roster(roster), tmp_path / "out", 2024)
    assert [p.name for p in paths] == [
        "甲镇人民政府2024年政府信息公开工作年度报告填报表.xlsx",
        "县局_办公室2024年政府信息公开工作年度报告填报表.xlsx",
        "CON2024年政府信息公开工作年度报告填报表.xlsx",
    ]
    result = check_file(paths[1])
    assert result.report.org == "县局/办公室"  # the name inside stays exact
    assert result.values["info.contact"] == "李四"


def test_template_names_that_collide_are_refused(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称\n甲/镇\n甲:镇\n", encoding="utf-8")
    with pytest.raises(FatalError, match="文件名相同"):
        write_roster_templates(read_roster(roster), tmp_path / "out", 2024)
    assert not (tmp_path / "out").exists()


def test_template_roster_cli(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text(CSV, encoding="gbk")
    out = tmp_path / "模板"
    done = run_cli("template", "--roster", str(roster), "--year", "2024", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert len(list(out.glob("*.xlsx"))) == 2
    again = run_cli("template", "--roster", str(roster), "--year", "2024", "-o", str(out))
    assert again.returncode == 2 and "已存在" in again.stderr  # never overwrites silently
    bad = tmp_path / "坏名单.csv"
    bad.write_text("机关名称\n甲\n甲\n", encoding="utf-8")
    done = run_cli("template", "--roster", str(bad), "-o", str(out))
    assert done.returncode == 2 and "重复" in done.stderr and "Traceback" not in done.stderr
