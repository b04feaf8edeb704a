"""A whole January on real files, through the command line as a county clerk runs it.

Four units on the roster get personalised templates (``template --roster``); 甲 returns a right
workbook whose text disagrees with its table, 乙 a wrong one, 白沙乡 a generic template under a
short name, 丁 nothing.  Then 乙 fixes its workbook, the office adds 白沙乡's short name as an
alias, and the deadline passes.  The townships "fill in" their workbooks with openpyxl, as a
program that knows the cells would; the templates themselves come from the command line.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from helpers import consistent_values
from inbox_helpers import run_cli, set_mtime
from xl2report.checks.catalogue import CATALOGUE
from xl2report.form.national import FORM, Kind, Value, a1
from xl2report.report import office

T0 = 1_736_000_000  # early January
UNITS = (
    ("甲镇人民政府", "01", "张三", "jia@example.cn"),
    ("乙镇人民政府", "02", "李四", "yi@example.cn"),
    ("白沙乡人民政府", "03", "王五", "baisha@example.cn"),
    ("丁镇人民政府", "04", "赵六", "ding@example.cn"),
)


def write_roster(path: Path, aliases: dict[str, str]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["机关名称", "代码", "联系人", "邮箱", "别名"])
    for name, code, contact, email in UNITS:
        ws.append([name, code, contact, email, aliases.get(name, "")])
    wb.save(path)
    return path


def fill(template: Path, out: Path, values: dict[str, Value]) -> Path:
    """Type ``values`` into the template's input cells (the locked name and year stay)."""
    wb = openpyxl.load_workbook(template)
    for f in FORM.fields:
        if f.kind is Kind.INPUT and f.key in values:
            cell = wb[f.sheet][a1(f.row, f.col)]
            if f.key in ("info.org", "info.year") and cell.value not in (None, ""):
                continue  # locked in a personalised template
            cell.value = values[f.key]
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def disagreeing_text(values: dict[str, Value]) -> str:
    """A sentence stating a request count the tables do not have, of a kind that is a warning
    (a person checks it) rather than an error."""
    if "narrative-handled-mismatch" in CATALOGUE:  # the statement table of issue #13
        return "本年度共办理政府信息公开申请9999件，均按时答复。"
    return "本年度共收到政府信息公开申请9999件，均按时答复。"


def values(seed: int) -> dict[str, Value]:
    return consistent_values(random.Random(seed))


