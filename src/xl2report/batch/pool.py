"""Run tasks in worker processes, results in input order, each task bounded in time.

Used by the batch run for checking/rendering, indexing last year's workbooks and PDF batches.
Each worker is one spawned process (not forked: the parent holds SQLite connections and may run
threads) with a pipe to the parent, set up by the initializer the caller passes, and running one
task at a time.  So the parent always knows which task a worker is on: a worker that dies
(killed, out of memory, a crash in a C library) or runs past the time limit is ended, its task
gets ``broken(task, reason)`` and a fresh worker takes the next task.  One hostile file never
stops the run.

A single task or ``--jobs 1`` runs in-process instead, with the same functions, so results do
not depend on the job count; there the time limit is an alarm signal (it stops Python code,
not a long call inside a C library, which is why the reader bounds its own work too).  Where
there is no alarm (Windows has no ``SIGALRM``; only the main thread gets signals, and the
board runs in a thread) a time limit needs a process that can be ended, so the tasks then run
in one worker process even for ``--jobs 1`` or a single task.

Workers start with Ctrl-C ignored (set before the process starts, so even an interrupt during
their start-up prints nothing): an interrupt is the parent's business, which ends them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from xl2report.log import collect_records, logger, replay, take_records

if TYPE_CHECKING:  # multiprocessing itself is imported when a pool starts (not for --jobs 1)
    import multiprocessing.connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")
R = TypeVar("R")
_END = object()
DIED = "处理时工作进程意外退出（可能是内存不足或文件触发了程序缺陷）"
_READY = "ready"  # a new worker's first message: set up, the task's time starts now
STARTUP_LIMIT = 120.0  # seconds a new worker may take to start (a busy PC), beyond the limit


_TIMED_OUT = "处理超过 {seconds} 秒仍未完成，已停止（文件可能过大或构造异常）"


def timed_out(seconds: float) -> str:
    """The reason given to a task that ran past its time limit."""
    return _TIMED_OUT.format(seconds=f"{seconds:g}")


def is_transient(reason: str) -> bool:
    """Whether a broken task might pass on another try: it ran out of time or its worker died
    (a machine overloaded or short of memory at that moment), rather than failing for sure."""
    head = _TIMED_OUT.split("{", 1)[0]
    return reason == DIED or reason.startswith(head)


class TaskTimeout(BaseException):
    """Raised in-process by the alarm when a task runs past its time limit (a BaseException,
    so the per-file ``except Exception`` boundaries let it through to the pool)."""


@dataclass
class _Slot(Generic[T]):
    process: BaseProcess
    conn: multiprocessing.connection.Connection
    task: tuple[int, T] | None = None
    started: float = 0.0
    ready: bool = False  # set up (its first task's clock starts then, not at spawning)


class TaskPool:
    """Runs tasks in worker processes (or in-process for ``--jobs 1`` / a single task).

    :meth:`ordered` yields results in input order with at most a few tasks ahead per worker,
    so memory stays flat however big the inbox is.  ``timeout`` (seconds, None = no limit)
    bounds each task.
    """

    def __init__(
        self,
        jobs: int | None,
        n_tasks: int,
        initializer: Callable[..., None],
        initargs: tuple[object, ...] = (),
        timeout: float | None = None,
    ) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._parallel = self.jobs > 1 and n_tasks > 1
        self._any = n_tasks > 0
        self.timeout = timeout
        self._setup = (initializer, initargs)
        self._slots: list[_Slot[Any]] = []

    @property
    def use_pool(self) -> bool:
        """Whether tasks run in worker processes: several at once, or one where the time limit
        cannot be an alarm in this thread (decided per call: the limit may be lifted)."""
        bounded_here = self.timeout is None or alarm_usable()
        return self._parallel or (self._any and not bounded_here)

    def width(self, n: int) -> int:
        """How many parallel chunks ``n`` items should be split into."""
        return max(1, min(self.jobs if self.use_pool else 1, n))

    def ordered(
        self,
        pooled: Callable[[T], R],
        local: Callable[[T], R],
        items: Iterable[T],
        broken: Callable[[T, str], R],
    ) -> Iterator[R]:
        """Results of ``pooled`` (in a worker) or ``local`` (in-process) over ``items``, in order.

        A task whose worker dies, that runs past the time limit or raises gets
        ``broken(item, reason)`` (reason in Chinese) and the others go on.
        """
        if not self.use_pool:
            for item in items:
                yield self._run_local(local, item, broken)
            return
        yield from _Ordered(self, pooled, broken).run(items)

    def _run_local(self, local: Callable[[T], R], item: T, broken: Callable[[T, str], R]) -> R:
        try:
            with _alarm(self.timeout):
                return local(item)
        except TaskTimeout:
            assert self.timeout is not None
            return broken(item, timed_out(self.timeout))

    def _start(self) -> _Slot[Any]:
        from multiprocessing import get_context

        ctx = get_context("spawn")
        parent_end, child_end = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(child_end, *self._setup), daemon=True)
        with _sigint_ignored():  # inherited through exec: quiet from the very first instruction
            process.start()
        child_end.close()
        slot: _Slot[Any] = _Slot(process, parent_end)
        self._slots.append(slot)
        return slot

    def _end(self, slot: _Slot[Any]) -> None:
        """Stop one worker at once (it is hung, dead, or no longer needed)."""
        with contextlib.suppress(OSError, ValueError):
            slot.process.kill()
        slot.process.join(timeout=5)
        slot.conn.close()
        self._slots.remove(slot)

    def shutdown(self) -> None:
        """Stop the workers (idle ones are asked to exit, busy ones are killed)."""
        for slot in list(self._slots):
            if slot.task is None:
                with contextlib.suppress(OSError, ValueError):
                    slot.conn.send(None)
        deadline = time.monotonic() + 5
        for slot in list(self._slots):
            if slot.task is None:
                slot.process.join(timeout=max(0.0, deadline - time.monotonic()))
            self._end(slot)


class _Ordered(Generic[T, R]):
    """One :meth:`TaskPool.ordered` call over worker processes."""

    def __init__(
        self, pool: TaskPool, func: Callable[[T], R], broken: Callable[[T, str], R]
    ) -> None:
        self.pool = pool
        self.func = func
        self.broken = broken
        self.done: dict[int, R] = {}

    def run(self, items: Iterable[T]) -> Iterator[R]:
        pool = self.pool
        source = enumerate(items)
        window = pool.jobs * 3
        next_out = 0
        exhausted = False
        while True:
            busy = [s for s in pool._slots if s.task is not None]
            ahead = len(busy) + len(self.done)
            while not exhausted and ahead < window and len(busy) < pool.jobs:
                task = next(source, _END)
                if task is _END:
                    exhausted = True
                    break
                self._give(task)  # type: ignore[arg-type]
                busy = [s for s in pool._slots if s.task is not None]
                ahead += 1
            while next_out in self.done:
                yield self.done.pop(next_out)
                next_out += 1
            if not busy:
                if exhausted:
                    return
                continue
            self._wait(busy)

    def _give(self, task: tuple[int, T]) -> None:
        pool = self.pool
        slot = next((s for s in pool._slots if s.task is None), None) or pool._start()
        slot.task, slot.started = task, time.monotonic()
        with contextlib.suppress(OSError, ValueError):  # a dead worker: its sentinel says so
            slot.conn.send((self.func, task[1]))

    def _deadline(self, slot: _Slot[T]) -> float:
        assert self.pool.timeout is not None
        return slot.started + self.pool.timeout + (0.0 if slot.ready else STARTUP_LIMIT)

    def _wait(self, busy: list[_Slot[T]]) -> None:
        pool = self.pool
        limit = None
        if pool.timeout is not None:
            limit = max(0.0, min(self._deadline(s) for s in busy) - time.monotonic())
        import multiprocessing.connection

        waitables: list[Any] = [s.conn for s in busy] + [s.process.sentinel for s in busy]
        ready = set(multiprocessing.connection.wait(waitables, timeout=limit))
        now = time.monotonic()
        for slot in busy:
            assert slot.task is not None
            index, item = slot.task
            if slot.conn in ready:
                try:
                    message = slot.conn.recv()
                except (EOFError, OSError):  # the pipe closed: the worker died
                    self.done[index] = self.broken(item, DIED)
                    pool._end(slot)
                    continue
                if message == _READY:
                    slot.ready, slot.started = True, time.monotonic()
                    continue
                ok, payload, records = message
                replay(records)  # what the worker logged meanwhile, into this run's log
                slot.task = None  # a result, or the task raised: the worker goes on
                self.done[index] = payload if ok else self.broken(item, payload)
            elif slot.process.sentinel in ready:
                self.done[index] = self.broken(item, DIED)
                pool._end(slot)
            elif pool.timeout is not None and now >= self._deadline(slot):
                logger.info("任务超过 {} 秒，已停止其工作进程", pool.timeout)
                self.done[index] = self.broken(item, timed_out(pool.timeout))
                pool._end(slot)


def no_setup() -> None:
    """An initializer for workers that need nothing prepared (checking a workbook)."""


def _serve(conn: multiprocessing.connection.Connection, initializer: Callable[..., None],
           initargs: tuple[object, ...]) -> None:  # fmt: skip
    """A worker process: set up, then run one task at a time until told to stop.  What it
    logs goes to the parent with each result (a worker may be killed at any moment, so it
    writes no file of its own)."""
    collect_records()
    initializer(*initargs)
    conn.send(_READY)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        func, item = message
        try:
            result = (True, func(item))
        except Exception as exc:  # reported to the parent, which records it for this task
            logger.exception("工作进程处理时出错")  # the traceback, for the run's log
            result = (False, f"处理时出现内部错误（{type(exc).__name__}）")
        conn.send((*result, take_records()))


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def alarm_usable() -> bool:
    """Whether a task in this thread can be bounded by an alarm signal: Unix, main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TaskTimeout` after ``seconds`` (where :func:`alarm_usable`; else the pool
    runs tasks in a worker process instead, see :class:`TaskPool`)."""
    if seconds is None or not alarm_usable():
        yield
        return

    def _ring(signum: int, frame: object) -> None:
        raise TaskTimeout

    previous = signal.signal(signal.SIGALRM, _ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
