"""The board's 发送模板 page: which roster unit gets which template at which address, shown
before anything is sent; then one POST sends through :func:`xl2report.mail.send.send_templates`,
the function behind ``xl2report mail send``.

The templates are the ones ``serve --templates DIR`` names, else the board's own folder
(``outbox/.xl2report/templates/<year>/``), which the page fills from the registered roster with
the same generator as the hand-out zip.  The send form carries a fingerprint of the plan the
clerk saw; when the roster, the templates or the ledger changed in between, nothing is sent and
the page shows the new plan.  Units that already got their template are sent again only when
the clerk ticks 再发一次, as ``--resend`` does.

The clerk may change the subject, the deadline and the body (``--subject``, ``--deadline``,
``--body-file``); the page shows one unit's message as it will go out (a dry run of the same
function, so placeholders are filled by :func:`xl2report.mail.wording.fill` and nowhere else),
and the fingerprint covers those words and every unit's filled text: words changed after the
preview are not sent, the page shows their preview instead.
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
from xl2report.compat import iso_date
from xl2report.county.campaign import campaign_years
from xl2report.errors import FatalError
from xl2report.mail.send import Outcome, SendRequest, SendResult, UnitMessage, send_templates
from xl2report.mail.settings import MailSettings, Security, get_password, load_settings
from xl2report.mail.transport import tls_context
from xl2report.mail.wording import (
    BODY_MAX,
    PLACEHOLDERS,
    SUBJECT_MAX,
    TEMPLATE_BODY,
    TEMPLATE_SUBJECT,
    WordingError,
)
from xl2report.mail.workspace import mail_workspace, read_only_view
from xl2report.web import handout
from xl2report.web.app import Web, checked_form, web_of
from xl2report.web.mail_progress import RunProgress, refusals
from xl2report.web.mail_setup import setup_missing

MAX_NOTES = 20


@dataclass(frozen=True)
class Draft:
    """The words on the page: subject and body with placeholders, the deadline as typed."""

    subject: str = TEMPLATE_SUBJECT
    body: str = TEMPLATE_BODY
    deadline: str = ""  # YYYY-MM-DD, or "" for the one the ledger remembers (if any)
    shown: str = ""  # the unit whose message the preview shows ("": the first to be sent)

    @classmethod
    def of(cls, form) -> Draft:  # type: ignore[no-untyped-def]
        """The words a posted form carries (Windows line ends as the CLI reads a file)."""
        subject, body = form.get("subject"), form.get("body")  # absent: the defaults
        return cls(TEMPLATE_SUBJECT if subject is None else str(subject),
                   TEMPLATE_BODY if body is None else str(body).replace("\r\n", "\n"),
                   str(form.get("deadline") or "").strip(),
                   str(form.get("shown") or ""))  # fmt: skip

    def day(self) -> date | None:
        """The deadline typed, or None; :class:`WordingError` when it is not a date."""
        return parse_day(self.deadline, WordingError)


@dataclass
class SendNote:
    """What one press of 发送 / 预览 did, kept for the page shown after the redirect."""

    message: str = ""
    error: str = ""
    units: list[dict[str, str]] = field(default_factory=list)
    draft: Draft | None = None  # the words the clerk posted, shown again


@dataclass
class Look:
    """What the page shows before sending: the plan, or why there is none; a sample message."""

    plan: SendResult | None = None
    problem: str = ""  # no roster, no templates …: no plan at all
    wording_error: str = ""  # the draft's words cannot be used: plan shown, sending refused
    sample: UnitMessage | None = None  # one unit's message as it would go out
    choices: list[str] = field(default_factory=list)  # the units whose message can be shown

    @property
    def fingerprint(self) -> str:
        """What the send form carries; empty (nothing can be sent) when the words are wrong."""
        return self.plan.fingerprint() if self.plan and not self.wording_error else ""


def parse_day(text: str, error: type[Exception] = FatalError) -> date | None:
    """``2025-01-20`` -> date; "" -> None; anything else ``error`` with a Chinese message."""
    try:
        return iso_date(text) if text else None
    except ValueError:
        raise error(f"截止日期应为 年-月-日（如 2025-01-20），收到的是“{text[:40]}”。") from None


def template_folder(web: Web, year: int) -> Path:
    """Where the board's templates of ``year`` are (``serve --templates`` wins)."""
    if web.config.templates is not None:
        return Path(web.config.templates)
    return Path(web.config.outbox) / STATE_DIR / "templates" / str(year)


def _year(web: Web, text: str) -> int:
    if text.isascii() and text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100:
        return int(text)
    with web.ledger() as ledger:
        years = campaign_years(ledger)
    return years[-1] if years else datetime.now().year - 1


def _has_templates(folder: Path) -> bool:
    return folder.is_dir() and any(p.suffix.lower() == ".xlsx" for p in folder.iterdir())


def look(web: Web, year: int, draft: Draft) -> Look:
    """The plan (a dry run of ``mail send`` with the draft's words) and one unit's message."""
    with web.ledger() as ledger:
        roster = ledger.roster()
    if not roster:
        return Look(problem="还没有登记名单：请先在“下发与汇总”页上传名单（含“邮箱”一列）。")
    folder = template_folder(web, year)
    if not _has_templates(folder):
        return Look(problem=f"还没有 {year} 年的模板：请先点“生成模板”。")
    settings = _settings_or_none()

    def dry_run(words: Draft, resend: bool = False) -> SendResult:
        request = SendRequest(roster=roster, templates=folder, year=year, subject=words.subject,
                              body=words.body, deadline=words.day(), dry_run=True,
                              resend=resend)  # fmt: skip
        with read_only_view(web.config.outbox, web.config.ledger) as book:
            return send_templates(request, book, settings, _no_password)

    try:
        try:
            plan = dry_run(draft)
        except WordingError as exc:  # show the plan all the same, and what is wrong
            return Look(dry_run(Draft()), wording_error=str(exc))
        going = _to_send(plan)
        if not going and any(u.outcome is Outcome.ALREADY for u in plan.units):
            going = _to_send(dry_run(draft, resend=True))  # what 再发一次 would send
    except FatalError as exc:
        return Look(problem=str(exc))
    sample = next((u for u in going if u.org == draft.shown), going[0] if going else None)
    return Look(plan, sample=sample, choices=[u.org for u in going])


