"""The inbox as the pipeline sees it: which files are submissions, which are noise, which are
still being written, and what their content hash is.

Scanning only reads directory entries and file bytes; nothing in the inbox is ever changed here.
Lock files (``~$…``, LibreOffice ``.~lock.…#``), download/save temporaries and system files are
told apart from submissions by name; a file is *stable* when it is not empty and a second look
sees the size and modification time of the first.  A file last modified before the settle
window is looked at again at once (it was written before the run started); only files modified
within the window are waited for (:func:`settle`).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xl2report.batch.outbox import PROCESSED_DIR
from xl2report.compat import StrEnum
from xl2report.xlsx.sniff import CONVERTED_SUFFIXES, XLSX_SUFFIXES

WORKBOOK_SUFFIXES = XLSX_SUFFIXES
LEGACY_SUFFIXES = CONVERTED_SUFFIXES  # .xls, .et, .ods: converted by LibreOffice first
TEMP_SUFFIXES = frozenset(
    {".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".~tmp"}
)
SYSTEM_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})


class Kind(StrEnum):
    """What a file in the inbox is, by its name."""

    WORKBOOK = "workbook"
    LEGACY = "legacy"
    LOCK = "lock"
    TEMP = "temp"
    OTHER = "other"
    LINK = "link"  # a symbolic link to something outside the inbox: never read


SKIP_MESSAGES = {
    Kind.LOCK: "这是 Excel/WPS 打开文件时生成的临时锁文件（~$ 开头），不是报送的工作簿，已忽略。",
    Kind.TEMP: "这是临时文件或系统文件（下载、保存未完成时产生），已忽略。",
    Kind.OTHER: "不是 Excel 工作簿，已跳过；请报送用下发模板填写的 .xlsx 文件。",
    Kind.LINK: "这是指向收件目录以外的链接，出于安全不读取；请把文件本身复制进收件目录。",
}
EMPTY_AFTER = 60.0  # seconds a 0-byte file may stay empty before it is judged an empty file
PENDING_EMPTY = "文件是空的（0 字节），可能还在复制或保存中，下次运行时再处理。"
PENDING_CHANGING = "文件仍在写入（两次查看大小或修改时间不同），下次运行时再处理。"
VANISHED = "文件在处理前被移走或删除，未作记录。"


@dataclass(frozen=True)
class Entry:
    """One file under the inbox, as first seen."""

    path: Path  # absolute
    rel: str  # relative to the inbox, '/' separators: the name the ledger records
    kind: Kind
    size: int
    mtime_ns: int

    @property
    def is_submission(self) -> bool:
        """Whether the file is a workbook to check (new or old format)."""
        return self.kind in (Kind.WORKBOOK, Kind.LEGACY)


def classify(name: str) -> Kind:
    """What a file is, judged by its name alone."""
    lower = name.lower()
    if lower.startswith("~$") or (lower.startswith(".~lock.") and lower.endswith("#")):
        return Kind.LOCK
    suffix = os.path.splitext(lower)[1]
    if (
        suffix in TEMP_SUFFIXES
        or lower in SYSTEM_NAMES
        or lower.startswith((".", "~"))
        or lower.endswith("~")
    ):
        return Kind.TEMP
    if suffix in WORKBOOK_SUFFIXES:
        return Kind.WORKBOOK
    if suffix in LEGACY_SUFFIXES:
        return Kind.LEGACY
    return Kind.OTHER


def scan(inbox: Path, exclude: Iterable[Path] = ()) -> list[Entry]:
    """Every file under ``inbox`` (subfolders too), sorted by relative path.

    Hidden folders, the processed-originals folder and anything under ``exclude`` (e.g. an
    outbox placed inside the inbox) are not entered; symlinked folders are not followed.
    """
    inbox = Path(inbox).resolve()
    skip = {Path(p).resolve() for p in exclude} | {inbox / PROCESSED_DIR}
    out: list[Entry] = []
    for dirpath, dirnames, filenames in os.walk(inbox, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and (here / d).resolve() not in skip
        )
        for name in filenames:
            path = here / name
            try:
                st = path.stat()
                outside = path.is_symlink() and inbox not in path.resolve().parents
            except (OSError, RuntimeError):  # vanished meanwhile (a mail client renaming), a loop
                continue
            if not _is_regular(st):
                continue
            rel = readable(path.relative_to(inbox).as_posix())
            kind = Kind.LINK if outside else classify(readable(name))
            out.append(Entry(path, rel, kind, st.st_size, st.st_mtime_ns))
    out.sort(key=lambda e: e.rel)
    return out


def readable(name: str) -> str:
    """A file name as text that can be shown and stored.

    A name that is not UTF-8 reaches Python with its bytes escaped as lone surrogates; it is
    usually GBK (a zip made on Chinese Windows, unpacked on Linux), so each such part is decoded
    as GB18030, and what even that cannot decode is shown as U+FFFD.  Opening the file still
    uses its real name (:attr:`Entry.path`).
    """
    if name.isascii() or not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    parts = []
    for part in name.split("/"):
        raw = os.fsencode(part)
        try:
            parts.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                parts.append(raw.decode("gb18030"))
            except UnicodeDecodeError:
                parts.append(raw.decode("utf-8", "replace"))
    return "/".join(parts)


def _is_regular(st: os.stat_result) -> bool:
    return stat.S_ISREG(st.st_mode)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def unchanged(entry: Entry) -> bool:
    """Whether the file still has the size and mtime it had when scanned."""
    try:
        st = entry.path.stat()
    except OSError:
        return False
    return st.st_size == entry.size and st.st_mtime_ns == entry.mtime_ns


def settle(
    entries: Sequence[Entry], since: float, seconds: float
) -> tuple[list[Entry], list[Entry]]:
    """Second look: (stable, still changing).

    ``since`` is the monotonic time of the first look (the scan).  A file last modified at
    least ``seconds`` before the first look was completely written before the run started: it
    is looked at again at once and is stable if its size and modification time have not
    changed since the scan.  Only when a file was modified within the last ``seconds`` (or has
    a modification time in the future) does this wait, until ``seconds`` after the first look,
    before the second look.  Empty files count as still changing: a copy in progress often
    shows 0 bytes first; but one left empty for :data:`EMPTY_AFTER` seconds is an empty file,
    processed (and reported as empty) like any other.
    """
    if entries and any(_recent(e, since, seconds) for e in entries):
        wait = since + seconds - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    stable, changing = [], []
    for e in entries:
        empty_for_long = e.size == 0 and not _recent(e, since, EMPTY_AFTER)
        (stable if (e.size > 0 or empty_for_long) and unchanged(e) else changing).append(e)
    return stable, changing


def _recent(entry: Entry, since: float, seconds: float) -> bool:
    """Whether ``entry`` was modified less than ``seconds`` before the first look at ``since``
    (wall-clock time of that look derived from the monotonic one, so callers pass only one)."""
    first_look_ns = time.time_ns() - int((time.monotonic() - since) * 1e9)
    return entry.mtime_ns > first_look_ns - int(seconds * 1e9)
