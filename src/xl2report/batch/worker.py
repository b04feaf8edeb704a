"""The work done for one file, in a worker process: check it, then render its report or write
its feedback workbook into a staging folder.  Also the LibreOffice steps (legacy conversion,
PDF) done in batches.

This is the one module that calls the Word renderer and the feedback writer, so the rest of the
batch code depends only on the small :class:`Job` / :class:`Outcome` records.  It never touches
the ledger's state or the final outbox layout: results go back to the parent, which alone
decides names and records them.
"""

from __future__ import annotations

import os
import signal
import threading
import traceback
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from xl2report.batch.inbox import PENDING_CHANGING, VANISHED, sha256_file
from xl2report.batch.issued import IssueRegister
from xl2report.batch.ledger_campaign import registered_roster
from xl2report.batch.records import MAX_AUTO_RETRIES, RETRY_CODE, FileStatus
from xl2report.batch.reference import ReferenceReader, encode_values
from xl2report.batch.roster import RosterIndex
from xl2report.checks.catalogue import Finding
from xl2report.checks.check import CheckResult, check_file, with_previous
from xl2report.checks.copied import COPY_THRESHOLD
from xl2report.errors import ENVIRONMENT_ERRNOS
from xl2report.form.national import ORG
from xl2report.log import logger
from xl2report.report.office import OfficeError
from xl2report.report.office import available as office_available
from xl2report.report.office import convert as office_convert

if TYPE_CHECKING:
    from xl2report.report.render import ReportRenderer


@dataclass(frozen=True)
class Job:
    """One submission to process (picklable: crosses into a worker process)."""

    source: str  # the file in the inbox (absolute); never modified
    checked: str  # the file to check: the source itself, or its converted .xlsx copy
    sha256: str  # content hash of ``source`` when planned
    staging: str  # folder for staged outputs


@dataclass
class Outcome:
    """What happened to one job (picklable: crosses back to the parent)."""

    sha256: str
    status: FileStatus  # accepted / rejected / unreadable / failed / pending (changed meanwhile)
    org: str = ""
    year: int | None = None
    errors: int = 0
    warnings: int = 0
    findings: list[dict[str, object]] = field(default_factory=list)
    message: str = ""  # one Chinese sentence for unreadable / failed / changed
    vals: str | None = None  # checked values as JSON (accepted)
    staged: str | None = None  # staged report (accepted) or feedback workbook (rejected)
    notes: list[str] = field(default_factory=list)  # renderer warnings
    detail: str = ""  # traceback of an internal failure, for the log file only


