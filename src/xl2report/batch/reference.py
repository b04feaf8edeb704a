"""Checked values as stored text, and last year's values for the year-over-year checks.

A run freezes last year's values (from the ledger's accepted rows, and from ``--previous-year``
workbooks) into the ledger's ``reference`` table before any worker starts, so every worker and
every ``--jobs`` sees the same values; workers read them through :class:`ReferenceReader`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from xl2report.batch.inbox import Kind, scan
from xl2report.batch.records import FileStatus
from xl2report.checks.cells import coerce_values
from xl2report.checks.check import check_file
from xl2report.errors import FatalError
from xl2report.form.national import Value
from xl2report.log import logger

if TYPE_CHECKING:
    from xl2report.batch.ledger import Ledger
    from xl2report.batch.pool import TaskPool

LEDGER_SOURCE = "账本"


def encode_values(values: Mapping[str, Value]) -> str:
    """Values as compact JSON; Decimals as strings so 194.3525 stays exact."""
    return json.dumps(
        {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def decode_values(text: str) -> dict[str, Value]:
    """Values stored by :func:`encode_values`, typed as the form says."""
    return coerce_values(json.loads(text))


class ReferenceReader:
    """Read-only access to the reference snapshot, for worker processes (opened lazily)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    def get(self, org: str, year: int) -> dict[str, Value] | None:
        """Last year's values of ``org`` for ``year``, if the snapshot has them."""
        if self._conn is None:
            self._conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30
            )
        hit = self._conn.execute(
            "SELECT vals FROM reference WHERE org = ? AND year = ?", (org, year)
        ).fetchone()
        return decode_values(hit[0]) if hit else None

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def previous_values(path: str) -> tuple[str, int | None, str | None]:
    """For ``--previous-year``: (org, year, values JSON) of a valid workbook, else no values."""
    try:
        result = check_file(Path(path))
    except Exception as exc:  # a reference file must not stop the run
        logger.warning("上年工作簿 {} 无法读取：{}", path, exc)
        return "", None, None
    report = result.report
    if not report.valid or not report.org or report.year is None:
        return report.org, report.year, None
    return report.org, report.year, encode_values(result.values)


def snapshot(ledger: Ledger, previous_year: Path | None, executor: TaskPool) -> int:
    """Freeze last year's values for this run; returns how many (org, year) pairs it holds.

    The ledger's accepted rows come first; a valid workbook under ``previous_year`` for the
    same org and year wins over them (the latest received one per org).
    """
    refs: dict[tuple[str, int], tuple[str, str]] = {}
    for row in ledger.rows(statuses=(FileStatus.ACCEPTED,)):
        if row.org and row.year is not None and row.vals:
            refs[(row.org, row.year)] = (LEDGER_SOURCE, row.vals)
    if previous_year is not None:
        folder = Path(previous_year)
        if not folder.is_dir():
            raise FatalError(f"上年工作簿目录不存在：{folder}")
        found = [e for e in scan(folder) if e.kind is Kind.WORKBOOK and e.size > 0]
        found.sort(key=lambda e: (e.mtime_ns, e.rel))  # the latest valid one per org wins
        results = executor.ordered(
            previous_values,
            previous_values,
            [str(e.path) for e in found],
            broken=lambda path, reason: ("", None, None),
        )
        for e, (org, year, vals) in zip(found, results, strict=True):
            if vals and org and year is not None:
                refs[(org, year)] = (str(e.path), vals)
        refs.update(_published(folder, refs, ledger))
    return ledger.replace_reference(
        (org, year, src, vals) for (org, year), (src, vals) in refs.items()
    )


_Refs = dict[tuple[str, int], tuple[str, str]]  # (org, year) -> (source, values JSON)


def _published(folder: Path, refs: _Refs, ledger: Ledger) -> _Refs:
    """Published reports (.pdf/.docx/.html…) in the ``--previous-year`` folder, for units and
    years no workbook there gives (the first year on xl2report), under the registered
    roster's names (a report titled with a 别名 counts for the unit it names)."""
    from xl2report.batch.published_source import PublishedRecord, published_records
    from xl2report.batch.roster import RosterIndex

    found: _Refs = {}
    for record in published_records(folder, roster=RosterIndex(ledger.roster())):
        if isinstance(record, PublishedRecord) and (record.org, record.year) not in refs:
            found[(record.org, record.year)] = (str(record.path), encode_values(record.values))
    return found


def snapshot_years(ledger: Ledger) -> list[int]:
    """The years whose values the snapshot holds (to say honestly what can be compared)."""
    return [r[0] for r in ledger.conn.execute("SELECT DISTINCT year FROM reference ORDER BY year")]
