"""Commands on single files: ``check``, ``render``, ``check-template``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xl2report.cli.app import cli
from xl2report.cli.help import (
    COPY_THRESHOLD_OPTION,
    EXIT_FATAL,
    EXIT_FINDINGS,
    EXIT_OK,
    UserError,
)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出到标准输出。")
@click.option("--previous", type=click.Path(path_type=Path, exists=True),
              help="同一单位上一年度的工作簿，用于跨年度核对。")  # fmt: skip
@click.option("--annotate", type=click.Path(path_type=Path, file_okay=False),
              help="为每个文件在此目录写一份标注了问题单元格的反馈副本（原文件不改动）。")  # fmt: skip
@COPY_THRESHOLD_OPTION
def check(
    files: tuple[Path, ...],
    as_json: bool,
    previous: Path | None,
    annotate: Path | None,
    copy_threshold: int,
) -> None:
    """校验报回的工作簿：版式、公式、数值、勾稽关系、文字，逐格指出问题。"""
    from xl2report.checks.check import check_file
    from xl2report.cli.console import print_reports

    previous_result = (
        check_file(previous, copy_threshold=copy_threshold / 100) if previous else None
    )
    if previous_result is not None and not previous_result.values:
        # Unreadable, another form, or an old template version: nothing to compare with.
        reason = previous_result.report.errors[0].message
        raise UserError(f"上一年度的工作簿 {previous} 无法用于跨年度核对：{reason}")
    results = [check_file(f, previous_result, copy_threshold=copy_threshold / 100) for f in files]
    reports = [r.report for r in results]
    if as_json:
        click.echo(
            json.dumps({"files": [r.to_dict() for r in reports]}, ensure_ascii=False, indent=1)
        )
    else:
        print_reports(reports)
    if annotate:
        from xl2report.batch.outbox import feedback_name
        from xl2report.xlsx.feedback import write_feedback

        used: set[str] = set()
        for path, report in zip(files, reports, strict=True):
            if any(f.code == "lock-file" for f in report.findings):
                continue  # not a submission: nothing to send back
            name = feedback_name(path)
            for n in range(2, len(files) + 2):  # same file name from two folders
                if name not in used:
                    break
                name = feedback_name(path.with_name(f"{path.stem}_{n}{path.suffix}"))
            used.add(name)
            out = write_feedback(path, report, annotate / name, overwrite=True)
            click.echo(f"已写反馈副本：{out}", err=True)
    if any(not r.readable for r in reports):
        sys.exit(EXIT_FATAL)
    sys.exit(EXIT_OK if all(r.valid for r in reports) else EXIT_FINDINGS)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="输出的 .docx 文件或目录（默认与工作簿同一目录）。")  # fmt: skip
@click.option("--word-template", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="改过样式的 Word 模板（默认用内置模板）。")  # fmt: skip
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF。")
@click.option("--force", is_flag=True,
              help="覆盖已有的输出文件；校验未通过时仍生成草稿（首页标注“草稿（未通过校验）”）。")  # fmt: skip
def render(
    file: Path, output: Path | None, word_template: Path | None, pdf: bool, force: bool
) -> None:
    """校验工作簿，通过后生成 Word 年度报告（可同时生成 PDF）。"""
    from xl2report.batch.single import render_workbook
    from xl2report.cli.console import print_reports

    if output is not None and not output.is_dir() and output.suffix.lower() not in ("", ".docx"):
        raise UserError(f"输出应为 .docx 文件或一个目录：{output}")
    outcome = render_workbook(file, output, word_template=word_template, pdf=pdf, force=force)
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
