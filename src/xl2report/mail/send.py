"""``mail send``: one message per roster unit, with that unit's own template attached.

Plan first (pure: roster × templates × what the ledger says was sent), then send the planned
messages over one SMTP connection (:func:`xl2report.mail.outgoing.send_planned`, as reply and
remind do).  Each message is recorded ``pending`` with its Message-ID before the SMTP transaction
and ``sent`` after it; a message the server refused is forgotten and that unit's outcome is
``failed`` with the server's reason, while the other units still get theirs, so a rerun sends
exactly what has not gone out yet; a run killed between the two steps re-sends the same
message under the same Message-ID.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path

from xl2report.batch.ledger import RosterEntry
from xl2report.batch.roster_file import split_addresses
from xl2report.compat import StrEnum
from xl2report.errors import FatalError, os_error_text
from xl2report.form.characters import marked
from xl2report.log import logger
from xl2report.mail.compose import Attachment
from xl2report.mail.mail_ledger import MailKind, MailLedger
from xl2report.mail.outgoing import (
    Delivery,
    Outgoing,
    build_one,
    owed_addresses,
    send_planned,
)
from xl2report.mail.settings import MailSettings, Secret
from xl2report.mail.templates import TemplateFile, index_templates
from xl2report.mail.wording import (
    TEMPLATE_BODY,
    TEMPLATE_SUBJECT,
    WordingError,
    check_body,
    check_subject,
    fill,
    one_line,
    template_values,
    uses,
)

_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


class Outcome(StrEnum):
    """What happened to one unit's message."""

    SENT = "sent"
    WOULD_SEND = "would_send"
    ALREADY = "already"
    NO_EMAIL = "no_email"
    BAD_EMAIL = "bad_email"
    NO_TEMPLATE = "no_template"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """Chinese wording for tables."""
        return {
            "sent": "已发送",
            "failed": "被拒收，未发出",
            "would_send": "将发送",
            "already": "已发过",
            "no_email": "名单中没有邮箱",
            "bad_email": "邮箱格式不对",
            "no_template": "没有该单位的模板",
        }[self.value]

    @property
    def needs_person(self) -> bool:
        """The unit did not get its template and a person must act."""
        return self in (Outcome.NO_EMAIL, Outcome.BAD_EMAIL, Outcome.NO_TEMPLATE, Outcome.FAILED)


@dataclass
class UnitMessage:
    """One roster unit in ``mail send``: its template, addresses and what happened."""

    org: str
    contact: str
    addresses: list[str]
    template: TemplateFile | None
    outcome: Outcome
    subject: str = ""
    message_id: str = ""
    when: str = ""
    detail: str = ""
    body: str = ""  # in a dry run: the text the unit would get

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "org": self.org,
            "addresses": self.addresses,
            "template": self.template.path.name if self.template else None,
            "outcome": self.outcome.value,
            "label": self.outcome.label,
            "subject": self.subject,
            "message_id": self.message_id,
            "when": self.when,
            "detail": self.detail,
            "body": self.body,
        }


@dataclass
class SendResult:
    """Every roster unit and what happened to its message, plus templates not used."""

    year: int | None
    units: list[UnitMessage]
    skipped_templates: list[tuple[str, str]] = field(default_factory=list)
    dry_run: bool = False
    wording: tuple[str, str, str] = ("", "", "")  # subject and body as written, deadline used

    @property
    def needs_person(self) -> list[UnitMessage]:
        """Units that did not get their template."""
        return [u for u in self.units if u.outcome.needs_person]

    def fingerprint(self) -> str:
        """A digest of the plan (unit, addresses, outcome, template name and bytes, the
        subject, body and deadline as written and each unit's filled text), so a caller can
        tell whether what a person looked at is still what would be sent."""
        digest = hashlib.sha256(str(self.year).encode())
        for text in self.wording:
            digest.update(f"\0{len(text)}\0{text}".encode())
        for u in self.units:
            digest.update(f"\0{u.org}\0{';'.join(u.addresses)}\0{u.outcome.value}\0".encode())
            digest.update(f"{len(u.subject)}\0{u.subject}\0{len(u.body)}\0{u.body}\0".encode())
            if u.template is not None:
                digest.update(u.template.path.name.encode())
                with contextlib.suppress(OSError):
                    digest.update(hashlib.sha256(u.template.path.read_bytes()).digest())
        return digest.hexdigest()[:32]

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "year": self.year,
            "dry_run": self.dry_run,
            "units": [u.to_dict() for u in self.units],
            "skipped_templates": [{"file": f, "reason": r} for f, r in self.skipped_templates],
        }


