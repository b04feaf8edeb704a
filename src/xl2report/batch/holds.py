"""Human decisions a run must honour: held names that became roster aliases, senders confirmed
for a unit, and rejections a later accepted version made obsolete.

Questions only (the ledger's rows); the run decides names and records the changes.
"""

from __future__ import annotations

from xl2report.batch.ledger import Ledger, Row
from xl2report.batch.provenance import unknown_sender
from xl2report.batch.records import FileStatus
from xl2report.batch.roster import RosterIndex, normalize_org


def release_confirmed(ledger: Ledger) -> list[str]:
    """Forget held rows whose 机关名称 is now on the roster (an alias was added), and rows held
    for their sender whose sender is now known for the unit (确认采用, or the address added to
    the roster), so this run processes those files again.  Returns their inbox paths."""
    roster = RosterIndex(ledger.roster())
    released = []
    for row in ledger.rows(statuses=(FileStatus.HELD, FileStatus.SENDER_HELD)):
        if row.status is FileStatus.SENDER_HELD:
            known = unknown_sender(ledger, row.org, row.sha256) is None
        else:
            known = not roster or roster.official(row.org) is not None
        if known:
            ledger.release(row.id)
            released.append(row.path)
    return released


def obsolete_rejections(ledger: Ledger, org: str, year: int, order: tuple[int, str]) -> list[Row]:
    """The org's rejected submissions of ``year`` received before ``order`` (an accepted one):
    their feedback is obsolete and must not be sent again."""
    key = normalize_org(org)
    return [
        r
        for r in ledger.rows(year=year, statuses=(FileStatus.REJECTED,))
        if normalize_org(r.org) == key and r.order < order
    ]
