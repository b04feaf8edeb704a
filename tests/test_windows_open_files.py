"""A file open in WPS/Word is that file's problem, not the run's.  Windows refuses to rename,
replace or delete a file another program has open; simulated exactly as CPython reports it
there (``PermissionError``, errno 13, ``winerror`` 32; tests/windows/winsim.py): the run says
which file to close, goes on with the other files (exit 1), keeps the pending move, and a later
run completes it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_helpers import audit, digest, set_mtime, write_invalid, write_valid
from win_helpers import run_cli_as, windows_env, winsim
from xl2report.batch.ledger import Ledger
from xl2report.batch.outbox import HISTORY_DIR, PROCESSED_DIR, default_ledger, report_filename
from xl2report.batch.records import RunOptions, RunResult
from xl2report.batch.session import run_batch
from xl2report.batch.watch import watch

A, B = "甲镇人民政府", "乙镇人民政府"


@pytest.fixture
def editor() -> Iterator[None]:
    """The simulated editor lock in this process (files are held with ``winsim.holding``)."""
    here = not winsim.installed()
    winsim.install_file_rules()
    yield
    if here:
        winsim.uninstall_file_rules()


def _run(inbox: Path, outbox: Path, **options: object) -> RunResult:
    return run_batch(RunOptions(inbox, outbox, jobs=1, settle=0, **options))  # type: ignore[arg-type]


def _first_version(tmp_path: Path, write=write_valid) -> tuple[Path, Path, RunResult]:  # type: ignore[no-untyped-def]
    """Unit A's first return (an old one), processed: (inbox, outbox, the run)."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write(inbox / "甲.xlsx", A, seed=1)
    set_mtime(inbox / "甲.xlsx", 1_700_000_000)
    return inbox, outbox, _run(inbox, outbox)


def _pending(outbox: Path) -> int:
    ledger = Ledger.open(default_ledger(outbox))
    try:
        return len(ledger.pending_moves())
    finally:
        ledger.close()


@pytest.mark.usefixtures("editor")
def test_last_versions_report_open_while_a_correction_arrives(tmp_path: Path) -> None:
    inbox, outbox, first_run = _first_version(tmp_path)
    assert first_run.exit_code == 0
    report = outbox / "2024" / report_filename(A, 2024)
    first = digest(report)

    write_valid(inbox / "甲（更正）.xlsx", A, seed=2)  # newer: replaces the report
    write_valid(inbox / "乙.xlsx", B, seed=3)
    with winsim.holding(report):
        held = _run(inbox, outbox)
        assert held.exit_code == 1
        assert len(held.open_files) == 1 and report.name in held.open_files[0]
        assert (outbox / "2024" / report_filename(B, 2024)).is_file()  # the other unit's
        assert digest(report) == first and _pending(outbox) > 0
        again = _run(inbox, outbox)  # still open: no failure at start, told again
        assert again.exit_code == 1 and len(again.open_files) == 1
    done = _run(inbox, outbox)  # closed: the new version takes its place
    assert done.exit_code == 0 and done.open_files == []
    history = outbox / "2024" / HISTORY_DIR
    (old,) = history.iterdir()
    assert digest(old) == first and digest(report) != first
    assert audit(inbox, outbox) == []


@pytest.mark.usefixtures("editor")
def test_an_original_open_with_move_processed(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write_valid(inbox / "甲.xlsx", A, seed=1)
    write_valid(inbox / "乙.xlsx", B, seed=2)
    with winsim.holding(inbox / "甲.xlsx"):
        held = _run(inbox, outbox, move_processed=True)
    assert held.exit_code == 1 and "甲.xlsx" in held.open_files[0]
    assert (inbox / "甲.xlsx").exists() and (inbox / PROCESSED_DIR / "乙.xlsx").exists()
    assert _run(inbox, outbox, move_processed=True).exit_code == 0
    assert not (inbox / "甲.xlsx").exists() and (inbox / PROCESSED_DIR / "甲.xlsx").exists()
    assert audit(inbox, outbox) == []


@pytest.mark.usefixtures("editor")
def test_a_feedback_copy_open_when_the_unit_passes(tmp_path: Path) -> None:
    inbox, outbox, first_run = _first_version(tmp_path, write_invalid)
    assert first_run.exit_code == 1
    (feedback,) = (outbox / "2024" / "退回").iterdir()
    write_valid(inbox / "甲（更正）.xlsx", A, seed=1)
    with winsim.holding(feedback):
        held = _run(inbox, outbox)
    assert held.exit_code == 1 and feedback.name in held.open_files[0]
    assert (outbox / "2024" / report_filename(A, 2024)).is_file()  # the report is not held up
    assert _run(inbox, outbox).exit_code == 0
    assert not feedback.exists() and audit(inbox, outbox) == []


@pytest.mark.usefixtures("editor")
def test_watch_goes_on_while_a_report_is_open(tmp_path: Path) -> None:
    inbox, outbox, _ = _first_version(tmp_path)
    report = outbox / "2024" / report_filename(A, 2024)
    results: list[RunResult] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch, args=(RunOptions(inbox, outbox, jobs=1, settle=0.1), results.append),
        kwargs={"stop": stop, "poll": 0.05},
    )  # fmt: skip
    with winsim.holding(report):
        write_valid(inbox / "甲（更正）.xlsx", A, seed=2)
        thread.start()
        try:
            _wait(lambda: any(r.open_files for r in results))
            write_valid(inbox / "乙.xlsx", B, seed=3)  # watching goes on
            _wait(lambda: (outbox / "2024" / report_filename(B, 2024)).exists())
        finally:
            stop.set()
            thread.join(timeout=60)
    assert not thread.is_alive()


def _wait(condition) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _cli(*args: str, held: Path) -> subprocess.CompletedProcess[str]:
    return run_cli_as(windows_env(**{winsim.SIM_HELD: str(held)}), *args)


def test_render_force_over_an_open_report(tmp_path: Path) -> None:
    workbook = write_valid(tmp_path / "甲.xlsx", A, seed=1)
    out = tmp_path / "out"
    first = subprocess.run(
        [sys.executable, "-m", "xl2report", "render", str(workbook), "-o", str(out)],
        capture_output=True, check=False,
    )  # fmt: skip
    assert first.returncode == 0
    report = out / report_filename(A, 2024)
    done = _cli("render", str(workbook), "-o", str(out), "--force", held=report)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"关闭 WPS/Word 中打开的“{report.name}”" in done.stderr
    assert [p.name for p in out.iterdir()] == [report.name]  # no temporary file left


def test_check_annotate_writes_the_copies_not_open(tmp_path: Path) -> None:
    bad_a = write_invalid(tmp_path / "甲.xlsx", A, seed=1)
    bad_b = write_invalid(tmp_path / "乙.xlsx", B, seed=2)
    copies = tmp_path / "反馈"
    copies.mkdir()
    (copies / "甲_校验反馈.xlsx").write_bytes(b"old copy, open in Excel")
    done = _cli("check", str(bad_a), str(bad_b), "--annotate", str(copies),
                held=copies / "甲_校验反馈.xlsx")  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "关闭 WPS/Word 中打开的“甲_校验反馈.xlsx”" in done.stderr
    assert (copies / "乙_校验反馈.xlsx").stat().st_size > 1000
    assert (copies / "甲_校验反馈.xlsx").read_bytes() == b"old copy, open in Excel"
