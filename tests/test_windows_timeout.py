"""A per-file time limit where there is no alarm signal (Windows; a thread such as the board's):
the task runs in a worker process that is ended.  A hostile file is simulated by a workbook
whose reading never ends (tests/windows/winsim.py, ``XL2REPORT_SIM_STALL``): a stalled network
drive behaves so, and so does a file crafted to hang the reader."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from inbox_helpers import write_valid
from pool_tasks import behave, broken, setup
from win_helpers import run_cli_as, simulating, windows_env, winsim
from xl2report.batch.pool import DIED, TaskPool, timed_out


def _one(task: tuple[str, int], timeout: float = 2) -> object:
    pool = TaskPool(1, 1, setup, timeout=timeout)
    try:
        return next(pool.ordered(behave, behave, [task], broken))
    finally:
        pool.shutdown()


def test_without_an_alarm_a_single_task_is_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(signal, "setitimer", raising=False)
    started = time.monotonic()
    assert _one(("hang", 1)) == f"1:{timed_out(2)}"
    assert time.monotonic() - started < 20
    assert _one(("die", 2)) == f"2:{DIED}"  # and a crash no longer ends the caller
    assert _one(("ok", 3)) == 30


def test_a_task_in_a_thread_is_ended() -> None:
    """The board processes uploads in a thread, where no signal arrives."""
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(_one(("hang", 1))))
    thread.start()
    thread.join(timeout=30)
    assert results == [f"1:{timed_out(2)}"]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli_as(env, *args, timeout=60)


def _env(windows: bool, stalled: Path) -> dict[str, str]:
    if not windows and winsim.in_lane():
        pytest.skip("Windows 环境中没有 SIGALRM")
    stall = {winsim.SIM_STALL: str(stalled)}
    return windows_env(**stall) if windows else simulating(**stall)


LANES = pytest.mark.parametrize("windows", [False, True], ids=["alarm", "no-alarm"])


@LANES
def test_check_and_render_end_a_file_that_hangs(tmp_path: Path, windows: bool) -> None:
    stalled = write_valid(tmp_path / "挂起.xlsx", "甲镇人民政府", seed=1)
    good = write_valid(tmp_path / "乙.xlsx", "乙镇人民政府", seed=2)
    env = _env(windows, stalled)
    started = time.monotonic()
    done = _cli(env, "check", "--json", "--timeout", "2", str(stalled), str(good))
    assert done.returncode == 2, done.stderr  # a file that could not be checked
    files = json.loads(done.stdout)["files"]
    assert [f["findings"][0]["code"] for f in files[:1]] == ["cannot-process"]
    assert files[1]["valid"] is True
    done = _cli(env, "render", "--timeout", "2", str(stalled), "-o", str(tmp_path / "out"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    assert time.monotonic() - started < 100


@LANES
def test_run_with_one_job_ends_a_file_that_hangs(tmp_path: Path, windows: bool) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    stalled = write_valid(inbox / "挂起.xlsx", "甲镇人民政府", seed=1)
    write_valid(inbox / "乙.xlsx", "乙镇人民政府", seed=2)
    args = ["run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0", "--json"]
    done = _cli(_env(windows, stalled), *args, "-j", "1", "--timeout", "2")
    assert done.returncode == 1, done.stderr
    status = {f["file"]: f["status"] for f in json.loads(done.stdout)["files"]}
    assert status == {"挂起.xlsx": "unreadable", "乙.xlsx": "accepted"}
