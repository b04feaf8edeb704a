"""Readable terminal output (rich): tables and check reports grouped by file and sheet.

Results go to stdout; progress and logs go to stderr elsewhere.  The library never prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from xl2report.findings import FileReport, Level


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=False)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]], title: str = "") -> None:
    table = Table(*headers, title=title or None, show_lines=False, header_style="bold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    stdout().print(table)


def print_reports(reports: Sequence[FileReport]) -> None:
    # One finding per line, never broken by rich (a piped report keeps whole messages; the
    # terminal still wraps long lines itself).
    console = Console(highlight=False, soft_wrap=True)
    for report in reports:
        status = (
            Text("通过", style="bold green") if report.valid else Text("未通过", style="bold red")
        )
        who = " ".join(x for x in (report.org, f"{report.year}年" if report.year else "") if x)
        head = Text(report.file, style="bold")
        head.append(f"（{who}）：" if who else "：")
        head.append(status)
        head.append(f"  错误 {len(report.errors)} 项，提醒 {len(report.warnings)} 项")
        console.print(head)
        by_sheet: dict[str, list] = {}
        for f in report.findings:
            by_sheet.setdefault(f.sheet or "（整个文件）", []).append(f)
        for sheet, findings in by_sheet.items():
            console.print(Text(f"  【{sheet}】", style="bold"))
            for f in findings:
                mark = (
                    Text("  ✗ 错误", style="red")
                    if f.level is Level.ERROR
                    else Text("  ! 提醒", style="yellow")
                )
                line = Text.assemble(mark, f"  {f.cell}：" if f.cell else "  ", f.message)
                line.append(f"  [{f.code}]", style="dim")
                console.print(line)
        console.print()
    valid = sum(r.valid for r in reports)
    console.print(f"共 {len(reports)} 个文件：通过 {valid} 个，未通过 {len(reports) - valid} 个。")
