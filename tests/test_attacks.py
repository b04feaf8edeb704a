"""Issue #15: one hostile file never stops the county's run.

Every attack of ``tests/data/make_attacks.py`` runs beside a good workbook in the same inbox: the
run ends in bounded time, the good workbook gets its report, the hostile file gets its status
(with a Chinese finding and a ledger row when it is recorded), a rerun gives the same answer,
and once the hostile file is removed the next run is clean.  Then the run's environment: only
that is exit 2, with one Chinese sentence and no traceback.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inbox_helpers import (
    audit,
    ledger_rows,
    run_cli,
    set_mtime,
    snapshot,
    write_invalid,
    write_valid,
)
from xl2report.batch.ledger import Ledger
from xl2report.batch.outbox import default_ledger, report_filename
from xl2report.batch.records import FileStatus, RunOptions
from xl2report.batch.runlock import RunLock
from xl2report.batch.session import run_batch
from xl2report.errors import FatalError

sys.path.insert(0, str(Path(__file__).parent / "data"))
from make_attacks import ATTACKS, formulas_in_feedback

GOOD = "好镇.xlsx"
GOOD_ORG = "好镇人民政府"
BOUND_S = 60  # one run of two files, whatever the hostile one holds


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    set_mtime(write_valid(inbox / GOOD, GOOD_ORG, seed=30), 1_735_000_000)
    return inbox


def _run(inbox: Path, outbox: Path, jobs: int = 1):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    # settle 0.2 s: a file written just now gets its grace, the others are old (no wait)
    result = run_batch(RunOptions(inbox, outbox, jobs=jobs, settle=0.2, timeout=30))
    assert time.monotonic() - started < BOUND_S
    return result


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _names_fit(outbox: Path) -> list[str]:
    """Every output path component within Linux's 255 bytes."""
    return [str(p) for p in outbox.rglob("*") if len(os.fsencode(p.name)) > 255]


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_beside_a_good_workbook(name: str, tmp_path: Path) -> None:
    attack = ATTACKS[name]
    inbox, outbox = _inbox(tmp_path), tmp_path / "outbox"
    (tmp_path / "scratch").mkdir()
    hostile = attack.make(inbox, tmp_path / "scratch")

    first = _run(inbox, outbox)
    by_file = {f.file: f for f in first.files}
    assert by_file[GOOD].status is FileStatus.ACCEPTED
    assert (outbox / "2024" / report_filename(GOOD_ORG, 2024)).is_file()
    rows = {r["path"]: r for r in ledger_rows(outbox)}
    for rel in hostile:
        got = by_file[rel]
        assert got.status == attack.status, (rel, got.status, got.message)
        said = got.message or " ".join(str(f["message"]) for f in got.findings)
        assert got.status is FileStatus.ACCEPTED or _chinese(said), got
        if attack.code is not None:
            assert attack.code in [f["code"] for f in got.findings], got.findings
        recorded = attack.status not in ("skipped", "pending")
        assert (rel in rows) == recorded
        if got.output.endswith(".xlsx"):
            assert formulas_in_feedback(outbox / got.output) == []
    assert first.exit_code in (0, 1)
    assert _names_fit(outbox) == []

    again = _run(inbox, outbox)
    assert {f.file: f.status for f in again.files} == {f.file: f.status for f in first.files}
    assert not any(f.new and f.status is not FileStatus.PENDING for f in again.files)

    for entry in list(os.scandir(os.fsencode(inbox))):
        if os.fsdecode(entry.name) != GOOD:
            os.unlink(entry.path)
    clean = _run(inbox, outbox)
    assert clean.exit_code in (0, 1)
    assert audit(inbox, outbox) == []


def test_all_attacks_at_once_in_worker_processes(tmp_path: Path) -> None:
    """The CLI with workers: exit 1, no traceback, every hostile file listed."""
    inbox, outbox = _inbox(tmp_path), tmp_path / "outbox"
    (tmp_path / "scratch").mkdir()
    hostile: dict[str, str] = {}
    for attack in ATTACKS.values():
        for rel in attack.make(inbox, tmp_path / "scratch"):
            hostile[rel] = attack.status
    done = run_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "-j", "2",
                   "--settle", "1", "--json", timeout=240)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "内部错误" not in done.stderr
    listed = {f["file"]: f["status"] for f in json.loads(done.stdout)["files"]}
    assert listed[GOOD] == "accepted"
    assert {rel: listed[rel] for rel in hostile} == hostile


