"""`xl2report run` as a user runs it: exit codes, output, the example inbox, PDF, last year."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import make_workbook
from inbox_helpers import ROOT, audit, run_cli, set_mtime, snapshot, values_for, write_valid
from xl2report.batch.outbox import report_filename
from xl2report.batch.records import RunOptions
from xl2report.batch.session import run_batch
from xl2report.checks.check import CheckResult, check_file

EXAMPLES = ROOT / "examples"


def test_all_valid_exits_0_and_prints_the_table(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write_valid(inbox / "甲.xlsx", "甲镇人民政府", seed=1)
    done = run_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0")
    assert done.returncode == 0, done.stderr
    assert "甲镇人民政府" in done.stdout and "已通过" in done.stdout
    assert "甲.xlsx：已通过" in done.stderr  # plain log lines when stderr is not a terminal
    logs = list((outbox / ".xl2report" / "logs").iterdir())
    assert [p.name for p in logs] == ["run.log"]
    assert "甲.xlsx" in logs[0].read_text(encoding="utf-8")


def test_json_lists_every_input_file(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write_valid(inbox / "甲.xlsx", "甲镇人民政府", seed=1)
    (inbox / "图片.jpg").write_bytes(b"\xff\xd8")
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称\n乙镇人民政府\n", encoding="utf-8")
    done = run_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0",
                   "--json", "--roster", str(roster))  # fmt: skip
    assert done.returncode == 1, done.stderr  # a name not on the roster waits for a person
    data = json.loads(done.stdout)
    assert [(f["file"], f["status"]) for f in data["files"]] == [
        ("图片.jpg", "skipped"),
        ("甲.xlsx", "held"),
    ]
    assert data["files"][1]["in_roster"] is False and data["files"][1]["output"] == ""
    assert data["exit_code"] == 1


def test_missing_inbox_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("run", "--inbox", str(tmp_path / "nope"), "--outbox", str(tmp_path / "o"))
    assert done.returncode == 2 and "收件目录" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()  # nothing created for a mistyped command


def test_example_inbox_gives_one_report_and_one_feedback(tmp_path: Path) -> None:
    """The README's first command, on the bundled examples; examples/inbox stays untouched."""
    before = snapshot(EXAMPLES / "inbox")
    outbox = tmp_path / "outbox"
    done = run_cli("run", "--inbox", str(EXAMPLES / "inbox"), "--outbox", str(outbox))
    assert done.returncode == 1  # the wrong township is sent back
    assert set(snapshot(outbox)) == {
        f"2024/{report_filename('克井镇人民政府', 2024)}",
        "2024/退回/示例乡人民政府_校验反馈.xlsx",
    }
    assert snapshot(EXAMPLES / "inbox") == before
    assert sorted(p.name for p in (EXAMPLES / "inbox").iterdir()) == sorted(before)


