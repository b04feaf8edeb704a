"""Commands on single files: ``check``, ``render``, ``check-template``."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from xl2report.cli.app import cli
from xl2report.cli.help import (
    CHECK_TIMEOUT_OPTION,
    COPY_THRESHOLD_OPTION,
    EXIT_FATAL,
    EXIT_FINDINGS,
    EXIT_OK,
    UserError,
)
from xl2report.cli.streams import json_text


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出到标准输出。")
@click.option("--previous", type=click.Path(path_type=Path, exists=True),
              help="同一单位上一年度的工作簿，用于跨年度核对。")  # fmt: skip
@click.option("--annotate", type=click.Path(path_type=Path, file_okay=False),
              help="为每个文件在此目录写一份标注了问题单元格的反馈副本（原文件不改动）。")  # fmt: skip
@click.option("--outbox", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="按这个输出目录登记的下发编号核对报送单位（与 run 相同）。")  # fmt: skip
@COPY_THRESHOLD_OPTION
@CHECK_TIMEOUT_OPTION
def check(
    files: tuple[Path, ...],
    as_json: bool,
    previous: Path | None,
    annotate: Path | None,
    outbox: Path | None,
    copy_threshold: int,
    timeout: float,
) -> None:
    """校验报回的工作簿：版式、公式、数值、勾稽关系、文字，逐格指出问题。

    \b
    旧版 .xls/.et 和 .ods 文件在装有 LibreOffice 时先转换为 .xlsx 再校验（与 run 相同，原文件不动）。
    已发布的报告（.pdf .docx .doc .wps .html .htm .mhtml .txt）按 import 读出后做同样的校验；
    给出文件夹时校验其中全部工作簿和报告。
    """
    from xl2report.batch.checking import check_files

    threshold = copy_threshold / 100
    files = _expanded(files)
    previous_result = (
        check_files([previous], copy_threshold=threshold, timeout=timeout)[0] if previous else None
    )
    if previous_result is not None and not previous_result.values:
        # Unreadable, another form, or an old template version: nothing to compare with.
        reason = previous_result.report.errors[0].message
        raise UserError(f"上一年度的工作簿 {previous} 无法用于跨年度核对：{reason}")
    with tempfile.TemporaryDirectory(prefix="xl2report-check-") as tmp:
        checked = _converted(files, Path(tmp))
        paths = [c for c in checked if isinstance(c, Path) and not _is_report(c)]
        done = iter(check_files(paths, previous_result, threshold, timeout))
        results = [
            _audited(c) if _is_report(c)
            else next(done) if isinstance(c, Path)
            else _unconverted(f, c)
            for f, c in zip(files, checked, strict=True)
        ]
        if outbox is not None:  # the 下发编号 handed out from it, as run checks them
            from xl2report.batch.issued import IssueRegister, register_path
            from xl2report.batch.ledger_campaign import registered_roster
            from xl2report.batch.outbox import default_ledger
            from xl2report.batch.roster import RosterIndex

            register = IssueRegister(register_path(outbox))
            roster = RosterIndex(registered_roster(default_ledger(outbox)))  # its 别名
            results = [register.check(r, roster) for r in results]
        for f, result in zip(files, results, strict=True):
            result.report.file = str(f)  # a converted .xls is reported under its own name
        reports = [r.report for r in results]
        _output(reports, as_json)
        written = _annotate(files, checked, reports, annotate) if annotate else True
    if any(not r.readable for r in reports):
        sys.exit(EXIT_FATAL)
    sys.exit(EXIT_OK if written and all(r.valid for r in reports) else EXIT_FINDINGS)


def _expanded(files: tuple[Path, ...]) -> tuple[Path, ...]:
    """Folders as the workbooks and published reports in them (check DIR)."""
    from xl2report.batch.inbox import Kind, scan
    from xl2report.published.workbook import report_files

    out: list[Path] = []
    for f in files:
        books = (
            [e.path for e in scan(f) if e.kind in (Kind.WORKBOOK, Kind.LEGACY)]
            if f.is_dir()
            else []
        )
        found = (
            sorted({*books, *report_files(f)}, key=lambda p: str(p.relative_to(f)))
            if f.is_dir()
            else []
        )
        out.extend(found or [f])  # an empty folder is reported as it always was: no file there
    return tuple(out)


def _is_report(path: object) -> bool:
    """A published report (.pdf/.docx/.html…), audited as ``import`` reads it."""
    from xl2report.published.extract import is_report_file

    return isinstance(path, Path) and is_report_file(path)


def _audited(path: Path):  # type: ignore[no-untyped-def]
    """The whole catalogue on a published report's values and text, plus the import's own
    findings (xl2report check 报告.pdf)."""
    from xl2report.checks.check import CheckResult
    from xl2report.published.reader import audit_findings, read_published

    imported = read_published(path)
    return CheckResult(imported.report(audit_findings(imported)), imported.values)


def _converted(files: tuple[Path, ...], workdir: Path) -> list[object]:
    """What to check for each file: itself, or for an .xls/.et/.ods its .xlsx copy made by
    LibreOffice (as ``run`` does), or the finding saying why there is none."""
    from xl2report.batch.inbox import LEGACY_SUFFIXES

    legacy = [(f, str(i)) for i, f in enumerate(files)
              if f.suffix.lower() in LEGACY_SUFFIXES and f.is_file()]  # fmt: skip
    converted: dict[str, object] = {}
    if legacy:
        from xl2report.batch.worker import convert_legacy, legacy_note

        click.echo(legacy_note(len(legacy)), err=True)
        converted = dict(convert_legacy(legacy, workdir))
    return [converted.get(str(i), f) for i, f in enumerate(files)]


def _unconverted(path: Path, finding: object):  # type: ignore[no-untyped-def]
    from xl2report.checks.catalogue import FileReport
    from xl2report.checks.check import CheckResult

    return CheckResult(FileReport(str(path), findings=[finding]))  # type: ignore[list-item]


def _output(reports, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    from xl2report.cli.console import print_reports

    if as_json:
        click.echo(json_text({"files": [r.to_dict() for r in reports]}))
    else:
        print_reports(reports)


def _annotate(files, checked, reports, annotate: Path) -> bool:  # type: ignore[no-untyped-def]
    """Write the feedback copies; False when one could not be replaced (open elsewhere)."""
    from xl2report.batch.outbox import feedback_name
    from xl2report.errors import FileInUseError
    from xl2report.xlsx.feedback import write_feedback

    used: set[str] = set()
    written = True
    for path, source, report in zip(files, checked, reports, strict=True):
        if (any(f.code == "lock-file" for f in report.findings) or not isinstance(source, Path)
                or _is_report(source)):  # fmt: skip
            continue  # not a submission (or nothing readable): nothing to send back
        name = feedback_name(path)
        for n in range(2, len(files) + 2):  # same file name from two folders
            if name.casefold() not in used:
                break
            name = feedback_name(path.with_name(f"{path.stem}_{n}{path.suffix}"))
        used.add(name.casefold())  # Windows names are case-insensitive
        try:
            out = write_feedback(source, report, annotate / name, overwrite=True)
        except FileInUseError as exc:  # the last copy is open in WPS/Excel: the others go on
            click.echo(str(exc), err=True)
            written = False
            continue
        click.echo(f"已写反馈副本：{out}", err=True)
    return written


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="输出的 .docx 文件或目录（默认与工作簿同一目录）。")  # fmt: skip
@click.option("--word-template", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="改过样式的 Word 模板（默认用内置模板）。")  # fmt: skip
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF。")
@click.option("--force", is_flag=True, help="覆盖已有的输出文件。")
@click.option("--draft", is_flag=True,
              help="校验未通过时仍生成草稿：首页标注“草稿（未通过校验）”，文件名带“（草稿）”。")  # fmt: skip
@CHECK_TIMEOUT_OPTION
def render(
    file: Path, output: Path | None, word_template: Path | None, pdf: bool, force: bool,
    draft: bool, timeout: float,
) -> None:  # fmt: skip
    """校验工作簿，通过后生成 Word 年度报告（可同时生成 PDF）。"""
    from xl2report.batch.single import render_workbook
    from xl2report.cli.console import print_reports

    if output is not None and not output.is_dir() and output.suffix.lower() not in ("", ".docx"):
        raise UserError(f"输出应为 .docx 文件或一个目录：{output}")
    outcome = render_workbook(
        file, output, word_template=word_template, pdf=pdf, force=force, draft=draft,
        timeout=timeout,
    )  # fmt: skip
    if outcome.check.report.findings:
        print_reports([outcome.check.report])
    for warning in outcome.warnings:
        click.echo(f"提醒：{warning}", err=True)
    if outcome.docx is None:
        click.echo(outcome.reason, err=True)
        sys.exit(EXIT_FATAL if not outcome.check.report.readable else EXIT_FINDINGS)
    kind = "草稿（未通过校验）" if outcome.draft else " Word 报告"
    click.echo(f"已生成{kind}：{outcome.docx}")
    if outcome.pdf:
        click.echo(f"已生成 PDF：{outcome.pdf}")
    sys.exit(EXIT_FINDINGS if outcome.draft else EXIT_OK)


@cli.command("check-template")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def check_template(file: Path) -> None:
    """检查改过样式的 Word 模板：列出缺少的占位符和无法识别的占位符。"""
    from xl2report.report.render import check_word_template, describe_placeholder

    missing, unknown = check_word_template(file)
    for key in missing:
        click.echo(f"缺少占位符：{{{{ {key} }}}}  {describe_placeholder(key)}")
    for key in unknown:
        click.echo(f"无法识别的占位符：{{{{ {key} }}}}")
    if missing or unknown:
        click.echo(
            f"{file}：缺少 {len(missing)} 个，无法识别 {len(unknown)} 个（见 xl2report fields）。"
        )
        sys.exit(EXIT_FINDINGS)
    click.echo(f"{file}：占位符齐全，可以用于 xl2report render --word-template。")
