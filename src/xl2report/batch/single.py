"""Workbooks outside a run (``xl2report check``, ``render``): check each within a time limit,
then render a report and PDF.

Sits above both ``checks`` and ``report`` because it joins them; the batch run does the same per
file in :mod:`xl2report.batch.worker`.  The time limit is the run's (:class:`TaskPool`): an
alarm where there is one, else a worker process that is ended, so a hostile file never hangs
the command, on Windows too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xl2report.atomic import OutputExistsError
from xl2report.batch.outbox import report_filename
from xl2report.batch.pool import TaskPool, no_setup
from xl2report.checks.catalogue import FileReport, Finding
from xl2report.checks.check import CheckResult, check_file
from xl2report.checks.copied import COPY_THRESHOLD
from xl2report.report import office
from xl2report.report.render import RenderError, ReportRenderer, docx_to_pdf


@dataclass
class RenderOutcome:
    """What ``xl2report render`` did with one workbook."""

    check: CheckResult
    docx: Path | None = None
    pdf: Path | None = None
    draft: bool = False
    warnings: list[str] = field(default_factory=list)
    reason: str = ""  # why no report was written (Chinese), if none was


DRAFT_MARK = "（草稿）"
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


def output_path(
    workbook: Path, output: Path | None, org: str, year: int | None, draft: bool = False
) -> Path:
    """Where the report goes: ``output`` if it names a .docx, else a folder (default: beside).

    A draft's name says so (``…年度报告（草稿）.docx``), so it is never taken for the report.
    """
    if output is not None and output.suffix.lower() == ".docx" and not output.is_dir():
        path = output
    else:
        folder = output if output is not None else Path(workbook).parent
        path = folder / report_filename(org, year)
    if draft and "草稿" not in path.stem:
        path = path.with_name(f"{path.stem}{DRAFT_MARK}{path.suffix}")
    return path


def render_workbook(
    workbook: Path,
    output: Path | None = None,
    *,
    word_template: Path | None = None,
    pdf: bool = False,
    force: bool = False,
    draft: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> RenderOutcome:
    """Check ``workbook``; if it passes (or, with ``draft``, even if not) render its report and
    optionally a PDF.

    ``force`` only allows replacing existing outputs; ``draft`` renders a workbook with errors
    as a draft (marked on its first page and in its file name); ``timeout`` bounds the check.  Raises :class:`RenderError` /
    :class:`~xl2report.atomic.OutputExistsError`.
    """
    (result,) = check_files([Path(workbook)], timeout=timeout)
    outcome = RenderOutcome(result)
    report = result.report
    if not report.readable:
        outcome.reason = "文件无法读取，未生成报告。"
        return outcome
    if not result.values:
        outcome.reason = "工作簿版式不符，读不出数据，无法生成报告。"
        return outcome
    if not report.valid and not draft:
        outcome.reason = "校验未通过，未生成报告；请先改正上述错误（或加 --draft 生成草稿）。"
        return outcome
    outcome.draft = not report.valid
    out = output_path(Path(workbook), output, report.org, report.year, outcome.draft)
    pdf_path = out.with_suffix(".pdf")
    for target in (out, pdf_path) if pdf else (out,):
        if target.exists() and not force:
            raise OutputExistsError(str(target))
    if pdf and not office.available():
        raise RenderError(
            "未安装 LibreOffice（soffice），无法生成 PDF；去掉 --pdf 只生成 Word，"
            "或安装 LibreOffice 后重试。"
        )
    renderer = ReportRenderer(word_template)
    outcome.warnings = renderer.render(result.values, out, draft=outcome.draft, overwrite=force)
    outcome.docx = out
    if pdf:
        try:
            (outcome.pdf,) = docx_to_pdf([out], out.parent)
        except RenderError as exc:
            raise RenderError(f"已生成 Word 报告 {out}，但没有生成 PDF：{exc}") from exc
    return outcome
