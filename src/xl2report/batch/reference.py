"""Checked values as stored text, and last year's values for the year-over-year checks.

A run freezes last year's values (from the ledger's accepted rows, and from ``--previous-year``:
another outbox or a folder of workbooks, read by :mod:`xl2report.batch.lastyear`) into the
ledger's ``reference`` table before any worker starts, so every worker and
every ``--jobs`` sees the same values; workers read them through :class:`ReferenceReader`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from xl2report.batch.ledger_schema import connect_readonly
from xl2report.batch.records import FileStatus
from xl2report.checks.cells import coerce_values
from xl2report.checks.check import check_file
from xl2report.form.national import Value
from xl2report.log import logger

if TYPE_CHECKING:
    from xl2report.batch.ledger import Ledger

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
            self._conn = connect_readonly(self.path.absolute())
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


def snapshot(ledger: Ledger, earlier: Iterable[tuple[str, int, str, str]] = ()) -> int:
    """Freeze last year's values for this run; returns how many (org, year) pairs it holds.

    The ledger's accepted rows come first; ``earlier`` — (org, year, source, values JSON) from
    ``--previous-year``, oldest first — wins over them for the same org and year.
    """
    refs: dict[tuple[str, int], tuple[str, str]] = {}
    for row in ledger.rows(statuses=(FileStatus.ACCEPTED,)):
        if row.org and row.year is not None and row.vals:
            refs[(row.org, row.year)] = (LEDGER_SOURCE, row.vals)
    for org, year, source, vals in earlier:
        refs[(org, year)] = (source, vals)
    return ledger.replace_reference(
        (org, year, src, vals) for (org, year), (src, vals) in refs.items()
    )


def compared_with(ledger: Ledger, org: str, year: int) -> dict[str, Value] | None:
    """Last year's values that ``org``'s report for ``year`` is compared with: those of the
    latest run's snapshot (which holds ``--previous-year`` sources), else the ledger's current
    accepted submission of ``year - 1``."""
    hit = ledger.conn.execute(
        "SELECT vals FROM reference WHERE org = ? AND year = ?", (org, year - 1)
    ).fetchone()
    if hit:
        return decode_values(hit[0])
    row = ledger.current(org, year - 1)
    return row.values() if row is not None and row.vals else None
