"""The campaign model over a ledger: unit states, held names, deadlines, reviewed warnings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from xl2report.batch.ledger import Ledger, RosterEntry
from xl2report.batch.roster import RosterIndex, nearest_name
from xl2report.county.campaign import UnitState, confirm_held, load_campaign

WARNING = {"code": "narrative-count-mismatch", "level": "warning", "sheet": "一、总体情况",
           "cell": "B7", "key": "s1.requests.text", "message": "文字说收到申请15件，三表为13件"}  # fmt: skip
ERROR = {"code": "balance-mismatch", "level": "error", "sheet": "三、依申请公开", "cell": "D6",
         "key": "s3.new.natural", "message": "一+二 应等于 三(七)+四"}  # fmt: skip
S = 1_000_000_000  # one second in ns


def add(ledger: Ledger, path: str, org: str, status: str, t: int, **kw: object) -> int:
    row = {"path": path, "sha256": path, "size": 1, "mtime_ns": t * S, "received_ns": t * S,
           "seen_at": "t", "status": status, "org": org, "year": 2024} | kw  # fmt: skip
    new_id, _ = ledger.commit(insert=row)
    assert new_id is not None
    return new_id


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    book = Ledger.open(tmp_path / "l.sqlite")
    book.set_roster(
        [
            RosterEntry("甲镇人民政府", "01", "张三", "a@x.cn"),
            RosterEntry("乙镇人民政府", "02", "李四", "b@x.cn", aliases=("乙镇",)),
            RosterEntry("白沙乡人民政府", "03", "王五", "c@x.cn"),
            RosterEntry("丁镇人民政府", "04", "赵六", "d@x.cn"),
            RosterEntry("戊镇人民政府", "05"),
        ],
        "名单.xlsx",
    )
    findings = json.dumps([WARNING], ensure_ascii=False)
    add(ledger=book, path="甲.xlsx", org="甲镇人民政府", status="accepted", t=10, version=1,
        report="2024/甲.docx", warnings=1, findings=findings)  # fmt: skip
    add(book, "乙-错.xlsx", "乙镇人民政府", "rejected", 10, errors=1, feedback="2024/退回/乙.xlsx",
        findings=json.dumps([ERROR], ensure_ascii=False))  # fmt: skip
    add(book, "白沙.xlsx", "白沙乡政府", "held", 11)
    add(
        book,
        "丁-1.xlsx",
        "丁镇人民政府",
        "superseded",
        5,
        version=1,
        report="2024/历史版本/丁.docx",
    )
    add(book, "丁-2.xlsx", "丁镇人民政府", "accepted", 6, version=2, report="2024/丁.docx")
    add(book, "坏.xlsx", "", "unreadable", 7, year=None, message="文件是空的")
    add(book, "去年.xlsx", "甲镇人民政府", "accepted", 1, year=2023, version=1)
    yield book
    book.close()


def test_every_roster_unit_has_one_state(ledger: Ledger) -> None:
    campaign = load_campaign(ledger, today=date(2025, 1, 10))
    assert campaign.year == 2024
    states = {u.org: u.state for u in campaign.units}
    assert states == {
        "甲镇人民政府": UnitState.ACCEPTED,
        "乙镇人民政府": UnitState.REJECTED,
        "白沙乡人民政府": UnitState.HELD,
        "丁镇人民政府": UnitState.UPDATED,
        "戊镇人民政府": UnitState.MISSING,
    }
    jia = campaign.unit("甲镇人民政府")
    assert jia is not None and jia.to_review == 1 and jia.headline == "已通过（待核对 1）"
    yi = campaign.unit("乙镇")  # an alias finds the unit
    assert yi is not None and [n.cell for n in yi.errors] == ["D6"]
    assert yi.headline == "已退回（1 个错误）"
    assert "三、依申请公开 D6：一+二 应等于 三(七)+四" in yi.todo()
    assert campaign.unit("丁镇人民政府").headline == "已更新（第 2 版）"  # type: ignore[union-attr]
    assert [h.suggestion for h in campaign.unmatched] == ["白沙乡人民政府"]
    assert [s.file for s in campaign.unreadable] == ["坏.xlsx"]
    assert campaign.needs_attention
    assert campaign.counts() == {"missing": 1, "rejected": 1, "held": 1, "accepted": 1,
                                 "updated": 1}  # fmt: skip


def test_contract_of_status_json(ledger: Ledger) -> None:
    ledger.set_deadline(2024, date(2025, 1, 20))
    data = load_campaign(ledger, 2024, today=date(2025, 1, 25)).to_dict()
    assert data["year"] == 2024 and data["deadline"] == "2025-01-20"
    orgs = {o["org"]: o for o in data["orgs"]}  # type: ignore[union-attr]
    for o in orgs.values():
        assert {"org", "state", "label", "contact", "email", "errors", "warnings", "overdue",
                "versions"} <= set(o)  # fmt: skip
        assert o["state"] in ("missing", "rejected", "held", "accepted")
    assert orgs["丁镇人民政府"]["state"] == "accepted" and orgs["丁镇人民政府"]["updated"] is True
    assert orgs["丁镇人民政府"]["label"] == "已更新" and orgs["丁镇人民政府"]["versions"] == 2
    warning = orgs["甲镇人民政府"]["warnings"][0]
    assert {k: warning[k] for k in ("code", "level", "sheet", "cell")} == {
        "code": "narrative-count-mismatch", "level": "warning", "sheet": "一、总体情况",
        "cell": "B7",
    }  # fmt: skip
    # After the deadline: missing and rejected units are overdue, held and accepted are not.
    overdue = {o["org"]: o["overdue_days"] for o in orgs.values() if o["overdue"]}
    assert overdue == {"乙镇人民政府": 5, "戊镇人民政府": 5}
    assert data["unmatched"] == [
        {"file": "白沙.xlsx", "org": "白沙乡政府", "suggestion": "白沙乡人民政府",
         "id": data["unmatched"][0]["id"], "status": "held",  # type: ignore[index]
         "received": data["unmatched"][0]["received"], "errors": 0, "warnings": 0},  # type: ignore[index]
    ]  # fmt: skip
    json.dumps(data, ensure_ascii=False)  # JSON-ready all the way down
    before = load_campaign(ledger, 2024, today=date(2025, 1, 20)).to_dict()
    assert not any(o["overdue"] for o in before["orgs"])  # type: ignore[union-attr]


def test_reviewed_warnings_leave_the_count(ledger: Ledger) -> None:
    jia = load_campaign(ledger).unit("甲镇人民政府")
    assert jia is not None and jia.current is not None
    ledger.mark_reviewed(jia.current.sha256, "narrative-count-mismatch", "一、总体情况", "B7")
    again = load_campaign(ledger).unit("甲镇人民政府")
    assert again is not None and again.to_review == 0 and again.warnings[0].reviewed
    assert again.headline == "已通过"


def test_confirm_held_adds_the_alias(ledger: Ledger) -> None:
    held = load_campaign(ledger).held[0]
    assert not confirm_held(ledger, held.submission.id, "不在名单的单位")
    assert confirm_held(ledger, held.submission.id, "白沙乡人民政府")
    assert RosterIndex(ledger.roster()).official("白沙乡政府") == "白沙乡人民政府"


def test_without_a_roster_every_org_seen_is_a_unit(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.sqlite") as book:
        add(book, "a.xlsx", "名单外镇", "accepted", 1, version=1)
        add(book, "b.xlsx", "另一镇", "rejected", 1, errors=1)
        campaign = load_campaign(book)
    assert {u.org: u.state for u in campaign.units} == {
        "名单外镇": UnitState.ACCEPTED, "另一镇": UnitState.REJECTED,
    }  # fmt: skip
    assert all(u.in_roster is None for u in campaign.units) and not campaign.unmatched


def test_a_rejection_after_an_accepted_version_is_the_current_state(ledger: Ledger) -> None:
    add(ledger, "甲-又错.xlsx", "甲镇人民政府", "rejected", 20, errors=1,
        findings=json.dumps([ERROR], ensure_ascii=False))  # fmt: skip
    jia = load_campaign(ledger).unit("甲镇人民政府")
    assert jia is not None and jia.state is UnitState.REJECTED
    assert jia.accepted_before is not None and jia.accepted_before.file == "甲.xlsx"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("白沙乡政府", "白沙乡人民政府"), ("白沙乡", "白沙乡人民政府"), ("城关", "城关镇人民政府"),
     ("某某单位", None), ("", None)],
)  # fmt: skip
def test_nearest_roster_name(typed: str, expected: str | None) -> None:
    names = ["白沙乡人民政府", "城关镇人民政府", "黄河街道办事处", "白塔镇人民政府"]
    assert nearest_name(typed, names) == expected


def test_a_file_empty_for_a_minute_is_an_empty_file_not_a_copy_in_progress(tmp_path: Path) -> None:
    import os
    import time

    from xl2report.batch.records import FileStatus, RunOptions
    from xl2report.batch.session import run_batch

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "刚复制.xlsx").write_bytes(b"")
    old = inbox / "空文件.xlsx"
    old.write_bytes(b"")
    os.utime(old, (time.time() - 120, time.time() - 120))
    result = run_batch(RunOptions(inbox, tmp_path / "outbox", jobs=1, settle=0))
    by_file = {f.file: f for f in result.files}
    assert by_file["刚复制.xlsx"].status is FileStatus.PENDING
    assert by_file["空文件.xlsx"].status is FileStatus.UNREADABLE
    assert "空" in by_file["空文件.xlsx"].message


def test_ctrl_c_says_what_was_done_and_what_remains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from inbox_helpers import set_mtime, write_valid
    from xl2report.batch import worker
    from xl2report.cli.main import main

    inbox = tmp_path / "inbox"
    for i, name in enumerate(("甲", "乙", "丙", "丁")):
        set_mtime(write_valid(inbox / f"{name}.xlsx", f"{name}镇人民政府", seed=i), 1e9 + i)
    real, seen = worker.Worker.process, []

    def process(self, job):  # type: ignore[no-untyped-def]
        seen.append(job)
        if len(seen) == 3:
            raise KeyboardInterrupt  # the clerk presses Ctrl-C during the third file
        return real(self, job)

    monkeypatch.setattr(worker.Worker, "process", process)
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--inbox", str(inbox), "--outbox", str(tmp_path / "outbox"), "-j", "1",
              "--settle", "0"])  # fmt: skip
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "本次已处理 2 个文件（已通过 2）" in err and "还有 2 个未处理" in err
    assert "再次运行" in err
