"""Rosters: .csv in UTF-8 / UTF-8 with BOM / GBK, .xlsx; clear errors; one template per org."""

from __future__ import annotations

import inspect
from pathlib import Path

import openpyxl
import pytest

from inbox_helpers import run_cli
from xl2report.batch.ledger import RosterEntry
from xl2report.batch.roster import (
    TemplateRequest,
    normalize_org,
    read_roster,
    template_name,
    write_roster_templates,
)
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
    paths = write_roster_templates(read_roster(roster), tmp_path / "out", TemplateRequest(2024))
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
        write_roster_templates(read_roster(roster), tmp_path / "out", TemplateRequest(2024))
    assert not (tmp_path / "out").exists()


def test_template_roster_cli(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text(CSV, encoding="gbk")
    out = tmp_path / "模板"
    register = str(tmp_path / "outbox")
    done = run_cli("template", "--roster", str(roster), "--year", "2024", "-o", str(out),
                   "--outbox", register)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(list(out.glob("*.xlsx"))) == 2
    again = run_cli("template", "--roster", str(roster), "--year", "2024", "-o", str(out),
                    "--outbox", register)  # fmt: skip
    assert again.returncode == 2 and "已存在" in again.stderr  # never overwrites silently
    bad = tmp_path / "坏名单.csv"
    bad.write_text("机关名称\n甲\n甲\n", encoding="utf-8")
    done = run_cli("template", "--roster", str(bad), "-o", str(out), "--outbox", register)
    assert done.returncode == 2 and "重复" in done.stderr and "Traceback" not in done.stderr


def _entries(*names: str) -> list[RosterEntry]:
    return [RosterEntry(n) for n in names]


def test_a_bad_name_anywhere_writes_nothing(tmp_path: Path) -> None:
    """Once: two templates written, then an English UnicodeEncodeError on the third unit."""
    out = tmp_path / "out"
    broken = "表情\ud83d镇人民政府"  # half an emoji, as a pasted OOXML escape leaves it
    pasted = "某" * 150  # a whole row pasted into one cell
    with pytest.raises(FatalError) as caught:
        write_roster_templates(_entries("甲镇人民政府", "乙镇人民政府", broken, pasted), out,
                               TemplateRequest(2024))  # fmt: skip
    message = str(caught.value)
    assert "第 3 个单位" in message and "无法保存的字符" in message
    assert "第 4 个单位" in message and "150 个字" in message and "没有生成任何模板" in message
    assert not out.exists() or list(out.iterdir()) == []


def test_a_70_character_name_fits_the_byte_limit_and_keeps_the_title(tmp_path: Path) -> None:
    long_name = "某" * 66 + "人民政府"
    paths = write_roster_templates(_entries("甲镇人民政府", long_name), tmp_path / "out",
                                   TemplateRequest(2024))  # fmt: skip
    name = paths[1].name
    assert len(name.encode()) <= 255 and name.endswith("2024年政府信息公开工作年度报告填报表.xlsx")
    assert check_file(paths[1]).report.org == long_name  # the name inside stays whole
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


def test_a_failure_while_moving_into_place_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    entries = _entries("甲镇人民政府", "乙镇人民政府", "丙镇人民政府")
    blocker = out / template_name(entries[2], 2024)
    blocker.mkdir(parents=True)  # a folder where the last template should go
    with pytest.raises(FatalError, match="没有生成任何模板"):
        write_roster_templates(entries, out, TemplateRequest(2024, overwrite=True))
    assert [p.name for p in out.iterdir()] == [blocker.name]


def test_read_roster_names_the_row_of_an_unusable_name(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称\n甲镇人民政府\n" + "乙" * 120 + "\n", encoding="utf-8")
    with pytest.raises(FatalError, match="第 3 行"):
        read_roster(roster)


def test_write_roster_templates_takes_a_request() -> None:
    assert len(inspect.signature(write_roster_templates).parameters) <= 5


HOSTILE_ROSTER = (
    "机关名称,代码,联系人,邮箱,别名\n"
    "甲镇人民政府,001,张三,jia@town.test,\n"
    '"乙水镇人民政府\nBcc: x@y",002,李四,yi@town.test,\n'
    "丙镇人民政府,003,王\x00五,bing@town.test,\n"
    "丁镇人民政府,004,赵六,ding\u202e@town.test,\n"
    "戊镇人民政府,005,钱七,wu@town.test,戊镇\u200b政府\n"
)


def test_line_breaks_and_hidden_characters_in_any_column_are_named_by_row(tmp_path: Path) -> None:
    """A line break in a name, NUL in a contact, a bidi override in an address and a zero-width
    space in an alias: each named by row and column, in Chinese, nothing written."""
    roster = tmp_path / "名单.csv"
    roster.write_text(HOSTILE_ROSTER, encoding="utf-8")
    out, outbox = tmp_path / "模板", tmp_path / "outbox"
    done = run_cli("template", "--roster", str(roster), "--year", "2024", "-o", str(out),
                   "--outbox", str(outbox))  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    message = done.stderr
    assert "第 3 行“机关名称”“乙水镇人民政府[换行]Bcc: x@y”含有换行" in message
    assert "第 4 行“联系人”" in message and "U+0000" in message  # rows as Excel shows the csv
    assert "第 5 行“邮箱”" in message and "U+202E" in message
    assert "第 6 行“别名”" in message and "U+200B" in message
    assert "第 2 行" not in message  # 甲镇 is fine
    assert not out.exists() and not outbox.exists()  # refused before anything was written
    for command in (["run", "--inbox", str(tmp_path / "in"), "--outbox", str(outbox)],
                    ["status", "--outbox", str(outbox)]):  # fmt: skip
        (tmp_path / "in").mkdir(exist_ok=True)
        again = run_cli(*command, "--roster", str(roster))
        assert again.returncode == 2 and "第 3 行“机关名称”" in again.stderr, again.stderr
    ledger = outbox / ".xl2report" / "ledger.sqlite"
    assert not ledger.exists() or not _registered(ledger)


def _registered(path: Path) -> list[RosterEntry]:
    from xl2report.batch.ledger import Ledger

    with Ledger.open(path) as ledger:
        return ledger.roster()


def test_a_registered_entry_with_a_line_break_is_refused_for_templates(tmp_path: Path) -> None:
    """A roster registered before these checks (or by another tool) still cannot make a
    template whose name or contact holds a line break."""
    entries = [RosterEntry("甲镇人民政府"), RosterEntry("乙镇人民政府", contact="李\n四")]
    with pytest.raises(FatalError) as caught:
        write_roster_templates(entries, tmp_path / "out", TemplateRequest(2024))
    assert "第 2 个单位" in str(caught.value) and "联系人" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_a_formula_cell_is_named_as_a_formula_not_as_empty(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["机关名称", "联系人", "邮箱"])
    ws.append(["甲镇人民政府", "张三", "jia@town.test"])
    ws.append(['=HYPERLINK("http://evil.test","乙镇人民政府")', "李四", "yi@town.test"])
    ws.append(["丙镇人民政府", "王五", '=HYPERLINK("mailto:b@town.test","b@town.test")'])
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    with pytest.raises(FatalError) as caught:
        read_roster(path)
    message = str(caught.value)
    assert "第 3 行“机关名称”是公式" in message and "=HYPERLINK(" in message
    assert "第 4 行“邮箱”是公式" in message
    assert "为空" not in message


@pytest.mark.parametrize("content", [b"PK\x03\x04 broken", b"\xd0\xcf\x11\xe0" + b"\0" * 60,
                                     b"not a workbook at all"])  # fmt: skip
def test_a_broken_roster_file_gets_a_chinese_sentence(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "名单.xlsx"
    path.write_bytes(content)
    done = run_cli("template", "--roster", str(path), "--year", "2024", "-o", str(tmp_path / "o"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "无法作为 Excel 工作簿打开" in done.stderr and "另存为" in done.stderr
    assert "zip" not in done.stderr.lower() and "File is not" not in done.stderr
