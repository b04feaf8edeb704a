"""What differs on a Windows PC's file system, simulated here where Windows itself cannot be had:
calls its Python lacks, names NTFS treats as equal or refuses, the run lock's byte, SQLite URIs
of network paths, a frozen executable."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path, PureWindowsPath

import pytest

from inbox_helpers import ROOT, snapshot, write_valid
from win_helpers import windows_names
from xl2report.atomic import atomic_path, write_bytes_atomic
from xl2report.batch import runlock
from xl2report.batch.ledger import Ledger
from xl2report.batch.ledger_campaign import RosterEntry, registered_roster
from xl2report.batch.ledger_schema import connect_readonly, readonly_uri
from xl2report.batch.outbox import default_ledger, report_filename, safe_filename
from xl2report.batch.records import RunOptions
from xl2report.batch.reference import ReferenceReader
from xl2report.batch.session import run_batch
from xl2report.cli.main import main
from xl2report.report import engine
from xl2report.report.docx_package import default_word_template


def test_outputs_are_written_without_fchmod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows' Python has no ``os.fchmod`` before 3.13 (it needs none: no modes to widen)."""
    monkeypatch.delattr(os, "fchmod", raising=False)
    write_bytes_atomic(tmp_path / "报告.docx", b"docx")
    with atomic_path(tmp_path / "反馈.xlsx") as tmp:
        tmp.write_bytes(b"xlsx")
    assert (tmp_path / "报告.docx").read_bytes() == b"docx"
    assert (tmp_path / "反馈.xlsx").read_bytes() == b"xlsx"


def test_examples_run_without_fchmod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every accepted file used to become 无法读取 (the report could not be written)."""
    monkeypatch.delattr(os, "fchmod", raising=False)
    outbox = tmp_path / "outbox"
    options = RunOptions(inbox=ROOT / "examples" / "inbox", outbox=outbox, jobs=1, settle=0)
    result = run_batch(options)
    assert sorted(f.status.value for f in result.files) == ["accepted", "rejected"]
    assert set(snapshot(outbox)) == {
        f"2024/{report_filename('克井镇人民政府', 2024)}",
        "2024/退回/示例乡人民政府_校验反馈.xlsx",
    }


# --- names NTFS treats as one, or refuses ------------------------------------------------------


def test_names_differing_in_case_are_two_files(tmp_path: Path) -> None:
    """On NTFS ``ABC局…`` and ``abc局…`` are one name: the second report must get its own."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    write_valid(inbox / "1.xlsx", "ABC局", seed=1)
    write_valid(inbox / "2.xlsx", "abc局", seed=2)
    result = run_batch(RunOptions(inbox=inbox, outbox=outbox, jobs=1, settle=0))
    outputs = [f.output for f in result.files]
    assert [f.status.value for f in result.files] == ["accepted", "accepted"]
    assert len({o.casefold() for o in outputs}) == 2, outputs
    assert all((outbox / o).is_file() for o in outputs)


@pytest.mark.parametrize(
    "name", ["COM0.docx", "lpt0", "COM¹.xlsx", "LPT³.txt", "CONIN$", "conout$.log", "Con .txt"]
)
def test_windows_device_names_are_not_used(name: str) -> None:
    safe = safe_filename(name)
    assert safe != name and safe.lstrip("_") == name.strip()


# --- the run lock's pid under msvcrt -----------------------------------------------------------


class _Msvcrt:
    """``msvcrt.locking`` as Windows documents it: locks bytes from the file position; a byte
    locked through one descriptor cannot be locked or read through another."""

    LK_NBLCK, LK_UNLCK = 2, 0

    def __init__(self) -> None:
        self.locks: dict[tuple[int, int], int] = {}  # (inode, byte) -> descriptor

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        start = os.lseek(fd, 0, os.SEEK_CUR)
        for byte in range(start, start + nbytes):
            key = (os.fstat(fd).st_ino, byte)
            if mode == self.LK_UNLCK:
                self.locks.pop(key, None)
            elif self.locks.setdefault(key, fd) != fd:
                raise PermissionError(13, "Permission denied")

    def read(self, real: Callable[[int, int], bytes], fd: int, n: int) -> bytes:
        start = os.lseek(fd, 0, os.SEEK_CUR)
        ino = os.fstat(fd).st_ino
        if any(self.locks.get((ino, b), fd) != fd for b in range(start, start + n)):
            raise PermissionError(13, "Permission denied")  # ERROR_LOCK_VIOLATION
        return real(fd, n)


