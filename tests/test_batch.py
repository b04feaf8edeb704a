"""The main job end to end: a realistic, messy inbox processed twice (and a third time)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

import xl2report.batch.inbox as inbox_mod
from inbox_helpers import (
    audit,
    digest,
    ledger_rows,
    set_mtime,
    snapshot,
    write_encrypted,
    write_invalid,
    write_truncated,
    write_valid,
)
from xl2report.batch.ledger import Ledger
from xl2report.batch.outbox import report_filename
from xl2report.batch.records import RunOptions
from xl2report.batch.session import run_batch
from xl2report.cli.main import cli
from xl2report.county.campaign import load_campaign
from xl2report.report import office

T0 = 1_736_000_000  # 2025-01-04: a fixed "received" time base for mtimes


def report_of(org: str, year: int = 2024) -> str:
    return f"{year}/{report_filename(org, year)}"


@pytest.fixture(scope="module")
def messy_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every kind of file a county office finds in its mailbox folder."""
    inbox = tmp_path_factory.mktemp("messy") / "inbox"
    write_valid(inbox / "甲镇" / "甲镇.xlsx", "甲镇人民政府", seed=1)
    write_invalid(inbox / "乙镇.xlsx", "乙镇人民政府", seed=2)
    (inbox / "副本").mkdir()
    shutil.copyfile(inbox / "甲镇" / "甲镇.xlsx", inbox / "副本" / "甲镇 - 副本.xlsx")
    write_valid(inbox / "丙镇-初稿.xlsx", "丙镇人民政府", seed=3)
    write_valid(inbox / "丙镇-修改稿.xlsx", "丙镇人民政府", seed=4)
    write_valid(inbox / "戊镇-原件.xlsx", "戊镇人民政府", seed=5)
    write_encrypted(inbox / "戊镇.xlsx", inbox / "戊镇-原件.xlsx")
    (inbox / "戊镇-原件.xlsx").unlink()
    (inbox / "空文件.xlsx").write_bytes(b"")
    write_valid(inbox / "己镇-完整.xlsx", "己镇人民政府", seed=6)
    write_truncated(inbox / "己镇.xlsx", inbox / "己镇-完整.xlsx")
    (inbox / "己镇-完整.xlsx").unlink()
    (inbox / "~$甲镇.xlsx").write_bytes(b"\x00lock")
    (inbox / ".~lock.乙镇.xlsx#").write_text("lock")
    (inbox / "说明.txt").write_text("请查收", encoding="utf-8")
    if office.available():
        src = write_valid(inbox / "丁镇-xlsx" / "丁镇.xlsx", "丁镇人民政府", seed=7)
        office.convert([src], "xls", inbox)
        shutil.rmtree(src.parent)
    else:  # no LibreOffice: any .xls gets the "please send .xlsx" message
        (inbox / "丁镇.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    for i, path in enumerate(sorted(p for p in inbox.rglob("*") if p.is_file())):
        set_mtime(path, T0 + i)
    set_mtime(inbox / "副本" / "甲镇 - 副本.xlsx", T0 + 600)  # the copy came after the original
    set_mtime(inbox / "丙镇-初稿.xlsx", T0 - 3600)  # received first …
    set_mtime(inbox / "丙镇-修改稿.xlsx", T0 + 3600)  # … and corrected later
    return inbox


def invoke_run(inbox: Path, outbox: Path, *extra: str) -> tuple[int, dict]:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0", "--json", *extra],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def test_messy_inbox_twice(messy_inbox: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(messy_inbox, inbox)
    outbox = tmp_path / "outbox"
    before = snapshot(inbox)

    code, first = invoke_run(inbox, outbox, "--jobs", "2")
    assert code == 1  # some rejected / unreadable
    by_file = {f["file"]: f for f in first["files"]}
    assert set(by_file) == set(before), "every input file is listed"
    status = {name: f["status"] for name, f in by_file.items()}
    legacy_ok = office.available()
    assert status == {
        "甲镇/甲镇.xlsx": "accepted",
        "副本/甲镇 - 副本.xlsx": "duplicate",
        "乙镇.xlsx": "rejected",
        "丙镇-初稿.xlsx": "superseded",
        "丙镇-修改稿.xlsx": "accepted",
        "丁镇.xls": "accepted" if legacy_ok else "unreadable",
        "戊镇.xlsx": "unreadable",
        "己镇.xlsx": "unreadable",
        "空文件.xlsx": "unreadable",  # empty since long before the run: an empty file
        "~$甲镇.xlsx": "skipped",
        ".~lock.乙镇.xlsx#": "skipped",
        "说明.txt": "skipped",
    }
    assert by_file["戊镇.xlsx"]["findings"][0]["code"] == "encrypted"
    assert by_file["己镇.xlsx"]["findings"][0]["code"] == "corrupt-workbook"
    assert by_file["空文件.xlsx"]["findings"][0]["code"] == "file-empty"
    if not legacy_ok:
        assert by_file["丁镇.xls"]["findings"][0]["code"] == "legacy-format"
    assert all(f["message"] for f in first["files"] if f["status"] in ("skipped", "pending"))
    rejected = by_file["乙镇.xlsx"]
    assert ("balance-mismatch", "三、依申请公开", "D6") in {
        (x["code"], x["sheet"], x["cell"]) for x in rejected["findings"]
    }

    # The right outputs, and nothing else.
    expected = {
        report_of("甲镇人民政府"),
        report_of("丙镇人民政府"),
        "2024/历史版本/" + report_filename("丙镇人民政府", 2024).replace(".docx", "（第1版）.docx"),
        "2024/退回/乙镇人民政府_校验反馈.xlsx",
    }
    if legacy_ok:
        expected.add(report_of("丁镇人民政府"))
    assert set(snapshot(outbox)) == expected
    assert by_file["副本/甲镇 - 副本.xlsx"]["output"] == report_of("甲镇人民政府")
    # The newer 丙镇 submission is the current report; the draft's is kept as version 1.
    rows = {r["path"]: r for r in ledger_rows(outbox)}
    assert rows["丙镇-修改稿.xlsx"]["report"] == report_of("丙镇人民政府")
    assert rows["丙镇-初稿.xlsx"]["version"] == 1 and rows["丙镇-修改稿.xlsx"]["version"] == 2
    assert snapshot(inbox) == before, "originals are never modified"
    assert audit(inbox, outbox) == []

    # Second run, after a township's file was renamed in the inbox: nothing new is written.
    (inbox / "甲镇" / "甲镇.xlsx").rename(inbox / "甲镇" / "甲镇（改名）.xlsx")
    outputs = snapshot(outbox)
    code2, second = invoke_run(inbox, outbox, "--jobs", "1")
    assert code2 == 1
    by_file2 = {f["file"]: f for f in second["files"]}
    assert by_file2["甲镇/甲镇（改名）.xlsx"]["status"] == "duplicate"
    assert [f["file"] for f in second["files"] if f["new"]] == ["甲镇/甲镇（改名）.xlsx"]
    assert snapshot(outbox) == outputs
    assert audit(inbox, outbox) == []

    # Third run: not even the ledger changes.
    rows = ledger_rows(outbox)
    code3, third = invoke_run(inbox, outbox)
    assert code3 == 1
    assert not any(f["new"] for f in third["files"])
    assert ledger_rows(outbox) == rows
    assert snapshot(outbox) == outputs

    # status agrees with the ledger.
    with Ledger.open(outbox / ".xl2report" / "ledger.sqlite") as ledger:
        campaign = load_campaign(ledger, 2024)
    states = {
        u.org: (u.state.value, u.current.report or u.current.feedback)
        for u in campaign.units
        if u.current is not None
    }
    assert states["甲镇人民政府"] == ("accepted", report_of("甲镇人民政府"))
    assert states["丙镇人民政府"] == ("updated", report_of("丙镇人民政府"))
    assert states["乙镇人民政府"] == ("rejected", "2024/退回/乙镇人民政府_校验反馈.xlsx")
    unreadable = sorted(s.file for s in campaign.unreadable)
    expected = ["戊镇.xlsx", "己镇.xlsx", "空文件.xlsx"] + ([] if legacy_ok else ["丁镇.xls"])
    assert unreadable == sorted(expected)
    current_rows = {(r["org"], r["report"]) for r in rows if r["status"] == "accepted"}
    assert {(o, out) for o, (st, out) in states.items() if st in ("accepted", "updated")} == (
        current_rows
    )


def test_jobs_1_and_jobs_n_give_identical_results(messy_inbox: Path, tmp_path: Path) -> None:
    results = []
    for jobs in (1, 2):
        inbox = tmp_path / f"inbox{jobs}"
        shutil.copytree(messy_inbox, inbox)
        outbox = tmp_path / f"outbox{jobs}"
        result = run_batch(RunOptions(inbox, outbox, jobs=jobs, settle=0))
        rows = [{k: v for k, v in r.items() if k not in ("seen_at",)} for r in ledger_rows(outbox)]
        texts = {
            rel: "\n".join(p.text for p in Document(str(outbox / rel)).paragraphs)
            for rel in snapshot(outbox)
            if rel.endswith(".docx")
        }
        listing = [(f.file, f.status, f.output, f.errors, f.warnings) for f in result.files]
        results.append((rows, sorted(snapshot(outbox)), texts, listing))
    assert results[0] == results[1]


def test_older_submission_arriving_later_goes_to_history(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    new = write_valid(inbox / "新.xlsx", "庚镇人民政府", seed=10)
    set_mtime(new, T0 + 100)
    run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    old = write_valid(inbox / "旧.xlsx", "庚镇人民政府", seed=11)
    set_mtime(old, T0)  # older than the one already accepted
    result = run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    by_file = {f.file: f for f in result.files}
    assert by_file["新.xlsx"].status == "accepted"
    assert by_file["新.xlsx"].output == report_of("庚镇人民政府")
    assert by_file["旧.xlsx"].status == "superseded"
    assert by_file["旧.xlsx"].output.startswith("2024/历史版本/")
    assert "（第2版）" in by_file["旧.xlsx"].output
    assert audit(inbox, outbox) == []


def test_newer_submission_in_a_later_run_supersedes(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    first = write_valid(inbox / "v1.xlsx", "辛镇人民政府", seed=12)
    set_mtime(first, T0)
    run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    v1_report = digest(outbox / report_of("辛镇人民政府"))
    second = write_valid(inbox / "v2.xlsx", "辛镇人民政府", seed=13)
    set_mtime(second, T0 + 10)
    result = run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    by_file = {f.file: f for f in result.files}
    assert by_file["v1.xlsx"].status == "superseded"
    history = outbox / by_file["v1.xlsx"].output
    assert history.parent.name == "历史版本" and digest(history) == v1_report
    assert by_file["v2.xlsx"].output == report_of("辛镇人民政府")
    assert audit(inbox, outbox) == []


def test_rejected_twice_keeps_both_feedback_files(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write_invalid(inbox / "a.xlsx", "壬镇人民政府", seed=14)
    run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    write_invalid(inbox / "b.xlsx", "壬镇人民政府", seed=15)
    result = run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    outputs = sorted(f.output for f in result.files)
    assert outputs == [
        "2024/退回/壬镇人民政府_校验反馈.xlsx",
        "2024/退回/壬镇人民政府_校验反馈（2）.xlsx",
    ]


def test_move_processed_moves_originals_inside_the_inbox(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    src = write_valid(inbox / "sub" / "癸镇.xlsx", "癸镇人民政府", seed=16)
    content = digest(src)
    run_batch(RunOptions(inbox, outbox, jobs=1, settle=0, move_processed=True))
    moved = inbox / "已处理" / "sub" / "癸镇.xlsx"
    assert not src.exists() and digest(moved) == content
    result = run_batch(RunOptions(inbox, outbox, jobs=1, settle=0, move_processed=True))
    assert result.files == []  # the processed folder is not scanned again
    assert ledger_rows(outbox)[0]["stored_path"] == "已处理/sub/癸镇.xlsx"


def test_file_still_being_written_is_left_for_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    path = write_valid(inbox / "写入中.xlsx", "子镇人民政府", seed=17)
    real_settle = inbox_mod.settle

    def settle_while_growing(entries, since, seconds):  # type: ignore[no-untyped-def]
        with open(path, "ab") as fh:  # a slow copy appends between the two looks
            fh.write(b"\x00")
        return real_settle(entries, since, seconds)

    monkeypatch.setattr(inbox_mod, "settle", settle_while_growing)
    result = run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    assert [(f.file, f.status) for f in result.files] == [("写入中.xlsx", "pending")]
    assert ledger_rows(outbox) == []
