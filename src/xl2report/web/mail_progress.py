"""What a mail run started from the board did, in the words the board shows: shared by
发送模板 (:mod:`xl2report.web.mail_send`) and 回复校验结果 / 催报 (:mod:`xl2report.web.mail_page`).

A run sends over one SMTP session and can stop partway (the connection lost, the server closing
with 421, the login refused).  The units sent before the stop are recorded and are not sent
again; the page must say who they are, and who the server refused before the stop, or the clerk
cannot tell what the townships got.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xl2report.errors import FatalError
from xl2report.mail.remind import RemindOutcome, UnitReminder
from xl2report.mail.reply import ReplyOutcome, UnitReply
from xl2report.mail.send import Outcome, UnitMessage

Unit = UnitMessage | UnitReply | UnitReminder
SENT = (Outcome.SENT, ReplyOutcome.SENT, RemindOutcome.SENT)
FAILED = (Outcome.FAILED, ReplyOutcome.FAILED, RemindOutcome.FAILED)


@dataclass
class RunProgress:
    """The units sent and refused so far in one run; pass it as the run's ``on_sent``."""

    sent: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (unit, the server's reason)

    def __call__(self, unit: Unit) -> None:
        if unit.outcome in SENT:
            self.sent.append(unit.org)
        elif unit.outcome in FAILED:
            self.refused.append((unit.org, unit.detail))

    def stopped(self, exc: FatalError) -> str:
        """The error of a run that stopped: why, who already got their message (recorded, so
        pressing the button again does not send it twice) and who was refused before the stop."""
        if self.sent:
            done = (f"此前已发出 {len(self.sent)} 封（{'、'.join(self.sent)}），"
                    "已记录，不会重复发送。")  # fmt: skip
        else:
            done = "没有发出任何邮件。"
        if self.refused:
            done += "被服务器拒收、没有发出的：" + "".join(f"{o}：{why}" for o, why in self.refused)
        return f"{exc}{done}"


def refusals(refused: Sequence[Unit], button: str) -> str:
    """The units whose message the server refused in a run that finished, each with its
    reason, in one paragraph; "" when none was."""
    if not refused:
        return ""
    return (f"{len(refused)} 个单位的邮件被服务器拒收，没有发出（其他单位不受影响）："
            + "".join(f"{u.org}：{u.detail}" for u in refused)
            + f"核对邮箱（或等对方清理邮箱）后再点“{button}”，只补发这些单位。")  # fmt: skip
