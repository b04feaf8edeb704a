"""The records of a campaign: a unit's state (:class:`UnitState`), its findings (:class:`Note`),
its files (:class:`Submission`), held files (:class:`HeldFile`) and the :class:`Unit` itself.

Plain data with Chinese labels and ``to_dict()`` (the ``status --json`` contract); built by
:func:`xl2report.county.campaign.load_campaign`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from xl2report.checks.catalogue import CATALOGUE
from xl2report.compat import StrEnum
from xl2report.form.types import Level

# Where a unit's name may break across lines: before the kind of body, after 局 (a body inside
# a longer name) or the conjunction 和 — 五龙口镇 / 人民政府, 县住房和 / 城乡建设局.
_WORD_BREAK = re.compile(r"(?=人民政府|办事处|委员会|管理局)|(?<=[局和])(?=.)")


def org_words(org: str) -> list[str]:
    """A unit's name in the pieces a line may break between (print and board alike)."""
    return [w for w in _WORD_BREAK.split(org.strip()) if w]


class UnitState(StrEnum):
    """A unit's state for the year; the value is the stable code, ``label`` the Chinese word."""

    MISSING = "missing"
    REJECTED = "rejected"
    HELD = "held"
    SENDER_HELD = "sender-held"  # the newest return came from an address not known for it
    ACCEPTED = "accepted"
    UPDATED = "updated"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]

    @property
    def contract(self) -> str:
        """The ``state`` of ``status --json``: 已更新 is an accepted state (with ``updated``)."""
        return "accepted" if self is UnitState.UPDATED else self.value

    @property
    def needs_action(self) -> bool:
        """Someone must act: the unit (missing, rejected) or the office (held, sender held)."""
        return self in (
            UnitState.MISSING, UnitState.REJECTED, UnitState.HELD, UnitState.SENDER_HELD
        )  # fmt: skip

    @property
    def done(self) -> bool:
        return self in (UnitState.ACCEPTED, UnitState.UPDATED)


_STATE_LABELS = {
    UnitState.MISSING: "未报送",
    UnitState.REJECTED: "已退回",
    UnitState.HELD: "待确认名称",
    UnitState.SENDER_HELD: "待确认来源",
    UnitState.ACCEPTED: "已通过",
    UnitState.UPDATED: "已更新",
}


@dataclass(frozen=True)
class Note:
    """One finding of a submission as the campaign shows it (an error or a warning)."""

    code: str
    level: Level
    message: str
    sheet: str = ""
    cell: str = ""
    key: str = ""
    reviewed_at: str = ""  # when a person marked the warning 已核对 ('' = not yet)

    @property
    def reviewed(self) -> bool:
        return bool(self.reviewed_at)

    @property
    def name(self) -> str:
        """The finding's short Chinese name (its code when this version does not know it)."""
        known = CATALOGUE.get(self.code)
        return known.name if known else self.code

    @property
    def where(self) -> str:
        """'三、依申请公开 D6', or the sheet, or ''."""
        return " ".join(x for x in (self.sheet, self.cell) if x)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "level": self.level.value,
            "level_label": self.level.label,
            "message": self.message,
            "sheet": self.sheet,
            "cell": self.cell,
            "key": self.key,
            "reviewed": self.reviewed,
            "reviewed_at": self.reviewed_at,
        }


@dataclass(frozen=True)
class Submission:
    """One file a unit sent (a ledger row), with its outputs."""

    id: int  # ledger row id: downloads and actions refer to it, never to a path
    file: str  # path in the inbox, relative
    sha256: str
    status: str  # the file's status in the ledger (accepted / rejected / superseded / held …)
    org: str  # the 机关名称 as recorded (the roster's name once resolved)
    received: datetime
    received_ns: int = 0  # for ordering: received time, then path (as the run decides)
    version: int | None = None
    report: str = ""  # outputs, relative to the outbox
    pdf: str = ""
    feedback: str = ""
    errors: int = 0
    warnings: int = 0
    message: str = ""
    retryable: bool = False  # 无法处理 (busy, an internal error): 重新处理 may help
    sender: str = ""  # the address it was mailed from ("" when the clerk put it in or uploaded it)

    @property
    def order(self) -> tuple[int, str]:
        return (self.received_ns, self.file)

    @property
    def received_text(self) -> str:
        return self.received.strftime("%Y-%m-%d %H:%M")

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "file": self.file,
            "sha256": self.sha256,
            "status": self.status,
            "org": self.org,
            "received": self.received_text,
            "received_at": self.received.isoformat(timespec="seconds"),
            "version": self.version,
            "report": self.report,
            "pdf": self.pdf,
            "feedback": self.feedback,
            "errors": self.errors,
            "warnings": self.warnings,
            "message": self.message,
            "retryable": self.retryable,
            "sender": self.sender,
        }


