"""Whom to chase: ``remind`` (the 催报清单 of the campaign)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xl2report.cli.app import cli
from xl2report.cli.county_commands import FORCE_DERIVED, ledger_options, load_campaign_for
from xl2report.cli.help import EXIT_FINDINGS, EXIT_OK, UserError
from xl2report.cli.streams import json_text


@cli.command()
@ledger_options
@click.option("--deadline", metavar="YYYY-MM-DD", help="报送截止日期（同 status --deadline）。")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="另存为催报清单工作簿（如 催报清单.xlsx），可直接用于邮件合并。")  # fmt: skip
@click.option("--county", default="", help="县（区）名称，写在清单标题中。")
@FORCE_DERIVED
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def remind(
    outbox: Path, ledger: Path | None, year: int | None, deadline: str | None,
    output: Path | None, county: str, force: bool, as_json: bool,
) -> None:  # fmt: skip
    """催报清单：未报送、被退回、名称待确认的单位，含联系人、邮箱、逾期天数和需要改正的问题。

    \b
    退出码：0 没有需要催报的单位；1 清单不为空。
    """
    from xl2report.cli.console import print_reminders
    from xl2report.county.remind import build_reminders, write_reminders_xlsx

    if output is not None and output.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件应以 .xlsx 结尾：{output}")
    reminders = build_reminders(load_campaign_for(outbox, ledger, year, deadline=deadline))
    if output is not None:
        write_reminders_xlsx(reminders, output, force=force, county=county)
    if as_json:
        click.echo(json_text(reminders.to_dict()))
    else:
        print_reminders(reminders)
        if output is not None:
            click.echo(f"已另存为：{output}")
    sys.exit(EXIT_FINDINGS if reminders.units else EXIT_OK)
