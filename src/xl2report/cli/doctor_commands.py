"""``doctor``: one Chinese screen on what this PC has and lacks for xl2report (``--json`` too).

The checks are :func:`xl2report.doctor.checks.diagnose`'s; this module only prints them and
picks the exit code: 0 when everything the main job needs is there (optional parts may be
missing, shown as 提示), 1 when something it needs is missing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xl2report.cli.app import cli
from xl2report.cli.help import EXIT_FINDINGS, EXIT_OK


@cli.command()
@click.option("--inbox", type=click.Path(path_type=Path), default="inbox", show_default=True,
              help="要检查的收件目录（与 run 相同）。")  # fmt: skip
@click.option("--outbox", type=click.Path(path_type=Path), default="outbox", show_default=True,
              help="要检查的输出目录（与 run 相同）。")  # fmt: skip
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False),
              help="设置文件（默认：当前目录的 xl2report.toml）。")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def doctor(inbox: Path, outbox: Path, config: Path | None, as_json: bool) -> None:
    """检查本机能否运行 xl2report：Python、组件、收件和输出目录、LibreOffice、公文字体、工作台、钥匙串、邮件设置。

    \b
    退出码：0 表示批量处理（xl2report run）需要的都已具备（可能还有“提示”，如没有
    LibreOffice 时不能生成 PDF）；1 表示缺少批量处理必需的东西。不显示、也不读取邮箱密码。
    """
    from xl2report.doctor.checks import Status, diagnose

    found = diagnose(inbox, outbox, config)
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo("xl2report 运行环境检查")
        for item in found.items:
            click.echo(f"\n[{item.status.label}] {item.title}")
            for line in item.lines:
                click.echo(f"    {line}")
        notes = sum(1 for i in found.items if i.status is Status.NOTE)
        if found.ok:
            tail = f"；另有 {notes} 项提示，见上" if notes else ""
            click.echo(f"\n结论：本机可以运行批量处理（xl2report run）{tail}。")
        else:
            click.echo("\n结论：还不能运行批量处理：请先处理标为“缺少”的项目。")
    sys.exit(EXIT_OK if found.ok else EXIT_FINDINGS)
