"""The board's 发送模板 page: which roster unit gets which template at which address, shown
before anything is sent; then one POST sends through :func:`xl2report.mail.send.send_templates`,
the function behind ``xl2report mail send``.

The templates are the ones ``serve --templates DIR`` names, else the board's own folder
(``outbox/.xl2report/templates/<year>/``), which the page fills from the registered roster with
the same generator as the hand-out zip.  The send form carries a fingerprint of the plan the
clerk saw; when the roster, the templates or the ledger changed in between, nothing is sent and
the page shows the new plan.  Units that already got their template are sent again only when
the clerk ticks 再发一次, as ``--resend`` does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from xl2report.batch.session import STATE_DIR
from xl2report.errors import FatalError
from xl2report.mail.send import Outcome, SendRequest, SendResult, send_templates
from xl2report.mail.settings import MailSettings, Security, get_password, load_settings
from xl2report.mail.transport import tls_context
from xl2report.mail.workspace import mail_workspace, read_only_view
from xl2report.web import handout
from xl2report.web.app import Web, checked_form, web_of
from xl2report.web.mail_progress import RunProgress, refusals

MAX_NOTES = 20


@dataclass
class SendNote:
    """What one press of 发送 did, kept for the page shown after the redirect."""

    message: str = ""
    error: str = ""
    units: list[dict[str, str]] = field(default_factory=list)


def template_folder(web: Web, year: int) -> Path:
    """Where the board's templates of ``year`` are (``serve --templates`` wins)."""
    if web.config.templates is not None:
        return Path(web.config.templates)
    return Path(web.config.outbox) / STATE_DIR / "templates" / str(year)


def _year(web: Web, text: str) -> int:
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    with web.ledger() as ledger:
        years = ledger.years()
    return years[-1] if years else datetime.now().year - 1


def _has_templates(folder: Path) -> bool:
    return folder.is_dir() and any(p.suffix.lower() == ".xlsx" for p in folder.iterdir())


def preview(web: Web, year: int) -> tuple[SendResult | None, str]:
    """The plan (a dry run of ``mail send``), or why there is none, in one sentence."""
    with web.ledger() as ledger:
        roster = ledger.roster()
    if not roster:
        return None, "还没有登记名单：请先在“下发与汇总”页上传名单（含“邮箱”一列）。"
    folder = template_folder(web, year)
    if not _has_templates(folder):
        return None, f"还没有 {year} 年的模板：请先点“生成模板”。"
    request = SendRequest(roster=roster, templates=folder, year=year, dry_run=True)
    try:
        with read_only_view(web.config.outbox, web.config.ledger) as book:
            return send_templates(request, book, MailSettings(), _no_password), ""
    except FatalError as exc:
        return None, str(exc)


def _no_password():  # type: ignore[no-untyped-def]
    raise AssertionError("a dry run never asks for the password")


def send_readiness() -> str:
    """Why sending cannot start (one sentence), or "" when the settings allow it."""
    try:
        settings = load_settings(None)
        settings.need_smtp()
        if settings.security is not Security.NONE:
            tls_context(settings)
        get_password(settings)
    except FatalError as exc:
        return str(exc)
    return ""


def page(request: Request) -> Response:
    """``/mail/send?year=…``: the plan, the 生成模板 form and the 发送 button."""
    web = web_of(request)
    year = _year(web, request.query_params.get("year", ""))
    plan, problem = preview(web, year)
    note = _notes(web).get(request.query_params.get("done", ""), SendNote())
    with web.ledger() as ledger:
        deadline = ledger.deadline(year)
        roster_count = len(ledger.roster())
    counts: dict[str, int] = {}
    for unit in plan.units if plan else []:
        counts[unit.outcome.label] = counts.get(unit.outcome.label, 0) + 1
    return web.page(
        request, "mail_send.html", year=year, plan=plan, problem=problem, note=note,
        counts=counts, fingerprint=plan.fingerprint() if plan else "",
        to_send=[u for u in plan.units if u.outcome is Outcome.WOULD_SEND] if plan else [],
        already=[u for u in plan.units if u.outcome is Outcome.ALREADY] if plan else [],
        ready=send_readiness(), folder=template_folder(web, year),
        own_folder=web.config.templates is None, roster_count=roster_count,
        deadline=deadline.isoformat() if deadline else "",
    )  # fmt: skip


