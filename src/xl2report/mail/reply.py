"""``mail reply``: answer each unit's processed submission once.

The unit states come from the campaign (:func:`xl2report.county.campaign.load_campaign`); this
module decides nothing about them.  A rejected submission gets its feedback workbook attached
and every error (sheet, cell, message) in the text; an accepted one a confirmation with the
warnings to check; a held one (name not on the roster, or mailed from an address not known
for the unit) nothing until a person decides.  The
answer goes to the address the workbook came from (recorded by ``mail fetch``), else to the
roster's, threaded under the township's message when it came by mail.  A submission is answered
once: the ledger key is its content hash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from xl2report.compat import StrEnum
from xl2report.county.campaign import Unit, UnitState, load_campaign
from xl2report.errors import FatalError, os_error_text
from xl2report.log import logger
from xl2report.mail.compose import Attachment
from xl2report.mail.mail_ledger import MailKind, MailLedger
from xl2report.mail.outgoing import Outgoing, build_one, send_planned
from xl2report.mail.send import split_addresses, valid_address
from xl2report.mail.settings import MailSettings, Secret
from xl2report.mail.wording import (
    ACCEPTED_SUBJECT,
    REJECTED_SUBJECT,
    accepted_body,
    finding_line,
    rejected_body,
    unit_subject,
)


class ReplyOutcome(StrEnum):
    """What happened to one unit's answer."""

    SENT = "sent"
    WOULD_SEND = "would_send"
    ALREADY = "already"
    HELD = "held"
    SENDER_HELD = "sender_held"
    NO_ADDRESS = "no_address"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """Chinese wording for tables."""
        return {
            "sent": "已回复",
            "failed": "被拒收，未回复",
            "would_send": "将回复",
            "already": "已回复过",
            "held": "待确认名称，未回复",
            "sender_held": "待确认来源，未回复",
            "no_address": "没有回复地址",
        }[self.value]


@dataclass
class UnitReply:
    """One unit's answer."""

    org: str
    state: UnitState
    outcome: ReplyOutcome
    addresses: list[str] = field(default_factory=list)
    subject: str = ""
    attachment: str = ""
    message_id: str = ""
    errors: int = 0
    warnings: int = 0
    detail: str = ""  # 已发给 …；… 被拒收：… when an address refused it; why, when all did

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "org": self.org,
            "state": self.state.contract,
            "state_label": self.state.label,
            "outcome": self.outcome.value,
            "label": self.outcome.label,
            "addresses": self.addresses,
            "subject": self.subject,
            "attachment": self.attachment,
            "message_id": self.message_id,
            "errors": self.errors,
            "warnings": self.warnings,
            "detail": self.detail,
        }


@dataclass
class ReplyResult:
    """Every unit that has a processed submission, and its answer."""

    year: int | None
    replies: list[UnitReply]
    dry_run: bool = False

    @property
    def needs_person(self) -> list[UnitReply]:
        """Answers that could not be sent: no address, a name to confirm, or refused."""
        waiting = (ReplyOutcome.NO_ADDRESS, ReplyOutcome.HELD, ReplyOutcome.SENDER_HELD,
                   ReplyOutcome.FAILED)  # fmt: skip
        return [r for r in self.replies if r.outcome in waiting]

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "year": self.year,
            "dry_run": self.dry_run,
            "replies": [r.to_dict() for r in self.replies],
        }


@dataclass(frozen=True)
class ReplyRequest:
    """What ``mail reply`` was asked to do."""

    outbox: Path
    year: int | None = None
    dry_run: bool = False
    today: date | None = None


def reply_topic(sha256: str) -> str:
    """The ledger's key for "the answer to this submission"."""
    return sha256


