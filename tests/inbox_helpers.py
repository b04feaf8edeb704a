"""Helpers for batch tests: filled and broken workbooks, and checks of an outbox's consistency."""

from __future__ import annotations

import hashlib
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from helpers import consistent_values, make_workbook
from xl2report.batch.session import STATE_DIR, default_ledger
from xl2report.form.national import Value

ROOT = Path(__file__).resolve().parent.parent


def ctrl_c_reaches_the_child() -> None:
    """``preexec_fn`` for a child a test sends SIGINT (Ctrl-C) to.  A shell starts a background
    job (``pytest … &``) with SIGINT ignored, every child inherits that, and Python then never
    raises KeyboardInterrupt: back to the default, so the child gets Ctrl-C as at a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def values_for(org: str, seed: int = 0, year: int = 2024) -> dict[str, Value]:
    values = consistent_values(random.Random(seed), year=year)
    values["info.org"] = org
    return values


def write_valid(path: Path, org: str, seed: int = 0, year: int = 2024) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_workbook(path, values_for(org, seed, year), org=org, year=year)


def write_invalid(path: Path, org: str, seed: int = 0, year: int = 2024) -> Path:
    """Table 三 does not balance: one more new application than handled + carried over."""
    values = values_for(org, seed, year)
    values["s3.new.natural"] = int(values["s3.new.natural"]) + 1  # type: ignore[call-overload]
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_workbook(path, values, org=org, year=year)


def write_encrypted(path: Path, source: Path, password: str = "123") -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with open(source, "rb") as fh:
        OOXMLFile(fh).encrypt(password, out)
    path.write_bytes(out.getvalue())
    return path


def write_truncated(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def set_mtime(path: Path, seconds: float) -> None:
    os.utime(path, (seconds, seconds))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path, skip_state: bool = True) -> dict[str, str]:
    """Relative path -> content hash of every file under ``folder``."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and not (skip_state and rel.split("/")[0] == STATE_DIR):
            out[rel] = digest(p)
    return out


def ledger_rows(outbox: Path) -> list[dict[str, object]]:
    with sqlite3.connect(default_ledger(outbox)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM files ORDER BY id")]


def rows_committed(outbox: Path) -> int:
    """How many files a run (perhaps still going) has recorded so far: 0 while the ledger is
    missing or busy, read without taking part in the run's transactions."""
    ledger = default_ledger(outbox)
    if not ledger.exists():
        return 0
    try:
        with sqlite3.connect(f"{ledger.as_uri()}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    except sqlite3.Error:
        return 0


def audit(inbox: Path, outbox: Path) -> list[str]:
    """Everything that would make the outbox and the ledger disagree (empty: consistent)."""
    problems = []
    rows = ledger_rows(outbox)
    with sqlite3.connect(default_ledger(outbox)) as conn:
        if conn.execute("SELECT COUNT(*) FROM moves").fetchone()[0]:
            problems.append("journal not empty")
    referenced = set()
    for r in rows:
        for col in ("report", "pdf", "feedback"):
            if r[col]:
                referenced.add(r[col])
                if not (outbox / r[col]).is_file():
                    problems.append(f"missing {col}: {r[col]}")
    keys = [(r["path"], r["sha256"]) for r in rows]
    if len(keys) != len(set(keys)):
        problems.append("duplicate ledger rows")
    originals = [r for r in rows if r["duplicate_of"] is None]
    if len({r["sha256"] for r in originals}) != len(originals):
        problems.append("same content recorded twice as a submission")
    current = [(r["org"], r["year"]) for r in rows if r["status"] == "accepted"]
    if len(current) != len(set(current)):
        problems.append("two current reports for one org")
    for rel in snapshot(outbox):
        if rel not in referenced:
            problems.append(f"file not in ledger: {rel}")
        if rel.endswith(".tmp"):
            problems.append(f"temporary file left: {rel}")
    if (outbox / STATE_DIR / "tmp").exists():
        problems.append("staging folder left")
    return problems


def output_encoding() -> str | None:
    """The encoding a child ``xl2report`` writes its output in: ``PYTHONIOENCODING`` (GBK in
    the Windows lane, as a redirected stdout on Chinese Windows), else the locale's."""
    return (os.environ.get("PYTHONIOENCODING") or "").split(":")[0] or None


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """``python -m xl2report …`` in a fresh process (exit codes and stderr as a user sees them)."""
    return subprocess.run(
        [sys.executable, "-m", "xl2report", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding=output_encoding(),
        timeout=timeout,
        check=False,
    )
