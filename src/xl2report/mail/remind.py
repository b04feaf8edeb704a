"""``mail remind``: one reminder per unit that is missing or rejected, at most once a day.

Who is missing, rejected or overdue, what each must fix and the words of the reminder come from
the campaign's reminder list (:func:`xl2report.county.remind.build_reminders`); held units are
the office's to decide and get no mail.  A missing unit's own template is attached again when
the template folder is given.  The ledger key is (year, unit, day), so a second run on the same
day sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from xl2report.compat import StrEnum
from xl2report.county.campaign import UnitState, load_campaign
from xl2report.county.remind import build_reminders
from xl2report.errors import FatalError, os_error_text
from xl2report.log import logger
from xl2report.mail.compose import Attachment
from xl2report.mail.mail_ledger import MailKind, MailLedger
from xl2report.mail.outgoing import Outgoing, build_one, send_planned
from xl2report.mail.reply import reply_topic
from xl2report.mail.send import split_addresses, valid_address
from xl2report.mail.settings import MailSettings, Secret
from xl2report.mail.templates import index_templates
from xl2report.mail.wording import REMIND_SUBJECT, remind_body, unit_subject

REMINDED_STATES = (UnitState.MISSING, UnitState.REJECTED)


class RemindOutcome(StrEnum):
    """What happened to one unit's reminder."""

    SENT = "sent"
    WOULD_SEND = "would_send"
    TODAY_ALREADY = "today_already"
    ANSWERED_TODAY = "answered_today"
    NO_ADDRESS = "no_address"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """Chinese wording for tables."""
        return {
            "sent": "已催报",
            "failed": "被拒收，未催报",
            "would_send": "将催报",
            "today_already": "今天已催报过",
            "answered_today": "今天已回复退回意见",
            "no_address": "没有邮箱",
        }[self.value]


@dataclass
class UnitReminder:
    """One unit's reminder."""

    org: str
    state: UnitState
    outcome: RemindOutcome
    overdue_days: int = 0
    addresses: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    subject: str = ""
    attachment: str = ""
    message_id: str = ""
    detail: str = ""  # 已发给 …；… 被拒收：… when an address refused it; why, when all did

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "org": self.org,
            "state": self.state.contract,
            "state_label": self.state.label,
            "outcome": self.outcome.value,
            "label": self.outcome.label,
            "overdue_days": self.overdue_days,
            "addresses": self.addresses,
            "todo": self.todo,
            "subject": self.subject,
            "attachment": self.attachment,
            "message_id": self.message_id,
            "detail": self.detail,
        }


@dataclass
class RemindResult:
    """The units reminded (or not) in this run."""

    year: int | None
    today: date
    reminders: list[UnitReminder]
    dry_run: bool = False

    @property
    def needs_person(self) -> list[UnitReminder]:
        """Units that could not be reminded by mail: no address, or the server refused it."""
        waiting = (RemindOutcome.NO_ADDRESS, RemindOutcome.FAILED)
        return [r for r in self.reminders if r.outcome in waiting]

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "year": self.year,
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "units": [r.to_dict() for r in self.reminders],
        }


@dataclass(frozen=True)
class RemindRequest:
    """What ``mail remind`` was asked to do."""

    year: int | None = None
    today: date | None = None
    templates: Path | None = None  # attach a missing unit's template again
    overdue_only: bool = False
    dry_run: bool = False


def remind_topic(year: int | None, org: str, day: date) -> str:
    """The ledger's key for "this unit was reminded on this day"."""
    return f"{year}/{org}/{day.isoformat()}"


def remind_units(
    request: RemindRequest,
    book: MailLedger,
    settings: MailSettings,
    password: Callable[[], Secret],
    on_sent: Callable[[UnitReminder], None] | None = None,
) -> RemindResult:
    """Remind every missing or rejected unit (only overdue ones with ``overdue_only``).

    A reminder the server refused is that unit's outcome (``FAILED``, the reason in
    ``detail``), not recorded, so a rerun the same day tries again; the others still go out.
    """
    today = request.today or date.today()
    campaign = load_campaign(book.ledger, request.year, today)
    if not request.dry_run:
        settings.need_smtp()
    sender = settings.from_address if not request.dry_run else None
    signature = (sender.display_name or sender.addr_spec) if sender else ""
    index = index_templates(request.templates, campaign.year) if request.templates else None
    result = RemindResult(campaign.year, today, [], request.dry_run)
    planned: list[tuple[UnitReminder, Outgoing]] = []
    for chased in build_reminders(campaign).units:  # the campaign's 催报清单 and its words
        unit = chased.unit
        if unit.state not in REMINDED_STATES or (request.overdue_only and not unit.overdue):
            continue
        reminder = UnitReminder(unit.org, unit.state, RemindOutcome.WOULD_SEND,
                                unit.overdue_days, todo=unit.todo())  # fmt: skip
        result.reminders.append(reminder)
        topic = remind_topic(campaign.year, unit.org, today)
        if (done := book.sent(MailKind.REMIND, topic)) is not None:
            reminder.outcome, reminder.message_id = RemindOutcome.TODAY_ALREADY, done.message_id
            reminder.addresses, reminder.detail = done.accepted, done.note
            continue
        if unit.state is UnitState.REJECTED and unit.current is not None:
            answer = book.sent(MailKind.REPLY, reply_topic(unit.current.sha256))
            if answer is not None and (answer.sent_at or "").startswith(today.isoformat()):
                reminder.outcome = RemindOutcome.ANSWERED_TODAY  # one message a day is enough
                continue
        addresses = [a for a in split_addresses(unit.email) if valid_address(a)]
        if not addresses:
            reminder.outcome = RemindOutcome.NO_ADDRESS
            continue
        template = index.find(unit.org) if index and unit.state is UnitState.MISSING else None
        reminder.addresses = addresses
        reminder.subject = unit_subject(REMIND_SUBJECT, campaign.year, unit.org)
        reminder.attachment = template.path.name if template else ""
        body = remind_body(chased.message, reminder.attachment, signature)
        item = build_one(partial(Outgoing, MailKind.REMIND, topic, unit.org, campaign.year,
                                 addresses, reminder.subject, body,
                                 [_attachment(template.path)] if template else []))  # fmt: skip
        if isinstance(item, str):  # its template cannot be read: this unit only
            reminder.outcome, reminder.detail = RemindOutcome.FAILED, item
            if on_sent is not None and not request.dry_run:
                on_sent(reminder)
            continue
        planned.append((reminder, item))
    if request.dry_run or not planned:
        return result
    assert sender is not None
    for reminder, delivery in send_planned(settings, password, book, sender, planned):
        reminder.message_id, reminder.detail = delivery.message_id, delivery.note
        if not delivery.sent:
            reminder.outcome = RemindOutcome.FAILED
            logger.info("催报未发出：{}：{}", reminder.org, delivery.failure)
        else:
            reminder.outcome = RemindOutcome.SENT
            logger.info("已催报：{}（{}）→ {}{}", reminder.org, reminder.state.label,
                        "; ".join(delivery.accepted), delivery.note)  # fmt: skip
        if on_sent is not None:
            on_sent(reminder)
    return result


def _attachment(path: Path) -> Attachment:
    """A unit's template to attach again (an unreadable one fails only this unit's reminder)."""
    try:
        return Attachment(path.name, path.read_bytes())
    except OSError as exc:
        raise FatalError(f"模板 {path} 无法读取（{os_error_text(exc)}），没有催报；"
                         "请检查模板目录后再运行一次。") from exc  # fmt: skip
