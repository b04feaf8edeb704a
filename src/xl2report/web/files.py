"""Files the board hands out, found by ledger row id and kind, never by a path from a request.

``resolve`` looks the row up, takes the output path the ledger recorded for that kind, and
checks the result still lies inside the outbox (or the inbox for originals) before serving it.
``preview_png`` renders a report's first page once (LibreOffice + pdftoppm) into the state
folder and serves it from there afterwards.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from xl2report.atomic import write_bytes_atomic
from xl2report.batch.ledger import Ledger, Row
from xl2report.batch.session import STATE_DIR
from xl2report.compat import StrEnum
from xl2report.report import office


class FileKind(StrEnum):
    """What can be downloaded for a ledger row; the label is the link text."""

    REPORT = "report"
    PDF = "pdf"
    FEEDBACK = "feedback"
    ORIGINAL = "original"

    @property
    def label(self) -> str:
        """Link text on the board and the unit page."""
        return {
            FileKind.REPORT: "年报 Word",
            FileKind.PDF: "年报 PDF",
            FileKind.FEEDBACK: "退回反馈表",
            FileKind.ORIGINAL: "报送的原文件",
        }[self]


MEDIA_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".xls": "application/vnd.ms-excel",
    ".et": "application/octet-stream",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".pdf": "application/pdf",
}


def _inside(path: Path, root: Path) -> Path | None:
    """``path`` resolved, if it is a file under ``root``; None otherwise."""
    try:
        real = path.resolve(strict=True)
    except OSError:
        return None
    base = root.resolve()
    if real.is_file() and (real == base or base in real.parents):
        return real
    return None


def resolve(row: Row, kind: FileKind, inbox: Path, outbox: Path) -> Path | None:
    """The file of ``kind`` recorded for ``row``, or None when there is none any more."""
    if kind is FileKind.ORIGINAL:
        if row.stored_path:
            return _inside(Path(inbox) / row.stored_path, inbox)
        return _inside(Path(inbox) / row.path, inbox)
    rel = {FileKind.REPORT: row.report, FileKind.PDF: row.pdf, FileKind.FEEDBACK: row.feedback}[
        kind
    ]
    return _inside(Path(outbox) / rel, outbox) if rel else None


def available(row: Row, inbox: Path, outbox: Path) -> list[FileKind]:
    """Kinds that can be downloaded for ``row`` right now."""
    return [k for k in FileKind if resolve(row, k, inbox, outbox) is not None]


def preview_available() -> bool:
    """Whether report pictures can be made (LibreOffice and pdftoppm installed)."""
    return office.available() and shutil.which("pdftoppm") is not None


def report_pdf(row: Row, inbox: Path, outbox: Path) -> Path | None:
    """The row's report as PDF: the one ``run --pdf`` made, or one made now by LibreOffice
    and kept in the state folder; None when neither is possible."""
    made = resolve(row, FileKind.PDF, inbox, outbox)
    if made is not None:
        return made
    docx = resolve(row, FileKind.REPORT, inbox, outbox)
    if docx is None or not office.available():
        return None
    cache = Path(outbox) / STATE_DIR / "web" / "pdf" / f"{row.id}-{row.sha256[:16]}.pdf"
    if cache.exists():
        return cache
    with tempfile.TemporaryDirectory(prefix="xl2report-pdf-") as tmp:
        source = Path(tmp) / "report.docx"  # a plain name: LibreOffice names its output after it
        shutil.copyfile(docx, source)
        try:
            pdf = office.convert([source], "pdf", Path(tmp), timeout=120)[0]
        except office.OfficeError:
            return None
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(cache, pdf.read_bytes(), overwrite=True)
    return cache


def preview_png(ledger: Ledger, row_id: int, inbox: Path, outbox: Path) -> Path | None:
    """A PNG of the first page of the row's report (cached); None when it cannot be made."""
    row = ledger.get(row_id)
    if row is None or not preview_available():
        return None
    cache = Path(outbox) / STATE_DIR / "web" / "preview" / f"{row.id}-{row.sha256[:16]}.png"
    if cache.exists():
        return cache
    pdf = report_pdf(row, inbox, outbox)
    if pdf is None:
        return None
    with tempfile.TemporaryDirectory(prefix="xl2report-preview-") as tmp:
        page = Path(tmp) / "page.png"
        done = subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
             str(page.with_suffix(""))],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        if done.returncode != 0 or not page.exists():
            return None
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(cache, page.read_bytes(), overwrite=True)
    return cache
