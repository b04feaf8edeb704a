"""One workbook outside a run (``xl2report render``): check it (within a time limit,
:mod:`xl2report.batch.checking`), then render its report and PDF.

Sits above both ``checks`` and ``report`` because it joins them; the batch run does the same per
file in :mod:`xl2report.batch.worker`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xl2report.atomic import OutputExistsError
from xl2report.batch.checking import DEFAULT_TIMEOUT, check_files
from xl2report.batch.outbox import report_filename
from xl2report.checks.check import CheckResult
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
