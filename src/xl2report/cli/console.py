"""Readable terminal output (rich): tables and check reports grouped by file and sheet.

Results go to stdout; progress and logs go to stderr elsewhere.  The library never prints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from xl2report.batch.records import FileStatus
from xl2report.checks.catalogue import FileReport, Level


def stdout() -> Console:
    """Results console.  Piped into a file or another program there is no screen to fit, so
    tables get a generous width instead of rich's 80 columns (which folds every path)."""
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(highlight=False, soft_wrap=False, width=200)
    return console


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]], title: str = "") -> None:
    table = Table(*headers, title=title or None, show_lines=False, header_style="bold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    stdout().print(table)


LEVEL_MARKS = {
    Level.ERROR: Text(f"  ✗ {Level.ERROR.label}", style="red"),
    Level.WARNING: Text(f"  ! {Level.WARNING.label}", style="yellow"),
}


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
                mark = LEVEL_MARKS[f.level]
                line = Text.assemble(mark, f"  {f.cell}：" if f.cell else "  ", f.message)
                line.append(f"  [{f.code}]", style="dim")
                console.print(line)
        console.print()
    valid = sum(r.valid for r in reports)
    console.print(f"共 {len(reports)} 个文件：通过 {valid} 个，未通过 {len(reports) - valid} 个。")


# --- batch run, status: progress on stderr, tables on stdout ----------------------------------

STATUS_STYLES = {
    FileStatus.ACCEPTED: "green",
    FileStatus.REJECTED: "red",
    FileStatus.UNREADABLE: "red",
    FileStatus.FAILED: "red",
    FileStatus.SUPERSEDED: "cyan",
    FileStatus.DUPLICATE: "dim",
    FileStatus.SKIPPED: "dim",
    FileStatus.PENDING: "yellow",
    # an organisation's states in ``status`` that are not a file's
    "missing": "yellow",
    "updated": "cyan",
}


@contextlib.contextmanager
def run_progress(debug: bool = False) -> Iterator[Callable[[Any], None]]:
    """Progress for ``run``/``watch`` on stderr: a rich bar on a terminal, else plain log lines.

    Yields the event callback to hand to :func:`xl2report.batch.session.run_batch`.  Off a terminal
    (cron, a pipe) each file gets a log line on stderr; the run's log file gets everything anyway.
    """
    err = Console(stderr=True, highlight=False)
    if not err.is_terminal:
        if not debug:
            from xl2report.log import configure

            configure("INFO", fmt="{time:HH:mm:ss} {message}")
        yield lambda event: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err,
        transient=False,
    )  # fmt: skip
    state: dict[str, Any] = {}

    def on_event(event: Any) -> None:
        if event.kind == "plan":
            state["task"] = progress.add_task("处理中", total=event.total)
        elif event.kind == "note":
            progress.console.print(event.text)
        elif (
            event.kind == "file"
            and "task" in state
            and event.result.status is not FileStatus.DUPLICATE
        ):
            r = event.result
            progress.update(state["task"], advance=1, description=f"{r.file[-30:]} {r.label}")

    with progress:
        yield on_event


def print_run(result: Any, only_new: bool = False) -> None:
    """The end-of-run table: file, org, status, errors, warnings, output."""
    console = stdout()
    files = [f for f in result.files if f.new] if only_new else result.files
    table = Table(
        Column("文件", overflow="fold"), "机关名称", "状态", "错误", "提醒",
        Column("输出 / 说明", overflow="fold"), header_style="bold",
    )  # fmt: skip
    for f in files:
        org = f.org + ("（名单外）" if f.in_roster is False else "")
        shown = _shown_path(result.outbox / f.output) if f.output else f.message
        mark = "" if f.new or f.status is FileStatus.SKIPPED else "（已处理过）"
        table.add_row(
            f.file, org, Text(f.label + mark, style=STATUS_STYLES.get(f.status, "")),
            str(f.errors) if f.errors else "", str(f.warnings) if f.warnings else "", shown,
        )  # fmt: skip
    if files:
        console.print(table)
    parts = [f"{status.label} {n}" for status, n in result.counts().items()]
    new = sum(1 for f in result.files if f.new)
    console.print(
        f"共 {len(result.files)} 个文件（本次新处理 {new} 个）：" + "，".join(parts) + "。"
    )
    for note in result.notes:
        console.print(Text(note, style="yellow"))
    if result.log:
        console.print(Text(f"日志：{result.log}", style="dim"))


def _shown_path(path: Any) -> str:
    """A path as short as it can be: relative to the current folder when inside it."""
    from pathlib import Path

    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def print_status(report: Any) -> None:
    console = stdout()
    year = f"{report.year} 年" if report.year else ""
    table = Table("机关名称", "状态", "报送时间", header_style="bold", title=f"{year}报送情况")
    table.add_column("输出文件", overflow="fold")
    table.add_column("备注", overflow="fold")
    for s in report.orgs:
        table.add_row(s.org, Text(s.label, style=STATUS_STYLES.get(s.state, "")), s.received,
                      s.output, s.note)  # fmt: skip
    console.print(table)
    counts = report.counts()
    names = {"accepted": "已通过", "updated": "已更新", "rejected": "已退回", "missing": "未报送",
             "unreadable": "无法读取"}  # fmt: skip
    console.print(
        "，".join(f"{names[k]} {counts[k]}" for k in names if counts.get(k)) or "没有记录。"
    )