class Worker:
    """Per-process state: one compiled Word template and a reader for last year's values.

    The template is compiled when the first accepted file needs it (a custom ``word_template``
    at once, so a broken one fails before any file is processed): a run of rejected files, or
    a parent process that hands every file to workers, never loads the Word renderer.
    """

    def __init__(
        self,
        reference_db: str | None = None,
        word_template: str | None = None,
        copy_threshold: float = COPY_THRESHOLD,
        issued_db: str | None = None,
    ) -> None:
        self.issued = IssueRegister(Path(issued_db)) if issued_db else None
        self._word_template = Path(word_template) if word_template else None
        self._renderer: ReportRenderer | None = None
        if self._word_template is not None:
            self._renderer = self.renderer
        self.reference = ReferenceReader(Path(reference_db)) if reference_db else None
        self.copy_threshold = copy_threshold
        self._ledger_path = Path(reference_db) if reference_db else None

    def _match_roster(self, result: CheckResult) -> Outcome | None:
        """With a registered roster, a workbook's 机关名称 must be on it (as a name or 别名).

        Not on it: a ``held`` outcome (no report, no feedback under that name) naming the
        nearest roster name.  An alias: the name becomes the roster's official one here, so
        the report, the ledger and last year's values all use it.  Read per file, so a name
        confirmed between two ``watch`` passes counts at once.
        """
        report = result.report
        if self._ledger_path is None or not report.readable or not report.org:
            return None
        roster = RosterIndex(registered_roster(self._ledger_path))
        if not roster:
            return None
        official = roster.official(report.org)
        if official is None:
            hint = roster.suggest(report.org)
            near = f"最接近的是“{hint}”；" if hint else ""
            return Outcome(
                "", FileStatus.HELD, org=report.org, year=report.year,
                errors=len(report.errors), warnings=len(report.warnings),
                findings=[f.to_dict() for f in report.findings],
                message=f"机关名称“{report.org}”不在登记的名单中，暂不处理（{near}"
                "确认后把它加入名单的“别名”列，下次运行即按名单中的名称处理）。",
            )  # fmt: skip
        if official != report.org:
            result.values[ORG.key] = official
            report.org = official
        return None

    @property
    def renderer(self) -> ReportRenderer:
        """The compiled Word template (compiled on first use)."""
        if self._renderer is None:
            from xl2report.report.render import ReportRenderer

            self._renderer = ReportRenderer(self._word_template)
        return self._renderer

    def process(self, job: Job) -> Outcome:
        """Never raises for a file: whatever goes wrong becomes the file's own outcome."""
        try:
            if sha256_file(Path(job.source)) != job.sha256:
                return Outcome(job.sha256, FileStatus.PENDING, message=PENDING_CHANGING)
        except OSError:  # moved away or deleted since the scan: nothing to record
            return Outcome(job.sha256, FileStatus.PENDING, message=VANISHED)
        try:
            result = self.check(job)
        except Exception as exc:  # the per-file boundary: one bad file never stops a batch
            return cannot_process(job.sha256, _internal(exc), detail=traceback.format_exc())
        if isinstance(result, Outcome):  # held: its name is not on the roster
            return result
        try:
            return self._output(job, result)
        except OSError as exc:
            if exc.errno in ENVIRONMENT_ERRNOS:
                raise  # the disk, not the file: the run stops with one sentence (guards)
            report = result.report
            out = cannot_process(job.sha256, _internal(exc), detail=traceback.format_exc())
            out.org, out.year = report.org, report.year
            return out
        except Exception as exc:
            report = result.report
            out = cannot_process(job.sha256, _internal(exc), detail=traceback.format_exc())
            out.org, out.year = report.org, report.year
            return out

    def check(self, job: Job) -> CheckResult | Outcome:
        """The checks of ``process`` without the outputs (a ``held`` outcome for a 机关名称
        not on the roster); a run checks a file again with this when last year's values
        changed during the run."""
        result = check_file(Path(job.checked))
        report = result.report
        held = self._match_roster(result)
        if held is not None:
            return replace(held, sha256=job.sha256)
        if report.readable and report.org and report.year and self.reference is not None:
            previous = self.reference.get(report.org, report.year - 1)
            if previous:  # added to this check: the file is read and checked once
                result = with_previous(result, previous, self.copy_threshold)
        if self.issued is not None:  # after the roster: the register has official names
            roster = RosterIndex(registered_roster(self._ledger_path)) if self._ledger_path else None
            result = self.issued.check(result, roster)
        result.report.file = job.source
        return result

    def _output(self, job: Job, result: CheckResult) -> Outcome:
        report = result.report
        out = Outcome(
            job.sha256,
            FileStatus.UNREADABLE,  # until it is known to be readable
            org=report.org,
            year=report.year,
            errors=len(report.errors),
            warnings=len(report.warnings),
            findings=[f.to_dict() for f in report.findings],
        )
        staging = Path(job.staging)
        if not report.readable:
            out.message = report.errors[0].message if report.errors else "无法读取。"
        elif report.valid:
            from xl2report.report.render import RenderError

            staged = staging / f"{job.sha256}.docx"
            try:
                out.notes = self.renderer.render(result.values, staged, overwrite=True)
            except RenderError as exc:
                out = cannot_process(job.sha256, f"校验通过，但生成报告失败：{exc}")
                out.org, out.year = report.org, report.year
                return out
            out.status, out.staged = FileStatus.ACCEPTED, str(staged)
            out.vals = encode_values(result.values)
        else:
            # Imported here: a run whose files all pass never loads the feedback writer.
            from xl2report.xlsx.feedback import write_feedback

            staged = staging / f"{job.sha256}.feedback.xlsx"
            write_feedback(Path(job.checked), report, staged, overwrite=True)
            out.status, out.staged = FileStatus.REJECTED, str(staged)
        return out


MAX_MANIFEST_BYTES = 1024 * 1024  # an .ods manifest lists a few dozen files

def cannot_process(sha256: str, reason: str, detail: str = "", retry: bool = False) -> Outcome:
    """The outcome of a file that could not be processed (an internal error, a timeout, a
    worker that died): recorded as unreadable with one ``cannot-process`` finding, or with
    ``retry`` (a timeout, a dead worker) ``cannot-process-retry``: tried again next run."""
    code = RETRY_CODE if retry else "cannot-process"
    finding = Finding.at(None, code, reason=reason.rstrip("。"), times=MAX_AUTO_RETRIES)
    return Outcome(sha256, FileStatus.UNREADABLE, errors=1, message=finding.message,
                   findings=[finding.to_dict()], detail=detail)  # fmt: skip


def _internal(exc: Exception) -> str:
    if isinstance(exc, MemoryError):
        return "文件需要的内存超出限制"
    return f"处理时出现内部错误（{type(exc).__name__}）"


# --- pool plumbing: one Worker per process ----------------------------------------------------

_WORKER: Worker | None = None


