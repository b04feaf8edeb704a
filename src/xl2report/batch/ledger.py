"""The submissions ledger: one SQLite file recording every workbook the pipeline has seen.

This is the only module that knows SQL.  It stores facts and answers questions; it decides
nothing (which submission is newer: :mod:`xl2report.batch.commit`; where a report goes:
:mod:`xl2report.batch.outbox`).

Schema (versioned with ``PRAGMA user_version``; WAL journal so readers never block the run):

- ``files``: one row per (inbox path, content SHA-256).  The first file with a given content is
  the submission; the same content under another name is a ``duplicate`` row pointing at it.
  Statuses: accepted / rejected / unreadable / superseded / duplicate / held (机关名称 not on the
  registered roster: no outputs until a person decides).  A superseded row is an older accepted
  version (its report in 历史版本/) or a rejection a later accepted version made obsolete (its
  feedback in 历史版本/).  Output paths are stored relative to the outbox, inbox paths relative
  to the inbox, both with ``/``.
- ``moves``: a write-ahead journal of renames.  A state change is committed together with the
  renames it needs; the renames are then done and the journal rows deleted.  After a crash the
  next run replays what is left, so the files on disk always end up where the ledger says.
- ``roster``: the registered list of organisations (机关名称, code, contact, email, 别名 joined
  by 、).
- ``reviews``: warnings a person marked 已核对 (file hash, code, sheet, cell, when).
- ``settings``: small facts such as the roster's source and each year's deadline.
- ``provenance``: the sender of each mailed workbook by content hash (``mail fetch`` writes
  it; the batch layer reads it without knowing mail); ``known_senders``: the senders a unit's
  returns may come from besides its roster addresses
  (:class:`~xl2report.batch.ledger_provenance.ProvenanceTables`).
- ``reference``: last year's values by (org, year), snapshotted at the start of a run for the
  year-over-year checks; worker processes read it through
  :class:`~xl2report.batch.reference.ReferenceReader` (the one other module with SQL).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from xl2report.batch.ledger_campaign import CampaignTables, Review, RosterEntry
from xl2report.batch.ledger_provenance import KnownSender, ProvenanceTables
from xl2report.batch.ledger_schema import (
    ALIAS_SEPARATOR,
    SCHEMA_VERSION,
    STATUSES,
    create,
    transaction,
    upgrade,
)
from xl2report.batch.records import FileStatus
from xl2report.batch.reference import ReferenceReader, decode_values, encode_values
from xl2report.errors import FatalError, os_error_text
from xl2report.form.national import Value

__all__ = [
    "ALIAS_SEPARATOR",
    "SCHEMA_VERSION",
    "STATUSES",
    "KnownSender",
    "Ledger",
    "ReferenceReader",
    "Review",
    "RosterEntry",
    "Row",
    "decode_values",
    "encode_values",
]


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


def _row(columns: dict[str, object]) -> Row:
    """A ``files`` row as a :class:`Row`, its status named."""
    return Row(**(columns | {"status": FileStatus(columns["status"])}))  # type: ignore[arg-type]


_COLUMNS = tuple(f.name for f in fields(Row))
_WRITABLE = frozenset(_COLUMNS) - {"id"}
_STATUS_AT = _COLUMNS.index("status")
_WITHOUT_VALUES = ", ".join("NULL AS vals" if c == "vals" else c for c in _COLUMNS)


class Ledger(CampaignTables, ProvenanceTables):
    """An open ledger.  Every method that changes something is one transaction."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Ledger:
        """Open (creating or upgrading) the ledger at ``path``; raises :class:`FatalError`."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL survives a killed process; commits stay cheap for big batches.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                conn.close()
                raise FatalError(
                    f"账本 {path} 由更新版本的 xl2report 创建（结构版本 {version}），"
                    "请升级 xl2report 后再运行。"
                )
            if version == 0:
                create(conn)
            else:
                upgrade(conn)
        except sqlite3.OperationalError as exc:  # the disk, not the file: full, limited, locked
            raise FatalError(
                f"无法读写账本 {path}（{exc}）：可能是磁盘已满、文件大小受限（ulimit -f）或没有写入"
                "权限；请检查后重新运行。"
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise FatalError(
                f"账本文件 {path} 无法打开或已损坏：{exc}。请从备份恢复这个文件；或把它连同输出目录"
                "里的年度文件夹一起移走后重新运行（将按收件目录重新生成全部输出）。"
            ) from exc
        except OSError as exc:
            raise FatalError(f"无法创建账本 {path}：{os_error_text(exc)}") from exc
        return cls(conn, path)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- files: questions -------------------------------------------------------------------

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return [_row(dict(r)) for r in self.conn.execute(sql, params)]

    def get(self, row_id: int) -> Row | None:
        """The row with this id, if any (an id no row can have, such as one from a forged
        link with 23 digits, is simply none)."""
        if not 0 < row_id < 2**63:
            return None
        rows = self._rows("SELECT * FROM files WHERE id = ?", (row_id,))
        return rows[0] if rows else None

    def find(self, path: str, sha256: str) -> Row | None:
        """The row recorded for this path with this content, if any."""
        rows = self._rows("SELECT * FROM files WHERE path = ? AND sha256 = ?", (path, sha256))
        return rows[0] if rows else None

    def original(self, sha256: str) -> Row | None:
        """The submission (not a duplicate) that first had this content."""
        rows = self._rows(
            "SELECT * FROM files WHERE sha256 = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1",
            (sha256,),
        )
        return rows[0] if rows else None

    def known_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        """The hash recorded for this path with this size and mtime (saves re-reading it)."""
        hit = self.conn.execute(
            "SELECT sha256 FROM files WHERE path = ? AND size = ? AND mtime_ns = ? "
            "ORDER BY id DESC LIMIT 1",
            (path, size, mtime_ns),
        ).fetchone()
        return hit[0] if hit else None

    def submissions(self, org: str, year: int | None) -> list[Row]:
        """Accepted and superseded submissions of one org and year, oldest first."""
        rows = self._rows(
            "SELECT * FROM files WHERE org = ? AND year IS ? AND status IN (?, ?) "
            "ORDER BY received_ns, path",
            (org, year, FileStatus.ACCEPTED, FileStatus.SUPERSEDED),
        )
        return rows

    def current(self, org: str, year: int | None) -> Row | None:
        """The org's current accepted submission for the year (the newest), if any."""
        rows = self._rows(
            "SELECT * FROM files WHERE org = ? AND year IS ? AND status = ? "
            "ORDER BY received_ns DESC, path DESC LIMIT 1",
            (org, year, FileStatus.ACCEPTED),
        )
        return rows[0] if rows else None

    def next_version(self, org: str, year: int | None) -> int:
        """The version number the next accepted submission of (org, year) gets."""
        top = self.conn.execute(
            "SELECT MAX(version) FROM files WHERE org = ? AND year IS ?", (org, year)
        ).fetchone()[0]
        return (top or 0) + 1

    def rows(
        self,
        year: int | None = None,
        statuses: Iterable[FileStatus] | None = None,
        *,
        values: bool = True,
    ) -> list[Row]:
        """Rows, optionally of one year and some statuses, oldest received first.

        ``values=False`` leaves out the stored values (``Row.vals`` is None): views that only
        show states read the ledger several times faster without them.
        """
        columns = "*" if values else _WITHOUT_VALUES
        sql, params = f"SELECT {columns} FROM files", []
        where = []
        if year is not None:
            where.append("year = ?")
            params.append(year)
        if statuses is not None:
            wanted = list(statuses)
            where.append(f"status IN ({', '.join('?' * len(wanted))})")
            params.extend(wanted)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY received_ns, path, id"
        if values:
            return self._rows(sql, params)
        # The columns are named in Row's order here, so rows are built by position (faster).
        out = []
        for found in self.conn.execute(sql, params):
            cells = list(found)
            cells[_STATUS_AT] = FileStatus(cells[_STATUS_AT])
            out.append(Row(*cells))
        return out

    def years(self) -> list[int]:
        """Every year that has a row."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT year FROM files WHERE year IS NOT NULL ORDER BY year"
            )
        ]

    def outputs(self) -> set[str]:
        """Every output path the ledger refers to (relative to the outbox)."""
        out: set[str] = set()
        for r in self.conn.execute("SELECT report, pdf, feedback FROM files"):
            out.update(p for p in r if p)
        return out

    def accepted_without_pdf(self) -> list[Row]:
        """Current reports that have no PDF yet (for ``--pdf``)."""
        return self._rows(
            "SELECT * FROM files WHERE status = ? AND report IS NOT NULL AND pdf IS NULL "
            "ORDER BY received_ns, path",
            (FileStatus.ACCEPTED,),
        )

    def count(self) -> int:
        """How many files the ledger has seen."""
        return self.conn.execute("SELECT COUNT(*) FROM files").fetchone()[0]

    def retries(self, row_id: int) -> int:
        """How many times a 无法处理 file was processed again (see ``run --retry``)."""
        return int(self._get(f"retries:{row_id}") or 0)

    def count_retry(self, row_id: int) -> None:
        """One more try of a 无法处理 file."""
        with transaction(self.conn):
            self._set(f"retries:{row_id}", str(self.retries(row_id) + 1))

    # --- files: changes ---------------------------------------------------------------------

    def forget(self, ids: Iterable[int]) -> None:
        """Delete rows and their retry counts; duplicates go before the rows they point at."""
        wanted = [(i,) for i in set(ids)]
        with transaction(self.conn):
            for only_duplicates in (True, False):
                where = " AND duplicate_of IS NOT NULL" if only_duplicates else ""
                self.conn.executemany(f"DELETE FROM files WHERE id = ?{where}", wanted)
            self.conn.executemany("DELETE FROM settings WHERE key = 'retries:' || ?", wanted)

    def commit(
        self,
        insert: Mapping[str, object] | None = None,
        updates: Iterable[tuple[int, Mapping[str, object]]] = (),
        moves: Iterable[tuple[Path, Path]] = (),
    ) -> tuple[int | None, list[int]]:
        """One state change: insert a row, update rows, and journal the renames it needs.

        Returns (new row id or None, journal ids).  The caller performs the renames and then
        calls :meth:`moves_done` with the journal ids.
        """
        with transaction(self.conn):
            new_id = None
            if insert is not None:
                cols = _checked(insert)
                new_id = self.conn.execute(
                    f"INSERT INTO files ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [insert[c] for c in cols],
                ).lastrowid
            for row_id, changes in updates:
                cols = _checked(changes)
                self.conn.execute(
                    f"UPDATE files SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
                    [*(changes[c] for c in cols), row_id],
                )
            journal = [
                self.conn.execute(
                    "INSERT INTO moves (src, dst) VALUES (?, ?)", (str(src), str(dst))
                ).lastrowid
                for src, dst in moves
            ]
        return new_id, journal

    def pending_moves(self) -> list[tuple[int, Path, Path]]:
        """Journalled renames not yet confirmed done, in order."""
        return [
            (r[0], Path(r[1]), Path(r[2]))
            for r in self.conn.execute("SELECT id, src, dst FROM moves ORDER BY id")
        ]

    def rename_output(self, old: str, new: str) -> None:
        """Point every row that names output ``old`` (relative to the outbox) at ``new``."""
        with transaction(self.conn):
            for column in ("report", "pdf", "feedback"):
                self.conn.execute(f"UPDATE files SET {column} = ? WHERE {column} = ?", (new, old))

    def moves_done(self, ids: Iterable[int]) -> None:
        """Forget journal entries whose renames are done."""
        ids = list(ids)
        if not ids:
            return
        with transaction(self.conn):
            self.conn.executemany("DELETE FROM moves WHERE id = ?", [(i,) for i in ids])

    # --- reference values for year-over-year checks -----------------------------------------

    def replace_reference(self, entries: Iterable[tuple[str, int, str, str]]) -> int:
        """Replace the snapshot with (org, year, source, values JSON) rows; returns the count."""
        with transaction(self.conn):
            self.conn.execute("DELETE FROM reference")
            self.conn.executemany(
                "INSERT OR REPLACE INTO reference (org, year, source, vals) VALUES (?, ?, ?, ?)",
                list(entries),
            )
            return self.conn.execute("SELECT COUNT(*) FROM reference").fetchone()[0]


def _checked(values: Mapping[str, object]) -> list[str]:
    cols = list(values)
    unknown = set(cols) - _WRITABLE
    if unknown:
        raise KeyError(f"not a ledger column: {sorted(unknown)}")
    return cols
