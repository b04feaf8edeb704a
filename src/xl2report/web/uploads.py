"""Files dropped on the board: stored in the inbox under new names, then processed like ``run``.

Uploads are never trusted for names: each file is stored as
``inbox/网页上传/<date-time>-<n>-<sanitised name>`` by an atomic write (a hidden temporary file
the inbox scan ignores, then a rename), so a half-written upload is never processed.

The :class:`Processor` thread runs the same batch as ``xl2report run`` over the inbox.  It holds
the outbox's run lock only while it processes; when ``run`` or ``watch`` holds it, the uploads
stay queued and the processor tries again, and it stops waiting once the ledger shows the files
(``watch`` picks them up from the inbox by itself).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from xl2report.atomic import write_bytes_atomic
from xl2report.batch.inbox import LEGACY_SUFFIXES, WORKBOOK_SUFFIXES
from xl2report.batch.ledger import Ledger
from xl2report.batch.outbox import safe_filename
from xl2report.batch.records import RunOptions, RunResult
from xl2report.batch.runlock import LockHeld
from xl2report.batch.session import Session
from xl2report.errors import FatalError
from xl2report.log import logger

UPLOAD_DIR = "网页上传"
ACCEPTED_SUFFIXES = WORKBOOK_SUFFIXES | LEGACY_SUFFIXES
RETRY_SECONDS = 0.5
MAX_TRIES = 3  # own runs that may pass over a queued file before it is given up


class UploadRefused(FatalError):
    """An uploaded file that is not stored (wrong type, too large); the message says why."""


@dataclass
class StoredUpload:
    """One uploaded file: the name the user gave and where it now is in the inbox."""

    original: str
    rel: str  # relative to the inbox, as the ledger records it
    sha256: str


_counter = itertools.count(1)


def upload_name(original: str) -> str:
    """An uploaded file's name as the board shows and stores it: its last part only, safe on
    every system, without bidi overrides or other format characters."""
    return safe_filename(Path(original.replace("\\", "/")).name, fallback="上传文件.xlsx")


def store_upload(inbox: Path, original: str, data: bytes, max_bytes: int) -> StoredUpload:
    """Write one uploaded file into the inbox under a new, safe name; raises UploadRefused."""
    shown = upload_name(original)
    suffix = Path(shown).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise UploadRefused(f"“{shown}”不是 Excel 工作簿（.xlsx），未接收。")
    if not data:
        raise UploadRefused(f"“{shown}”是空文件（0 字节），未接收。")
    if len(data) > max_bytes:  # (the upload form refuses these while they stream in)
        raise UploadRefused(
            f"“{shown}”有 {len(data) / 1e6:.1f} MB，超过上限 {max_bytes / 1e6:.0f} MB，未接收。"
        )
    folder = Path(inbox) / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    while True:
        name = safe_filename(f"{stamp}-{next(_counter)}-{shown}")
        target = folder / name
        if not target.exists():
            break
    write_bytes_atomic(target, data, overwrite=False)
    return StoredUpload(shown, f"{UPLOAD_DIR}/{name}", hashlib.sha256(data).hexdigest())


@dataclass
class Processor:
    """Background thread that processes the inbox whenever uploads (or actions) ask for it."""

    options: RunOptions
    _wanted: set[str] = field(default_factory=set)
    _tries: dict[str, int] = field(default_factory=dict)
    _kick: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _done: threading.Condition = field(default_factory=threading.Condition)
    _thread: threading.Thread | None = None
    last_error: str = ""
    waiting_for_lock: bool = False
    runs: int = 0
    _force_pass: bool = False
    _retry_pass: bool = False  # the next pass processes 无法处理 files again (run --retry)
    _busy: bool = False

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="xl2report-web", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end and wait for it (a run in progress is finished first)."""
        self._stop.set()
        self._kick.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    @property
    def ledger_path(self) -> Path:
        """The ledger the runs record in."""
        from xl2report.batch.session import default_ledger

        return Path(self.options.ledger or default_ledger(self.options.outbox))

    def submit(self, rels: list[str]) -> None:
        """Queue inbox files to be processed (an empty list asks for one pass anyway)."""
        with self._done:
            self._wanted.update(rels)
        self._kick.set()

    @property
    def pending(self) -> list[str]:
        """Uploaded files not yet in the ledger."""
        with self._done:
            return sorted(self._wanted)

    def wait(self, rels: list[str], timeout: float) -> bool:
        """Wait until none of ``rels`` is pending any more; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._done:
            while any(r in self._wanted for r in rels):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._done.wait(left)
        return True

    def wait_pass(self, timeout: float) -> bool:
        """Wait until a pass over the inbox that starts after this call has finished."""
        target = self.runs + (2 if self._busy else 1)  # a pass under way started too early
        deadline = time.monotonic() + timeout
        with self._done:
            while self.runs < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._done.wait(left)
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._kick.wait(RETRY_SECONDS if self._wanted else 5.0)
            self._kick.clear()
            if self._stop.is_set():
                break
            with self._done:
                asked = bool(self._wanted)
            if not asked and not self._forced():
                continue
            self._drop_recorded()
            try:
                self._run_once()
                self.waiting_for_lock = False
            except LockHeld:
                # run/watch has the outbox: it will see the files in the inbox; look again soon.
                self.waiting_for_lock = True
                self._drop_recorded()
                continue
            except FatalError as exc:
                self.last_error = str(exc)
                logger.warning("网页上传处理失败：{}", exc)
            except Exception as exc:  # keep the board alive; the clerk sees the message
                self.last_error = f"处理时出现内部错误：{type(exc).__name__}: {exc}"
                logger.exception("网页上传处理失败")
            self._drop_recorded(after_own_run=True)
            with self._done:
                self._done.notify_all()  # wait_pass

    def request_pass(self, retry: bool = False) -> None:
        """Process the inbox once even with no upload queued (after an alias was added);
        ``retry``: that pass processes every 无法处理 file again, as ``run --retry``."""
        self._retry_pass = self._retry_pass or retry
        self._force_pass = True
        self._kick.set()

    def _forced(self) -> bool:
        forced, self._force_pass = self._force_pass, False
        return forced

    def _run_once(self) -> RunResult:
        gone = outbox_missing(self.options.outbox, self.ledger_path)
        if gone:  # never a new outbox and an empty ledger behind the clerk's back
            raise FatalError(gone)
        self._busy = True
        retry, self._retry_pass = self._retry_pass, False  # the board's 重新处理 button
        options = dataclasses.replace(self.options, retry=True) if retry else self.options
        try:
            with Session(options.outbox, options.ledger) as session:
                result = session.run(options)
        finally:
            self._busy = False
        self.runs += 1
        self.last_error = ""
        return result

    def _drop_recorded(self, after_own_run: bool = False) -> None:
        """Forget queued files the ledger now has; after our own run also those that the run
        could not take after a few tries (a file removed from the inbox meanwhile)."""
        with self._done:
            if not self._wanted:
                return
            done = recorded_paths(self.options, self._wanted)
            if after_own_run:
                for rel in self._wanted - done:
                    self._tries[rel] = self._tries.get(rel, 0) + 1
                    if self._tries[rel] >= MAX_TRIES:
                        done.add(rel)
            self._wanted -= done
            for rel in done:
                self._tries.pop(rel, None)
            self._done.notify_all()


def outbox_missing(outbox: Path, ledger: Path) -> str:
    """Why the board cannot work now (its outbox or ledger is gone: deleted, moved, renamed, its
    USB stick or network drive gone), in Chinese; "" when all is there.  The board then accepts
    nothing, rather than start an empty ledger that forgets the roster, the 下发编号 and the
    mail records."""
    if Path(outbox).is_dir() and Path(ledger).is_file():
        return ""
    return (f"输出目录 {outbox} 或其中的台账不见了（被删除、移走、改名，或所在的U盘、网络盘断开了）。"
            "为免另起一本空台账、丢掉名单、下发编号和邮件记录，工作台暂停接收上传和一切操作。"
            "请把输出目录恢复原位（或重新插上U盘）后刷新本页；确实要换用新的输出目录，请停止"
            "工作台（Ctrl-C）后重新启动。")  # fmt: skip


def recorded_paths(options: RunOptions, rels: set[str]) -> set[str]:
    """Which of ``rels`` (inbox paths) the ledger has recorded with their current content."""
    from xl2report.batch.session import default_ledger

    path = options.ledger or default_ledger(options.outbox)
    if not os.path.exists(path):
        return set()
    done = set()
    with Ledger.open(path) as ledger:
        for rel in rels:
            try:
                st = (Path(options.inbox) / rel).stat()
            except OSError:  # moved to 已处理 by --move-processed, or removed: nothing to wait for
                done.add(rel)
                continue
            if ledger.known_hash(rel, st.st_size, st.st_mtime_ns) is not None:
                done.add(rel)
    return done
