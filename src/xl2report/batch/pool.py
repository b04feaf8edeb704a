"""Run tasks in worker processes, results in input order, with a bounded number in flight.

Used by the batch run for checking/rendering, indexing last year's workbooks and PDF batches.
Workers are spawned (not forked: the parent holds SQLite connections and may run threads) and
set up by the initializer the caller passes (the batch run's worker set-up); a single task or ``--jobs 1`` runs
in-process instead, with the same functions, so results do not depend on the job count.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import TypeVar

from xl2report.log import logger

T = TypeVar("T")
R = TypeVar("R")
_END = object()


class TaskPool:
    """Runs tasks in worker processes (or in-process for ``--jobs 1`` / a single task).

    :meth:`ordered` yields results in input order with at most a few tasks in flight per
    worker, so memory stays flat however big the inbox is.
    """

    def __init__(
        self,
        jobs: int | None,
        n_tasks: int,
        initializer: Callable[..., None],
        initargs: tuple[object, ...] = (),
    ) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.use_pool = self.jobs > 1 and n_tasks > 1
        self._initializer = initializer
        self._initargs = initargs
        self._pool: Executor | None = None

    def width(self, n: int) -> int:
        """How many parallel chunks ``n`` items should be split into."""
        return max(1, min(self.jobs if self.use_pool else 1, n))

    def _get_pool(self) -> Executor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=get_context("spawn"),  # no fork of a parent holding SQLite/threads
                initializer=self._initializer,
                initargs=self._initargs,
            )
        return self._pool

    def ordered(
        self,
        pooled: Callable[[T], R],
        local: Callable[[T], R],
        items: Iterable[T],
        broken: Callable[[T], R] | None = None,
    ) -> Iterator[R]:
        """Results of ``pooled`` (in a worker) or ``local`` (in-process) over ``items``, in order.

        If a worker process dies, the item being waited for gets ``broken(item)`` (or the error
        propagates when no ``broken`` is given) and the rest are redone in a fresh pool.
        """
        if not self.use_pool:
            for item in items:
                yield local(item)
            return
        window = self.jobs * 3
        queue: deque[T] = deque()
        source = iter(items)
        pending: deque[tuple[T, Future[R]]] = deque()
        while True:
            while len(pending) < window:
                item = queue.popleft() if queue else next(source, _END)
                if item is _END:
                    break
                pending.append((item, self._get_pool().submit(pooled, item)))  # type: ignore[arg-type]
            if not pending:
                return
            item, future = pending.popleft()
            try:
                result = future.result()
            except BrokenProcessPool:
                if broken is None:
                    raise
                logger.error("工作进程意外退出，重建进程池后继续")
                self._reset()
                queue.extendleft(reversed([it for it, _ in pending]))
                pending.clear()
                result = broken(item)
            yield result

    def _reset(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def shutdown(self) -> None:
        """Stop the workers (pending tasks are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