@dataclass(frozen=True)
class HeldFile:
    """A file whose 机关名称 is not on the roster, with the nearest roster name to confirm."""

    submission: Submission
    suggestion: str | None

    def to_dict(self) -> dict[str, object]:
        s = self.submission
        return {
            "file": s.file,
            "org": s.org,
            "suggestion": self.suggestion,
            "id": s.id,
            "status": s.status,
            "received": s.received_text,
            "errors": s.errors,
            "warnings": s.warnings,
        }


@dataclass
class Unit:
    """One organisation's campaign: its state, the findings that need a human, its files."""

    org: str
    state: UnitState = UnitState.MISSING
    code: str = ""
    contact: str = ""
    email: str = ""
    aliases: tuple[str, ...] = ()
    in_roster: bool | None = None  # None: no roster registered
    current: Submission | None = None  # the submission the state is about
    errors: list[Note] = field(default_factory=list)  # of a rejected current submission
    warnings: list[Note] = field(default_factory=list)  # of the current submission
    versions: int = 0  # accepted versions received
    history: list[Submission] = field(default_factory=list)  # every submission, oldest first
    held: list[HeldFile] = field(default_factory=list)  # held files that look like this unit
    overdue_days: int = 0  # > 0: missing or rejected after the deadline
    accepted_before: Submission | None = None  # an earlier accepted version (state rejected)

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def headline(self) -> str:
        """The state as a person reads it: 已退回（3 个错误）, 已更新（第 2 版）, 已通过（待核对 1）."""
        if self.state is UnitState.REJECTED:
            return f"已退回（{len(self.errors)} 个错误）"
        if self.state is UnitState.UPDATED and self.current is not None:
            return f"已更新（第 {self.current.version} 版）"
        if self.state.done and self.to_review:
            return f"{self.label}（待核对 {self.to_review}）"
        return self.label

    @property
    def to_review(self) -> int:
        """Warnings of the current accepted version nobody has marked 已核对 yet."""
        if not self.state.done:
            return 0
        return sum(1 for w in self.warnings if not w.reviewed)

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0

    def todo(self) -> list[str]:
        """What has to happen, in plain Chinese, one line per thing (for reminders and mail)."""
        if self.state is UnitState.MISSING:
            return ["尚未报送年度报告填报表，请填写后报送。"]
        if self.state is UnitState.HELD:
            names = "、".join(f"“{h.submission.org}”" for h in self.held)
            return [
                f"已收到机关名称为{names}的报送，与名单中的“{self.org}”不一致，"
                "待县政务公开办确认；如确为本单位，无需重报。"
            ]
        if self.state is UnitState.SENDER_HELD:
            sender = self.current.sender if self.current else ""
            return [
                f"已收到从 {sender} 发来的报送，这个地址不是名单中本单位的邮箱，"
                "待县政务公开办确认来源；如确为本单位所发，无需重报。"
            ]
        if self.state is UnitState.REJECTED:
            lines = [f"{n.where}：{n.message}" if n.where else n.message for n in self.errors]
            feedback = self.current.feedback if self.current else ""
            tail = "请按退回的校验反馈表逐项改正后重新报送。" if feedback else "请改正后重新报送。"
            return [*lines, tail]
        return []

    def to_dict(self) -> dict[str, object]:
        current = self.current
        return {
            "org": self.org,
            "state": self.state.contract,
            "label": self.label,
            "headline": self.headline,
            "updated": self.state is UnitState.UPDATED,
            "code": self.code,
            "contact": self.contact,
            "email": self.email,
            "aliases": list(self.aliases),
            "in_roster": self.in_roster,
            "errors": [n.to_dict() for n in self.errors],
            "warnings": [n.to_dict() for n in self.warnings],
            "to_review": self.to_review,
            "overdue": self.overdue,
            "overdue_days": self.overdue_days,
            "versions": self.versions,
            "version": current.version if current else None,
            "received": current.received_text if current else "",
            "file": current.file if current else "",
            "file_id": current.id if current else None,
            "sender": current.sender if current else "",
            "report": current.report if current else "",
            "pdf": current.pdf if current else "",
            "feedback": current.feedback if current else "",
            "history": [s.to_dict() for s in self.history],
            "held": [h.to_dict() for h in self.held],
            "todo": self.todo(),
        }
