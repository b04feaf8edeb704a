"""Tasks for tests/test_pool.py, importable by spawned worker processes."""

from __future__ import annotations

import os
import time


def setup() -> None:
    """A pool initializer that does nothing."""


def behave(task: tuple[str, int]) -> int:
    """Do what the task says: return, log and return, sleep past any limit, die, or raise."""
    how, n = task
    if how == "log":
        from xl2report.log import logger

        logger.info("任务 {} 在工作进程 {} 中完成", n, os.getpid())
    elif how == "hang":
        time.sleep(60)
    elif how == "die":
        os._exit(9)
    elif how == "raise":
        raise ValueError("boom")
    return n * 10


def broken(task: tuple[str, int], reason: str) -> str:
    """What a broken task gives instead of its result."""
    return f"{task[1]}:{reason}"
