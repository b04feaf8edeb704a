"""What a rerun does with files recorded before (issue #15 leftovers).

- A file that timed out (a busy machine) is tried again on the next runs, a limited number of
  times; ``run --retry`` tries every 无法处理 file again.
- Warnings a person marked 已核对 are no longer listed by ``run`` (as ``status`` and the board).
- Every empty file gets its own 文件是空的 finding, under its own name (not "duplicate of the
  first empty file": they all have the same hash).
"""

from __future__ import annotations

import json
from pathlib import Path

from inbox_helpers import ledger_rows, run_cli, set_mtime, write_valid
from xl2report.batch.issued import issue_numbers
from xl2report.batch.ledger import Ledger
from xl2report.batch.outbox import default_ledger
from xl2report.batch.records import FileStatus, RunOptions
from xl2report.batch.session import run_batch
from xl2report.batch.worker import MAX_AUTO_RETRIES, RETRY_CODE

T0 = 1_735_000_000


def _run(inbox: Path, outbox: Path, timeout: float = 60, retry: bool = False):  # type: ignore[no-untyped-def]
    result = run_batch(RunOptions(inbox, outbox, jobs=1, settle=0, timeout=timeout, retry=retry))
    return {f.file: f for f in result.files}


def _codes(f) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(d["code"]) for d in f.findings]


def test_a_file_that_timed_out_is_tried_again_on_the_next_run(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    set_mtime(write_valid(inbox / "甲镇.xlsx", "甲镇人民政府", seed=1), T0)
    busy = _run(inbox, outbox, timeout=0.001)["甲镇.xlsx"]  # the machine was far too busy
    assert busy.status is FileStatus.UNREADABLE and _codes(busy) == [RETRY_CODE]
    assert "自动重试" in busy.message
    again = _run(inbox, outbox)["甲镇.xlsx"]
    assert again.status is FileStatus.ACCEPTED and again.new
    rows = ledger_rows(outbox)
    assert len(rows) == 1 and rows[0]["status"] == "accepted"  # the row was replaced
    assert not _run(inbox, outbox)["甲镇.xlsx"].new  # and then it is done


def test_automatic_tries_are_limited_and_retry_forces_one(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    set_mtime(write_valid(inbox / "甲镇.xlsx", "甲镇人民政府", seed=2), T0)
    tries = [_run(inbox, outbox, timeout=0.001)["甲镇.xlsx"].new for _ in range(MAX_AUTO_RETRIES + 2)]
    assert tries == [True] * (MAX_AUTO_RETRIES + 1) + [False]  # first try + the automatic ones
    forced = _run(inbox, outbox, retry=True)["甲镇.xlsx"]
    assert forced.new and forced.status is FileStatus.ACCEPTED


def test_retry_from_the_cli(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    set_mtime(write_valid(inbox / "甲镇.xlsx", "甲镇人民政府", seed=3), T0)
    for _ in range(MAX_AUTO_RETRIES + 1):
        _run(inbox, outbox, timeout=0.001)
    args = ["run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0", "--json"]
    plain = json.loads(run_cli(*args).stdout)["files"][0]
    assert plain["status"] == "unreadable" and not plain["new"]
    done = run_cli(*args, "--retry")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"][0]["status"] == "accepted"


def test_run_leaves_out_warnings_marked_reviewed(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    issue_numbers(outbox, ["甲镇人民政府"], 2024)  # so a blank template gets issue-missing
    set_mtime(write_valid(inbox / "甲镇.xlsx", "甲镇人民政府", seed=4), T0)
    first = _run(inbox, outbox)["甲镇.xlsx"]
    assert first.status is FileStatus.ACCEPTED and "issue-missing" in _codes(first)
    args = ["run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0"]
    assert "没有下发编号" in run_cli(*args).stdout
    with Ledger.open(default_ledger(outbox)) as ledger:
        ledger.mark_reviewed(first.sha256, "issue-missing")
    listed = run_cli(*args).stdout
    assert "没有下发编号" not in listed and "已核对 1" in listed
    again = _run(inbox, outbox)["甲镇.xlsx"]
    assert again.reviewed == 1 and again.to_review == again.warnings - 1


def test_every_empty_file_gets_its_own_finding(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    for name in ("甲.xlsx", "乙.xlsx", "丙.xlsx"):
        (inbox / name).write_bytes(b"")
        set_mtime(inbox / name, T0)
    files = _run(inbox, outbox)
    for name in ("甲.xlsx", "乙.xlsx", "丙.xlsx"):
        assert files[name].status is FileStatus.UNREADABLE, files[name]
        assert _codes(files[name]) == ["file-empty"]
    assert {r["status"] for r in ledger_rows(outbox)} == {"unreadable"}
    assert {f.status for f in _run(inbox, outbox).values()} == {FileStatus.UNREADABLE}


def test_unreadable_files_that_left_the_inbox_are_gone_after_the_next_run(tmp_path: Path) -> None:
    """Deleted, or replaced by a good copy of the same name: no longer 无法读取 in ``status``.
    A copy left elsewhere in the inbox keeps its content listed; a file put back comes back."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    corpus = Path(__file__).parent / "data" / "corpus"
    for name in ("加密.xlsx", "副本/加密.xlsx"):
        (inbox / name).parent.mkdir(exist_ok=True)
        (inbox / name).write_bytes((corpus / "encrypted.xlsx").read_bytes())
    (inbox / "坏.xlsx").write_bytes(b"PK\x03\x04broken")
    (inbox / "空.xlsx").write_bytes(b"")
    set_mtime(inbox / "空.xlsx", T0)  # empty for long enough: an empty file, not a copy arriving
    _run(inbox, outbox)

    def unreadable() -> list[str]:
        done = run_cli("status", "--outbox", str(outbox), "--json")
        return sorted(u["file"] for u in json.loads(done.stdout)["unreadable"])

    assert unreadable() == ["加密.xlsx", "坏.xlsx", "空.xlsx"]  # the copy is a duplicate
    (inbox / "坏.xlsx").unlink()
    (inbox / "空.xlsx").unlink()
    (inbox / "加密.xlsx").unlink()  # its copy in 副本/ is still there
    write_valid(inbox / "坏.xlsx", "甲镇人民政府", seed=1)  # the good copy, same name
    files = _run(inbox, outbox)
    assert files["坏.xlsx"].status is FileStatus.ACCEPTED
    assert unreadable() == ["加密.xlsx"]
    (inbox / "副本" / "加密.xlsx").unlink()
    _run(inbox, outbox)
    assert unreadable() == []
    assert [r["status"] for r in ledger_rows(outbox)] == ["accepted"]
    (inbox / "空.xlsx").write_bytes(b"")  # put back: processed again, listed again
    set_mtime(inbox / "空.xlsx", T0)
    assert _run(inbox, outbox)["空.xlsx"].status is FileStatus.UNREADABLE
    assert unreadable() == ["空.xlsx"]