async def prepare(request: Request) -> Response:
    """POST ``/mail/send/prepare``: (re)build the board's templates of a year from the roster."""
    web = web_of(request)
    form = await checked_form(request)
    year = _year(web, str(form.get("year") or "").strip())
    text = str(form.get("deadline") or "").strip()
    submit_to = str(form.get("submit_to") or "").strip()[:500]
    try:
        due = date.fromisoformat(text) if text else None
    except ValueError:
        return _redirect(web, year, SendNote(error=f"截止日期应为 年-月-日（如 2025-01-20），收到的是“{text}”。"))  # fmt: skip
    if web.config.templates is not None:
        return _redirect(web, year, SendNote(error="工作台使用启动时指定的模板目录，不在网页上生成模板。"))  # fmt: skip

    def build() -> int:
        with web.ledger() as ledger:
            entries = ledger.roster()
            count = handout.write_templates(entries, template_folder(web, year), year,
                                            handout.submit_note(submit_to, due),
                                            web.config.outbox)  # fmt: skip
            if due is not None:
                ledger.set_deadline(year, due)
        return count

    try:
        count = await run_in_threadpool(build)
    except FatalError as exc:
        return _redirect(web, year, SendNote(error=str(exc)))
    return _redirect(web, year, SendNote(message=f"已生成 {year} 年模板 {count} 份，请核对下表后发送。"))  # fmt: skip


async def send(request: Request) -> Response:
    """POST ``/mail/send``: send what the page showed (same fingerprint), through ``mail send``."""
    web = web_of(request)
    form = await checked_form(request)
    year = _year(web, str(form.get("year") or "").strip())
    resend = form.get("resend") == "1"
    seen = str(form.get("fingerprint") or "")
    try:
        note = await run_in_threadpool(_send, web, year, resend, seen)
    except FatalError as exc:
        note = SendNote(error=str(exc))
    return _redirect(web, year, note)


def _send(web: Web, year: int, resend: bool, seen: str) -> SendNote:
    plan, problem = preview(web, year)
    if plan is None:
        return SendNote(error=problem)
    if plan.fingerprint() != seen:
        return SendNote(error="名单、模板或发送记录在您查看之后有了变化，没有发送。请核对下表后再点“发送”。")  # fmt: skip
    settings = load_settings(None)
    with web.ledger() as ledger:
        roster = ledger.roster()
    request = SendRequest(roster=roster, templates=template_folder(web, year), year=year,
                          resend=resend)  # fmt: skip
    progress = RunProgress()  # who was sent or refused, told if the run stops partway
    try:
        with mail_workspace(web.config.outbox, web.config.ledger, "send") as book:
            result = send_templates(request, book, settings, lambda: get_password(settings),
                                    progress)  # fmt: skip
    except FatalError as exc:
        return SendNote(error=progress.stopped(exc))
    return _outcome_note(result)


def _outcome_note(result: SendResult) -> SendNote:
    """The page after a send: how many went out, who needs a person, who was refused and why."""
    units = [_unit_row(u) for u in result.units]
    sent_count = sum(1 for u in result.units if u.outcome is Outcome.SENT)
    missing = [u.org for u in result.needs_person if u.outcome is not Outcome.FAILED]
    refused = [u for u in result.units if u.outcome is Outcome.FAILED]
    message = f"已发送 {sent_count} 封。"
    if missing:
        message += f"未发送（需要处理）：{'、'.join(missing)}。"
    return SendNote(message=message, error=refusals(refused, "发送"), units=units)


def _unit_row(unit) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"org": unit.org, "address": "；".join(unit.addresses),
            "template": unit.template.path.name if unit.template else "",
            "outcome": unit.outcome.label + (f"（{unit.detail}）" if unit.detail else ""),
            "when": (unit.when or "").replace("T", " "),
            "failed": "1" if unit.outcome is Outcome.FAILED else ""}  # fmt: skip


def _notes(web: Web) -> dict[str, SendNote]:
    return web.config.extra.setdefault("send_notes", {})


def _redirect(web: Web, year: int, note: SendNote) -> Response:
    notes = _notes(web)
    token = secrets.token_urlsafe(9)
    notes[token] = note
    while len(notes) > MAX_NOTES:
        notes.pop(next(iter(notes)))
    return RedirectResponse(f"/mail/send?year={year}&done={token}", status_code=303)


def routes() -> list[Route]:
    """The 发送模板 page and its two actions."""
    return [
        Route("/mail/send", page, methods=["GET"]),
        Route("/mail/send", send, methods=["POST"]),
        Route("/mail/send/prepare", prepare, methods=["POST"]),
    ]
