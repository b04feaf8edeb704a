"""The ledger's SQLite schema, its version and the upgrades from older versions.

Only :mod:`xl2report.batch.ledger` and its table mixins use this module.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePath

from xl2report.batch.records import FileStatus

SCHEMA_VERSION = 3
# The statuses a file can have in the ledger (skipped, pending and failed files are not recorded).
STATUSES = (
    FileStatus.ACCEPTED,
    FileStatus.REJECTED,
    FileStatus.UNREADABLE,
    FileStatus.SUPERSEDED,
    FileStatus.DUPLICATE,
    FileStatus.HELD,
    FileStatus.SENDER_HELD,
)
ALIAS_SEPARATOR = "、"

_FILES_TABLE = f"""
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    received_ns INTEGER NOT NULL,
    seen_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ({", ".join(repr(s.value) for s in STATUSES)})),
    duplicate_of INTEGER REFERENCES files(id),
    org TEXT NOT NULL DEFAULT '',
    year INTEGER,
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    version INTEGER,
    report TEXT,
    pdf TEXT,
    feedback TEXT,
    message TEXT NOT NULL DEFAULT '',
    findings TEXT NOT NULL DEFAULT '[]',
    vals TEXT,
    converted INTEGER NOT NULL DEFAULT 0,
    stored_path TEXT,
    UNIQUE (path, sha256)
)"""
_FILES_INDEXES = """
CREATE INDEX files_sha ON files (sha256);
CREATE INDEX files_org ON files (org, year, status)"""
# Where a workbook came from (written by ``mail fetch``, keyed by content) and the senders a
# unit's returns may come from besides its roster addresses (confirmed by the clerk, or the
# first one seen when the unit has no address on the roster).
_PROVENANCE = """
CREATE TABLE provenance (
    sha256 TEXT NOT NULL,
    sender TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    received TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (sha256, sender)
);
CREATE TABLE known_senders (
    org TEXT NOT NULL,
    sender TEXT NOT NULL,
    how TEXT NOT NULL CHECK (how IN ('confirmed', 'first')),
    confirmed_at TEXT NOT NULL,
    PRIMARY KEY (org, sender)
);
"""
_SCHEMA = f"""{_FILES_TABLE};{_FILES_INDEXES};
CREATE TABLE moves (id INTEGER PRIMARY KEY, src TEXT NOT NULL, dst TEXT NOT NULL);
CREATE TABLE roster (
    position INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    aliases TEXT NOT NULL DEFAULT ''
);
CREATE TABLE reviews (
    sha256 TEXT NOT NULL,
    code TEXT NOT NULL,
    sheet TEXT NOT NULL DEFAULT '',
    cell TEXT NOT NULL DEFAULT '',
    reviewed_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (sha256, code, sheet, cell)
);
CREATE TABLE reference (
    org TEXT NOT NULL,
    year INTEGER NOT NULL,
    source TEXT NOT NULL,
    vals TEXT NOT NULL,
    PRIMARY KEY (org, year)
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{_PROVENANCE}"""


def create(conn: sqlite3.Connection) -> None:
    """Create every table of the current schema in an empty database."""
    with transaction(conn):
        if _version(conn) != 0:  # another process (serve beside run) created it meanwhile
            return
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def upgrade_from_1(conn: sqlite3.Connection) -> None:
    """Schema 1 -> 2: the ``held`` status (the CHECK constraint means rebuilding ``files``),
    roster aliases, reviewed warnings."""

    def changes() -> None:
        _rebuild_files(conn)
        conn.execute("ALTER TABLE roster ADD COLUMN aliases TEXT NOT NULL DEFAULT ''")
        conn.execute(
            "CREATE TABLE reviews (sha256 TEXT NOT NULL, code TEXT NOT NULL, "
            "sheet TEXT NOT NULL DEFAULT '', cell TEXT NOT NULL DEFAULT '', "
            "reviewed_at TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', "
            "PRIMARY KEY (sha256, code, sheet, cell))"
        )

    _upgrade(conn, 1, changes)


def upgrade_from_2(conn: sqlite3.Connection) -> None:
    """Schema 2 -> 3: the ``sender-held`` status (rebuilding ``files``), where mailed workbooks
    came from and the senders known for each unit."""

    def changes() -> None:
        _rebuild_files(conn)
        for statement in _PROVENANCE.split(";"):
            if statement.strip():
                conn.execute(statement)

    _upgrade(conn, 2, changes)


def upgrade(conn: sqlite3.Connection) -> None:
    """Bring an older ledger to :data:`SCHEMA_VERSION`, one version at a time."""
    steps = {1: upgrade_from_1, 2: upgrade_from_2}
    while (version := _version(conn)) in steps:
        steps[version](conn)


def _upgrade(conn: sqlite3.Connection, version: int, changes: Callable[[], None]) -> None:
    """Run ``changes`` in one transaction if the ledger is still at ``version`` (another process
    may have upgraded it meanwhile), then record ``version + 1``."""
    conn.execute("PRAGMA foreign_keys=OFF")  # only takes effect outside a transaction
    try:
        with transaction(conn):
            if _version(conn) != version:
                return
            changes()
            conn.execute(f"PRAGMA user_version={version + 1}")
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


def _rebuild_files(conn: sqlite3.Connection) -> None:
    """``files`` with the current CHECK constraint on its status (SQLite cannot alter one)."""
    conn.execute(_FILES_TABLE.replace("CREATE TABLE files", "CREATE TABLE files_new"))
    conn.execute("INSERT INTO files_new SELECT * FROM files")
    conn.execute("DROP TABLE files")
    conn.execute("ALTER TABLE files_new RENAME TO files")
    for statement in _FILES_INDEXES.split(";"):
        if statement.strip():
            conn.execute(statement)


def _version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def connect_readonly(path: PurePath, timeout: float = 30) -> sqlite3.Connection:
    """A read-only connection to the SQLite file at the absolute ``path`` (worker processes and
    readers beside a run must not hold a writable one)."""
    return sqlite3.connect(readonly_uri(path), uri=True, timeout=timeout)


def readonly_uri(path: PurePath) -> str:
    """SQLite's ``file:`` URI that opens the absolute ``path`` read-only, on any drive.

    Not ``resolve().as_uri()``: on Windows ``resolve`` turns a mapped drive into its UNC path,
    whose URI names the server as the authority, which SQLite refuses ("invalid uri
    authority").  Here the authority is empty and the whole path is percent-encoded (spaces,
    ``#``, ``?``, ``%``, Chinese), so ``//server/share/…`` stays a path, and a drive path takes
    SQLite's ``/C:/…`` form.
    """
    text = path.as_posix()
    if not text.startswith("/"):
        text = "/" + text
    return "file://" + urllib.parse.quote(text, safe="/:") + "?mode=ro"
