"""Is this file a workbook at all?  Decided from the file system and its first bytes, before
anything is unzipped or parsed (:mod:`xl2report.xlsx.parts` then reads it).

Refuses, with a finding code the checks turn into a Chinese message: Excel/WPS lock files
(``~$``), folders, missing, empty or oversized files, OLE2 compound files (an encrypted
workbook or an old binary .xls/.et) and anything that is not a zip package.
"""

from __future__ import annotations

from pathlib import Path

MAX_FILE_BYTES = 20 * 1024 * 1024
# Which files are workbooks, by name: the one list the inbox, `check`, the board's upload and mail
# fetch all take.  .xlsx/.xlsm are read as they are; the others are first converted to .xlsx by
# LibreOffice (old binary Excel and WPS formats, and OpenDocument).
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CONVERTED_SUFFIXES = frozenset({".xls", ".et", ".ods"})
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnreadableError(Exception):
    """The file cannot be read as a workbook; ``code`` is a finding code, ``detail`` Chinese."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def sniff(path: Path) -> None:
    """Refuse files that are obviously not a readable workbook, with the reason."""
    name = path.name
    if name.startswith("~$"):
        raise UnreadableError("lock-file")
    if path.is_dir():
        raise UnreadableError("file-missing", "这是文件夹，不是文件")
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise UnreadableError("file-missing", "找不到这个文件") from exc
    except OSError as exc:
        raise UnreadableError("file-missing", exc.strerror or str(exc)) from exc
    if size == 0:
        raise UnreadableError("file-empty")
    if size > MAX_FILE_BYTES:
        raise UnreadableError(
            "file-too-large", f"{size / 1e6:.1f} MB，上限 {MAX_FILE_BYTES / 1e6:.0f} MB"
        )
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:  # no permission, or gone meanwhile
        raise UnreadableError("file-missing", exc.strerror or str(exc)) from exc
    if head == OLE2_MAGIC:
        raise UnreadableError(_ole_kind(path))
    if not head.startswith(b"PK"):
        raise UnreadableError("not-a-workbook")


def _ole_kind(path: Path) -> str:
    """An OLE2 file is either an encrypted OOXML package or an old binary .xls/.et."""
    import olefile  # shipped with msoffcrypto-tool

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                return "encrypted"
            if ole.exists("Workbook") or ole.exists("Book"):
                return "legacy-format"
    except (OSError, ValueError, IndexError, EOFError):
        # olefile raises these for a damaged compound file: it still claims to be an old
        # Office file, and "save it again as .xlsx" is the advice that helps.
        return "legacy-format"
    return "not-a-workbook"
