"""What the ledger stores, as records: a file's row and a roster entry.

Plain frozen dataclasses, built by :mod:`xl2report.batch.ledger` from its tables; no SQL here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

from xl2report.batch.records import FileStatus
from xl2report.batch.reference import decode_values
from xl2report.form.national import Value


@dataclass(frozen=True)
class Row:
    """One file seen (a row of ``files``)."""

    id: int
    path: str
    sha256: str
    size: int
    mtime_ns: int
    received_ns: int
    seen_at: str
    status: FileStatus
    duplicate_of: int | None
    org: str
    year: int | None
    errors: int
    warnings: int
    version: int | None
    report: str | None
    pdf: str | None
    feedback: str | None
    message: str
    findings: str
    vals: str | None
    converted: int
    stored_path: str | None

    @property
    def order(self) -> tuple[int, str]:
        """Which of two submissions is newer: received time (first-seen mtime), then path."""
        return (self.received_ns, self.path)

    def values(self) -> dict[str, Value]:
        """The checked values stored with an accepted submission ({} when none)."""
        return decode_values(self.vals) if self.vals else {}

    def finding_dicts(self) -> list[dict[str, object]]:
        """The findings stored with the row (``Finding.to_dict`` form)."""
        return json.loads(self.findings or "[]")


def row_from(columns: dict[str, object]) -> Row:
    """A ``files`` row as a :class:`Row`, its status named."""
    return Row(**(columns | {"status": FileStatus(columns["status"])}))  # type: ignore[arg-type]


_COLUMNS = tuple(f.name for f in fields(Row))
WRITABLE_COLUMNS = frozenset(_COLUMNS) - {"id"}


@dataclass(frozen=True)
class RosterEntry:
    """One organisation of the registered roster."""

    name: str
    code: str = ""
    contact: str = ""
    email: str = ""