def test_the_lock_holders_pid_is_readable_under_msvcrt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _Msvcrt()
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setattr(sys, "platform", "win32")
    spec = importlib.util.spec_from_file_location("runlock_on_windows", runlock.__file__)
    assert spec is not None and spec.loader is not None
    windows_runlock = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(windows_runlock)
    monkeypatch.setattr(sys, "platform", "linux")
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: fake.read(real_read, fd, n))
    path = tmp_path / "run.lock"
    holder = windows_runlock.RunLock(path)
    holder.acquire()
    try:
        with pytest.raises(windows_runlock.LockHeld, match=f"进程 {os.getpid()}"):
            windows_runlock.RunLock(path).acquire()
    finally:
        holder.release()
    windows_runlock.RunLock(path).acquire()  # free again


# --- SQLite on a network drive -----------------------------------------------------------------

AWKWARD = "共享 盘#1?%20 数据"  # spaces, '#', '?', '%' and Chinese in a folder name


def test_read_only_connections_in_an_awkward_folder(tmp_path: Path) -> None:
    # '?' is refused on Windows (the lane's NTFS volume), allowed on UOS/麒麟.
    name = AWKWARD.replace("?", "") if windows_names(tmp_path) else AWKWARD
    outbox = tmp_path / name / "outbox"
    ledger = Ledger.open(default_ledger(outbox))
    try:
        ledger.set_roster([RosterEntry("甲镇人民政府", aliases=("甲镇",))], "名单.csv")
        ledger.replace_reference([("甲镇人民政府", 2023, "甲.xlsx", "{}")])
    finally:
        ledger.close()
    assert [e.name for e in registered_roster(default_ledger(outbox))] == ["甲镇人民政府"]
    reader = ReferenceReader(default_ledger(outbox))
    try:
        assert reader.get("甲镇人民政府", 2023) == {}
    finally:
        reader.close()
    conn = connect_readonly(default_ledger(outbox).absolute())
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM roster")
    finally:
        conn.close()


@pytest.mark.parametrize(
    "path",
    [
        PureWindowsPath(rf"\\县政务服务器\共享\{AWKWARD}\ledger.sqlite"),  # UNC
        PureWindowsPath(rf"Z:\{AWKWARD}\ledger.sqlite"),  # a mapped drive
    ],
)
def test_network_paths_make_uris_sqlite_accepts(path: PureWindowsPath) -> None:
    """``resolve()`` gives a mapped drive's UNC path on Windows, and a UNC path's ``as_uri()``
    puts the server where SQLite wants no authority; SQLite's own parser judges the URI here
    (the file does not exist on this machine, so opening fails after parsing)."""
    uri = readonly_uri(path)
    parts = urllib.parse.urlsplit(uri)
    assert parts.netloc == "" and urllib.parse.unquote(parts.path).endswith(path.as_posix())
    with pytest.raises(sqlite3.OperationalError) as caught:
        sqlite3.connect(uri, uri=True).execute("SELECT 1 FROM sqlite_master")
    assert "authority" not in str(caught.value)


# --- a frozen executable -----------------------------------------------------------------------


def test_the_compile_cache_needs_no_source_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frozen build has bytecode but no ``engine.py`` to read."""
    monkeypatch.setenv("XL2REPORT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(engine, "__file__", str(tmp_path / "frozen.exe" / "engine.pyc"))
    first = engine.CompiledTemplate(default_word_template())
    assert list((tmp_path / "cache").iterdir())  # compiled and stored
    again = engine.CompiledTemplate(default_word_template())  # and found again
    assert again.placeholders == first.placeholders


def test_the_entry_point_supports_freezing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker of a frozen executable starts the executable again; ``freeze_support``
    turns that start into the worker instead of a second xl2report command."""
    import multiprocessing

    calls: list[bool] = []
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(multiprocessing, "freeze_support", lambda: calls.append(True))
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and calls == [True]