@dataclass(frozen=True)
class SendRequest:
    """What ``mail send`` was asked to do."""

    roster: Sequence[RosterEntry]
    templates: Path
    year: int | None = None
    subject: str | None = None  # with placeholders ({机关名称} …); default TEMPLATE_SUBJECT
    body: str | None = None  # with placeholders; default TEMPLATE_BODY
    deadline: date | None = None
    dry_run: bool = False
    resend: bool = False
    roster_source: str = ""  # when given, the roster is registered in the ledger (not in a dry run)


def valid_address(address: str) -> bool:
    """A plain ``local@domain.tld`` address in printable ASCII (no display name, no spaces, no
    control characters; a server without SMTPUTF8 cannot take any other)."""
    return address.isascii() and address.isprintable() and bool(_ADDRESS.match(address))


def topic(year: int | None, org: str) -> str:
    """The ledger's key for "the template of this unit for this year"."""
    return f"{year}/{org}"


def send_templates(
    request: SendRequest,
    book: MailLedger,
    settings: MailSettings,
    password: Callable[[], Secret],
    on_sent: Callable[[UnitMessage], None] | None = None,
) -> SendResult:
    """Plan and (unless ``dry_run``) send; ``password`` is asked for only if something is sent.

    ``on_sent`` is called with each unit as its message goes out or is refused (``FAILED``, the
    server's reason in ``detail``); a refused unit does not stop the others.  A subject or body
    that cannot be used (:class:`~xl2report.mail.wording.WordingError`) stops the run before
    anything is sent or recorded.  A dry run fills in each unit's ``subject`` and ``body``.
    """
    subject = request.subject if request.subject is not None else TEMPLATE_SUBJECT
    body = request.body.replace("\r\n", "\n") if request.body is not None else TEMPLATE_BODY
    check_subject(subject)
    check_body(body)
    request = replace(request, subject=subject, body=body)
    index = index_templates(request.templates, request.year)
    year = request.year
    if year is None:
        years = {t.year for t in index.by_org.values()}
        year = next(iter(years)) if len(years) == 1 else None
    if not index.by_org:
        raise FatalError(
            f"模板目录 {request.templates} 中没有{f' {year} 年' if year else ''}按单位生成的模板；"
            "请先运行 xl2report template --roster 名单 --year 年度 -o 该目录。"
        )
    if not request.dry_run:
        settings.need_smtp()  # refuse bad settings before anything else happens
    deadline = request.deadline or (book.ledger.deadline(year) if year else None)
    _need_deadline(subject, body, deadline)
    if not request.dry_run and year is not None:
        if request.deadline is not None:  # remembered for status, reminders and the board
            book.ledger.set_deadline(year, request.deadline)
        if request.roster_source and not book.ledger.roster():  # the campaign counts these units
            book.ledger.set_roster(list(request.roster), request.roster_source)
    request = replace(request, deadline=deadline)
    sender = None if request.dry_run else settings.from_address  # validated by need_smtp
    units = [_plan(entry, index.find(entry.name), year, book, request) for entry in request.roster]
    wording = (subject, body, deadline.isoformat() if deadline else "")
    result = SendResult(year, units, index.skipped, request.dry_run, wording)
    todo = [u for u in units if u.outcome is Outcome.WOULD_SEND]
    if request.dry_run or not todo:
        signature = _signature(settings) if request.dry_run else ""
        for u in todo:
            u.subject, u.body = message_text(request, u, year, signature)
        return result
    assert sender is not None
    planned = []
    for unit in todo:
        made = build_one(partial(_outgoing, unit, year, request, settings))
        if isinstance(made, Outgoing):
            planned.append((unit, made))
            continue
        _record(unit, Delivery("", [], failure=made), year, book)
        if on_sent is not None:
            on_sent(unit)
    for unit, delivery in send_planned(settings, password, book, sender, planned):
        _record(unit, delivery, year, book)
        if on_sent is not None:
            on_sent(unit)
    return result