def init_pool_worker(
    reference_db: str | None,
    word_template: str | None,
    copy_threshold: float = COPY_THRESHOLD,
    issued_db: str | None = None,
) -> None:
    """Pool initializer: Ctrl-C is the parent's business (workers log through their results:
    :func:`~xl2report.batch.pool.TaskPool`).

    A worker also exits as soon as its parent dies (``kill -9`` of the run): pool workers hold
    both ends of their task queue, so they would otherwise wait for work forever.
    """
    import multiprocessing  # only in pool workers: ``--jobs 1`` runs without a pool

    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()
    _WORKER = Worker(reference_db, word_template, copy_threshold, issued_db)


def _exit_with(sentinel: int) -> None:
    import multiprocessing.connection

    multiprocessing.connection.wait([sentinel])
    os._exit(3)


def process_in_pool(job: Job) -> Outcome:
    """Pool task: process one job with this worker's state."""
    assert _WORKER is not None, "init_pool_worker was not run"
    return _WORKER.process(job)


# --- LibreOffice steps, batched ---------------------------------------------------------------


@dataclass(frozen=True)
class PdfResult:
    """One report's PDF, or why there is none."""

    docx: str
    pdf: str | None
    message: str = ""


def make_pdfs(docx_paths: Sequence[str], outdir: str) -> list[PdfResult]:
    """Convert many reports in ONE LibreOffice call; a failure is reported per file."""
    from xl2report.report.render import RenderError, docx_to_pdf

    paths = [Path(p) for p in docx_paths]
    try:
        made = docx_to_pdf(paths, Path(outdir))
        return [PdfResult(str(d), str(p)) for d, p in zip(paths, made, strict=True)]
    except (OfficeError, RenderError) as exc:
        out = []
        for d in paths:
            pdf = Path(outdir) / (d.stem + ".pdf")
            ok = pdf.exists() and pdf.stat().st_size > 0
            out.append(PdfResult(str(d), str(pdf) if ok else None, "" if ok else str(exc)))
        return out


def legacy_note(count: int) -> str:
    """What to say (on stderr) before ``count`` .xls/.et/.ods files are converted: that it is
    under way, or first of all that LibreOffice is missing here."""
    if office_available():
        return f"正在用 LibreOffice 转换 {count} 个旧格式文件（.xls/.et/.ods）…"
    return (
        f"本机未安装 LibreOffice：{count} 个旧格式文件（.xls/.et/.ods）无法自动转换为 .xlsx，"
        "需请报送单位另存为 .xlsx 后重新报送。"
    )


def convert_legacy(sources: Sequence[tuple[Path, str]], workdir: Path) -> dict[str, Path | Finding]:
    """Convert .xls/.et/.ods files to .xlsx in one LibreOffice call.

    ``sources`` are (file, sha256).  Returns, per sha256, the converted copy or the finding that
    explains why there is none (encrypted; LibreOffice missing; conversion failed).
    """
    result: dict[str, Path | Finding] = {}
    todo: list[tuple[Path, str]] = []
    for path, sha in sources:
        if _encrypted(path):
            result[sha] = Finding.at(None, "encrypted")
        else:
            todo.append((path, sha))
    if not todo:
        return result
    if not office_available():
        for _, sha in todo:
            result[sha] = Finding.at(None, "legacy-format", "no_office")
        return result
    # Copies named by hash: the originals stay untouched and equal stems cannot collide.
    indir = workdir / "legacy-in"
    indir.mkdir(parents=True, exist_ok=True)
    copies = []
    for path, sha in todo:
        copy = indir / f"{sha}{path.suffix.lower()}"
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    outdir = workdir / "converted"
    try:
        office_convert(copies, "xlsx:Calc MS Excel 2007 XML", outdir)
    except OfficeError as exc:
        logger.warning("LibreOffice 转换旧格式失败：{}", exc)
    for path, sha in todo:
        made = outdir / f"{sha}.xlsx"
        if made.exists() and made.stat().st_size > 0:
            # Named like the original, so the feedback workbook says which file it is about.
            named = outdir / sha / f"{path.stem}.xlsx"
            named.parent.mkdir()
            made.rename(named)
            result[sha] = named
        else:
            result[sha] = Finding.at(None, "legacy-format", "not_converted")
    return result


def _encrypted(path: Path) -> bool:
    if path.suffix.lower() == ".ods":  # OpenDocument lists a password's key in its manifest
        try:
            with zipfile.ZipFile(path) as zf, zf.open("META-INF/manifest.xml") as fh:
                return b"encryption-data" in fh.read(MAX_MANIFEST_BYTES)
        except (zipfile.BadZipFile, KeyError, OSError):
            return False  # LibreOffice will judge it
    import msoffcrypto

    try:
        with open(path, "rb") as fh:
            return bool(msoffcrypto.OfficeFile(fh).is_encrypted())
    except Exception:  # not an Office container at all: LibreOffice will judge it
        return False
