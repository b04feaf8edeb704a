"""The board's 邮件 page: what was sent, fetched and answered, and buttons to fetch, reply and
remind — a thin layer over :mod:`xl2report.mail`, as the CLI is.

Server settings come from ``xl2report.toml`` in the folder the board was started in; the
password from ``XL2REPORT_MAIL_PASSWORD`` or the keyring of the user running the board, never
from the browser.  Workbooks fetched here go through the same pipeline as uploads.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from xl2report.errors import FatalError
from xl2report.mail.fetch import FetchRequest, fetch_workbooks
from xl2report.mail.mail_ledger import MailLedger
from xl2report.mail.overview import mail_overview
from xl2report.mail.remind import RemindOutcome, RemindRequest, RemindResult, remind_units
from xl2report.mail.reply import ReplyOutcome, ReplyRequest, ReplyResult, reply_to_submissions
from xl2report.mail.settings import (
    SETTINGS_FILE,
    MailSettings,
    Secret,
    Security,
    get_password,
    load_settings,
)
from xl2report.mail.transport import tls_context
from xl2report.mail.workspace import mail_workspace
from xl2report.web.app import Web, checked_form, web_of
from xl2report.web.mail_progress import RunProgress, refusals
from xl2report.web.mail_setup import setup_missing

ACTIONS = {"fetch": "收取报回的工作簿", "reply": "回复校验结果", "remind": "催报"}
MAX_ROWS = 100  # newest rows per table; the CLI's ``mail status`` lists all
MAX_NOTES = 50


@dataclass(frozen=True)
class Readiness:
    """Whether the board can send and fetch, in words for the page."""

    smtp: str
    imap: str
    password: str
    problem: str
    ca_file: str = ""
    sample: str = ""  # shown when the settings file is still to be written

    @property
    def ok(self) -> bool:
        return not self.problem


def readiness() -> Readiness:
    """The mail settings as the page shows them (never the password itself)."""
    try:
        settings = load_settings(None)
    except FatalError as exc:
        return Readiness("", "", "", str(exc))
    smtp = _server(settings.smtp_host, settings.smtp_port_used, settings)
    imap = _server(settings.imap_host, settings.imap_port_used, settings)
    ca_file = settings.ca_file
    try:
        get_password(settings)
        password = "已设置（从环境变量或系统钥匙串读取）"
    except FatalError:
        password = ""  # the problem below says how to set it
    missing, sample = setup_missing(settings, fetching=True)
    if missing:
        return Readiness(smtp, imap, password, missing, ca_file, sample)
    try:
        settings.need_smtp()
        settings.need_imap()
        if settings.security is not Security.NONE:
            tls_context(settings)  # a missing or unusable ca_file is said before any button
        get_password(settings)
    except FatalError as exc:
        return Readiness(smtp, imap, password, str(exc), ca_file)
    return Readiness(smtp, imap, password, "", ca_file)


def _server(host: str, port: int, settings: MailSettings) -> str:
    return f"{host}:{port}（{settings.security.label}）" if host else "未设置"


def _notes(web: Web) -> dict[str, tuple[str, str]]:
    return web.config.extra.setdefault("mail_notes", {})  # token -> (message, error)


def page(request: Request) -> Response:
    """``/mail``: settings, the three buttons, and the mail tables of the ledger."""
    web = web_of(request)
    overview = None
    if web.config.ledger_path.exists():
        with MailLedger.open(web.config.ledger_path) as book:
            overview = mail_overview(book)
    message, error = _notes(web).get(request.query_params.get("done", ""), ("", ""))
    return web.page(request, "mail.html", view=overview, ready=readiness(), actions=ACTIONS,
                    message=message, error=error, limit=MAX_ROWS,
                    settings_file=SETTINGS_FILE)  # fmt: skip


async def act(request: Request) -> Response:
    """POST ``/mail/{fetch|reply|remind}``: run the command, then show its result on the page."""
    web = web_of(request)
    await checked_form(request)
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise HTTPException(404)
    try:
        message, saved, error = await run_in_threadpool(_run, web, action)
    except FatalError as exc:
        message, saved, error = "", [], str(exc)
    if saved:  # processed like uploads, so the board shows them at once
        web.processor.submit(saved)
        await run_in_threadpool(web.processor.wait, saved, web.config.wait_seconds)
    notes = _notes(web)
    token = secrets.token_urlsafe(9)
    notes[token] = (message, error)
    while len(notes) > MAX_NOTES:
        notes.pop(next(iter(notes)))
    return RedirectResponse(f"/mail?done={token}", status_code=303)


def _run(web: Web, action: str) -> tuple[str, list[str], str]:
    """Run one mail command over the board's inbox and outbox; (what happened, files saved,
    the units whose message the server refused and why — or, when the run stopped partway, why
    and who was already sent)."""
    settings = load_settings(None)
    config = web.config
    if action == "fetch":
        with mail_workspace(config.outbox, config.ledger, action) as book:
            fetched = fetch_workbooks(FetchRequest(inbox=config.inbox), book, settings,
                                      get_password(settings))  # fmt: skip
        saved = fetched.saved_files
        return (f"新邮件 {len(fetched.messages)} 封，保存工作簿 {len(saved)} 个"
                f"{'：' + '、'.join(saved) if saved else ''}；"
                f"没有工作簿的 {len(fetched.without_workbook)} 封已列在下表。", saved, "")  # fmt: skip
    progress = RunProgress()  # who was sent or refused, told if the run stops partway

    def password() -> Secret:
        return get_password(settings)

    try:
        with mail_workspace(config.outbox, config.ledger, action) as book:
            if action == "reply":
                request = ReplyRequest(outbox=config.outbox)
                replied = reply_to_submissions(request, book, settings, password, progress)
                message, error = _replied(replied)
            else:
                reminded = remind_units(RemindRequest(), book, settings, password, progress)
                message, error = _reminded(reminded)
    except FatalError as exc:
        return "", [], progress.stopped(exc)
    return message, [], error


def _replied(replied: ReplyResult) -> tuple[str, str]:
    """What 回复校验结果 did, and the refusals: (message, error)."""
    sent = [r.org for r in replied.replies if r.outcome is ReplyOutcome.SENT]
    held = [r.org for r in replied.needs_person if r.outcome is not ReplyOutcome.FAILED]
    refused = [r for r in replied.replies if r.outcome is ReplyOutcome.FAILED]
    return (f"回复 {len(sent)} 封{'：' + '、'.join(sent) if sent else ''}"
            f"{'；未回复（待确认名称或没有地址）：' + '、'.join(held) if held else ''}。",
            refusals(refused, ACTIONS["reply"]))  # fmt: skip


def _reminded(reminded: RemindResult) -> tuple[str, str]:
    """What 催报 did, and the refusals: (message, error)."""
    sent = [r.org for r in reminded.reminders if r.outcome is RemindOutcome.SENT]
    missing = [r.org for r in reminded.reminders if r.outcome is RemindOutcome.NO_ADDRESS]
    refused = [r for r in reminded.reminders if r.outcome is RemindOutcome.FAILED]
    return (f"催报 {len(sent)} 封{'：' + '、'.join(sent) if sent else ''}"
            f"{'；没有邮箱：' + '、'.join(missing) if missing else ''}。",
            refusals(refused, ACTIONS["remind"]))  # fmt: skip


def routes() -> list[Route]:
    """The 邮件 page and its actions."""
    return [Route("/mail", page), Route("/mail/{action:str}", act, methods=["POST"])]