@pytest.mark.parametrize(
    ("workbook", "values", "org"),
    [
        ("克井镇人民政府2024年报表.xlsx", "kejing-2024.json", "克井镇人民政府"),
        ("示例乡人民政府2024年报表.xlsx", "shiyan-2024-wrong.json", "示例乡人民政府"),
    ],
)
def test_example_workbooks_match_their_json(
    tmp_path: Path, workbook: str, values: str, org: str
) -> None:
    """The checked-in workbooks read exactly as what the generator makes from the JSON."""
    out = tmp_path / workbook
    done = run_cli("template", "--org", org, "--year", "2024", "--values",
                   str(EXAMPLES / values), "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    fresh, bundled = check_file(out), check_file(EXAMPLES / "inbox" / workbook)
    assert bundled.values == fresh.values

    def where(result: CheckResult) -> list[tuple[str, str, str]]:
        return [(f.code, f.sheet, f.cell) for f in result.report.findings]

    assert where(bundled) == where(fresh)


def _last_year(seed: int) -> dict:
    """Last year's values with 4 applications (自然人) carried over into this year, balanced."""
    last = values_for("甲镇人民政府", seed=seed, year=2023)
    extra = 4 - int(last["s3.carry_over.natural"])  # type: ignore[call-overload]
    last["s3.carry_over.natural"] = 4
    last["s3.new.natural"] = int(last["s3.new.natural"]) + extra  # type: ignore[call-overload]
    return last


def _carried_mismatch(seed: int) -> dict:
    """This year's values whose 上年结转 (自然人) is 0, still balancing."""
    this = values_for("甲镇人民政府", seed=seed)
    carried = int(this["s3.carried.natural"])  # type: ignore[call-overload]
    this["s3.carried.natural"] = 0
    this["s3.new.natural"] = int(this["s3.new.natural"]) + carried  # type: ignore[call-overload]
    return this


def test_previous_year_enables_year_over_year_checks(tmp_path: Path) -> None:
    last_year, inbox = tmp_path / "2023", tmp_path / "inbox"
    last_year.mkdir()
    inbox.mkdir()
    # Last year 4 were carried over …
    make_workbook(last_year / "甲2023.xlsx", _last_year(1), org="甲镇人民政府", year=2023)
    make_workbook(inbox / "甲.xlsx", _carried_mismatch(2), org="甲镇人民政府", year=2024)
    plain = run_batch(RunOptions(inbox, tmp_path / "plain", jobs=1, settle=0))
    assert "yoy-carried-mismatch" not in {f["code"] for f in plain.files[0].findings}
    result = run_batch(
        RunOptions(inbox, tmp_path / "outbox", jobs=1, settle=0, previous_year=last_year)
    )
    codes = {(f["code"], f["cell"]) for f in result.files[0].findings}
    assert ("yoy-carried-mismatch", "D7") in codes  # … this year says 0 were carried
    assert result.files[0].status == "accepted"  # year-over-year findings are warnings


def test_last_years_accepted_submissions_in_the_ledger_count_too(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    make_workbook(inbox / "甲2023.xlsx", _last_year(1), org="甲镇人民政府", year=2023)
    run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    make_workbook(inbox / "甲2024.xlsx", _carried_mismatch(2), org="甲镇人民政府", year=2024)
    result = run_batch(RunOptions(inbox, outbox, jobs=2, settle=0))
    new = next(f for f in result.files if f.file == "甲2024.xlsx")
    assert "yoy-carried-mismatch" in {f["code"] for f in new.findings}


@pytest.mark.libreoffice
@pytest.mark.poppler
def test_pdf_for_every_current_report_in_one_call_per_worker(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    for i, org in enumerate(("甲镇人民政府", "乙镇人民政府", "丙镇人民政府")):
        set_mtime(write_valid(inbox / f"{i}.xlsx", org, seed=i), 1_736_000_000 + i)
    result = run_batch(RunOptions(inbox, outbox, jobs=2, settle=0, pdf=True))
    assert result.notes == []
    pdfs = sorted(rel for rel in snapshot(outbox) if rel.endswith(".pdf"))
    assert len(pdfs) == 3
    text = subprocess.run(["pdftotext", str(outbox / pdfs[0]), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "政府信息公开工作年度报告" in text
    # A newer version moves the old report and its PDF into the history folder together.
    set_mtime(write_valid(inbox / "3.xlsx", "甲镇人民政府", seed=9), 1_736_000_100)
    run_batch(RunOptions(inbox, outbox, jobs=1, settle=0, pdf=True))
    history = sorted(rel for rel in snapshot(outbox) if "历史版本" in rel)
    assert [Path(h).suffix for h in history] == [".docx", ".pdf"]
    assert audit(inbox, outbox) == []


def test_pdf_without_libreoffice_is_a_note_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xl2report.report import soffice

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(soffice, "_LINUX_GLOBS", ())  # nor in the usual folders
    monkeypatch.delenv(soffice.ENV_VAR, raising=False)
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write_valid(inbox / "甲.xlsx", "甲镇人民政府", seed=1)
    result = run_batch(RunOptions(inbox, outbox, jobs=1, settle=0, pdf=True))
    assert result.files[0].status == "accepted"
    assert len(result.notes) == 1 and "PDF" in result.notes[0]


def test_unusable_word_template_stops_the_run_with_one_message(tmp_path: Path) -> None:
    from docx import Document

    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write_valid(inbox / "甲.xlsx", "甲镇人民政府", seed=1)
    write_valid(inbox / "乙.xlsx", "乙镇人民政府", seed=2)
    plain = tmp_path / "空白.docx"
    Document().save(str(plain))
    done = run_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0",
                   "--jobs", "2", "--word-template", str(plain))  # fmt: skip
    assert done.returncode == 2
    assert "Word 模板" in done.stderr and "Traceback" not in done.stderr
    assert not (outbox / "2024").exists()
