"""下发编号: which template was handed out to which unit, so one unit cannot report as another.

Every template made for a roster (``template --roster``, the board's 下发模板) carries an
unguessable 下发编号 in its very-hidden ``_meta`` sheet, and the outbox's register
(``.xl2report/issued.sqlite``, beside the ledger and the run lock) records the unit and year it
was handed out to.  When a returned workbook is checked (``run``, ``watch``, the board):

- its 编号 was handed out to another unit than the 机关名称 it now carries: an error naming
  both units (``issued-to-other``) — changing the cover and ``_meta`` together is not enough;
- its 编号 was never handed out from this outbox (a template made by ``template`` alone, last
  year's, another county's): a warning for a person to look at (``issue-unknown``), and only
  when this outbox has handed out templates at all;
- it has no 编号 while its unit was handed out one for that year: a warning
  (``issue-missing``): a blank template from elsewhere, or the 编号 removed.

One 编号 per unit and year: handing the templates out again gives the same numbers, so the
templates already sent stay valid and the files stay byte-identical.  The register is its own
file so that moving or rebuilding the ledger never forgets what was handed out.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xl2report.batch.ledger_schema import connect_readonly
from xl2report.batch.outbox import STATE_DIR
from xl2report.batch.roster import RosterIndex, normalize_org
from xl2report.checks.catalogue import Finding
from xl2report.checks.check import CheckResult, with_findings
from xl2report.errors import FatalError
from xl2report.form.national import ORG

REGISTER_NAME = "issued.sqlite"
ISSUE_BYTES = 8  # 16 hex digits: 2^64 numbers, not guessable by a township
_NO_YEAR = 0  # a template without a year (SQLite's UNIQUE lets NULLs repeat)
# "Handed out to another unit" says what org-changed says, and what to do: one error, not two.
SAID_BY_ISSUE = frozenset({"org-changed"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS issued (
    issue TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    org_key TEXT NOT NULL,
    year INTEGER NOT NULL,
    issued_at TEXT NOT NULL,
    UNIQUE (org_key, year)
)"""


def register_path(outbox: Path) -> Path:
    """Where the outbox keeps its register of 下发编号."""
    return Path(outbox) / STATE_DIR / REGISTER_NAME


@dataclass(frozen=True)
class Issued:
    """One handed-out template: its 编号, the unit and year it went to."""

    issue: str
    org: str
    year: int | None


def issue_numbers(outbox: Path, orgs: Sequence[str], year: int | None) -> list[str]:
    """The 下发编号 of each unit's template for ``year`` (new ones recorded, old ones reused).

    All in one transaction: either every unit has its number or none was recorded.
    """
    path = register_path(outbox)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            conn.execute(_SCHEMA)
            conn.execute("BEGIN IMMEDIATE")
            try:
                numbers = [_number(conn, org, year) for org in orgs]
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()
    except (sqlite3.Error, OSError) as exc:
        raise FatalError(
            f"无法在输出目录登记下发编号（{path}：{exc}）：请检查磁盘空间和写入权限，"
            "或用 --outbox 指定县（区）的输出目录。"
        ) from exc
    return numbers


def _number(conn: sqlite3.Connection, org: str, year: int | None) -> str:
    key, y = normalize_org(org), year or _NO_YEAR
    hit = conn.execute("SELECT issue FROM issued WHERE org_key = ? AND year = ?", (key, y))
    row = hit.fetchone()
    if row:
        return str(row[0])
    number = secrets.token_hex(ISSUE_BYTES)
    conn.execute(
        "INSERT INTO issued (issue, org, org_key, year, issued_at) VALUES (?, ?, ?, ?, ?)",
        (number, org, key, y, datetime.now().isoformat(timespec="seconds")),
    )
    return number


def _same_unit(issued: str, found: str, roster: RosterIndex | None) -> bool:
    if normalize_org(issued) == normalize_org(found):
        return True
    official = roster.official(issued) if roster else None
    return official is not None and official == roster.official(found)  # type: ignore[union-attr]


class IssueRegister:
    """Read-only view of an outbox's register, for the checks (opened lazily, per process)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        if self._conn is None:
            if not self.path.is_file():
                return []  # nothing handed out from this outbox (yet)
            try:
                self._conn = connect_readonly(self.path.absolute())
            except sqlite3.Error:
                return []
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error:
            return []

    def find(self, issue: str) -> Issued | None:
        """The template handed out under ``issue``, if this outbox handed it out."""
        rows = self._query("SELECT org, year FROM issued WHERE issue = ?", (issue,))
        if not rows:
            return None
        org, year = rows[0]
        return Issued(issue, str(org), int(year) or None)  # type: ignore[call-overload]

    def number_of(self, org: str, year: int | None) -> str | None:
        """The 编号 handed out to ``org`` for ``year``, if any."""
        rows = self._query(
            "SELECT issue FROM issued WHERE org_key = ? AND year = ?",
            (normalize_org(org), year or _NO_YEAR),
        )
        return str(rows[0][0]) if rows else None

    def in_use(self) -> bool:
        """Whether this outbox has handed out any template with a 编号."""
        return bool(self._query("SELECT 1 FROM issued LIMIT 1"))

    def findings(
        self, issue: str, org: str, year: int | None, roster: RosterIndex | None = None
    ) -> list[Finding]:
        """What the register says about a workbook carrying ``issue`` and 机关名称 ``org``;
        with a ``roster``, a name and its 别名 are one unit (a unit renamed since)."""
        if issue:
            issued = self.find(issue)
            if issued is None:
                if not self.in_use():
                    return []
                return [Finding.at(None, "issue-unknown", issue=issue)]
            if not _same_unit(issued.org, org, roster):
                return [Finding.at(ORG, "issued-to-other", issued=issued.org, found=org,
                                   expected=issued.org, actual=org)]  # fmt: skip
            return []
        if org and year is not None and self.number_of(org, year):
            return [Finding.at(None, "issue-missing", org=org, year=year)]
        return []

    def check(self, result: CheckResult, roster: RosterIndex | None = None) -> CheckResult:
        """``result`` with what the register says about it (``run`` and ``check --outbox``)."""
        report = result.report
        if not report.readable or not report.org:
            return result
        added = self.findings(result.issue, report.org, report.year, roster)
        return with_findings(result, added, replaced=SAID_BY_ISSUE)

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
