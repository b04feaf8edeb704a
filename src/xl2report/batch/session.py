"""inbox/ -> outbox/: the run loop.  Open the outbox, plan, process in workers, commit, list.

The parts: :mod:`~xl2report.batch.plan` decides what to do with each file,
:mod:`~xl2report.batch.worker` does it (in worker processes, writing only into staging),
:mod:`~xl2report.batch.commit` records each outcome and :mod:`~xl2report.batch.outbox` names
and places every output.  This module only strings them together.

How a run stays safe:

- One run per outbox (:class:`~xl2report.batch.runlock.RunLock` in ``outbox/.xl2report``);
  ``watch`` holds it while it watches.
- Idempotent by content: a (path, SHA-256) pair already in the ledger is not processed again;
  known content under a new name is recorded as a duplicate.
- Workers write only into the staging folder.  The parent alone commits, in a fixed order
  (files sorted by received time, then path), so ``--jobs 1`` and ``--jobs N`` give the same
  ledger and the same outbox.  A run killed at any point leaves either staged files (deleted by
  the next run, which redoes that work) or journalled renames (replayed by the next run).
  Nothing in the outbox is ever overwritten.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path

from xl2report.batch import crossyear, worker
from xl2report.batch import inbox as inbox_mod
from xl2report.batch.commit import Recorder
from xl2report.batch.guards import (
    PENDING_INCOMPLETE,
    check_folders,
    environment_errors,
    maybe_incomplete,
)
from xl2report.batch.holds import release_confirmed
from xl2report.batch.inbox import Entry, Kind
from xl2report.batch.issued import register_path
from xl2report.batch.ledger import Ledger, Row
from xl2report.batch.outbox import STATE_DIR, Outbox, default_ledger
from xl2report.batch.pdfs import make_missing_pdfs
from xl2report.batch.plan import Plan, make_plan
from xl2report.batch.pool import TaskPool, is_transient
from xl2report.batch.records import (
    Event,
    EventSink,
    FileResult,
    FileStatus,
    RunOptions,
    RunResult,
)
from xl2report.batch.rerun import forget_removed_unreadable, mark_reviewed, should_retry
from xl2report.batch.roster import normalize_org, read_roster
from xl2report.batch.runlock import RunLock
from xl2report.checks.catalogue import Finding
from xl2report.errors import FatalError, os_error_text
from xl2report.log import RUN_LOG, log_to_file, logger

__all__ = ["STATE_DIR", "Session", "default_ledger", "run_batch"]

# (entry, sha256, job to run, or the outcome already known without running one)
Item = tuple[Entry, str, worker.Job | None, worker.Outcome | None]


def run_batch(options: RunOptions, on_event: EventSink | None = None) -> RunResult:
    """Process the inbox once: the whole ``xl2report run``."""
    check_folders(options)  # before anything is created in the outbox
    with Session(options.outbox, options.ledger) as session:
        return session.run(options, on_event)


class Session:
    """An outbox opened for processing: lock held, ledger open, log file, staging recovered.

    ``watch`` keeps one session open and calls :meth:`run` whenever files arrive.
    """

    def __init__(self, outbox: Path, ledger: Path | None = None) -> None:
        self.box = Outbox(outbox)
        self.outbox = self.box.root
        self.ledger_path = Path(ledger).absolute() if ledger else default_ledger(self.outbox)
        self.issued_db = str(register_path(self.outbox))  # 下发编号 (always in the outbox)
        self.lock = RunLock(self.box.lock_path)
        self.ledger: Ledger
        self.recorder: Recorder
        self.log: Path | None = None
        self._log_context: contextlib.AbstractContextManager[None] | None = None
        self._local: worker.Worker | None = None

    def __enter__(self) -> Session:
        with environment_errors(self.outbox):
            return self._open()

    def _open(self) -> Session:
        if self.outbox.exists() and not self.outbox.is_dir():
            raise FatalError(f"输出目录 {self.outbox} 是一个文件，不是文件夹。")
        try:
            self.box.state.mkdir(parents=True, exist_ok=True)
            probe = self.box.state / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise FatalError(
                f"输出目录 {self.outbox} 不可写：{os_error_text(exc)}。请换一个目录或检查权限。"
            ) from exc
        self.lock.acquire()
        try:
            self.ledger = Ledger.open(self.ledger_path)
            self.recorder = Recorder(self.ledger, self.box)
            self.box.logs.mkdir(exist_ok=True)
            self.log = self.box.logs / RUN_LOG  # one per outbox, rotated (xl2report.log)
            self._log_context = log_to_file(self.log)
            self._log_context.__enter__()
            self.recover()
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _close(self) -> None:
        if self._log_context is not None:
            self._log_context.__exit__(None, None, None)
            self._log_context = None
        with contextlib.suppress(AttributeError):
            self.ledger.close()
        self.lock.release()

    def recover(self) -> None:
        """Finish what a killed run left: replay journalled renames, then drop staged files."""
        replayed = self.recorder.replay()
        if replayed:
            logger.info("上次运行中断：已补完 {} 项文件移动", replayed)
        if self.box.staging.exists():
            self._drop_staging()
            logger.info("已清理上次运行留下的暂存文件")
        self.box.remove_stray_temp_files()
        self.box.remember(self.ledger.outputs())

    def _drop_staging(self) -> None:
        """Remove staged files, but only once every journalled rename out of them is done."""
        self.recorder.replay()
        if not self.ledger.pending_moves():
            self.box.drop_staging()

    def run(self, options: RunOptions, on_event: EventSink | None = None) -> RunResult:
        """Process the inbox once (the body of ``xl2report run`` and of each ``watch`` pass)."""
        check_folders(options)
        with environment_errors(self.outbox):
            return _Pass(self, options, on_event or (lambda event: None)).run()

    def local_worker(self, options: RunOptions) -> worker.Worker:
        """The in-process worker (``--jobs 1``, a single file), made once per session."""
        if self._local is None:
            template = str(options.word_template) if options.word_template else None
            self._local = worker.Worker(
                str(self.ledger_path), template, options.copy_threshold, self.issued_db
            )
        return self._local


class _Pass:
    """One pass over the inbox: the state that lives for one :meth:`Session.run`."""

    def __init__(self, session: Session, options: RunOptions, emit: EventSink) -> None:
        self.session = session
        self.ledger = session.ledger
        self.options = options
        self.emit = emit
        self.inbox = Path(options.inbox).absolute()
        self.move_to = self.inbox if options.move_processed else None
        self.listing: dict[str, FileResult] = {}
        self.roster: set[str] = set()
        self.plan = Plan()

    def run(self) -> RunResult:
        session, options = self.session, self.options
        if not self.inbox.is_dir():
            raise FatalError(f"收件目录不存在或不是文件夹：{self.inbox}")
        if options.roster is not None:
            entries = read_roster(options.roster)
            self.ledger.set_roster(entries, str(options.roster))
            logger.info("已登记名单 {}（{} 个单位）", options.roster, len(entries))
        self.roster = {normalize_org(n) for e in self.ledger.roster() for n in (e.name, *e.aliases)}
        self._refuse_lost_ledger()
        for path in release_confirmed(self.ledger):
            logger.info("{}：机关名称已确认，按名单中的名称重新处理", path)
        self.plan = self._make_plan()
        for e, sha, original in self.plan.duplicates:
            session.recorder.duplicate(e, sha, original, self.move_to)
            self._list(e.rel, sha, announce=True)
        work = self.plan.work
        self.emit(Event("plan", total=len(work)))
        session.box.staging.mkdir(parents=True, exist_ok=True)
        template = str(options.word_template) if options.word_template else None
        setup = (str(session.ledger_path), template, options.copy_threshold, session.issued_db)
        executor = TaskPool(
            options.jobs, len(work), worker.init_pool_worker, setup, options.timeout
        )
        notes: list[str] = []
        base: crossyear.Baseline | None = None
        try:
            items = self._prepare()
            if any(job for _, _, job, _ in items):
                base = crossyear.prepare(self.ledger, options.previous_year, executor)
                notes += [base.note] if base.note else []
            if options.word_template is not None:
                session.local_worker(options)  # a broken template fails here, once, clearly
            results = executor.ordered(
                worker.process_in_pool,
                lambda job: session.local_worker(options).process(job),
                [job for _, _, job, _ in items if job is not None],
                broken=lambda job, reason: worker.cannot_process(
                    job.sha256, reason, retry=is_transient(reason)
                ),
            )
            for e, sha, job, preset in items:
                outcome = preset if job is None else next(results)
                assert outcome is not None
                self._finish(e, sha, outcome)
            if base is not None:  # two years of one unit in this inbox: checked against each other
                done = [(e, sha, job) for e, sha, job, _ in items if job is not None]
                said = crossyear.settle(
                    self.ledger, base, done, lambda job: session.local_worker(options).check(job)
                )
                notes += said if options.previous_year is not None else []
            if options.pdf:
                notes += make_missing_pdfs(session.recorder, executor, self.emit)
        finally:
            executor.shutdown()
            session._drop_staging()

        # Final states come from the ledger: a file accepted early in the run may have been
        # superseded by a newer one later in the same run.
        for rel, result in self.listing.items():
            if result.sha256 and result.status not in (FileStatus.PENDING, FileStatus.FAILED):
                self._list(rel, result.sha256, new=result.new)
        files = [self.listing[rel] for rel in sorted(self.listing)]
        open_files = session.recorder.take_open_files()
        return RunResult(self.inbox, session.outbox, files, notes, session.log, open_files)

    def _refuse_lost_ledger(self) -> None:
        """An empty ledger beside outputs made by earlier runs: the ledger was deleted, moved
        or rebuilt after damage.  Processing now would write every report again as （2）."""
        if self.ledger.count():
            return
        made = self.session.box.made_outputs()
        if made:
            raise FatalError(
                f"输出目录 {self.session.outbox} 里已有 {len(made)} 个之前生成的年报或反馈表，"
                f"但台账 {self.session.ledger_path} 是空的（被删除、换了位置或损坏后重建）；为避免"
                "重复生成，本次不处理。请从备份恢复原来的台账；或把输出目录里的年度文件夹移到别处"
                "后重新运行（将按收件目录重新生成全部输出）。"
            )

    def _make_plan(self) -> Plan:
        """Scan, hash, wait for files still being written, and plan."""
        first_look = time.monotonic()
        logger.info("扫描收件目录 {}", self.inbox)
        box = self.session.box
        entries = inbox_mod.scan(self.inbox, exclude=[box.root, self.session.ledger_path.parent])
        submissions: list[tuple[Entry, str]] = []
        present: dict[str, str | None] = {}  # every submission in the inbox now: its hash
        for e in entries:
            if not e.is_submission:
                message = inbox_mod.SKIP_MESSAGES[e.kind]
                self.listing[e.rel] = FileResult(e.rel, FileStatus.SKIPPED, message=message)
                continue
            present[e.rel] = sha = self._hash(e)
            if sha is not None:
                submissions.append((e, sha))
        for rel in forget_removed_unreadable(self.ledger, self.inbox, present):
            logger.info("{}：已不在收件目录中，不再列为无法读取", rel)
        stable, changing = inbox_mod.settle(
            [e for e, _ in submissions], first_look, self.options.settle
        )
        for e in changing:
            message = inbox_mod.PENDING_EMPTY if e.size == 0 else inbox_mod.PENDING_CHANGING
            self.listing[e.rel] = FileResult(e.rel, FileStatus.PENDING, message=message)
        stable_rels = {e.rel for e in stable}
        plan = make_plan(
            [(e, sha) for e, sha in submissions if e.rel in stable_rels], self.ledger, self._retry
        )
        for e, sha in plan.known:
            self._list(e.rel, sha, new=False)
        logger.info("共 {} 个文件，其中 {} 个待处理", len(entries), len(plan.work))
        return plan

    def _retry(self, row: Row) -> bool:
        return should_retry(row, self.ledger, self.options.retry)

    def _hash(self, e: Entry) -> str | None:
        known = self.ledger.known_hash(e.rel, e.size, e.mtime_ns)
        if known is not None:
            return known
        try:
            return inbox_mod.sha256_file(e.path)
        except OSError as exc:  # vanished or unreadable right now: next run
            logger.warning("无法读取 {}：{}", e.rel, exc)
            return None

    def _prepare(self) -> list[Item]:
        """A job per submission; .xls/.et/.ods files are first converted in one LibreOffice call
        (those that cannot be converted get their outcome right away)."""
        staging = self.session.box.staging
        legacy = [(e.path, sha) for e, sha in self.plan.work if e.kind is Kind.LEGACY]
        converted: dict[str, Path | Finding] = {}
        if legacy:
            self.emit(Event("note", text=worker.legacy_note(len(legacy))))
            converted = worker.convert_legacy(legacy, staging)
        items: list[Item] = []
        for e, sha in self.plan.work:
            checked = converted.get(sha, e.path) if e.kind is Kind.LEGACY else e.path
            if isinstance(checked, Finding):
                outcome = worker.Outcome(sha, FileStatus.UNREADABLE, errors=1, message=checked.message,
                                           findings=[checked.to_dict()])  # fmt: skip
                items.append((e, sha, None, outcome))
            else:
                job = worker.Job(str(e.path), str(checked), sha, str(staging))
                items.append((e, sha, job, None))
        return items

    def _finish(self, e: Entry, sha: str, outcome: worker.Outcome) -> None:
        if outcome.detail:
            logger.error("{} 处理失败：\n{}", e.rel, outcome.detail)
        for note in outcome.notes:  # what the renderer wrote differently from the workbook
            logger.info("{}：{}", e.rel, note)
        if maybe_incomplete(e, outcome, self.options.settle):  # a copy still arriving: not unreadable for good
            outcome = worker.Outcome(sha, FileStatus.PENDING, message=PENDING_INCOMPLETE)
        if outcome.status in (FileStatus.PENDING, FileStatus.FAILED):  # not recorded: retried
            self.listing[e.rel] = FileResult(e.rel, outcome.status, new=True, org=outcome.org,
                                             year=outcome.year, message=outcome.message)  # fmt: skip
            _announce(self.listing[e.rel], self.emit)
            return
        replaces = self.plan.retried.get((e.rel, sha))
        if replaces is not None:
            self.ledger.count_retry(replaces)
        try:
            self.session.recorder.outcome(e, sha, outcome, self.move_to, replaces)
        except (sqlite3.InterfaceError, sqlite3.DataError, OverflowError, ValueError) as exc:
            # What the worker found cannot be stored (a value no ledger column holds): the
            # file still gets its row, with the reason, and the run goes on.
            logger.error("{} 的结果无法记入台账：{!r}", e.rel, exc)
            reason = f"结果无法记入台账（{type(exc).__name__}）"
            self.session.recorder.outcome(
                e, sha, worker.cannot_process(sha, reason), self.move_to, replaces
            )
        self._list(e.rel, sha, announce=True)
        original = self.ledger.find(e.rel, sha)
        for dup in self.plan.later_duplicates.pop(sha, []):
            assert original is not None
            self.session.recorder.duplicate(dup, sha, original, self.move_to)
            self._list(dup.rel, sha, announce=True)

    def _list(self, rel: str, sha: str, new: bool = True, announce: bool = False) -> None:
        """Put the ledger's view of (rel, sha) into the listing (and announce it)."""
        row = self.ledger.find(rel, sha)
        assert row is not None, (rel, sha)
        source = row
        if row.duplicate_of is not None:
            source = self.ledger.get(row.duplicate_of) or row
        in_roster = None
        if self.roster and source.org:
            in_roster = normalize_org(source.org) in self.roster
        findings = row.finding_dicts()
        reviewed = mark_reviewed(findings, self.ledger, sha) if row.warnings else 0
        self.listing[rel] = FileResult(
            file=rel,
            status=row.status,
            new=new,
            org=source.org,
            year=source.year,
            errors=row.errors,
            warnings=row.warnings,
            output=source.report or source.feedback or "",
            message=row.message,
            sha256=sha,
            in_roster=in_roster,
            findings=findings,
            reviewed=reviewed,
        )
        if announce:
            _announce(self.listing[rel], self.emit)


def _announce(result: FileResult, emit: EventSink) -> None:
    """Log one file's outcome (the log file, and stderr in plain mode) and tell the CLI."""
    detail = result.output or result.message
    counts = (
        f"（错误 {result.errors}，提醒 {result.warnings}）"
        if result.errors or result.warnings
        else ""
    )
    logger.info("{}：{}{} {}", result.file, result.label, counts, detail)
    emit(Event("file", result=result))
