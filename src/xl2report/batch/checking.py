"""Checking workbooks outside a run (``xl2report check``, ``render``), each within a time limit.

The limit is the run's (:class:`~xl2report.batch.pool.TaskPool`): an alarm where there is one,
else a worker process that is ended, so a hostile file never hangs the command, on Windows
too.  Kept apart from the report code: a worker started to check imports only the checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from xl2report.batch.pool import TaskPool, no_setup
from xl2report.checks.catalogue import FileReport, Finding
from xl2report.checks.check import CheckResult, check_file
from xl2report.checks.copied import COPY_THRESHOLD

DEFAULT_TIMEOUT = 60.0  # seconds one workbook's check may take, as in a run


def check_files(
    paths: Sequence[Path],
    previous: CheckResult | None = None,
    copy_threshold: float = COPY_THRESHOLD,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> list[CheckResult]:
    """:func:`~xl2report.checks.check.check_file` of each path, each within ``timeout``
    seconds; a file past it gets one ``cannot-process`` finding and the others go on."""
    pool = TaskPool(1, len(paths), no_setup, timeout=timeout)
    tasks = [(str(p), previous, copy_threshold) for p in paths]
    try:
        return list(pool.ordered(_check_task, _check_task, tasks, broken=_not_checked))
    finally:
        pool.shutdown()


def _check_task(task: tuple[str, CheckResult | None, float]) -> CheckResult:
    path, previous, copy_threshold = task
    return check_file(Path(path), previous, copy_threshold=copy_threshold)


def _not_checked(task: tuple[str, CheckResult | None, float], reason: str) -> CheckResult:
    finding = Finding.at(None, "cannot-process", reason=reason.rstrip("。"))
    return CheckResult(FileReport(task[0], findings=[finding]))
