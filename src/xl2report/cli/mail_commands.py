"""The email round trip: ``mail send`` / ``fetch`` / ``reply`` / ``remind``.

Server settings come from options or ``[mail]`` in ``xl2report.toml``; the password only from
``XL2REPORT_MAIL_PASSWORD`` or the OS keyring (there is deliberately no option for it).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from xl2report.cli.app import cli
from xl2report.cli.help import EXIT_FINDINGS, Group, UserError
from xl2report.cli.streams import json_text
from xl2report.compat import iso_date
from xl2report.mail.wording import placeholder_list


@cli.group(cls=Group)
def mail() -> None:
    """邮件收发：按名单下发模板、收取报回的工作簿、回复校验结果、催报。

    \b
    一月的流程：
      xl2report mail send --roster 名单.xlsx --templates 模板/    给每个单位发它自己的模板
      xl2report mail fetch --inbox inbox                          收取报回的工作簿
      xl2report run --inbox inbox --outbox outbox                 校验、生成年报和反馈表
      xl2report mail reply --outbox outbox                        回复校验结果（退回的附反馈表）
      xl2report mail remind --outbox outbox                       催未报送、被退回、逾期的单位
    密码只从环境变量 XL2REPORT_MAIL_PASSWORD 或系统钥匙串读取。
    """


def _settings_options(func):  # type: ignore[no-untyped-def]
    """Server options shared by every mail command (all optional: xl2report.toml may hold them)."""
    options = [
        click.option("--config", type=click.Path(path_type=Path, dir_okay=False),
                     help="设置文件（默认：当前目录的 xl2report.toml，读其中的 [mail]）。"),
        click.option("--smtp-host", help="发信服务器（SMTP），如 smtp.gov.cn。"),
        click.option("--smtp-port", type=click.IntRange(1, 65535),
                     help="发信端口（默认：ssl 465，starttls 587）。"),
        click.option("--imap-host", help="收信服务器（IMAP），如 imap.gov.cn。"),
        click.option("--imap-port", type=click.IntRange(1, 65535),
                     help="收信端口（默认：ssl 993，starttls 143）。"),
        click.option("--user", help="邮箱用户名（通常是完整的邮箱地址）。"),
        click.option("--from", "sender", help="发件人，如 “县政务公开办 <office@county.gov.cn>”。"),
        click.option("--security", type=click.Choice(["ssl", "starttls", "none"]),
                     help="加密方式（默认 ssl；none 只允许连本机）。"),
        click.option("--timeout", type=click.FloatRange(min=1), help="等待服务器的秒数（默认 30）。"),
        click.option("--ca-file", type=click.Path(path_type=Path, dir_okay=False),
                     help="另外信任的根证书（PEM），用于使用内部证书的邮件服务器（如政务外网）。"),
        click.option("--outbox", type=click.Path(path_type=Path), default="outbox",
                     show_default=True, help="run 使用的输出目录（台账在其中）。"),
        click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False),
                     help="台账文件（默认：输出目录/.xl2report/ledger.sqlite）。"),
        click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。"),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _load_settings(kw: dict[str, object]):  # type: ignore[no-untyped-def]
    from xl2report.mail.settings import load_settings

    keys = ("smtp_host", "smtp_port", "imap_host", "imap_port", "user", "sender", "security",
            "timeout", "ca_file")  # fmt: skip
    return load_settings(kw.pop("config"), **{k: kw.pop(k) for k in keys})  # type: ignore[arg-type]


def _parse_date(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return iso_date(text.strip())
    except ValueError:
        raise UserError(
            f"{option} 的日期“{text}”格式不对，应为 YYYY-MM-DD，如 2025-01-15。"
        ) from None


def _roster(roster: Path | None, outbox: Path, ledger: Path | None):  # type: ignore[no-untyped-def]
    """The roster file given, else the one registered in the ledger."""
    from xl2report.batch.ledger import Ledger
    from xl2report.batch.roster import read_roster
    from xl2report.mail.workspace import ledger_path

    if roster is not None:
        return read_roster(roster)
    path = ledger_path(outbox, ledger)
    entries = []
    if path.exists():
        with Ledger.open(path) as book:
            entries = book.roster()
    if not entries:
        raise UserError("没有名单：请用 --roster 给出名单文件（机关名称、联系人、邮箱）。")
    return entries


@mail.command()
@click.option("--roster", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="名单（.xlsx/.csv，含 邮箱 列）；不给时用台账中登记的名单。")  # fmt: skip
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False, exists=True),
              required=True, help="template --roster 生成的模板目录。")  # fmt: skip
@click.option("--year", type=int, help="年度（默认：模板中锁定的年度）。")
@click.option("--subject", help=f"邮件主题（一行），可用占位符 {placeholder_list()}。")
@click.option("--body-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="邮件正文（UTF-8 文本），占位符同 --subject；未知的占位符或不成对的花括号会报错，"
                   "不会发出。")  # fmt: skip
@click.option("--deadline", help="截止日期 YYYY-MM-DD，写进正文（{截止日期} {截止日期行}）。")
@click.option("--dry-run", is_flag=True, help="只列出将发送的邮件，不连接服务器、不记账。")
@click.option("--resend", is_flag=True, help="已发过的单位也再发一次。")
@_settings_options
def send(roster: Path | None, templates: Path, year: int | None, subject: str | None,
         body_file: Path | None, deadline: str | None, dry_run: bool, resend: bool,
         outbox: Path, ledger: Path | None, as_json: bool, **kw: object) -> None:  # fmt: skip
    """给名单中每个有邮箱的单位发一封邮件，附上它自己的模板（按模板内锁定的机关名称匹配）。"""
    from xl2report.cli.mail_output import print_send, unit_progress
    from xl2report.mail.send import SendRequest, send_templates
    from xl2report.mail.settings import get_password
    from xl2report.mail.workspace import mail_workspace, read_only_view

    settings = _load_settings(kw)
    body = None
    if body_file is not None:
        try:
            body = body_file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise UserError(f"正文文件 {body_file} 不是 UTF-8 文本，请另存为 UTF-8。") from None
    request = SendRequest(
        roster=_roster(roster, outbox, ledger), templates=templates, year=year, subject=subject,
        body=body, deadline=_parse_date(deadline, "--deadline"), dry_run=dry_run, resend=resend,
        roster_source=str(roster) if roster is not None else "",
    )  # fmt: skip

    opened = read_only_view(outbox, ledger) if dry_run else mail_workspace(outbox, ledger, "send")
    with opened as book:
        result = send_templates(request, book, settings, lambda: get_password(settings),
                                unit_progress("已发送", "被拒收"))  # fmt: skip
    if as_json:
        click.echo(json_text(result.to_dict()))
    else:
        print_send(result)
    if result.needs_person:
        sys.exit(EXIT_FINDINGS)


@mail.command()
@click.option("--inbox", type=click.Path(path_type=Path), default="inbox", show_default=True,
              help="保存工作簿的收件目录（run 处理的目录）。")  # fmt: skip
@click.option("--folder", default="INBOX", show_default=True, help="收取哪个邮件夹。")
@click.option("--since", help="只看这一天（YYYY-MM-DD）及以后收到的邮件。")
@click.option("--move-to", help="收取后把邮件移到这个邮件夹（默认不移动、不删除、不标记）。")
@_settings_options
def fetch(inbox: Path, folder: str, since: str | None, move_to: str | None, outbox: Path,
          ledger: Path | None, as_json: bool, **kw: object) -> None:  # fmt: skip
    """收取新邮件中的工作簿（.xlsx/.xls/.et/.ods，含 .zip 和转发邮件里的）存入收件目录。"""
    from xl2report.mail.fetch import FetchRequest, fetch_workbooks
    from xl2report.mail.settings import get_password
    from xl2report.mail.workspace import mail_workspace

    settings = _load_settings(kw)
    settings.need_imap()
    request = FetchRequest(inbox=inbox, folder=folder, since=_parse_date(since, "--since"),
                           move_to=move_to or None)  # fmt: skip
    password = get_password(settings)

    def progress(message) -> None:  # type: ignore[no-untyped-def]
        files = "、".join(message.written)
        click.echo(f"{message.sender}：{message.outcome.label}{'：' + files if files else ''}",
                   err=True)  # fmt: skip

    with mail_workspace(outbox, ledger, "fetch") as book:
        result = fetch_workbooks(request, book, settings, password, progress)
    if as_json:
        click.echo(json_text(result.to_dict()))
        return
    _print_fetch(result, inbox)


def _print_fetch(result, inbox: Path) -> None:  # type: ignore[no-untyped-def]
    from xl2report.cli.console import print_table

    if result.messages:
        rows = [
            (m.received.replace("T", " "), m.sender, m.subject, m.outcome.label,
             "、".join(m.written) or "", m.note)
            for m in result.messages
        ]  # fmt: skip
        print_table(["收到时间", "发件人", "主题", "结果", "存入收件目录", "说明"], rows,
                    f"新邮件（{result.folder}）")  # fmt: skip
    saved = result.saved_files
    click.echo(
        f"新邮件 {len(result.messages)} 封，保存工作簿 {len(saved)} 个到 {inbox}；"
        f"以前收取过的 {result.known} 封未重复收取。"
    )
    if result.without_workbook:
        click.echo(
            f"其中 {len(result.without_workbook)} 封没有工作簿，已列在上表，邮件仍留在服务器上。"
        )
    if saved:
        click.echo(f"下一步：xl2report run --inbox {inbox}")


@mail.command()
@click.option("--year", type=int, help="年度（默认：台账中最近的年度）。")
@click.option("--dry-run", is_flag=True, help="只列出将回复谁，不连接服务器、不记账。")
@_settings_options
def reply(year: int | None, dry_run: bool, outbox: Path, ledger: Path | None, as_json: bool,
          **kw: object) -> None:  # fmt: skip
    """回复每个单位处理过的报送（各回一次）：退回的附校验反馈表并列出错误，通过的确认并列出提醒。"""
    from xl2report.cli.mail_output import print_replies, unit_progress
    from xl2report.mail.reply import ReplyRequest, reply_to_submissions
    from xl2report.mail.settings import get_password
    from xl2report.mail.workspace import ledger_path, mail_workspace, read_only_view

    settings = _load_settings(kw)
    if not ledger_path(outbox, ledger).exists():
        raise UserError(
            f"输出目录 {outbox.absolute()} 里还没有台账：请先运行 xl2report run 处理报回的工作簿"
            "（或用 --outbox 指出 run 的输出目录）。"
        )
    request = ReplyRequest(outbox=outbox, year=year, dry_run=dry_run)

    opened = read_only_view(outbox, ledger) if dry_run else mail_workspace(outbox, ledger, "reply")
    with opened as book:
        result = reply_to_submissions(request, book, settings, lambda: get_password(settings),
                                      unit_progress("已回复", "被拒收"))  # fmt: skip
    if as_json:
        click.echo(json_text(result.to_dict()))
    else:
        print_replies(result)
    if result.needs_person:
        sys.exit(EXIT_FINDINGS)


@mail.command()
@click.option("--year", type=int, help="年度（默认：台账中最近的年度）。")
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="模板目录：给未报送的单位重新附上它的模板。")  # fmt: skip
@click.option("--overdue-only", is_flag=True, help="只催已过截止日期的单位。")
@click.option("--dry-run", is_flag=True, help="只列出将催谁，不连接服务器、不记账。")
@_settings_options
def remind(year: int | None, templates: Path | None, overdue_only: bool, dry_run: bool,
           outbox: Path, ledger: Path | None, as_json: bool, **kw: object) -> None:  # fmt: skip
    """给未报送、被退回（含逾期）的单位各发一封催报邮件，写明要做什么；每个单位每天最多一封。"""
    from xl2report.cli.mail_output import print_reminders, unit_progress
    from xl2report.mail.remind import RemindRequest, remind_units
    from xl2report.mail.settings import get_password
    from xl2report.mail.workspace import ledger_path, mail_workspace, read_only_view

    settings = _load_settings(kw)
    if not ledger_path(outbox, ledger).exists():
        raise UserError(
            f"输出目录 {outbox.absolute()} 里还没有台账：请先运行 xl2report run 或 mail send"
            "（或用 --outbox 指出输出目录）。"
        )
    request = RemindRequest(year=year, templates=templates, overdue_only=overdue_only,
                            dry_run=dry_run)  # fmt: skip

    opened = read_only_view(outbox, ledger) if dry_run else mail_workspace(outbox, ledger, "remind")
    with opened as book:
        result = remind_units(request, book, settings, lambda: get_password(settings),
                              unit_progress("已催报", "被拒收"))  # fmt: skip
    if as_json:
        click.echo(json_text(result.to_dict()))
    else:
        print_reminders(result)
    if result.needs_person:
        sys.exit(EXIT_FINDINGS)


@mail.command("status")
@click.option("--outbox", type=click.Path(path_type=Path), default="outbox", show_default=True,
              help="run 使用的输出目录（台账在其中）。")  # fmt: skip
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False),
              help="台账文件（默认：输出目录/.xl2report/ledger.sqlite）。")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def mail_status(outbox: Path, ledger: Path | None, as_json: bool) -> None:
    """邮件往来记录：已发的模板、收取的邮件（及其中的工作簿）、回复和催报（只读台账，不连服务器）。"""
    from xl2report.cli.console import print_table
    from xl2report.cli.mail_output import print_refusals
    from xl2report.mail.mail_ledger import MailLedger
    from xl2report.mail.overview import mail_overview
    from xl2report.mail.workspace import ledger_path

    path = ledger_path(outbox, ledger)
    if not path.exists():
        raise UserError(f"还没有台账 {path}：请先运行 xl2report mail send 或 run。")
    with MailLedger.open(path) as book:
        view = mail_overview(book)
    if as_json:
        click.echo(json_text(view.to_dict()))
        return
    for title, rows in (
        ("已发模板", view.templates),
        ("回复", view.replies),
        ("催报", view.reminders),
    ):
        if rows:
            print_table(["单位", "邮箱", "主题", "附件", "发送时间"],
                        [(r.org, r.address, r.subject, r.attachment,
                          r.sent_at or "未确认（下次运行重发）") for r in rows], title)  # fmt: skip
            print_refusals((r.org, r.note) for r in rows)
    if view.fetched:
        print_table(["收到时间", "发件人", "主题", "存入收件目录", "说明"],
                    [(m.row.received.replace("T", " "), m.row.sender, m.row.subject,
                      "、".join(m.files), m.row.note) for m in view.fetched], "收取的邮件")  # fmt: skip
    click.echo(f"已发模板 {len(view.templates)} 封，收取邮件 {len(view.fetched)} 封"
               f"（其中没有工作簿 {len(view.without_workbook)} 封），回复 {len(view.replies)} 封，"
               f"催报 {len(view.reminders)} 封。")  # fmt: skip