# --- the run's own environment: exit 2, one Chinese sentence ---------------------------------


def _refused(*args: str) -> str:
    done = run_cli(*args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "错误：" in done.stderr
    return done.stderr


def test_inbox_equal_to_or_inside_the_outbox_is_refused(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    assert "同一个文件夹" in _refused("run", "--inbox", str(inbox), "--outbox", str(inbox))
    inner = tmp_path / "out" / "收件"
    shutil.copytree(inbox, inner)
    assert "里面" in _refused("run", "--inbox", str(inner), "--outbox", str(tmp_path / "out"))


def test_a_file_named_processed_is_refused_before_anything_moves(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    (inbox / "已处理").write_text("not a folder")
    before = snapshot(inbox)
    message = _refused("run", "--inbox", str(inbox), "--outbox", str(tmp_path / "o"),
                       "--move-processed", "--settle", "0")  # fmt: skip
    assert "已处理" in message and snapshot(inbox) == before


def test_the_lock_is_in_the_outbox_whatever_ledger_says(tmp_path: Path) -> None:
    inbox, outbox = _inbox(tmp_path), tmp_path / "outbox"
    with RunLock(outbox / ".xl2report" / "run.lock"):
        message = _refused("run", "--inbox", str(inbox), "--outbox", str(outbox),
                           "--ledger", str(tmp_path / "elsewhere.sqlite"))  # fmt: skip
    assert "另一个 xl2report" in message


def test_a_lost_ledger_never_duplicates_reports(tmp_path: Path) -> None:
    inbox, outbox = _inbox(tmp_path), tmp_path / "outbox"
    write_invalid(inbox / "错镇.xlsx", "错镇人民政府", seed=40)
    assert _run(inbox, outbox).exit_code == 1
    made = snapshot(outbox)
    shutil.rmtree(outbox / ".xl2report")
    with pytest.raises(FatalError, match="台账"):
        _run(inbox, outbox)
    assert snapshot(outbox) == made  # nothing written twice
    message = _refused("run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0")
    assert "备份" in message
    shutil.move(outbox / "2024", tmp_path / "old-2024")  # the repair the message describes
    assert _run(inbox, outbox).exit_code == 1
    assert audit(inbox, outbox) == [] and set(snapshot(outbox)) == set(made)


def test_a_corrupt_ledger_is_exit_2_with_the_repair(tmp_path: Path) -> None:
    inbox, outbox = _inbox(tmp_path), tmp_path / "outbox"
    _run(inbox, outbox)
    default_ledger(outbox).write_bytes(b"this is not sqlite" * 100)
    for wal in default_ledger(outbox).parent.glob("ledger.sqlite-*"):
        wal.unlink()
    assert "备份" in _refused("run", "--inbox", str(inbox), "--outbox", str(outbox))


def test_a_journalled_move_to_a_refused_name_completes(tmp_path: Path) -> None:
    """A journal written by a version without byte limits (a 300-byte target) never sticks."""
    inbox, outbox = _inbox(tmp_path), tmp_path / "outbox"
    staged = outbox / ".xl2report" / "tmp" / "x.xlsx"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"feedback")
    too_long = "2024/退回/" + "长" * 100 + "_校验反馈.xlsx"
    with Ledger.open(default_ledger(outbox)) as ledger:
        ledger.commit(
            insert={"path": "x.xlsx", "sha256": "x", "size": 1, "mtime_ns": 1, "received_ns": 1,
                    "seen_at": "t", "status": "rejected", "feedback": too_long},
            moves=[(staged, outbox / too_long)],
        )  # fmt: skip
    assert _run(inbox, outbox).exit_code == 0
    again = _run(inbox, outbox)
    assert again.exit_code == 0
    row = next(r for r in ledger_rows(outbox) if r["path"] == "x.xlsx")
    assert (outbox / row["feedback"]).read_bytes() == b"feedback"
    with sqlite3.connect(default_ledger(outbox)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM moves").fetchone()[0] == 0


def test_a_file_size_limit_is_one_sentence(tmp_path: Path) -> None:
    """``ulimit -f``: once misreported as a damaged ledger."""
    inbox, outbox = _inbox(tmp_path), tmp_path / "outbox"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    done = subprocess.run(
        [sys.executable, "-m", "xl2report", "run", "--inbox", str(inbox), "--outbox",
         str(outbox), "--settle", "0", "-j", "1"],
        capture_output=True, text=True, timeout=120, preexec_fn=limit, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "ulimit" in done.stderr and "损坏" not in done.stderr
