"""Every output of xl2report: its folder, its file name, its version, and how it gets there.

The one place that knows the outbox layout::

    outbox/<年度>/{机关名称}{年度}年政府信息公开工作年度报告.docx   current report per org
    outbox/<年度>/历史版本/…（第N版）.docx                          superseded reports
    outbox/<年度>/退回/{机关名称}_校验反馈.xlsx                      feedback for rejected files
    outbox/.xl2report/ledger.sqlite, run.lock, logs/, tmp/          state (tmp = staging)
    inbox/已处理/…                                                  originals, with --move-processed

and the one place that makes file names: every generated name goes through
:func:`safe_filename` (safe on Windows, at most :data:`MAX_NAME_BYTES` bytes, so a suffix such
as ``（2）`` or ``（第3版）`` still fits the 255-byte limit of Linux file systems).

:class:`Outbox` hands out names nobody uses (not on disk, not promised in the ledger) and does
the journalled renames.  It decides nothing about which submission is current: that is
:mod:`xl2report.batch.commit`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from xl2report.form.national import FORM_TITLE
from xl2report.log import logger
from xl2report.report.content import report_title

STATE_DIR = ".xl2report"
LEDGER_NAME = "ledger.sqlite"
LOCK_NAME = "run.lock"
YEAR_UNKNOWN = "未知年度"
REJECTED_DIR = "退回"
HISTORY_DIR = "历史版本"
PROCESSED_DIR = "已处理"  # where --move-processed puts originals (inside the inbox)
FEEDBACK_SUFFIX = "_校验反馈"

# Characters Windows refuses in names, plus control characters (C0, C1, line separators) and
# lone surrogates (a file name in GBK bytes read on Linux, or an OOXML ``_xD83D_`` escape).
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]')
# Windows' device names, with any extension: COM0-9 and LPT0-9 include the superscript digits
# Windows also takes for a port; CONIN$/CONOUT$ are the console.
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789¹²³"
}
MAX_NAME_CHARS = 120  # well under NTFS's 255 UTF-16 units
MAX_NAME_BYTES = 200  # Linux allows 255 bytes; the rest is room for （N） and （第N版）
_MAX_EXT = 8
_OUTPUT_SUFFIXES = frozenset({".docx", ".pdf", ".xlsx"})


def default_ledger(outbox: Path) -> Path:
    """Where the ledger lives unless ``--ledger`` says otherwise."""
    return Path(outbox) / STATE_DIR / LEDGER_NAME


# --- names --------------------------------------------------------------------------------


def _fit(text: str, max_bytes: int, max_chars: int) -> str:
    """``text`` cut at a character boundary to at most ``max_bytes`` UTF-8 bytes and chars."""
    text = text[:max_chars]
    while len(text.encode("utf-8", "replace")) > max_bytes:
        text = text[:-1]
    return text


def _without_format(name: str) -> str:
    """``name`` in NFC without format characters: a bidi override (U+202E) would make
    ``a‮gnp.xlsx`` show as ``axlsx.png``; zero-width characters hide in plain sight."""
    text = unicodedata.normalize("NFC", name)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def safe_filename(name: str, fallback: str = "未命名", max_bytes: int = MAX_NAME_BYTES) -> str:
    """``name`` made safe as one path component on Windows, macOS and Linux.

    Forbidden characters become ``_``; leading/trailing spaces and trailing dots are removed;
    reserved device names (``CON``, ``com1.txt`` …) get a ``_`` prefix; long names are cut (by
    characters and by UTF-8 bytes) keeping the extension; the result is never empty.
    """
    text = _FORBIDDEN.sub("_", _without_format(name)).strip().rstrip(". ").strip()
    size = len(text.encode("utf-8"))
    if len(text) > MAX_NAME_CHARS or size > max_bytes:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= _MAX_EXT:
            room = max_bytes - len(ext.encode("utf-8")) - 1
            text = _fit(stem, room, MAX_NAME_CHARS - len(ext) - 1).rstrip(". ") + "." + ext
        else:
            text = _fit(text, max_bytes, MAX_NAME_CHARS).rstrip(". ")
    if not text or set(text) <= {"_", "."}:
        text = fallback
    if text.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        text = "_" + text
    return text


def _with_tail(stem: str, tail: str, fallback: str) -> str:
    """``stem + tail`` where only ``stem`` (a user's text) is cut to keep the name in bounds."""
    clean = _FORBIDDEN.sub("_", _without_format(stem)).strip()
    room = MAX_NAME_BYTES - len(tail.encode("utf-8"))
    clean = _fit(clean, room, MAX_NAME_CHARS - len(tail)).rstrip(" ")
    return (clean or fallback) + tail


def report_filename(org: str, year: int | None) -> str:
    """'{org}{year}年政府信息公开工作年度报告.docx', safe as a file name on every system."""
    org = _FORBIDDEN.sub("", org or "").strip()
    tail = report_title("", year) + ".docx"
    if not org:
        return safe_filename(tail.strip(" ."), fallback=FORM_TITLE + ".docx")
    return _with_tail(org, tail, FORM_TITLE)


def template_filename(org: str, year: int | None) -> str:
    """'{org}{year}年政府信息公开工作年度报告填报表.xlsx'; a long name is cut, the tail kept."""
    title = f"{year}年{FORM_TITLE}" if year else FORM_TITLE
    return _with_tail(_FORBIDDEN.sub("_", org or "").strip(), f"{title}填报表.xlsx", "未命名")


def feedback_name(source: Path | str) -> str:
    """Name of the feedback copy of ``source``: 克井镇.xlsx -> 克井镇_校验反馈.xlsx."""
    return _with_tail(Path(source).stem, FEEDBACK_SUFFIX + ".xlsx", "未命名")


def numbered(name: str, n: int) -> str:
    """'a.xlsx', 2 -> 'a（2）.xlsx' (full-width brackets, as Chinese Windows names copies)."""
    path = Path(name)
    return f"{path.stem}（{n}）{path.suffix}"


def versioned(name: str, version: int) -> str:
    """'报告.docx', 2 -> '报告（第2版）.docx' (a superseded report in the history folder)."""
    path = Path(name)
    return f"{path.stem}（第{version}版）{path.suffix}"


def free_path(folder: Path, name: str, taken: Iterable[str] = ()) -> Path:
    """``folder/name``, or ``folder/name（2）`` … : the first that neither exists nor is taken,
    compared as Windows compares names (``ABC局`` and ``abc局`` are one file on NTFS, and an
    outbox made on Linux is often copied there).

    ``taken`` holds paths (as strings) already promised to other outputs, e.g. by the ledger.
    """
    present = {p.name.casefold() for p in folder.iterdir()} if folder.is_dir() else set()
    promised = {name_key(t) for t in taken}
    candidate = folder / name
    n = 1
    while candidate.name.casefold() in present or name_key(candidate) in promised:
        n += 1
        candidate = folder / numbered(name, n)
    return candidate


def name_key(path: Path | str) -> str:
    """How two output paths are compared: case-insensitively, as on NTFS."""
    return str(path).casefold()


# --- the outbox ---------------------------------------------------------------------------


class Outbox:
    """One outbox folder: its state paths, free output names, and journalled renames."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()
        self.state = self.root / STATE_DIR
        self.staging = self.state / "tmp"
        self.logs = self.state / "logs"
        self.lock_path = self.state / LOCK_NAME  # in the outbox whatever --ledger says
        self._taken: set[str] = set()

    def remember(self, outputs: Iterable[str]) -> None:
        """Names promised to outputs already (relative to the outbox, as the ledger has them)."""
        self._taken = {name_key(self.root / p) for p in outputs}

    def rel(self, path: Path) -> str:
        """``path`` relative to the outbox, with ``/`` (as the ledger stores outputs)."""
        return path.relative_to(self.root).as_posix()

    def year_dir(self, year: int | None) -> Path:
        """The folder of one year's outputs."""
        return self.root / (str(year) if year else YEAR_UNKNOWN)

    def reserve(self, folder: Path, name: str, release: str | None = None) -> Path:
        """A path nobody uses: not on disk, not promised to another output in the ledger.

        ``release`` is an output (relative to the outbox) being moved away in the same commit,
        so its name is free again.
        """
        taken = set(self._taken)
        freed = self.root / release if release else None
        if freed is not None and name_key(freed) == name_key(folder / name):
            taken.discard(name_key(freed))
            path = folder / name
            if name_key(path) not in taken:
                self._taken.add(name_key(path))
                return path
        path = free_path(folder, name, taken)
        self._taken.add(name_key(path))
        return path

    def feedback_path(self, year: int | None, org: str, source_rel: str) -> Path:
        """Where a rejected file's feedback copy goes (named after the org, else the file)."""
        base = safe_filename(org or Path(source_rel).stem)
        return self.reserve(self.year_dir(year) / REJECTED_DIR, feedback_name(base + ".xlsx"))

    def report_path(self, org: str, year: int, release: str | None = None) -> Path:
        """Where the current report of (org, year) goes; ``release``: the report it replaces."""
        return self.reserve(self.year_dir(year), report_filename(org, year), release)

    def history_path(self, org: str, year: int, version: int) -> Path:
        """Where version ``version`` of (org, year)'s report goes once it is not current."""
        name = versioned(report_filename(org, year), version)
        return self.reserve(self.year_dir(year) / HISTORY_DIR, name)

    def retired_path(self, report: str, version: int) -> Path:
        """Where the current report ``report`` (relative) moves when a newer one arrives."""
        old = self.root / report
        return self.reserve(old.parent / HISTORY_DIR, versioned(old.name, version))

    def retired_feedback_path(self, feedback: str) -> Path:
        """Where an obsolete feedback copy (relative) moves: the year's history folder, out of
        退回/, so nobody sends it again."""
        old = self.root / feedback
        return self.reserve(old.parent.parent / HISTORY_DIR, old.name)

    def stale_feedback_path(self, year: int | None, org: str, source_rel: str) -> Path:
        """Where the feedback of a rejection goes that is older than the accepted version."""
        base = safe_filename(org or Path(source_rel).stem)
        return self.reserve(self.year_dir(year) / HISTORY_DIR, feedback_name(base + ".xlsx"))

    def pdf_path(self, report: Path) -> Path:
        """The PDF beside a report."""
        return self.reserve(report.parent, report.with_suffix(".pdf").name)

    def processed_path(self, inbox: Path, rel: str) -> Path:
        """Where ``--move-processed`` puts an original (inside the inbox)."""
        target = Path(inbox).absolute() / PROCESSED_DIR / rel
        dst = free_path(target.parent, target.name, self._taken)
        self._taken.add(name_key(dst))
        return dst

    def made_outputs(self) -> list[Path]:
        """Reports, PDFs and feedback copies on disk in the year folders (made by some run)."""
        found = []
        for year in self.root.iterdir() if self.root.is_dir() else ():
            if year.is_dir() and (year.name == YEAR_UNKNOWN or year.name.isdigit()):
                found += [p for p in year.rglob("*") if p.suffix.lower() in _OUTPUT_SUFFIXES]
        return found

    # --- renames and recovery -------------------------------------------------------------

    def apply_moves(self, moves: Sequence[tuple[int, Path, Path]]) -> list[int]:
        """Do journalled renames; each is idempotent (done when the target exists).

        Returns the journal ids that are settled.
        """
        done = []
        for move_id, src, dst in moves:
            if dst.exists():
                pass  # already done (a replay), or nothing left to do
            elif src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.rename(src, dst)
            else:
                logger.error("文件移动无法完成：{} 不存在（目标 {}）", src, dst)
            done.append(move_id)
        return done

    def drop_staging(self) -> None:
        """Remove the staging folder (call only when no journalled rename still needs it)."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def remove_stray_temp_files(self) -> None:
        """Delete temporary files of atomic writes (``.name.XXXX.tmp``) left by a kill."""
        for stray in self._stray_temp_files():
            with contextlib.suppress(OSError):
                stray.unlink()
                logger.info("已删除未写完的临时文件 {}", stray)

    def _stray_temp_files(self) -> Iterator[Path]:
        pattern = re.compile(r"^\..+\.tmp$")
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if d != STATE_DIR]
            for name in filenames:
                if pattern.match(name):
                    yield Path(dirpath) / name
