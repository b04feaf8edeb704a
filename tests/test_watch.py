"""watch: files dropped into the inbox are processed once they are complete; Ctrl-C stops."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from inbox_helpers import audit, ctrl_c_reaches_the_child, ledger_rows, output_encoding, write_valid
from xl2report.batch.outbox import report_filename
from xl2report.batch.records import RunOptions, RunResult
from xl2report.batch.watch import watch

TIMEOUT = 120  # generous: a wait for a condition, not a speed requirement


def wait_for(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_watch_processes_new_files_and_stops(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write_valid(inbox / "早到.xlsx", "早镇人民政府", seed=1)  # there before watching starts
    results: list[RunResult] = []
    stop = threading.Event()
    options = RunOptions(inbox, outbox, jobs=1, settle=0.2)
    thread = threading.Thread(
        target=watch, args=(options, results.append), kwargs={"stop": stop, "poll": 0.05}
    )
    thread.start()
    try:
        wait_for(
            lambda: (outbox / "2024" / report_filename("早镇人民政府", 2024)).exists(), "first"
        )
        # A file arriving in pieces, as a slow copy writes it: only the complete file counts.
        data = write_valid(tmp_path / "staging.xlsx", "晚镇人民政府", seed=2).read_bytes()
        target = inbox / "乡镇" / "晚到.xlsx"
        target.parent.mkdir()
        with open(target, "wb") as fh:
            for i in range(0, len(data), 4096):
                fh.write(data[i : i + 4096])
                fh.flush()
                time.sleep(0.01)
        wait_for(lambda: (outbox / "2024" / report_filename("晚镇人民政府", 2024)).exists(), "late")
        (inbox / "~$晚到.xlsx").write_bytes(b"lock")  # noise does not trigger anything new
    finally:
        stop.set()
        thread.join(timeout=TIMEOUT)
    assert not thread.is_alive()
    rows = ledger_rows(outbox)
    assert sorted(r["path"] for r in rows) == ["乡镇/晚到.xlsx", "早到.xlsx"]
    assert all(r["status"] == "accepted" for r in rows)
    assert audit(inbox, outbox) == []
    assert not any(f.status == "failed" for r in results for f in r.files)


def test_watch_cli_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "xl2report", "watch", "--inbox", str(inbox), "--outbox",
         str(outbox), "--settle", "0.2", "--jobs", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding=output_encoding(),
        preexec_fn=ctrl_c_reaches_the_child,
    )  # fmt: skip
    try:
        wait_for(lambda: (outbox / ".xl2report" / "logs").exists(), "watch to start")
        write_valid(inbox / "甲.xlsx", "甲镇人民政府", seed=3)
        wait_for(
            lambda: (outbox / "2024" / report_filename("甲镇人民政府", 2024)).exists(), "report"
        )
        # A second run while watching is refused: the watcher holds the lock.
        busy = subprocess.run(
            [sys.executable, "-m", "xl2report", "run", "--inbox", str(inbox), "--outbox", str(outbox)],
            capture_output=True, text=True, encoding=output_encoding(), check=False,
        )  # fmt: skip
        assert busy.returncode == 2 and "另一个 xl2report" in busy.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()  # Ctrl-C did not stop it: fail, and leave no watcher behind
            proc.communicate()
            raise
    assert proc.returncode == 0, err
    assert "已停止监视" in err and "Traceback" not in err
    assert "甲.xlsx" in out  # the new file's line in the table
