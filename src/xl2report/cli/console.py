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
from xl2report.cli.help import Verbosity


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
    Level.ERROR: Text(f"  × {Level.ERROR.label}", style="red"),
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
        if report.similarity is not None:
            console.print(similarity_line(report.similarity))
        by_sheet: dict[str, list] = {}
        for f in report.findings:
            by_sheet.setdefault(f.sheet or "（整个文件）", []).append(f)
        for sheet, findings in by_sheet.items():
            console.print(Text(f"  【{sheet}】", style="bold"))
            for f in findings:
                mark = LEVEL_MARKS[f.level]
                line = Text.assemble(mark, f"  {f.cell}：" if f.cell else "  ", f.message)
                line.append(f"  〔{f.name}〕", style="dim")  # the code stays in --json
                console.print(line)
        console.print()
    valid = sum(r.valid for r in reports)
    console.print(f"共 {len(reports)} 个文件：通过 {valid} 个，未通过 {len(reports) - valid} 个。")


def similarity_line(measured: Sequence[Any]) -> Text:
    """Each section against last year: "一（一）45%　五 88%　二表 3 个数字不同"."""
    parts = "　".join(f"{m.short} {m.shown}" for m in measured)
    return Text(f"  与上年相同的比例（文字去掉数字和年份后比较）：{parts}", style="cyan")


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
def run_progress(verbosity: Verbosity = Verbosity.NORMAL) -> Iterator[Callable[[Any], None]]:
    """Progress for ``run``/``watch`` on stderr: a rich bar on a terminal, else plain log lines.

    Yields the event callback to hand to :func:`xl2report.batch.session.run_batch`.  Off a terminal
    (cron, a pipe) each file gets a log line on stderr; the run's log file gets everything anyway.
    ``--quiet``: neither; ``--verbose``/``--debug``: the log lines under the bar too.
    """
    err = Console(stderr=True, highlight=False)
    if verbosity is Verbosity.QUIET:
        yield lambda event: None
        return
    if not err.is_terminal:
        if verbosity is Verbosity.NORMAL:
            from xl2report.log import configure

            configure("INFO")  # one line per file: what happened to it
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


WIDE = 120  # below this many columns the run is listed as blocks, not as a table


def print_run(result: Any, only_new: bool = False) -> None:
    """The end-of-run listing: file, org, status, errors, warnings, output; under each accepted
    file its warnings (they need a person).  A table on a wide screen, blocks on a narrow one."""
    console = stdout()
    files = [f for f in result.files if f.new] if only_new else result.files
    if files and console.width >= WIDE:
        _run_table(console, result, files)
    elif files:
        _run_blocks(console, result, files)
    parts = [f"{status.label} {n}" for status, n in result.counts().items()]
    new = sum(1 for f in result.files if f.new)
    console.print(
        f"共 {len(result.files)} 个文件（本次新处理 {new} 个）：" + "，".join(parts) + "。"
    )
    for note in result.notes:  # whole sentences: a path is never broken across lines
        console.print(Text(note, style="yellow"), soft_wrap=True)
    for sentence in result.open_files:
        console.print(Text(sentence, style="bold yellow"), soft_wrap=True)
    if result.log:
        console.print(Text(f"日志：{result.log}", style="dim"))


def _warnings_of(f: Any) -> list[dict[str, Any]]:
    """The warnings to show under a file: those of an accepted one nobody marked 已核对."""
    if f.status is not FileStatus.ACCEPTED:
        return []
    return [
        d for d in f.findings if d.get("level") == Level.WARNING.value and not d.get("reviewed")
    ]


def _warning_count(f: Any) -> str:
    """The 提醒 count: those still to look at, and how many were marked 已核对."""
    left = f.warnings - getattr(f, "reviewed", 0)
    done = f"（已核对 {f.reviewed}）" if getattr(f, "reviewed", 0) else ""
    return (str(left) if left else "") + done


def _where(d: dict[str, Any]) -> str:
    """``sheet cell：`` before a finding's message, or nothing for a finding about the file."""
    place = " ".join(str(x) for x in (d.get("sheet"), d.get("cell")) if x)
    return f"{place}：" if place else ""


def _state_text(f: Any) -> Text:
    # A skipped or still-being-written file was never processed, so it cannot be "already done".
    unprocessed = f.status in (FileStatus.SKIPPED, FileStatus.PENDING)
    mark = "" if f.new or unprocessed else "（已处理过）"
    return Text(f.label + mark, style=STATUS_STYLES.get(f.status, ""))


def _run_table(console: Console, result: Any, files: Sequence[Any]) -> None:
    table = Table(
        Column("文件", overflow="fold", ratio=3), Column("机关名称", overflow="fold", ratio=2),
        Column("状态", no_wrap=True), Column("错误", justify="right"),
        Column("提醒", justify="right"), Column("输出 / 说明", overflow="fold", ratio=4),
        header_style="bold",
    )  # fmt: skip
    for f in files:
        org = f.org + ("（名单外）" if f.in_roster is False else "")
        shown = _shown_path(result.outbox / f.output) if f.output else f.message
        table.add_row(
            f.file, org, _state_text(f), str(f.errors) if f.errors else "",
            _warning_count(f), shown,
        )  # fmt: skip
        for d in _warnings_of(f):
            table.add_row("", "", Text(f"  {Level.WARNING.label}", style="yellow"), "", "",
                          Text(f"{_where(d)}{d.get('message', '')}", style="yellow"))  # fmt: skip
    console.print(table)


