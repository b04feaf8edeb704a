"""File names that are safe on Windows, and picking a free name without overwriting anything.

Township names come from people (a roster, a workbook's 机关名称 cell) and end up as file names
that are emailed around and opened on Windows, so every generated name goes through
:func:`safe_filename`.  Pure string functions plus one existence check; no other I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from pathlib import Path

# Characters Windows refuses in names, plus ASCII control characters.
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
MAX_NAME_CHARS = 120  # well under NTFS's 255 UTF-16 units, leaving room for suffixes


def safe_filename(name: str, fallback: str = "未命名") -> str:
    """``name`` made safe as one path component on Windows, macOS and Linux.

    Forbidden characters become ``_``; leading/trailing spaces and trailing dots are removed;
    reserved device names (``CON``, ``com1.txt`` …) get a ``_`` prefix; the result is never empty.
    """
    text = unicodedata.normalize("NFC", name)
    text = _FORBIDDEN.sub("_", text).strip().rstrip(". ").strip()
    if len(text) > MAX_NAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 8:
            text = stem[: MAX_NAME_CHARS - len(ext) - 1].rstrip(". ") + "." + ext
        else:
            text = text[:MAX_NAME_CHARS].rstrip(". ")
    if not text or set(text) <= {"_", "."}:
        text = fallback
    if text.split(".", 1)[0].upper() in _RESERVED:
        text = "_" + text
    return text


def numbered(name: str, n: int) -> str:
    """'a.xlsx', 2 -> 'a（2）.xlsx' (full-width brackets, as Chinese Windows names copies)."""
    path = Path(name)
    return f"{path.stem}（{n}）{path.suffix}"


def free_path(folder: Path, name: str, taken: Container[str] = ()) -> Path:
    """``folder/name``, or ``folder/name（2）`` … : the first that neither exists nor is taken.

    ``taken`` holds paths (as strings) already promised to other outputs, e.g. by the ledger.
    """
    candidate = folder / name
    n = 1
    while candidate.exists() or str(candidate) in taken:
        n += 1
        candidate = folder / numbered(name, n)
    return candidate
