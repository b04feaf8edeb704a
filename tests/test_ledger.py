"""The ledger: schema, one-transaction state changes, the journal, roster and reference."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from xl2report.batch.ledger import (
    SCHEMA_VERSION,
    Ledger,
    ReferenceReader,
    RosterEntry,
    decode_values,
    encode_values,
)
from xl2report.errors import FatalError


def row(path: str, sha: str, **kw: object) -> dict[str, object]:
    base = {"path": path, "sha256": sha, "size": 1, "mtime_ns": 1, "received_ns": 1,
            "seen_at": "t", "status": "accepted", "org": "甲", "year": 2024}  # fmt: skip
    return base | kw


def test_schema_is_versioned_and_wal(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        assert ledger.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ledger.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with Ledger.open(tmp_path / "l.sqlite") as ledger:  # reopening keeps it
        assert ledger.count() == 0


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(FatalError, match="更新版本"):
        Ledger.open(path)


def test_a_file_that_is_not_a_database_is_a_fatal_error(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    path.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(FatalError, match="损坏"):
        Ledger.open(path)


def test_commit_is_all_or_nothing(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        first, _ = ledger.commit(insert=row("a.xlsx", "s1"))
        with pytest.raises(sqlite3.IntegrityError):  # the same (path, sha) twice
            ledger.commit(
                insert=row("a.xlsx", "s1"),
                updates=[(first, {"status": "superseded"})],  # type: ignore[list-item]
                moves=[(tmp_path / "x", tmp_path / "y")],
            )
        assert ledger.get(first).status == "accepted"  # type: ignore[arg-type, union-attr]
        assert ledger.pending_moves() == []
        with pytest.raises(KeyError):
            ledger.commit(insert=row("b.xlsx", "s2", bogus=1))


def test_questions(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        a, _ = ledger.commit(insert=row("a.xlsx", "s1", received_ns=5, version=1,
                                        status="superseded", report="2024/h.docx"))  # fmt: skip
        b, _ = ledger.commit(insert=row("b.xlsx", "s2", received_ns=9, version=2,
                                        report="2024/r.docx", size=7, mtime_ns=70))  # fmt: skip
        ledger.commit(insert=row("c.xlsx", "s2", status="duplicate", duplicate_of=b))
        assert ledger.original("s2").id == b  # type: ignore[union-attr]
        assert ledger.find("c.xlsx", "s2").status == "duplicate"  # type: ignore[union-attr]
        assert ledger.current("甲", 2024).id == b  # type: ignore[union-attr]
        assert ledger.current("乙", 2024) is None
        assert ledger.next_version("甲", 2024) == 3
        assert [r.id for r in ledger.submissions("甲", 2024)] == [a, b]
        assert ledger.known_hash("b.xlsx", 7, 70) == "s2"
        assert ledger.known_hash("b.xlsx", 7, 71) is None
        assert ledger.outputs() == {"2024/h.docx", "2024/r.docx"}
        assert ledger.years() == [2024]


def test_journal(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        _, ids = ledger.commit(
            moves=[(tmp_path / "a", tmp_path / "b"), (tmp_path / "c", tmp_path / "d")]
        )
        assert [(s.name, d.name) for _, s, d in ledger.pending_moves()] == [("a", "b"), ("c", "d")]
        ledger.moves_done(ids)
        assert ledger.pending_moves() == []


def test_roster_and_reference(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger.open(path) as ledger:
        ledger.set_roster([RosterEntry("甲镇", "01"), RosterEntry("乙镇")], "名单.csv")
        assert [e.name for e in ledger.roster()] == ["甲镇", "乙镇"]
        assert ledger.roster_source() == "名单.csv"
        ledger.set_roster([RosterEntry("丙镇")], "新名单.csv")
        assert [e.name for e in ledger.roster()] == ["丙镇"]
        values = {"s2.fees.amount": Decimal("194.3525"), "info.org": "甲镇", "s3.new.natural": 3}
        assert ledger.replace_reference([("甲镇", 2023, "账本", encode_values(values))]) == 1
        reader = ReferenceReader(path)
        assert reader.get("甲镇", 2023) == values
        assert reader.get("甲镇", 2022) is None
        reader.close()


def test_values_round_trip_exactly() -> None:
    values = {
        "s2.fees.amount": Decimal("0.0001"),
        "s1.active.text": '含"引号"与=号',
        "info.year": 2024,
    }
    assert decode_values(encode_values(values)) == values


def test_aliases_deadline_reviews_and_held(tmp_path: Path) -> None:
    from datetime import date

    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        ledger.set_roster([RosterEntry("白沙乡人民政府", aliases=("白沙乡",))], "名单.csv")
        assert ledger.add_alias("白沙乡人民政府", "白沙乡政府")
        assert ledger.add_alias("白沙乡人民政府", "白沙乡政府")  # twice changes nothing
        assert not ledger.add_alias("不在名单", "x")
        assert ledger.roster()[0].aliases == ("白沙乡", "白沙乡政府")
        # Registering the roster file again keeps the aliases confirmed in between.
        ledger.set_roster([RosterEntry("白沙乡人民政府", "09", aliases=("白沙",))], "名单.csv")
        assert ledger.roster()[0].aliases == ("白沙", "白沙乡", "白沙乡政府")
        assert ledger.roster()[0].code == "09"

        assert ledger.deadline(2024) is None
        ledger.set_deadline(2024, date(2025, 1, 20))
        assert ledger.deadline(2024) == date(2025, 1, 20) and ledger.deadline(2023) is None
        ledger.set_deadline(2024, None)
        assert ledger.deadline(2024) is None

        review = ledger.mark_reviewed("s1", "narrative-count-mismatch", "一、总体情况", "B7")
        assert review.reviewed_at and ledger.reviews("s1") == [review]
        assert ledger.reviews("s2") == []
        ledger.unmark_reviewed("s1", "narrative-count-mismatch", "一、总体情况", "B7")
        assert ledger.reviews() == []

        held, _ = ledger.commit(insert=row("h.xlsx", "s9", status="held", org="白沙乡政府"))
        dup, _ = ledger.commit(insert=row("h2.xlsx", "s9", status="duplicate", duplicate_of=held))
        accepted, _ = ledger.commit(insert=row("a.xlsx", "s1"))
        with pytest.raises(ValueError):
            ledger.release(accepted)  # type: ignore[arg-type]
        ledger.release(held)  # type: ignore[arg-type]
        assert ledger.get(held) is None and ledger.get(dup) is None  # type: ignore[arg-type]
        assert ledger.get(accepted) is not None  # type: ignore[arg-type]


def test_schema_1_is_upgraded_keeping_every_row(tmp_path: Path) -> None:
    from xl2report.batch import ledger_schema

    path = tmp_path / "old.sqlite"
    old_files = ledger_schema._FILES_TABLE.replace(", 'held'", "")
    conn = sqlite3.connect(path)
    conn.execute(old_files)
    conn.execute(
        "CREATE TABLE moves (id INTEGER PRIMARY KEY, src TEXT NOT NULL, dst TEXT NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE roster (position INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
        "code TEXT NOT NULL DEFAULT '', contact TEXT NOT NULL DEFAULT '', "
        "email TEXT NOT NULL DEFAULT '')"
    )
    conn.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute(
        "CREATE TABLE reference (org TEXT NOT NULL, year INTEGER NOT NULL, source TEXT NOT NULL,"
        " vals TEXT NOT NULL, PRIMARY KEY (org, year))"
    )
    conn.execute("INSERT INTO roster (position, name) VALUES (0, '甲镇')")
    conn.execute(
        "INSERT INTO files (path, sha256, size, mtime_ns, received_ns, seen_at, status, org, year)"
        " VALUES ('a.xlsx', 's1', 1, 1, 1, 't', 'accepted', '甲镇', 2024)"
    )
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with Ledger.open(path) as ledger:
        assert ledger.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [r.path for r in ledger.rows()] == ["a.xlsx"]
        assert ledger.roster() == [RosterEntry("甲镇")]
        ledger.commit(insert=row("h.xlsx", "s2", status="held"))  # the new status is allowed
        assert ledger.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
