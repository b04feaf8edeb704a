"""``import``: published reports (.pdf/.docx/.doc/.wps/.html/.mhtml/.txt) -> filled workbooks."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

import click

from xl2report.cli.app import cli
from xl2report.cli.help import EXIT_FATAL, EXIT_FINDINGS, EXIT_OK, UserError


@cli.command("import")
@click.argument("source", type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="输出的工作簿（.xlsx）；导入文件夹时为输出目录。默认与报告同名、同目录。")  # fmt: skip
@click.option("--org", help="机关名称（报告标题读不出或与名单不同时给出）。")
@click.option("--year", type=int, help="报告年度（报告中读不出时给出）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出读到的数字、文字和问题。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
def import_(
    source: Path, output: Path | None, org: str | None, year: int | None, as_json: bool,
    force: bool,
) -> None:  # fmt: skip
    """导入已发布的年度报告（PDF、Word、WPS、网页、文本），生成按报告填好的工作簿。

    \b
    表二、三、四逐格照录（空白仍为空白，“—”“/”照录并提示），总计与分项不符、
    空白格等逐条列出。退出码：0 全部读出且合计无误，1 有需核对的问题，2 文件无法读取。
    SOURCE 为文件夹时导入其中每一份报告，-o 为输出目录。
    """
    from xl2report.published.reader import read_published
    from xl2report.published.workbook import import_folder, write_workbook

    if org is not None and not org.strip():
        raise UserError("机关名称不能为空。")
    if source.is_dir():
        if output is not None and output.suffix.lower() == ".xlsx":
            raise UserError("导入文件夹时 -o 应为输出目录。")
        done = list(import_folder(source, output or source, org, year, force))
        if not done:
            raise UserError(f"{source} 中没有可导入的报告文件（.pdf .docx .doc .wps .html .htm "
                            ".mhtml .txt）。")  # fmt: skip
    else:
        if output is not None and output.suffix.lower() != ".xlsx":
            raise UserError(f"输出文件应以 .xlsx 结尾：{output}")
        imported = read_published(source, org.strip() if org else None, year)
        out = None
        if imported.readable:
            out = write_workbook(imported, output or source.with_suffix(".xlsx"), force)
        done = [(imported, out)]
    if as_json:
        items = [_as_dict(i) for i, _ in done]
        click.echo(json.dumps(items[0] if not source.is_dir() else {"files": items},
                              ensure_ascii=False, indent=1))  # fmt: skip
    else:
        _print(done)
    if any(not i.readable for i, _ in done):
        sys.exit(EXIT_FATAL)
    sys.exit(EXIT_FINDINGS if any(i.findings for i, _ in done) else EXIT_OK)


def _as_dict(imported) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "file": imported.file,
        "org": imported.org,
        "year": imported.year,
        "values": {k: _json_value(v) for k, v in imported.values.items()},
        "findings": [
            {"code": f.code, "level": str(f.level), "message": f.message, "key": f.key}
            for f in imported.findings
        ],
    }


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _print(done) -> None:  # type: ignore[no-untyped-def]
    from xl2report.cli.console import print_reports

    print_reports([i.report() for i, _ in done])
    for imported, out in done:
        if out is not None:
            click.echo(f"已生成工作簿：{out}（{imported.org or '机关名称未读出'}，"
                       f"{imported.year or '年度未读出'}年度）", err=True)  # fmt: skip
