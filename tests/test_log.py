"""Logging through loguru: silent as a library, one rotated log per outbox, a readable console,
``--verbose``/``--quiet``, worker processes' records in the run's log, and a fast ``--help``."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from inbox_helpers import run_cli, write_invalid, write_valid
from pool_tasks import behave, broken, setup
from xl2report import log
from xl2report.batch.pool import TaskPool

HERE = Path(__file__).resolve().parent


def _python(code: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (str(HERE), os.environ.get("PYTHONPATH")))),
    }
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env=env, check=False)  # fmt: skip


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["run", "--help"], ["check", str(HERE / "data" / "corpus" / "valid-kejing.xlsx")]],
)
def test_loguru_is_loaded_only_when_something_is_logged(argv: list[str]) -> None:
    """Start-up stays fast: help, and a command with nothing to log, never import loguru."""
    done = _python(
        "import sys\n"
        "from xl2report.cli.main import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print('loguru' in sys.modules, file=sys.stderr)"
    )
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr
    assert "用法：xl2report" in done.stdout or "通过" in done.stdout


def test_a_library_run_is_silent_and_leaves_the_applications_loguru_alone(tmp_path: Path) -> None:
    """Used as a library, a run writes its own log file and nothing else: not to stderr, not to
    the sinks of an application that uses loguru; the application's messages stay its own."""
    inbox = tmp_path / "inbox"
    write_valid(inbox / "甲.xlsx", "甲镇人民政府", seed=1)
    done = _python(
        "from pathlib import Path\n"
        "from loguru import logger\n"
        "seen = []\n"
        "logger.remove()\n"
        "logger.add(seen.append, level='DEBUG')\n"
        "from xl2report.batch.records import RunOptions\n"
        "from xl2report.batch.session import run_batch\n"
        f"run_batch(RunOptions(Path({str(inbox)!r}), Path({str(tmp_path / 'outbox')!r}), jobs=1, settle=0))\n"
        "logger.info('the application speaks')\n"
        "print(len(seen))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout.strip() == "1"  # only its own message
    text = (tmp_path / "outbox" / ".xl2report" / "logs" / log.RUN_LOG).read_text(encoding="utf-8")
    assert "甲.xlsx" in text and "the application speaks" not in text
    assert "xl2report.batch.session:" in text  # the module that logged, not log.py


def test_console_verbosity(tmp_path: Path) -> None:
    """Off a terminal a run lists each file on stderr (on a terminal: a progress bar, and the
    steps too with --verbose); --quiet says nothing but errors; a line reads 时:分:秒 message."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write_valid(inbox / "甲.xlsx", "甲镇人民政府", seed=1)
    write_invalid(inbox / "乙.xlsx", "乙镇人民政府", seed=2)
    args = ("run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0")
    normal = run_cli(*args)
    assert "甲.xlsx：已通过" in normal.stderr
    quiet = run_cli("--quiet", *args)
    assert quiet.returncode == normal.returncode == 1 and quiet.stderr == ""
    assert "甲.xlsx" in quiet.stdout  # the result table still goes to stdout
    verbose = run_cli("-v", *args)
    assert "扫描收件目录" in verbose.stderr
    for line in verbose.stderr.splitlines():
        assert line[:8].count(":") == 2 and line[8] == " ", line  # 17:28:08 …
    both = run_cli("-v", "-q", *args)
    assert both.returncode == 2 and "只能选一个" in both.stderr


def test_worker_processes_log_into_the_run_log(tmp_path: Path) -> None:
    """A spawned worker writes no file (it may be killed at any moment): its records and the
    traceback of a task that raised come back with its results into the parent's log."""
    path = tmp_path / "run.log"
    tasks = [("log", 1), ("raise", 2), ("log", 3)]
    pool = TaskPool(2, len(tasks), setup)
    try:
        with log.log_to_file(path):
            results = list(pool.ordered(behave, behave, tasks, broken))
    finally:
        pool.shutdown()
    assert results[0] == 10 and results[2] == 30
    text = path.read_text(encoding="utf-8")
    workers = {line.rsplit(" ", 1)[-1] for line in text.splitlines() if "在工作进程" in line}
    assert "任务 1 在工作进程" in text and "任务 3 在工作进程" in text
    assert str(os.getpid()) not in "".join(workers)  # logged in the workers, not here
    assert "pool_tasks:behave:" in text  # under the worker's module, function and line
    assert "ValueError: boom" in text  # the task that raised: its traceback


def test_the_run_log_is_rotated_zipped_and_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(log, "ROTATION", "2 KB")
    monkeypatch.setattr(log, "RETENTION", 2)
    path = tmp_path / log.RUN_LOG
    for run in range(6):  # six runs, each writing more than the limit
        with log.log_to_file(path):
            for i in range(40):
                log.logger.info("第 {} 次运行，第 {} 行：{}", run, i, "文" * 20)
    rotated = sorted(p for p in tmp_path.iterdir() if p.name != log.RUN_LOG)
    assert path.exists() and path.stat().st_size < 4096
    assert 1 <= len(rotated) <= 2 and all(p.suffix == ".zip" for p in rotated)
    with zipfile.ZipFile(rotated[-1]) as zf:
        (inside,) = zf.namelist()
        assert "第 " in zf.read(inside).decode("utf-8")
