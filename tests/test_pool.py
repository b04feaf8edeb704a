"""The worker pool: results in order, and a task that hangs, dies or raises only breaks itself."""

from __future__ import annotations

import time

import pytest

from pool_tasks import behave, broken, setup
from xl2report.batch.pool import DIED, TaskPool, alarm_usable, timed_out


@pytest.mark.parametrize("jobs", [1, 3])
def test_a_bad_task_breaks_only_itself(jobs: int) -> None:
    tasks = [("ok", 1), ("hang", 2), ("ok", 3), ("die", 4), ("raise", 5), ("ok", 6)]
    if jobs == 1:  # in-process: os._exit would end the test run; exceptions reach the caller
        tasks = [t for t in tasks if t[0] not in ("die", "raise")]
    pool = TaskPool(jobs, len(tasks), setup, timeout=2)
    started = time.monotonic()
    try:
        results = list(pool.ordered(behave, behave, tasks, broken))
    finally:
        pool.shutdown()
    elapsed = time.monotonic() - started
    expected = {
        "ok": lambda n: n * 10,
        "hang": lambda n: f"{n}:{timed_out(2)}",
        "die": lambda n: f"{n}:{DIED}",
        "raise": lambda n: f"{n}:处理时出现内部错误（ValueError）",
    }
    for (how, n), result in zip(tasks, results, strict=True):
        assert result == expected[how](n), (how, result)
    assert elapsed < 20, "a hung task must not hold the run"


@pytest.mark.skipif(
    not alarm_usable(), reason="没有 SIGALRM（Windows）时单个任务也在工作进程中运行"
)
def test_in_process_exceptions_reach_the_caller() -> None:
    pool = TaskPool(1, 1, setup, timeout=2)
    with pytest.raises(ValueError):
        list(pool.ordered(behave, behave, [("raise", 1)], broken))


def test_many_tasks_keep_their_order_with_a_few_workers() -> None:
    tasks = [("ok", i) for i in range(40)] + [("die", 40), ("ok", 41)]
    pool = TaskPool(2, len(tasks), setup, timeout=30)
    try:
        results = list(pool.ordered(behave, behave, tasks, broken))
    finally:
        pool.shutdown()
    assert results[:40] == [i * 10 for i in range(40)]
    assert results[40] == f"40:{DIED}" and results[41] == 410
