"""What ``mail send``, ``reply``, ``remind`` and ``status`` print: the result table, the
refusals told in full under it (a cell would wrap them), and the progress line as each message
goes out or is refused.

Imported inside the commands (it imports the mail package), so ``--help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click

from xl2report.cli.console import print_table
from xl2report.mail.remind import RemindOutcome, RemindResult
from xl2report.mail.reply import ReplyOutcome, ReplyResult
from xl2report.mail.send import Outcome, SendResult

# The server refused the whole message: nothing went out and nothing was recorded.
FAILED = (Outcome.FAILED, ReplyOutcome.FAILED, RemindOutcome.FAILED)
PARTLY_REFUSED = "被拒收"  # in a delivery note (wording.delivery_note): some addresses refused it


def year_title(year: int | None, what: str) -> str:
    """A result table's title: ``2024年 催报``, or just ``催报`` when no year is known (only a
    roster registered, nothing returned yet)."""
    return f"{year}年 {what}" if year else what


def failed(item: Any) -> bool:
    """The server refused this unit's message (send, reply or remind)."""
    return item.outcome in FAILED


def unit_progress(sent: str, refused: str) -> Callable[[Any], None]:
    """The line printed as each unit's message goes out (``sent``) or is refused (``refused``):
    the unit, its state (replies, reminders), to whom or why not."""

    def progress(item: Any) -> None:
        state = f"（{item.state.label}）" if hasattr(item, "state") else ""
        if failed(item):
            click.echo(f"{refused}：{item.org}{state}：{item.detail}", err=True)
        else:
            to = item.detail or "; ".join(item.addresses)
            click.echo(f"{sent}：{item.org}{state} → {to}", err=True)

    return progress


def outcome_cell(item: Any) -> str:
    """A unit's outcome for a table cell; a refusal is told in full under the table."""
    label, detail = item.outcome.label, item.detail
    if failed(item) or PARTLY_REFUSED in detail:
        return f"{label}（{'见表下' if failed(item) else '部分地址拒收，见表下'}）"
    return label + (f"（{detail}）" if detail else "")


def print_refusals(notes: Iterable[tuple[str, str]]) -> None:
    """``单位：已发给 a@x；b@x 被拒收：…`` one per line, for the messages some address refused."""
    for org, note in notes:
        if PARTLY_REFUSED in note:
            click.echo(f"{org}：{note}")


def print_outcomes(items: Iterable[Any], nothing: str = "") -> None:
    """Under a result table: each refused message with the server's reason, each partly
    refused one, and what a rerun does."""
    items = list(items)
    refused = [i for i in items if failed(i)]
    for item in refused:
        click.echo(f"{item.org}：{item.outcome.label}：{item.detail}")
    print_refusals((i.org, i.detail) for i in items if not failed(i))
    if refused:
        click.echo(f"以上 {len(refused)} 个单位的邮件被服务器拒收，没有发出，也没有记账；"
                   "其他单位不受影响。核对名单中的邮箱（或等对方清理邮箱）后再运行一次，"
                   "只补发这些单位。")  # fmt: skip
    if not items and nothing:
        click.echo(nothing)


def print_send(result: SendResult) -> None:
    """``mail send``'s table: each roster unit, its template and what became of it."""
    rows = [
        (u.org, "; ".join(u.addresses), u.template.path.name if u.template else "",
         outcome_cell(u), u.when or (u.subject if result.dry_run else ""))
        for u in result.units
    ]  # fmt: skip
    title = year_title(result.year, "下发模板") + ("（试运行，未发送）" if result.dry_run else "")
    print_table(["单位", "邮箱", "附件", "结果", "时间" if not result.dry_run else "主题"], rows,
                title)  # fmt: skip
    counts: dict[str, int] = {}
    for u in result.units:
        counts[u.outcome.label] = counts.get(u.outcome.label, 0) + 1
    print_outcomes(result.units)
    click.echo("；".join(f"{k} {v} 个" for k, v in counts.items()))
    for name, why in result.skipped_templates:
        click.echo(f"未使用的模板：{name}：{why}", err=True)


def print_replies(result: ReplyResult) -> None:
    """``mail reply``'s table: each unit with a processed submission and its answer."""
    rows = [(r.org, r.state.label, f"{r.errors} / {r.warnings}", "; ".join(r.addresses),
             r.attachment, outcome_cell(r)) for r in result.replies]  # fmt: skip
    title = year_title(result.year, "回复") + ("（试运行，未发送）" if result.dry_run else "")
    print_table(["单位", "状态", "错误 / 提醒", "回复地址", "附件", "结果"], rows, title)
    print_outcomes(result.replies, "还没有处理过的报送，没有需要回复的。")


def print_reminders(result: RemindResult) -> None:
    """``mail remind``'s table: each unit chased today and its reminder."""
    rows = [(r.org, r.state.label, f"{r.overdue_days} 天" if r.overdue_days else "",
             "; ".join(r.addresses), outcome_cell(r)) for r in result.reminders]  # fmt: skip
    title = year_title(result.year, f"催报（{result.today:%Y-%m-%d}）")
    print_table(["单位", "状态", "逾期", "邮箱", "结果"], rows,
                title + ("（试运行，未发送）" if result.dry_run else ""))  # fmt: skip
    print_outcomes(result.reminders, "没有需要催报的单位。")