def _run_blocks(console: Console, result: Any, files: Sequence[Any]) -> None:
    """One block per file, for terminals too narrow for six columns."""
    for f in files:
        head = Text.assemble(_state_text(f), "  ", Text(f.file, style="bold"))
        if f.org and f.org not in f.file:
            head.append(f"（{f.org}）")
        if f.in_roster is False:
            head.append("（名单外）", style="magenta")
        counts = "，".join(
            x for x in (f"错误 {f.errors}" if f.errors else "",
                        f"提醒 {_warning_count(f)}" if f.warnings else "") if x
        )  # fmt: skip
        if counts:
            head.append(f"  {counts}")
        console.print(head)
        if f.output:
            console.print(f"    → {_shown_path(result.outbox / f.output)}", soft_wrap=True)
        elif f.message:
            console.print(f"    {f.message}", soft_wrap=True)
        for d in _warnings_of(f):
            console.print(Text(f"    ! {_where(d)}{d.get('message', '')}", style="yellow"),
                          soft_wrap=True)  # fmt: skip


def _shown_path(path: Any) -> str:
    """A path as short as it can be: relative to the current folder when inside it."""
    from pathlib import Path

    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


UNIT_STYLES = {
    "missing": "yellow",
    "rejected": "red",
    "held": "magenta",
    "sender-held": "magenta",
    "accepted": "green",
    "updated": "cyan",
}


def print_status(campaign: Any) -> None:
    """``status``: one row per unit, then held files, then unreadable files."""
    console = stdout()
    year = f"{campaign.year} 年" if campaign.year else ""
    deadline = f"（截止 {campaign.deadline.isoformat()}）" if campaign.deadline else ""
    table = Table(
        "机关名称", "状态", Column("待核对", justify="right"), "报送时间",
        Column("说明", overflow="fold"), header_style="bold", title=f"{year}报送情况{deadline}",
    )  # fmt: skip
    for u in campaign.units:
        note = _status_note(u)
        late = Text(f" 逾期 {u.overdue_days} 天", style="bold red") if u.overdue else ""
        table.add_row(
            u.org, Text.assemble(Text(u.headline, style=UNIT_STYLES[u.state.value]), late),
            str(u.to_review) if u.to_review else "", u.current.received_text if u.current else "",
            note,
        )  # fmt: skip
    console.print(table)
    for held in campaign.unmatched:
        s = held.submission
        hint = f"，最接近名单中的“{held.suggestion}”" if held.suggestion else ""
        what = "待确认名称" if s.status == "held" else f"{s.status.label}，不在名单中"
        console.print(Text(f"{what}：{s.file}（填写的机关名称“{s.org}”{hint}）", style="magenta"))
    for s in campaign.unreadable:
        console.print(Text(f"无法读取：{s.file}（{s.message}）", style="red"))
    from xl2report.county.status import counts_line

    console.print(counts_line(campaign) if campaign.units else "没有记录。")
    if campaign.held:
        console.print(
            "名称待确认的文件：确认是名单中哪个单位后，把填写的名称加入名单的“别名”列，"
            "再运行 xl2report run --roster 名单 即按名单中的名称处理。"
        )


def _status_note(unit: Any) -> str:
    if unit.state.value == "rejected":
        first = unit.errors[0] if unit.errors else None
        more = f"等 {len(unit.errors)} 个错误" if len(unit.errors) > 1 else ""
        feedback = f"；反馈表 {unit.current.feedback}" if unit.current.feedback else ""
        return (f"{first.where}：{first.message}{more}" if first else "") + feedback
    if unit.state.value in ("held", "sender-held"):
        return "；".join(unit.todo())
    if unit.current is not None:
        return unit.current.report
    return ""


def print_reminders(reminders: Any) -> None:
    """``remind``: whom to chase, with what to fix."""
    console = stdout()
    if not reminders.units:
        console.print("所有单位均已通过，无需催报。")
        return
    deadline = f"（截止 {reminders.deadline.isoformat()}）" if reminders.deadline else ""
    console.print(Text(f"需要催报的单位 {len(reminders.units)} 个{deadline}：", style="bold"))
    for r in reminders.units:
        u = r.unit
        late = f"，逾期 {u.overdue_days} 天" if u.overdue else ""
        who = "，".join(x for x in (u.contact, u.email) if x)
        head = Text(f"{u.org}", style="bold")
        head.append(f"  {u.headline}{late}", style=UNIT_STYLES[u.state.value])
        if who:
            head.append(f"  {who}")
        console.print(head)
        for line in r.todo:
            console.print(f"    {line}")
