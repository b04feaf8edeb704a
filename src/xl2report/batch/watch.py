"""Watch the inbox and process files as they arrive (watchdog), until Ctrl-C or ``stop``.

The watcher holds the outbox's run lock for as long as it watches and reuses the batch run: any
file-system event marks the inbox dirty; once no event has come for ``settle`` seconds, one
batch run processes whatever is new (the run itself skips what the ledger already knows and
files still being written, which are retried after the next quiet period).  A full rescan every
``RESCAN_SECONDS`` covers events a network drive never delivers.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from xl2report.batch.inbox import PROCESSED_DIR, Kind, classify
from xl2report.batch.records import EventSink, FileStatus, RunOptions, RunResult
from xl2report.batch.session import Session
from xl2report.errors import FatalError
from xl2report.log import logger

RESCAN_SECONDS = 60.0  # a full look even without events (network drives deliver none)


@dataclass
class WatchSummary:
    """What a watch session did."""

    runs: int = 0
    processed: int = 0  # files newly recorded while watching


class _Dirty(FileSystemEventHandler):
    """Remembers when something relevant last happened under the inbox."""

    def __init__(self, ignore: list[Path]) -> None:
        self.ignore = [p.resolve() for p in ignore]
        self.last = time.monotonic()
        self.dirty = threading.Event()
        self.dirty.set()  # process what is already there

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading a file (our own hashing) is not a change
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        if not any(self._relevant(p, event.is_directory) for p in paths if p):
            return
        self.last = time.monotonic()
        self.dirty.set()

    def _relevant(self, path: str | bytes, is_dir: bool) -> bool:
        p = Path(path.decode() if isinstance(path, bytes) else path).resolve()
        if any(p == i or i in p.parents for i in self.ignore):
            return False
        return is_dir or classify(p.name) not in (Kind.LOCK, Kind.TEMP)


def watch(
    options: RunOptions,
    on_run: Callable[[RunResult], None],
    on_event: EventSink | None = None,
    stop: threading.Event | None = None,
    poll: float = 0.5,
) -> WatchSummary:
    """Watch ``options.inbox`` until ``stop`` is set or Ctrl-C; returns what was done.

    Raises :class:`FatalError` (lock held, outbox not writable, inbox missing) before watching.
    """
    inbox = Path(options.inbox).absolute()
    if not inbox.is_dir():
        raise FatalError(f"收件目录不存在或不是文件夹：{inbox}")
    stop = stop or threading.Event()
    summary = WatchSummary()
    with Session(options.outbox, options.ledger) as session:
        handler = _Dirty([session.outbox, session.ledger_path.parent, inbox / PROCESSED_DIR])
        observer = Observer()
        observer.schedule(handler, str(inbox), recursive=True)
        observer.start()
        logger.info("开始监视 {}", inbox)
        last_run = 0.0
        try:
            while not stop.is_set():
                now = time.monotonic()
                if now - last_run >= RESCAN_SECONDS:
                    handler.dirty.set()
                if handler.dirty.is_set() and now - handler.last >= options.settle:
                    handler.dirty.clear()
                    result = session.run(options, on_event)
                    options = dataclasses.replace(options, retry=False)  # --retry: first pass only
                    last_run = time.monotonic()
                    summary.runs += 1
                    summary.processed += sum(1 for f in result.files if f.new)
                    on_run(result)
                    if any(f.status is FileStatus.PENDING for f in result.files):
                        handler.last = time.monotonic()  # look again after the next quiet spell
                        handler.dirty.set()
                stop.wait(poll)
        except KeyboardInterrupt:
            logger.info("收到 Ctrl-C，停止监视")
        finally:
            observer.stop()
            observer.join(timeout=10)
    return summary
