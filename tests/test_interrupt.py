"""Crash safety: kill -9 in the middle of a run, run again, and everything is whole."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inbox_helpers import audit, ledger_rows, rows_committed, set_mtime, snapshot, write_valid
from xl2report.batch.commit import Recorder
from xl2report.batch.ledger import Ledger
from xl2report.batch.outbox import report_filename
from xl2report.batch.records import RunOptions
from xl2report.batch.runlock import LockHeld, RunLock
from xl2report.batch.session import Session, default_ledger, run_batch

N_FILES = 40


@pytest.fixture(scope="module")
def big_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    inbox = tmp_path_factory.mktemp("big") / "inbox"
    for i in range(N_FILES):
        # Every fifth org sends two versions, so superseding happens mid-run too.
        org = f"第{i // 2 if i % 5 == 0 else i}号镇人民政府"
        path = write_valid(inbox / f"{i:03d}.xlsx", org, seed=100 + i)
        set_mtime(path, 1_736_000_000 + i)
    return inbox


def _start_run(inbox: Path, outbox: Path, jobs: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "xl2report", "run", "--inbox", str(inbox), "--outbox",
         str(outbox), "--jobs", str(jobs), "--settle", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


@pytest.mark.parametrize(("jobs", "kill_after"), [(2, 3), (1, 12), (2, 25)])
def test_kill_9_mid_run_then_rerun(
    big_inbox: Path, tmp_path: Path, jobs: int, kill_after: int
) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(big_inbox, inbox)
    outbox = tmp_path / "outbox"
    before = snapshot(inbox)
    proc = _start_run(inbox, outbox, jobs)
    deadline = time.monotonic() + 120
    while rows_committed(outbox) < kill_after and proc.poll() is None:
        assert time.monotonic() < deadline, "run made no progress"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: parent and workers
    proc.wait()
    killed_at = rows_committed(outbox)
    assert killed_at < N_FILES, "the run finished before it could be killed"

    result = run_batch(RunOptions(inbox, outbox, jobs=jobs, settle=0))
    assert [f for f in result.files if f.status in ("failed", "pending")] == []
    assert len(ledger_rows(outbox)) == N_FILES  # every file exactly once
    assert audit(inbox, outbox) == []  # no half-written or unrecorded file, journal empty
    orgs = {r["org"] for r in ledger_rows(outbox)}
    reports = [rel for rel in snapshot(outbox) if rel.count("/") == 1]
    assert sorted(reports) == sorted(f"2024/{report_filename(o, 2024)}" for o in orgs)
    assert snapshot(inbox) == before

    # And a clean run afterwards has nothing left to do.
    again = run_batch(RunOptions(inbox, outbox, jobs=jobs, settle=0))
    assert not any(f.new for f in again.files)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find workers")
def test_killed_parent_only_leaves_a_consistent_outbox(big_inbox: Path, tmp_path: Path) -> None:
    """``kill -9 <pid>`` of just the parent: orphaned workers must not corrupt the next run."""
    inbox = tmp_path / "inbox"
    shutil.copytree(big_inbox, inbox)
    outbox = tmp_path / "outbox"
    proc = _start_run(inbox, outbox, 2)
    deadline = time.monotonic() + 120
    while rows_committed(outbox) < 5 and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    workers = _children(proc.pid)
    assert workers, "the run had no worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    run_batch(RunOptions(inbox, outbox, jobs=2, settle=0))
    assert len(ledger_rows(outbox)) == N_FILES
    assert audit(inbox, outbox) == []
    deadline = time.monotonic() + 60
    while any(_alive(pid) for pid in workers):  # orphaned workers notice and exit
        assert time.monotonic() < deadline, "orphaned workers did not exit"
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
        if len(found) >= 2:
            return found
        time.sleep(0.05)
    return []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_journalled_moves_are_replayed_after_a_crash(tmp_path: Path) -> None:
    """A crash right after the ledger commit, before the renames: the next session does them."""
    outbox = tmp_path / "outbox"
    staged = outbox / ".xl2report" / "tmp" / "abc.docx"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"report")
    final = outbox / "2024" / "报告.docx"
    with Ledger.open(default_ledger(outbox)) as ledger:
        ledger.commit(
            insert={"path": "a.xlsx", "sha256": "abc", "size": 1, "mtime_ns": 1,
                    "received_ns": 1, "seen_at": "x", "status": "accepted", "org": "甲",
                    "year": 2024, "report": "2024/报告.docx", "version": 1},
            moves=[(staged, final)],
        )  # fmt: skip
    with Session(outbox):
        pass
    assert final.read_bytes() == b"report"
    assert not staged.parent.exists()  # staging cleared only after the replay
    with Ledger.open(default_ledger(outbox)) as ledger:
        assert ledger.pending_moves() == []


def test_stray_temp_files_are_removed(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    stray = outbox / "2024" / ".报告.abcd1234.tmp"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half")
    keep = outbox / "2024" / "keep.docx"
    keep.write_bytes(b"x")
    with Session(outbox):
        pass
    assert not stray.exists() and keep.exists()


def test_second_run_while_one_holds_the_lock_exits_2(tmp_path: Path) -> None:
    from inbox_helpers import run_cli

    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    with RunLock(default_ledger(outbox).parent / "run.lock"):
        done = run_cli("run", "--inbox", str(inbox), "--outbox", str(outbox))
        with pytest.raises(LockHeld):
            run_batch(RunOptions(inbox, outbox, settle=0))
    assert done.returncode == 2
    assert "另一个 xl2report" in done.stderr and "Traceback" not in done.stderr
    assert str(os.getpid()) in done.stderr  # says who holds it


def test_outbox_that_is_not_writable_exits_2(tmp_path: Path) -> None:
    from inbox_helpers import run_cli

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    not_a_dir = tmp_path / "outbox"
    not_a_dir.write_text("a file where the outbox should be")
    done = run_cli("run", "--inbox", str(inbox), "--outbox", str(not_a_dir))
    assert done.returncode == 2
    assert "输出目录" in done.stderr and "Traceback" not in done.stderr


def test_interrupt_between_ledger_commit_and_renames_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or any exception) right after a commit: the renames still happen before cleanup."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write_valid(inbox / "甲.xlsx", "甲镇人民政府", seed=1)
    real = Recorder._apply_moves
    calls = {"n": 0}

    def interrupted(self, moves):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:  # 1: recovery at start (nothing to do); 2: the first commit
            raise KeyboardInterrupt
        return real(self, moves)

    monkeypatch.setattr(Recorder, "_apply_moves", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    assert (outbox / "2024" / report_filename("甲镇人民政府", 2024)).exists()
    assert audit(inbox, outbox) == []
