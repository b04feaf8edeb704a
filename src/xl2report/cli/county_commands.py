"""Views over the ledger: ``status`` and ``summary``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from xl2report.cli.app import cli
from xl2report.cli.help import EXIT_FINDINGS, UserError
from xl2report.cli.streams import json_text
from xl2report.compat import iso_date


def open_ledger(outbox: Path, ledger: Path | None, create: bool = False):  # type: ignore[no-untyped-def]
    from xl2report.batch.ledger import Ledger
    from xl2report.batch.outbox import default_ledger

    path = ledger or default_ledger(outbox)
    if not create and not path.exists():
        if ledger is not None:
            raise UserError(f"找不到台账文件 {path.absolute()}；请检查 --ledger 给的路径。")
        where = outbox.absolute()
        found = "里没有台账" if outbox.is_dir() else "不存在"
        raise UserError(
            f"输出目录 {where} {found}：还没有在这里运行过 xl2report run。"
            "请到运行 run 时所在的文件夹再试，或用 --outbox 指出 run 的输出目录。"
        )
    return Ledger.open(path)


def parse_deadline(text: str | None) -> date | None:
    """YYYY-MM-DD (also YYYY/MM/DD or YYYY.MM.DD) as a date; a UserError otherwise."""
    if text is None:
        return None
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    try:
        return iso_date(cleaned)
    except ValueError:
        raise UserError(f"截止日期应写成 年-月-日，如 2025-01-20：{text}") from None


def load_campaign_for(
    outbox: Path, ledger: Path | None, year: int | None, *, roster: Path | None = None,
    deadline: str | None = None,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Open the ledger, register the roster / deadline if given, and load the campaign."""
    from xl2report.batch.roster import read_roster
    from xl2report.county.campaign import campaign_years, load_campaign

    when = parse_deadline(deadline)
    with open_ledger(outbox, ledger, create=roster is not None) as book:
        if roster is not None:
            book.set_roster(read_roster(roster), str(roster))
        if when is not None:
            if year is None:
                years = campaign_years(book)
                if not years:
                    raise UserError(
                        "台账中还没有任何年度的报送；设截止日期时请用 --year 指定年度。"
                    )
                year = years[-1]
            book.set_deadline(year, when)
        return load_campaign(book, year)


# Summary, status workbook and reminder list are recomputed from the ledger, so each run
# replaces last round's file; --force only for a file that is not one of them.
FORCE_DERIVED = click.option(
    "--force", is_flag=True,
    help="输出文件已存在且不是 xl2report 生成的表格时，仍然覆盖（以前生成的表格总是直接更新）。",
)  # fmt: skip

_LEDGER_OPTIONS = [
    click.option("--outbox", type=click.Path(path_type=Path), default="outbox", show_default=True,
                 help="run 使用的输出目录。"),
    click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False),
                 help="台账文件（默认：输出目录/.xl2report/ledger.sqlite）。"),
    click.option("--year", type=int, help="年度（默认：台账中最近的年度）。"),
]  # fmt: skip


def ledger_options(func):  # type: ignore[no-untyped-def]
    """--outbox, --ledger, --year: shared by status and remind."""
    for option in reversed(_LEDGER_OPTIONS):
        func = option(func)
    return func


@cli.command()
@ledger_options
@click.option("--roster", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="登记（或更新）名单后再统计；不给时用已登记的名单。")  # fmt: skip
@click.option("--deadline", metavar="YYYY-MM-DD",
              help="报送截止日期（按年度记入台账）；过期仍未报送或被退回的单位标为逾期。")  # fmt: skip
@click.option("--county", default="", help="县（区）名称，写在工作簿标题中。")
@click.option("--xlsx", "xlsx_out", type=click.Path(path_type=Path, dir_okay=False),
              help="另存为 Excel 工作簿（报送情况、待核对、待确认名称），便于打印、发送。")  # fmt: skip
@FORCE_DERIVED
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def status(
    outbox: Path, ledger: Path | None, year: int | None, roster: Path | None,
    deadline: str | None, county: str, xlsx_out: Path | None, force: bool, as_json: bool,
) -> None:  # fmt: skip
    """各单位报送情况：未报送 / 已退回 / 待确认名称 / 已通过 / 已更新，待核对的提醒，是否逾期。"""
    from xl2report.cli.console import print_status
    from xl2report.county.status import write_status_xlsx

    campaign = load_campaign_for(outbox, ledger, year, roster=roster, deadline=deadline)
    if xlsx_out is not None:
        write_status_xlsx(campaign, xlsx_out, force=force, county=county)
    if as_json:
        click.echo(json_text(campaign.to_dict()))
    else:
        print_status(campaign)
        if xlsx_out is not None:
            click.echo(f"已另存为：{xlsx_out}")


@cli.command()
@click.option("--year", type=int, required=True, help="汇总的年度。")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="输出的汇总表（.xlsx）。")  # fmt: skip
@click.option("--outbox", type=click.Path(path_type=Path), default="outbox", show_default=True,
              help="run 使用的输出目录。")  # fmt: skip
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False),
              help="台账文件（默认：输出目录/.xl2report/ledger.sqlite）。")  # fmt: skip
@click.option("--county", default="", help="县（区）名称，写在各表标题中（如 某某县）。")
@click.option("--audit", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="已发布年报（.pdf .docx .html …）所在的文件夹：逐份审核，结果作为“已发布报告审核”表。")  # fmt: skip
@FORCE_DERIVED
def summary(
    year: int, output: Path, outbox: Path, ledger: Path | None, county: str, audit: Path | None,
    force: bool,
) -> None:  # fmt: skip
    """县级汇总表：二、三、四表按国家格式求和，明细（每个单位一列），报送情况（含未报送）；
    加 --audit 目录时另有一张已发布报告的审核表。"""
    from xl2report.batch.outbox import default_ledger
    from xl2report.county.summary import write_summary

    if output.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件应以 .xlsx 结尾：{output}")
    if audit is not None and not (ledger or default_ledger(outbox)).exists():  # the first year
        result = write_summary(None, year, output, force, county.strip(), _audit(audit, None))
    else:
        with open_ledger(outbox, ledger) as book:
            audited = _audit(audit, book) if audit is not None else None
            result = write_summary(book, year, output, force, county.strip(), audited)
    if result.orgs or audit is None:
        click.echo(f"已生成 {year} 年汇总表：{output}（{len(result.orgs)} 个单位）")
    else:
        click.echo(f"{year} 年还没有通过校验的报告：已生成只有已发布报告审核表的 {output}")
    if result.failed_rules:
        click.echo(f"警告：汇总数字不满足勾稽关系：{'、'.join(result.failed_rules)}", err=True)
        sys.exit(EXIT_FINDINGS)


def _audit(folder: Path, book):  # type: ignore[no-untyped-def]
    """The audit of the published reports in ``folder`` (matched to ``book``'s roster), with
    its counts said on stderr."""
    from xl2report.county.audit import AUDIT_SHEET, audit_folder

    click.echo(f"正在审核 {folder} 中的已发布报告…", err=True)
    audit = audit_folder(folder, book.roster() if book is not None else ())
    click.echo(
        f"已发布报告审核：{audit.counts_line().rstrip('。')}（见“{AUDIT_SHEET}”表）。", err=True
    )
    return audit
