"""Human decisions a run must honour: held names that became roster aliases, and rejections a
later accepted version made obsolete.

Questions only (the ledger's rows); the run decides names and records the changes.
"""

from __future__ import annotations

from xl2report.batch.ledger import Ledger, Row
from xl2report.batch.records import FileStatus
from xl2report.batch.roster import RosterIndex, normalize_org


def release_confirmed(ledger: Ledger) -> list[str]:
    """Forget held rows whose 机关名称 is now on the roster (an alias was added), so this run
    processes those files again under the roster's name.  Returns their inbox paths."""
    roster = RosterIndex(ledger.roster())
    released = []
    for row in ledger.rows(statuses=(FileStatus.HELD,)):
        if not roster or roster.official(row.org) is not None:
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