def reply_to_submissions(
    request: ReplyRequest,
    book: MailLedger,
    settings: MailSettings,
    password: Callable[[], Secret],
    on_sent: Callable[[UnitReply], None] | None = None,
) -> ReplyResult:
    """Answer every unit's current processed submission that has not been answered.

    An answer the server refused is that unit's outcome (``FAILED``, the reason in ``detail``)
    and is tried again on the next run; the other units are still answered.
    """
    campaign = load_campaign(book.ledger, request.year, request.today)
    if not request.dry_run:
        settings.need_smtp()
    sender = settings.from_address if not request.dry_run else None
    signature = (sender.display_name or sender.addr_spec) if sender else ""
    result = ReplyResult(campaign.year, [], request.dry_run)
    planned: list[tuple[UnitReply, Outgoing]] = []
    for unit in campaign.units:
        if unit.state is UnitState.MISSING or unit.current is None:
            continue
        reply = UnitReply(unit.org, unit.state, ReplyOutcome.WOULD_SEND,
                          errors=len(unit.errors), warnings=len(unit.warnings))  # fmt: skip
        result.replies.append(reply)
        if unit.state is UnitState.HELD:
            reply.outcome = ReplyOutcome.HELD
            continue
        if unit.state is UnitState.SENDER_HELD:  # whoever sent it gets nothing until confirmed
            reply.outcome = ReplyOutcome.SENDER_HELD
            continue
        topic = reply_topic(unit.current.sha256)
        if (done := book.sent(MailKind.REPLY, topic)) is not None:
            reply.outcome, reply.message_id = ReplyOutcome.ALREADY, done.message_id
            reply.addresses, reply.subject, reply.detail = done.accepted, done.subject, done.note
            continue
        origin = book.sender_of(unit.current.sha256)
        addresses = [origin[0]] if origin else split_addresses(unit.email)
        addresses = [a for a in addresses if valid_address(a)]
        if not addresses:
            reply.outcome = ReplyOutcome.NO_ADDRESS
            continue
        item = build_one(partial(_message, unit, campaign.year, campaign.deadline,
                                 request.outbox, signature, addresses,
                                 origin[1] if origin else None, topic))  # fmt: skip
        reply.addresses = addresses
        if isinstance(item, str):  # its feedback workbook is gone: this unit only
            reply.outcome, reply.detail = ReplyOutcome.FAILED, item
            if on_sent is not None and not request.dry_run:
                on_sent(reply)
            continue
        reply.subject = item.subject
        reply.attachment = item.attachments[0].filename if item.attachments else ""
        planned.append((reply, item))
    if request.dry_run or not planned:
        return result
    assert sender is not None
    for reply, delivery in send_planned(settings, password, book, sender, planned):
        reply.message_id, reply.detail = delivery.message_id, delivery.note
        if not delivery.sent:
            reply.outcome = ReplyOutcome.FAILED
            logger.info("回复未发出：{}：{}", reply.org, delivery.failure)
        else:
            reply.outcome = ReplyOutcome.SENT
            logger.info("已回复：{}（{}）→ {}{}", reply.org, reply.state.label,
                        "; ".join(delivery.accepted), delivery.note)  # fmt: skip
        if on_sent is not None:
            on_sent(reply)
    return result


def _message(
    unit: Unit,
    year: int | None,
    deadline: date | None,
    outbox: Path,
    signature: str,
    addresses: list[str],
    in_reply_to: str | None,
    topic: str,
) -> Outgoing:
    current = unit.current
    assert current is not None
    file = Path(current.file).name
    warnings = [finding_line(n.sheet, n.cell, n.message) for n in unit.warnings]
    attachments: list[Attachment] = []
    if unit.state is UnitState.REJECTED:
        feedback = outbox / current.feedback if current.feedback else None
        if feedback is not None:
            try:
                attachments.append(Attachment(feedback.name, feedback.read_bytes()))
            except OSError as exc:
                raise FatalError(
                    f"校验反馈表 {feedback} 无法读取（{os_error_text(exc)}），没有回复；"
                    "请先运行 xl2report run 重新生成。"
                ) from exc
        subject = unit_subject(REJECTED_SUBJECT, year, unit.org)
        body = rejected_body(
            org=unit.org, contact=unit.contact, year=year, received=current.received_text,
            file=file, errors=[finding_line(n.sheet, n.cell, n.message) for n in unit.errors],
            warnings=warnings, feedback=attachments[0].filename if attachments else "",
            deadline=deadline, sender=signature,
        )  # fmt: skip
    else:
        subject = unit_subject(ACCEPTED_SUBJECT, year, unit.org)
        body = accepted_body(
            org=unit.org, contact=unit.contact, year=year, received=current.received_text,
            file=file, version=current.version, warnings=warnings, sender=signature,
        )  # fmt: skip
    return Outgoing(MailKind.REPLY, topic, unit.org, year, addresses, subject, body,
                    attachments, in_reply_to)  # fmt: skip