def _to_send(plan: SendResult) -> list[UnitMessage]:
    return [u for u in plan.units if u.outcome is Outcome.WOULD_SEND]


def _settings_or_none() -> MailSettings:
    """The office's settings (they give the signature), or none when they cannot be read:
    the page says why through :func:`send_readiness`."""
    try:
        return load_settings(None)
    except FatalError:
        return MailSettings()


def _no_password():  # type: ignore[no-untyped-def]
    raise AssertionError("a dry run never asks for the password")


def send_readiness() -> str:
    """Why sending cannot start (one sentence), or "" when the settings allow it."""
    try:
        settings = load_settings(None)
        missing, _sample = setup_missing(settings, fetching=False)
        if missing:
            return missing
        settings.need_smtp()
        if settings.security is not Security.NONE:
            tls_context(settings)
        get_password(settings)
    except FatalError as exc:
        return str(exc)
    return ""


def page(request: Request) -> Response:
    """``/mail/send?year=…``: the plan, the words and their preview, the 发送 button and the
    生成模板 form."""
    web = web_of(request)
    year = _year(web, request.query_params.get("year", ""))
    note = _notes(web).get(request.query_params.get("done", ""), SendNote())
    with web.ledger() as ledger:
        deadline = ledger.deadline(year)
        roster_count = len(ledger.roster())
    remembered = deadline.isoformat() if deadline else ""
    draft = note.draft or Draft(deadline=remembered)
    seen = look(web, year, draft)
    plan = seen.plan
    counts: dict[str, int] = {}
    for unit in plan.units if plan else []:
        counts[unit.outcome.label] = counts.get(unit.outcome.label, 0) + 1
    return web.page(
        request, "mail_send.html", year=year, plan=plan, problem=seen.problem, note=note,
        counts=counts, fingerprint=seen.fingerprint, draft=draft, sample=seen.sample,
        wording_error=seen.wording_error, placeholders=PLACEHOLDERS, choices=seen.choices,
        subject_max=SUBJECT_MAX, body_max=BODY_MAX,
        to_send=[u for u in plan.units if u.outcome is Outcome.WOULD_SEND] if plan else [],
        already=[u for u in plan.units if u.outcome is Outcome.ALREADY] if plan else [],
        ready=send_readiness(), folder=template_folder(web, year),
        own_folder=web.config.templates is None, roster_count=roster_count,
        deadline=remembered,
    )  # fmt: skip


async def show_preview(request: Request) -> Response:
    """POST ``/mail/send/preview``: show the page with the words the clerk typed (nothing is
    sent or recorded); a mistake in them is shown next to the fields."""
    web = web_of(request)
    form = await checked_form(request)
    year = _year(web, str(form.get("year") or "").strip())
    return _redirect(web, year, SendNote(draft=Draft.of(form)), anchor="words")


async def prepare(request: Request) -> Response:
    """POST ``/mail/send/prepare``: (re)build the board's templates of a year from the roster."""
    web = web_of(request)
    form = await checked_form(request)
    year = _year(web, str(form.get("year") or "").strip())
    submit_to = str(form.get("submit_to") or "").strip()[:500]
    try:
        due = parse_day(str(form.get("deadline") or "").strip())
    except FatalError as exc:
        return _redirect(web, year, SendNote(error=str(exc)))
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
    draft = Draft.of(form)
    try:
        note = await run_in_threadpool(_send, web, year, resend, seen, draft)
    except FatalError as exc:
        note = SendNote(error=str(exc))
    note.draft = draft  # the clerk's words stay on the page, whatever happened
    return _redirect(web, year, note)  # the message is at the top of the page


def _send(web: Web, year: int, resend: bool, seen: str, draft: Draft) -> SendNote:
    shown = look(web, year, draft)
    if shown.plan is None:
        return SendNote(error=shown.problem)
    if shown.wording_error:
        return SendNote(error=f"没有发送：{shown.wording_error}")
    if shown.fingerprint != seen:
        return SendNote(error="邮件内容、名单、模板或发送记录在您预览之后有了变化，没有发送。"
                              "请核对下面的预览后再点“发送”。")  # fmt: skip
    settings = load_settings(None)
    with web.ledger() as ledger:
        roster = ledger.roster()
    request = SendRequest(roster=roster, templates=template_folder(web, year), year=year,
                          subject=draft.subject, body=draft.body, deadline=draft.day(),
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


def _redirect(web: Web, year: int, note: SendNote, anchor: str = "") -> Response:
    notes = _notes(web)
    token = secrets.token_urlsafe(9)
    notes[token] = note
    while len(notes) > MAX_NOTES:
        notes.pop(next(iter(notes)))
    where = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"/mail/send?year={year}&done={token}{where}", status_code=303)


def routes() -> list[Route]:
    """The 发送模板 page and its three actions."""
    return [
        Route("/mail/send", page, methods=["GET"]),
        Route("/mail/send", send, methods=["POST"]),
        Route("/mail/send/preview", show_preview, methods=["POST"]),
        Route("/mail/send/prepare", prepare, methods=["POST"]),
    ]
