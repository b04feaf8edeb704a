"""Whether a workbook may become a unit's current version, by where it came from.

Anyone can mail a workbook claiming to be 甲镇.  A mailed workbook (one whose content ``mail
fetch`` recorded with its sender) flows as before when its sender is one of the unit's roster
addresses or a sender known for the unit: one the clerk confirmed (确认采用), or — when the
roster has no address for the unit and nobody was confirmed yet — the first sender the unit's
returns came from.  Otherwise it is held for the clerk (``sender-held``, 待确认来源): no report,
no feedback workbook, no reply, the accepted report stays.  Files the clerk put into the inbox
or uploaded on the board have no recorded sender and always flow.
"""

from __future__ import annotations

from xl2report.batch.ledger import Ledger
from xl2report.batch.roster import RosterIndex
from xl2report.batch.roster_file import split_addresses


def unit_addresses(ledger: Ledger, org: str) -> set[str]:
    """The roster's addresses of ``org`` (lower case; empty without a roster or an address)."""
    entry = RosterIndex(ledger.roster()).entry(org)
    return {a.lower() for a in split_addresses(entry.email)} if entry else set()


def unknown_sender(ledger: Ledger, org: str, sha256: str) -> str | None:
    """The sender that makes this workbook wait for the clerk, or None when it may flow.

    The first sender of a unit without a roster address is recorded as known here (so the
    second, different one is held)."""
    senders = ledger.senders_of(sha256)
    if not senders:
        return None  # the clerk's own file (inbox, board upload)
    own = unit_addresses(ledger, org)
    known = ledger.known_senders(org)
    if any(s in own or s in known for s in senders):
        return None
    if not own and not known:
        ledger.know_sender(org, senders[0], how="first")
        return None
    return senders[0]


def held_message(org: str, sender: str) -> str:
    """What the listing and the board say about a file held for its sender."""
    return (
        f"来自 {sender} 的邮件：这个地址不是名单中“{org}”的邮箱，也没有为它确认过，"
        "暂不采用（不生成年报或反馈表，不回复）。确认确是该单位的报送后，在工作台的单位页点"
        "“确认采用”，或把这个地址加入名单的“邮箱”列后重新登记名单。"
    )
