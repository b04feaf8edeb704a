"""A real full disk (issue #15): the outbox on a small tmpfs that fills up half way through a run.

The run stops with exit 2 and one Chinese sentence, nothing half-written is left among the
outputs, and once space is freed the next run completes the outbox.  Mounting needs root (or
CAP_SYS_ADMIN); where the test cannot mount a tmpfs it is skipped, saying so.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_helpers import audit, ledger_rows, set_mtime, write_invalid, write_valid

SIZE = 1024 * 1024  # the whole small disk


@contextlib.contextmanager
def _small_disk(where: Path) -> Iterator[Path]:
    where.mkdir(parents=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(where)],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except OSError as exc:
        pytest.skip(f"无法挂载 tmpfs 来模拟磁盘已满（{exc}）")
    if done.returncode != 0:
        pytest.skip(f"无法挂载 tmpfs 来模拟磁盘已满（需要 root 权限）：{done.stderr.strip()}")
    try:
        yield where
    finally:
        for _ in range(20):  # a process that just ended may hold it for a moment
            if subprocess.run(["umount", str(where)], capture_output=True, check=False).returncode == 0:
                break
            time.sleep(0.25)
        else:
            subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def _run(inbox: Path, outbox: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xl2report", "run", "--inbox", str(inbox), "--outbox",
         str(outbox), "--settle", "0", "-j", "1"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _half_written(outbox: Path) -> list[str]:
    """Outputs that are not whole workbooks/documents, staged files left, rows without files."""
    bad = []
    for path in outbox.rglob("*"):
        if path.suffix in (".docx", ".xlsx") and ".xl2report" not in path.parts:
            try:
                with zipfile.ZipFile(path) as zf:
                    if zf.testzip() is not None:
                        bad.append(str(path))
            except zipfile.BadZipFile:
                bad.append(str(path))
    staged = outbox / ".xl2report" / "tmp"
    bad += [str(p) for p in staged.rglob("*") if p.is_file()] if staged.exists() else []
    try:
        rows = ledger_rows(outbox)
    except sqlite3.OperationalError:  # the disk filled before the ledger had its tables
        rows = []
    for row in rows:
        for column in ("report", "feedback"):
            if row[column] and not (outbox / row[column]).is_file():
                bad.append(f"{row['path']}: {row[column]}")
    return bad


@pytest.mark.parametrize("free", [60_000, 200_000])
def test_a_full_disk_is_one_sentence_and_nothing_half_written(tmp_path: Path, free: int) -> None:
    inbox = tmp_path / "inbox"
    for i in range(6):
        write = write_valid if i % 2 == 0 else write_invalid
        set_mtime(write(inbox / f"镇{i}.xlsx", f"镇{i}人民政府", seed=i), 1_735_000_000 + i)
    with _small_disk(tmp_path / "disk") as disk:
        stat = os.statvfs(disk)
        filler = disk / "占位"
        filler.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - free))
        outbox = disk / "outbox"
        full = _run(inbox, outbox)
        assert full.returncode == 2, full.stdout + full.stderr
        assert "Traceback" not in full.stderr and "内部错误" not in full.stderr
        lines = [x for x in full.stderr.splitlines() if x.startswith("错误：")]
        assert len(lines) == 1 and "磁盘已满" in lines[0], full.stderr
        assert _half_written(outbox) == []
        filler.unlink()  # space freed: the next run completes the outbox
        done = _run(inbox, outbox)
        assert done.returncode == 1, done.stderr  # three rejected workbooks
        assert audit(inbox, outbox) == [] and _half_written(outbox) == []