def _plan(
    entry: RosterEntry,
    template: TemplateFile | None,
    year: int | None,
    book: MailLedger,
    request: SendRequest,
) -> UnitMessage:
    addresses = split_addresses(entry.email)
    unit = UnitMessage(entry.name, entry.contact, addresses, template, Outcome.WOULD_SEND)
    if not addresses:
        unit.outcome = Outcome.NO_EMAIL
    elif not all(valid_address(a) for a in addresses):
        unit.outcome = Outcome.BAD_EMAIL
        unit.detail = "、".join(marked(a) for a in addresses if not valid_address(a))
    elif template is None:
        unit.outcome = Outcome.NO_TEMPLATE
    elif (done := book.sent(MailKind.TEMPLATE, topic(year, entry.name))) is not None:
        owed = owed_addresses(book, MailKind.TEMPLATE, topic(year, entry.name), addresses,
                              request.resend)  # fmt: skip
        if owed:  # again (--resend), or only where it has not arrived yet
            unit.addresses = owed
            unit.detail = f"只发给还没收到的地址；上次{done.note}" if done.note else ""
        else:
            unit.outcome = Outcome.ALREADY
            unit.message_id, unit.when, unit.subject = (
                done.message_id,
                done.sent_at or "",
                done.subject,
            )
            unit.detail = done.note
    return unit


def _need_deadline(subject: str, body: str, deadline: date | None) -> None:
    if deadline is None and (uses(subject, "截止日期") or uses(body, "截止日期")):
        where = "主题" if uses(subject, "截止日期") else "正文"
        raise WordingError(
            f"邮件{where}用了 {{截止日期}}，但没有截止日期：请填写截止日期（--deadline），"
            "或改用 {截止日期行}（没有截止日期时为空）。"
        )


def _signature(settings: MailSettings) -> str:
    """How the office signs (its display name, else its address); "" when not configured."""
    try:
        sender = settings.from_address if settings.sender or settings.user else None
    except FatalError:
        return ""
    return (sender.display_name or sender.addr_spec) if sender is not None else ""


def message_text(
    request: SendRequest, unit: UnitMessage, year: int | None, signature: str
) -> tuple[str, str]:
    """The subject and body ``unit`` gets: the request's words (default: TEMPLATE_SUBJECT,
    TEMPLATE_BODY) with the placeholders filled; the one place a template message is worded."""
    values = template_values(
        org=unit.org, contact=unit.contact, year=year,
        submit_note=unit.template.submit_note if unit.template else "",
        deadline=request.deadline, sender=signature,
    )  # fmt: skip
    subject = fill(request.subject if request.subject is not None else TEMPLATE_SUBJECT, values,
                   "主题")  # fmt: skip
    body = fill(request.body if request.body is not None else TEMPLATE_BODY, values, "正文")
    return one_line(subject), body


def _outgoing(
    unit: UnitMessage, year: int | None, request: SendRequest, settings: MailSettings
) -> Outgoing:
    """The message handing ``unit`` its template (sets ``unit.subject``)."""
    assert unit.template is not None
    unit.subject, body = message_text(request, unit, year, _signature(settings))
    try:
        data = unit.template.path.read_bytes()
    except OSError as exc:
        raise FatalError(f"模板 {unit.template.path} 无法读取：{os_error_text(exc)}，"
                         "没有发出；请检查模板目录后再运行一次。") from exc  # fmt: skip
    return Outgoing(MailKind.TEMPLATE, topic(year, unit.org), unit.org, year, unit.addresses,
                    unit.subject, body, [Attachment(unit.template.path.name, data)])  # fmt: skip


def _record(unit: UnitMessage, delivery: Delivery, year: int | None, book: MailLedger) -> None:
    """What became of ``unit``'s message, on the unit (and in the log)."""
    unit.message_id, unit.detail = delivery.message_id, delivery.note
    if not delivery.sent:
        unit.outcome = Outcome.FAILED
        logger.info("模板未发出：{}：{}", unit.org, delivery.failure)
        return
    unit.outcome = Outcome.SENT
    done = book.sent(MailKind.TEMPLATE, topic(year, unit.org))
    unit.when = (done.sent_at or "") if done else ""
    logger.info("已发送模板：{} → {}（{}）{}", unit.org, "; ".join(delivery.accepted),
                unit.message_id, delivery.note)  # fmt: skip
