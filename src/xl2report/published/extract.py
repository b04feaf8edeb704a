"""Any published report file -> :class:`Document`, by its type; .doc/.wps through LibreOffice.

The type is told by the file's first bytes where they are clear (a PDF, a zip package, an OLE
file such as .doc/.wps, a MIME web archive), else by its suffix: a report saved with the wrong
suffix still opens.  .doc and .wps (WPS 文字) are converted to .docx by headless LibreOffice
into a temporary folder (the original is never touched), as ``run`` converts old .xls files.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from xl2report.published.document import Document, ReadError
from xl2report.published.docx_text import read_docx
from xl2report.published.html_text import read_html, read_mhtml
from xl2report.published.pdf_text import read_pdf
from xl2report.published.plain_text import read_text

SUFFIXES = (".pdf", ".docx", ".doc", ".wps", ".html", ".htm", ".mhtml", ".mht", ".txt")
_OLE = b"\xd0\xcf\x11\xe0"


def is_report_file(path: Path) -> bool:
    """Whether ``path`` has a suffix ``import`` reads (Office lock files excluded)."""
    return path.suffix.lower() in SUFFIXES and not path.name.startswith(("~$", ".~"))


def read_document(path: Path) -> Document:
    """The paragraphs and tables of the report at ``path``; :class:`ReadError` if unreadable."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise ReadError("published-unreadable", f"无法打开文件（{exc.strerror or exc}）") from exc
    if not head:
        raise ReadError("published-unreadable", "文件是空的（0 字节）")
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        return read_pdf(path)
    if head.startswith(b"PK"):
        return read_docx(path)
    if head.startswith(_OLE) or suffix in (".doc", ".wps"):
        return _converted(path)
    if suffix in (".mhtml", ".mht") or b"multipart/related" in head.lower():
        return read_mhtml(path)
    if suffix in (".html", ".htm") or b"<html" in head.lower() or b"<!doctype" in head.lower():
        return read_html(path)
    if suffix == ".txt":
        return read_text(path)
    if suffix == ".pdf":
        raise ReadError("published-unreadable", "不是有效的 PDF 文件")
    raise ReadError("published-unreadable", variant="unsupported", detail=suffix or "无后缀的")


def _converted(path: Path) -> Document:
    from xl2report.report.office import OfficeError, available, convert

    if not available():
        raise ReadError("published-unreadable", "这是 .doc/.wps 文件", variant="no_office")
    with tempfile.TemporaryDirectory(prefix="xl2report-import-") as tmp:
        # A copy with a plain name: LibreOffice names its output after the input.
        source = Path(tmp, "report" + (path.suffix.lower() or ".doc"))
        source.write_bytes(path.read_bytes())
        try:
            (out,) = convert([source], "docx:MS Word 2007 XML", Path(tmp, "out"))
        except OfficeError as exc:
            raise ReadError("published-unreadable", f"LibreOffice 无法转换：{exc}") from exc
        return read_docx(out)
