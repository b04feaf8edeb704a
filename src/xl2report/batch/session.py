"""inbox/ -> outbox/: the main job.  Plan, process in workers, commit outputs and the ledger.

Layout of the outbox::

    outbox/<年度>/{机关名称}{年度}年政府信息公开工作年度报告.docx   current report per org
    outbox/<年度>/历史版本/…（第N版）.docx                          superseded reports
    outbox/<年度>/退回/{机关名称}_校验反馈.xlsx                      feedback for rejected files
    outbox/.xl2report/ledger.sqlite, run.lock, logs/, tmp/          state (tmp = staging)

How a run stays safe:

- One run per outbox (:class:`~xl2report.batch.runlock.RunLock`); ``watch`` holds it while it watches.
- Idempotent by content: a (path, SHA-256) pair already in the ledger is not processed again;
  known content under a new name is recorded as a duplicate.
- Workers write only into the staging folder.  The parent alone commits, in a fixed order
  (files sorted by received time, then path), so ``--jobs 1`` and ``--jobs N`` give the same
  ledger and the same outbox.  A commit is one ledger transaction that also journals the
  renames it needs; the renames follow, then the journal entries are deleted.  A run killed at
  any point leaves either staged files (deleted by the next run, which redoes that work) or
  journalled renames (replayed by the next run).  Nothing in the outbox is ever overwritten.
- Which submission is newer: the one received later, i.e. with the later modification time when
  first seen (mail clients stamp saved attachments), ties broken by path.  The newer accepted
  submission's report takes the plain name; the older one's moves to ``历史版本/…（第N版）``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from xl2report.batch import inbox as inbox_mod
from xl2report.batch import worker
from xl2report.batch.inbox import Entry, Kind
from xl2report.batch.ledger import Ledger, Row
from xl2report.batch.names import free_path, safe_filename
from xl2report.batch.pool import TaskPool
from xl2report.batch.records import (
    Event,
    EventSink,
    FileResult,
    FileStatus,
    RunOptions,
    RunResult,
)
from xl2report.batch.roster import normalize_org, read_roster
from xl2report.batch.runlock import RunLock
from xl2report.checks.catalogue import Finding
from xl2report.errors import FatalError
from xl2report.log import log_to_file, logger

STATE_DIR = ".xl2report"
LEDGER_NAME = "ledger.sqlite"
YEAR_UNKNOWN = "未知年度"
REJECTED_DIR = "退回"
HISTORY_DIR = "历史版本"

T = TypeVar("T")


def default_ledger(outbox: Path) -> Path:
    """Where the ledger lives unless ``--ledger`` says otherwise."""
    return Path(outbox) / STATE_DIR / LEDGER_NAME


def run_batch(options: RunOptions, on_event: EventSink | None = None) -> RunResult:
    """Process the inbox once: the whole ``xl2report run``."""
    if not Path(options.inbox).is_dir():  # before anything is created in the outbox
        raise FatalError(f"收件目录不存在或不是文件夹：{Path(options.inbox).absolute()}")
    with Session(options.outbox, options.ledger) as session:
        return session.run(options, on_event)


class Session:
    """An outbox opened for processing: lock held, ledger open, log file, staging recovered.

    ``watch`` keeps one session open and calls :meth:`run` whenever files arrive.
    """

    def __init__(self, outbox: Path, ledger: Path | None = None) -> None:
        self.outbox = Path(outbox).absolute()
        self.ledger_path = Path(ledger).absolute() if ledger else default_ledger(self.outbox)
        self.state = self.outbox / STATE_DIR
        self.staging = self.state / "tmp"
        self.lock = RunLock(self.ledger_path.parent / "run.lock")
        self.ledger: Ledger
        self.log: Path | None = None
        self._log_context: contextlib.AbstractContextManager[None] | None = None
        self._taken: set[str] = set()
        self._local: worker.Worker | None = None

    # --- opening and recovery ---------------------------------------------------------------

    def __enter__(self) -> Session:
        if self.outbox.exists() and not self.outbox.is_dir():
            raise FatalError(f"输出目录 {self.outbox} 是一个文件，不是文件夹。")
        try:
            self.state.mkdir(parents=True, exist_ok=True)
            probe = self.state / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise FatalError(
                f"输出目录 {self.outbox} 不可写：{exc.strerror or exc}。请换一个目录或检查权限。"
            ) from exc
        self.lock.acquire()
        try:
            self.ledger = Ledger.open(self.ledger_path)
            logs = self.state / "logs"
            logs.mkdir(exist_ok=True)
            self.log = logs / f"run-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
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
        replayed = self._apply_moves(self.ledger.pending_moves())
        if replayed:
            logger.info("上次运行中断：已补完 {} 项文件移动", replayed)
        if self.staging.exists():
            self._drop_staging()
            logger.info("已清理上次运行留下的暂存文件")
        for stray in self._stray_temp_files():
            with contextlib.suppress(OSError):
                stray.unlink()
                logger.info("已删除未写完的临时文件 {}", stray)
        self._taken = {str(self.outbox / p) for p in self.ledger.outputs()}

    def _drop_staging(self) -> None:
        """Remove staged files, but only once every journalled rename out of them is done."""
        self._apply_moves(self.ledger.pending_moves())
        if not self.ledger.pending_moves():
            shutil.rmtree(self.staging, ignore_errors=True)

    def _stray_temp_files(self) -> Iterator[Path]:
        """Temporary files of atomic writes (``.name.XXXX.tmp``) left in the outbox by a kill."""
        pattern = re.compile(r"^\..+\.tmp$")
        for dirpath, dirnames, filenames in os.walk(self.outbox):
            dirnames[:] = [d for d in dirnames if d != STATE_DIR]
            for name in filenames:
                if pattern.match(name):
                    yield Path(dirpath) / name

    # --- the run ----------------------------------------------------------------------------

    def run(self, options: RunOptions, on_event: EventSink | None = None) -> RunResult:
        """Process the inbox once (the body of ``xl2report run`` and of each ``watch`` pass)."""
        emit = on_event or (lambda event: None)
        inbox = Path(options.inbox).absolute()
        if not inbox.is_dir():
            raise FatalError(f"收件目录不存在或不是文件夹：{inbox}")
        if options.roster is not None:
            entries = read_roster(options.roster)
            self.ledger.set_roster(entries, str(options.roster))
            logger.info("已登记名单 {}（{} 个单位）", options.roster, len(entries))
        roster = {normalize_org(e.name) for e in self.ledger.roster()}
        first_look = time.monotonic()
        logger.info("扫描收件目录 {}", inbox)
        entries = inbox_mod.scan(inbox, exclude=[self.outbox, self.ledger_path.parent])
        listing: dict[str, FileResult] = {}
        submissions: list[tuple[Entry, str]] = []
        for e in entries:
            if e.is_submission:
                sha = self._hash(e)
                if sha is not None:
                    submissions.append((e, sha))
            else:
                listing[e.rel] = FileResult(
                    e.rel, FileStatus.SKIPPED, message=inbox_mod.SKIP_MESSAGES[e.kind]
                )
        stable, changing = inbox_mod.settle([e for e, _ in submissions], first_look, options.settle)
        for e in changing:
            message = inbox_mod.PENDING_EMPTY if e.size == 0 else inbox_mod.PENDING_CHANGING
            listing[e.rel] = FileResult(e.rel, FileStatus.PENDING, message=message)
        hashes = {e.rel: sha for e, sha in submissions}
        plan = sorted(stable, key=lambda e: (e.mtime_ns, e.rel))

        work: list[tuple[Entry, str]] = []  # new submissions, in commit order
        planned: set[str] = set()
        later_duplicates: dict[str, list[Entry]] = {}
        for e in plan:
            sha = hashes[e.rel]
            if self.ledger.find(e.rel, sha) is not None:
                listing[e.rel] = self._listed(e.rel, sha, roster, new=False)
                continue
            original = self.ledger.original(sha)
            if original is not None:
                self._commit_duplicate(e, sha, original, options)
                listing[e.rel] = self._listed(e.rel, sha, roster, new=True)
                _announce(listing[e.rel], emit)
            elif sha in planned:
                later_duplicates.setdefault(sha, []).append(e)
            else:
                planned.add(sha)
                work.append((e, sha))

        emit(Event("plan", total=len(work)))
        logger.info("共 {} 个文件，其中 {} 个待处理", len(entries), len(work))
        self.staging.mkdir(parents=True, exist_ok=True)
        template = str(options.word_template) if options.word_template else None
        executor = TaskPool(
            options.jobs, len(work), worker.init_pool_worker, (str(self.ledger_path), template)
        )
        try:
            items = self._prepare(work, emit)
            if any(job for _, _, job, _ in items):
                self._snapshot_reference(options, executor)
            if options.word_template is not None:
                self._local_worker(options)  # a broken template fails here, once, clearly
            results = executor.ordered(
                worker.process_in_pool,
                lambda job: self._local_worker(options).process(job),
                [job for _, _, job, _ in items if job is not None],
                broken=lambda job: worker.Outcome(
                    job.sha256,
                    FileStatus.FAILED,
                    message="处理这个文件时工作进程意外退出，下次运行时会重试。",
                ),
            )
            for e, sha, job, preset in items:
                outcome = preset if job is None else next(results)
                assert outcome is not None
                self._finish(e, sha, outcome, options, listing, roster, later_duplicates, emit)
            notes = self._make_pdfs(executor, emit) if options.pdf else []
        finally:
            executor.shutdown()
            self._drop_staging()

        # Final states come from the ledger: a file accepted early in the run may have been
        # superseded by a newer one later in the same run.
        for rel, result in listing.items():
            if result.sha256 and result.status not in (FileStatus.PENDING, FileStatus.FAILED):
                listing[rel] = self._listed(rel, result.sha256, roster, new=result.new)
        files = [listing[rel] for rel in sorted(listing)]
        return RunResult(inbox, self.outbox, files, notes, self.log)

    # --- planning helpers -------------------------------------------------------------------

    def _hash(self, e: Entry) -> str | None:
        known = self.ledger.known_hash(e.rel, e.size, e.mtime_ns)
        if known is not None:
            return known
        try:
            return inbox_mod.sha256_file(e.path)
        except OSError as exc:  # vanished or unreadable right now: next run
            logger.warning("无法读取 {}：{}", e.path, exc)
            return None

    def _job(self, e: Entry, sha: str, checked: Path) -> worker.Job:
        return worker.Job(str(e.path), str(checked), sha, str(self.staging))

    def _prepare(
        self, work: Sequence[tuple[Entry, str]], emit: EventSink
    ) -> list[tuple[Entry, str, worker.Job | None, worker.Outcome | None]]:
        """A job per submission; old .xls/.et files are first converted in one LibreOffice call
        (those that cannot be converted get their outcome right away)."""
        legacy = [(e.path, sha) for e, sha in work if e.kind is Kind.LEGACY]
        converted: dict[str, Path | Finding] = {}
        if legacy:
            emit(Event("note", text=f"正在用 LibreOffice 转换 {len(legacy)} 个旧格式文件…"))
            converted = worker.convert_legacy(legacy, self.staging)
        items: list[tuple[Entry, str, worker.Job | None, worker.Outcome | None]] = []
        for e, sha in work:
            checked = converted.get(sha, e.path) if e.kind is Kind.LEGACY else e.path
            if isinstance(checked, Finding):
                outcome = worker.Outcome(sha, FileStatus.UNREADABLE, errors=1, message=checked.message,
                                           findings=[checked.to_dict()])  # fmt: skip
                items.append((e, sha, None, outcome))
            else:
                items.append((e, sha, self._job(e, sha, checked), None))
        return items

    def _local_worker(self, options: RunOptions) -> worker.Worker:
        if self._local is None:
            self._local = worker.Worker(
                str(self.ledger_path), str(options.word_template) if options.word_template else None
            )
        return self._local

    def _snapshot_reference(self, options: RunOptions, executor: TaskPool) -> None:
        """Freeze last year's values for this run (same for every worker and every --jobs)."""
        refs: dict[tuple[str, int], tuple[str, str]] = {}
        for row in self.ledger.rows(statuses=(FileStatus.ACCEPTED,)):
            if row.org and row.year is not None and row.vals:
                refs[(row.org, row.year)] = ("账本", row.vals)
        if options.previous_year is not None:
            folder = Path(options.previous_year)
            if not folder.is_dir():
                raise FatalError(f"上年工作簿目录不存在：{folder}")
            found = [e for e in inbox_mod.scan(folder) if e.kind is Kind.WORKBOOK and e.size > 0]
            found.sort(key=lambda e: (e.mtime_ns, e.rel))  # the latest valid one per org wins
            results = executor.ordered(
                worker.previous_values,
                worker.previous_values,
                [str(e.path) for e in found],
                broken=lambda path: ("", None, None),
            )
            for e, (org, year, vals) in zip(found, results, strict=True):
                if vals and org and year is not None:
                    refs[(org, year)] = (str(e.path), vals)
        n = self.ledger.replace_reference(
            (org, year, src, vals) for (org, year), (src, vals) in refs.items()
        )
        if n:
            logger.info("跨年度核对：已载入 {} 份上一年度的数字", n)

    # --- committing -------------------------------------------------------------------------

    def _finish(
        self,
        e: Entry,
        sha: str,
        outcome: worker.Outcome,
        options: RunOptions,
        listing: dict[str, FileResult],
        roster: set[str],
        later_duplicates: dict[str, list[Entry]],
        emit: EventSink,
    ) -> None:
        if outcome.detail:
            logger.error("{} 处理失败：\n{}", e.path, outcome.detail)
        if outcome.status in (FileStatus.PENDING, FileStatus.FAILED):  # not recorded: retried
            listing[e.rel] = FileResult(e.rel, outcome.status, new=True, org=outcome.org,
                                        year=outcome.year, message=outcome.message)  # fmt: skip
            _announce(listing[e.rel], emit)
            return
        self._commit_outcome(e, sha, outcome, options)
        listing[e.rel] = self._listed(e.rel, sha, roster, new=True)
        _announce(listing[e.rel], emit)
        original = self.ledger.find(e.rel, sha)
        for dup in later_duplicates.pop(sha, []):
            assert original is not None
            self._commit_duplicate(dup, sha, original, options)
            listing[dup.rel] = self._listed(dup.rel, sha, roster, new=True)
            _announce(listing[dup.rel], emit)

    def _base_row(self, e: Entry, sha: str) -> dict[str, object]:
        return {
            "path": e.rel,
            "sha256": sha,
            "size": e.size,
            "mtime_ns": e.mtime_ns,
            "received_ns": e.mtime_ns,
            "seen_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }

    def _commit_outcome(
        self, e: Entry, sha: str, outcome: worker.Outcome, options: RunOptions
    ) -> None:
        row = self._base_row(e, sha) | {
            "status": outcome.status,
            "org": outcome.org,
            "year": outcome.year,
            "errors": outcome.errors,
            "warnings": outcome.warnings,
            "message": outcome.message,
            "findings": json.dumps(outcome.findings, ensure_ascii=False),
            "converted": int(e.kind is Kind.LEGACY),
        }
        updates: list[tuple[int, dict[str, object]]] = []
        moves: list[tuple[Path, Path]] = []
        year_dir = self.outbox / (str(outcome.year) if outcome.year else YEAR_UNKNOWN)
        if outcome.status is FileStatus.REJECTED:
            assert outcome.staged is not None
            base = safe_filename(outcome.org or Path(e.rel).stem)
            dst = self._reserve(year_dir / REJECTED_DIR, worker.feedback_name(Path(base + ".xlsx")))
            row["feedback"] = self._rel(dst)
            moves.append((Path(outcome.staged), dst))
        elif outcome.status is FileStatus.ACCEPTED:
            assert outcome.staged is not None and outcome.year is not None
            row["vals"] = outcome.vals
            version = self.ledger.next_version(outcome.org, outcome.year)
            row["version"] = version
            name = worker.report_filename(outcome.org, outcome.year)
            current = self.ledger.current(outcome.org, outcome.year)
            if current is None or (e.mtime_ns, e.rel) > current.order:
                if current is not None:
                    updates.append(self._supersede(current, moves))
                dst = self._reserve(year_dir, name, release=current.report if current else None)
            else:  # an older submission arriving late: straight into the history folder
                row["status"] = FileStatus.SUPERSEDED
                dst = self._reserve(year_dir / HISTORY_DIR, _versioned(name, version))
            row["report"] = self._rel(dst)
            moves.append((Path(outcome.staged), dst))
        if options.move_processed:
            row["stored_path"] = self._move_original(e, Path(options.inbox), moves)
        self.ledger.commit(insert=row, updates=updates, moves=moves)
        self._apply_moves(self.ledger.pending_moves())

    def _supersede(
        self, current: Row, moves: list[tuple[Path, Path]]
    ) -> tuple[int, dict[str, object]]:
        """Move the current report (and PDF) into the history folder under its version."""
        assert current.report is not None
        old = self.outbox / current.report
        hist = self._reserve(old.parent / HISTORY_DIR, _versioned(old.name, current.version or 1))
        moves.append((old, hist))
        changes: dict[str, object] = {"status": FileStatus.SUPERSEDED, "report": self._rel(hist)}
        if current.pdf:
            hist_pdf = self._reserve(hist.parent, hist.with_suffix(".pdf").name)
            moves.append((self.outbox / current.pdf, hist_pdf))
            changes["pdf"] = self._rel(hist_pdf)
        return current.id, changes

    def _commit_duplicate(self, e: Entry, sha: str, original: Row, options: RunOptions) -> None:
        row = self._base_row(e, sha) | {
            "status": FileStatus.DUPLICATE,
            "duplicate_of": original.id,
            "org": original.org,
            "year": original.year,
            "message": f"与已报送的“{original.path}”内容完全相同，按重复报送记录，不再处理。",
        }
        moves: list[tuple[Path, Path]] = []
        if options.move_processed:
            row["stored_path"] = self._move_original(e, Path(options.inbox), moves)
        self.ledger.commit(insert=row, moves=moves)
        self._apply_moves(self.ledger.pending_moves())

    def _move_original(self, e: Entry, inbox: Path, moves: list[tuple[Path, Path]]) -> str:
        inbox = inbox.absolute()
        target = inbox / inbox_mod.PROCESSED_DIR / e.rel
        dst = free_path(target.parent, target.name, self._taken)
        self._taken.add(str(dst))
        moves.append((e.path, dst))
        return dst.relative_to(inbox).as_posix()

    def _reserve(self, folder: Path, name: str, release: str | None = None) -> Path:
        """A path nobody uses: not on disk, not promised to another output in the ledger.

        ``release`` is an output (relative to the outbox) being moved away in the same commit,
        so its name is free again.
        """
        taken = set(self._taken)
        freed = self.outbox / release if release else None
        if freed is not None and freed.parent == folder and freed.name == name:
            taken.discard(str(freed))
            path = folder / name
            if str(path) not in taken:
                self._taken.add(str(path))
                return path
        path = free_path(folder, name, taken)
        self._taken.add(str(path))
        return path

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.outbox).as_posix()

    def _apply_moves(self, moves: Sequence[tuple[int, Path, Path]]) -> int:
        """Do journalled renames; each is idempotent (done when the target exists)."""
        done = []
        for move_id, src, dst in moves:
            if dst.exists():
                pass  # already done (a replay), or nothing left to do
            elif src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.rename(src, dst)
            else:
                logger.error("文件移动无法完成：{} 不存在（目标 {}）", src, dst)
            done.append(move_id)
        self.ledger.moves_done(done)
        return len(done)

    # --- PDF --------------------------------------------------------------------------------

    def _make_pdfs(self, executor: TaskPool, emit: EventSink) -> list[str]:
        """PDFs for every current report without one (this run's and any a kill left out).

        The reports are split into one chunk per worker; each chunk is ONE LibreOffice call.
        """
        reports = [
            (row, self.outbox / row.report)
            for row in self.ledger.accepted_without_pdf()
            if row.report and (self.outbox / row.report).exists()
        ]
        if not reports:
            return []
        emit(Event("note", text=f"正在用 LibreOffice 生成 {len(reports)} 份 PDF…"))
        chunks = _chunks(reports, executor.width(len(reports)))
        tasks = [
            ([str(path) for _, path in chunk], str(self.staging / f"pdf-{i}"))
            for i, chunk in enumerate(chunks)
        ]
        results = executor.ordered(
            _pdf_task,
            _pdf_task,
            tasks,
            broken=lambda task: [worker.PdfResult(d, None, "工作进程意外退出") for d in task[0]],
        )
        notes = []
        for chunk, made in zip(chunks, results, strict=True):
            for (row, report), res in zip(chunk, made, strict=True):
                if res.pdf is None:
                    notes.append(
                        f"{row.report}：PDF 生成失败（{res.message}），下次加 --pdf 运行时重试。"
                    )
                    continue
                dst = self._reserve(report.parent, report.with_suffix(".pdf").name)
                self.ledger.commit(updates=[(row.id, {"pdf": self._rel(dst)})],
                                   moves=[(Path(res.pdf), dst)])  # fmt: skip
                self._apply_moves(self.ledger.pending_moves())
        for note in notes:
            logger.warning(note)
        return notes

    # --- listing ----------------------------------------------------------------------------

    def _listed(self, rel: str, sha: str, roster: set[str], new: bool) -> FileResult:
        row = self.ledger.find(rel, sha)
        assert row is not None, (rel, sha)
        source = row
        if row.duplicate_of is not None:
            source = self.ledger.get(row.duplicate_of) or row
        output = source.report or source.feedback or ""
        in_roster = None
        if roster and source.org:
            in_roster = normalize_org(source.org) in roster
        return FileResult(
            file=rel,
            status=row.status,
            new=new,
            org=source.org,
            year=source.year,
            errors=row.errors,
            warnings=row.warnings,
            output=output,
            message=row.message,
            sha256=sha,
            in_roster=in_roster,
            findings=row.finding_dicts(),
        )


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


def _versioned(name: str, version: int) -> str:
    path = Path(name)
    return f"{path.stem}（第{version}版）{path.suffix}"


def _chunks(items: Sequence[T], n: int) -> list[list[T]]:
    """``items`` split into ``n`` contiguous, nearly equal chunks."""
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return [c for c in out if c]


def _pdf_task(task: tuple[list[str], str]) -> list[worker.PdfResult]:
    paths, outdir = task
    return worker.make_pdfs(paths, outdir)