@pytest.fixture(scope="module")
def january(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("january")
    roster = write_roster(base / "名单.xlsx", {})
    templates = base / "模板"
    done = run_cli("template", "--roster", str(roster), "--year", "2024", "-o", str(templates),
                   "--outbox", str(base / "outbox"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    personal = {name: next(templates.glob(f"{name}*.xlsx")) for name, *_ in UNITS}
    generic = base / "通用模板.xlsx"
    assert run_cli("template", "--year", "2024", "-o", str(generic)).returncode == 0

    inbox, outbox = base / "inbox", base / "outbox"
    jia = values(1)
    jia["s1.requests.text"] = disagreeing_text(jia)
    fill(personal["甲镇人民政府"], inbox / "甲镇.xlsx", jia)
    wrong = values(2)
    wrong["s3.new.natural"] = int(wrong["s3.new.natural"]) + 1  # type: ignore[call-overload]
    fill(personal["乙镇人民政府"], inbox / "乙镇.xlsx", wrong)
    baisha = values(3) | {"info.org": "白沙乡政府"}
    fill(generic, inbox / "白沙乡年报.xlsx", baisha)
    for i, name in enumerate(("甲镇.xlsx", "乙镇.xlsx", "白沙乡年报.xlsx")):
        set_mtime(inbox / name, T0 + i * 3600)
    return {"base": base, "roster": roster, "personal": personal, "inbox": inbox,
            "outbox": outbox}  # fmt: skip


def cli(*args: str) -> tuple[int, str, str]:
    done = run_cli(*args)
    return done.returncode, done.stdout, done.stderr


def test_a_whole_january(january: dict[str, object]) -> None:
    inbox, outbox = Path(january["inbox"]), Path(january["outbox"])  # type: ignore[arg-type]
    roster = Path(january["roster"])  # type: ignore[arg-type]
    where = ("--outbox", str(outbox))

    # First run: 乙 is rejected and 白沙乡's short name is held, so the run exits 1.
    code, out, err = cli("run", "--inbox", str(inbox), *where, "--roster", str(roster), "-j", "1")
    assert code == 1, out + err
    assert "9999" in out  # 甲's warning is printed under its row
    assert "待确认名称" in out
    status = json.loads(cli("status", *where, "--json")[1])
    orgs = {o["org"]: o for o in status["orgs"]}
    assert {k: o["state"] for k, o in orgs.items()} == {
        "甲镇人民政府": "accepted", "乙镇人民政府": "rejected",
        "白沙乡人民政府": "held", "丁镇人民政府": "missing",
    }  # fmt: skip
    assert orgs["甲镇人民政府"]["to_review"] >= 1
    assert any("9999" in w["message"] for w in orgs["甲镇人民政府"]["warnings"])
    assert status["unmatched"][0]["org"] == "白沙乡政府"
    assert status["unmatched"][0]["suggestion"] == "白沙乡人民政府"
    year_dir = outbox / "2024"
    assert not list(year_dir.glob("白沙乡*.docx")) and not list(year_dir.glob("退回/白沙乡*"))

    # Whom to chase: the rejected unit with what to fix, the missing one, with their emails.
    code, out, _ = cli("remind", *where, "--json")
    assert code == 1
    units = {u["org"]: u for u in json.loads(out)["units"]}
    assert units["乙镇人民政府"]["email"] == "yi@example.cn"
    assert units["乙镇人民政府"]["state"] == "rejected"
    assert any("D6" in line for line in units["乙镇人民政府"]["todo"])
    assert units["丁镇人民政府"]["state"] == "missing"
    assert units["丁镇人民政府"]["email"] == "ding@example.cn"
    assert "甲镇人民政府" not in units
    listing = Path(january["base"]) / "催报清单.xlsx"  # type: ignore[arg-type]
    assert cli("remind", *where, "-o", str(listing))[0] == 1
    sheet = openpyxl.load_workbook(listing).active
    assert "乙镇人民政府" in [c.value for c in sheet["B"]]

    # 乙 sends the fixed workbook; the office adds 白沙乡's short name as an alias.
    fixed = fill(january["personal"]["乙镇人民政府"], inbox / "乙镇-修改后.xlsx", values(2))  # type: ignore[index]
    set_mtime(fixed, T0 + 86400)
    write_roster(roster, {"白沙乡人民政府": "白沙乡政府；白沙"})
    code, out, err = cli("run", "--inbox", str(inbox), *where, "--roster", str(roster), "-j", "1")
    assert code == 0, out + err
    assert not list((year_dir / "退回").glob("*.xlsx")), "obsolete feedback left in 退回/"
    assert list((year_dir / "历史版本").glob("乙镇*校验反馈*.xlsx"))
    report = year_dir / "白沙乡人民政府2024年政府信息公开工作年度报告.docx"
    assert report.exists()
    import docx

    text = "\n".join(p.text for p in docx.Document(report).paragraphs)
    assert "白沙乡人民政府" in text and "白沙乡政府" not in text
    assert cli("run", "--inbox", str(inbox), *where, "-j", "1")[0] == 0  # nothing new: same

    # After the deadline the missing unit is overdue (and only it).
    code, out, _ = cli("status", *where, "--deadline", "2025-01-20", "--json")
    data = json.loads(out)
    assert data["deadline"] == "2025-01-20"
    late = {o["org"] for o in data["orgs"] if o["overdue"]}
    assert late == {"丁镇人民政府"}
    assert json.loads(cli("status", *where, "--json")[1])["deadline"] == "2025-01-20"  # kept

    # The county summary: every roster unit on 报送情况 (丁 as 未报送), the county in the titles.
    summary = Path(january["base"]) / "汇总表.xlsx"  # type: ignore[arg-type]
    code, out, err = cli("summary", "--year", "2024", "--county", "某某县", "-o", str(summary),
                         *where)  # fmt: skip
    assert code == 0, err
    book = openpyxl.load_workbook(summary)
    units_sheet = book["报送情况"]
    listed = {units_sheet.cell(r, 2).value: units_sheet.cell(r, 3).value
              for r in range(4, units_sheet.max_row + 1)}  # fmt: skip
    assert listed["丁镇人民政府"] == "未报送" and len(listed) == 4
    assert str(book["明细"]["A1"].value).startswith("某某县2024年")
    if not (office.available() and shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.skip("LibreOffice 或 poppler-utils 未安装：汇总表打印效果不检查")
    (pdf,) = office.convert([summary], "pdf", Path(january["base"]) / "pdf")  # type: ignore[arg-type]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines()
                     if line.startswith("Pages:")))  # fmt: skip
    assert pages <= 10, pages  # 3 national tables, 明细 on ~5 pages, 报送情况 on 1
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "丁镇人民政府" in text and "未报送" in text and "某某县" in text
    # Unit names repeat on every page of 明细 (its header row prints on each page).
    detail_pages = [p for p in text.split("\f") if "汇总明细" in p]
    assert len(detail_pages) >= 2
    assert all("甲镇人民政府" in p for p in detail_pages)
