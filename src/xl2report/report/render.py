"""Checked values -> the Word annual report (docxtpl), and optionally its PDF (LibreOffice).

Public API (the batch pipeline relies on these names):

- :class:`ReportRenderer` compiles a Word template once; :meth:`ReportRenderer.render` fills it
  with one workbook's values, reads the package's document back and verifies that every
  narrative paragraph and table value is there, writes the .docx atomically, and returns
  warnings.
- :func:`docx_to_pdf` converts many reports in one LibreOffice call.
- :func:`check_word_template` lists the placeholders a (restyled) template lacks or does not know.

All user text is literal: it is escaped before it reaches the template (see
:mod:`xl2report.report.content`).  Errors are :class:`RenderError` with a Chinese message.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from lxml import etree

from xl2report.atomic import write_bytes_atomic
from xl2report.errors import FatalError
from xl2report.form.national import FORM, Value
from xl2report.report import office
from xl2report.report.content import (
    KNOWN_PLACEHOLDERS,
    OPTIONAL_PLACEHOLDERS,
    ORG,
    PUBLISH_DATE,
    REQUIRED_PLACEHOLDERS,
    YEAR,
    ReportContent,
    report_content,
    report_title,
    template_context,
)
from xl2report.report.docx_package import default_word_template
from xl2report.report.engine import (
    CompiledTemplate,
    TemplateProblem,
    open_template,
    parse_template,
    placeholder_paths,
)
from xl2report.report.verify import (
    DocText,
    Expectation,
    VerifyError,
    probe_context,
    probe_key,
    read_document,
    table_fields_outside_tables,
)


class RenderError(FatalError):
    """The report cannot be produced (message in Chinese, names the file when it can)."""


def describe_placeholder(path: str) -> str:
    """'s3.new.natural（一、本年新收…（自然人））' for messages; unknown paths as they are."""
    f = FORM.by_key.get(path)
    return f"{path}（{f.label}）" if f else path


def check_word_template(path: Path) -> tuple[list[str], list[str]]:
    """(placeholders the report needs that ``path`` lacks, placeholders it uses but we don't know).

    Raises :class:`RenderError` when the file is not a Word template or its tags do not parse.
    """
    try:
        parsed = parse_template(open_template(Path(path)))
        used = placeholder_paths(ast for _, _, ast in parsed)
    except TemplateProblem as exc:
        raise RenderError(str(exc)) from exc
    return _compare(used)


def _compare(used: set[str]) -> tuple[list[str], list[str]]:
    return sorted(REQUIRED_PLACEHOLDERS - used), sorted(used - KNOWN_PLACEHOLDERS)


_DATE = re.compile(r"^\s*(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?\s*$")


def published_on(text: str) -> str:
    """'2025年1月20日' (or 2025-01-20, 2025/1/20) -> '2025-01-20T00:00:00Z'; '' if not a date."""
    m = _DATE.match(text or "")
    if not m:
        return ""
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return ""
    return f"{day.isoformat()}T00:00:00Z"


def render_date() -> str:
    """Today as the report's created/modified date when no publish date is given.

    A day, not a time: reports rendered on the same day from the same workbook stay
    byte-identical (the batch's -j N equals -j 1; a re-render changes nothing).
    """
    return f"{date.today().isoformat()}T00:00:00Z"


class ReportRenderer:
    """One Word template, compiled once, rendered for any number of workbooks.

    Create one per process; :meth:`render` keeps no per-report state, so memory stays flat.
    """

    def __init__(self, word_template: Path | None = None) -> None:
        self.template = Path(word_template) if word_template else default_word_template()
        try:
            self._compiled = CompiledTemplate(self.template)
            missing, unknown = _compare(self._compiled.placeholders)
        except TemplateProblem as exc:
            raise RenderError(str(exc)) from exc
        if missing or unknown:
            raise RenderError(_template_mismatch(self.template, missing, unknown))
        self._probes: dict[tuple[bool, frozenset[str]], DocText] = {}
        self._expectations: dict[tuple[bool, frozenset[str]], Expectation] = {}
        outside = table_fields_outside_tables(self._probe((False, frozenset())))
        if outside:
            names = "、".join(describe_placeholder(k) for k in outside[:5])
            raise RenderError(f"Word 模板 {self.template} 中这些数字不在表格里：{names}")

    def render(
        self,
        values: Mapping[str, Value],
        out: Path,
        *,
        draft: bool = False,
        overwrite: bool = False,
    ) -> list[str]:
        """Write the report for ``values`` (``CheckResult.values``) to ``out``; return warnings.

        ``draft`` marks the first page 草稿（未通过校验）.  The package is verified first (its
        document part read back out of the zip), then written beside ``out``, flushed to disk
        and renamed into place; on any failure ``out`` is untouched, no temporary file is left,
        and :class:`RenderError` explains why.
        """
        out = Path(out)
        content = report_content(values, draft)
        data = self.render_bytes(content)
        # Verifying the bytes before writing them proves the same as re-reading the written
        # file (they are those bytes: a short write raises), without a second open and unzip.
        self.verify_bytes(data, content, name=out.name)
        write_bytes_atomic(out, data, overwrite=overwrite)
        return content.warnings

    def render_bytes(self, content: ReportContent) -> bytes:
        """The .docx bytes for already decided content (no verification, nothing written)."""
        org = content.scalars.get(ORG.key, "")
        title = report_title(org, content.scalars.get(YEAR.key))
        when = published_on(content.scalars.get(PUBLISH_DATE.key, "")) or render_date()
        try:
            return self._compiled.render(template_context(content), title, org, when)
        except TemplateProblem as exc:
            raise RenderError(str(exc)) from exc

    def verify_bytes(self, data: bytes, content: ReportContent, name: str = "") -> None:
        """Raise :class:`RenderError` if the package ``data`` misses or alters anything."""
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                xml = zf.read(self._compiled.document_part)  # CRC-checked
            self._expectation(probe_key(content)).check(read_document(xml), content)
        except (VerifyError, zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError) as exc:
            raise RenderError(f"{name or '报告'}：核对失败，未生成报告（{exc}）") from exc

    def _expectation(self, key: tuple[bool, frozenset[str]]) -> Expectation:
        """What a report of this probe's case must show (worked out once per case)."""
        if key not in self._expectations:
            self._expectations[key] = Expectation(self._probe(key))
        return self._expectations[key]

    def _probe(self, key: tuple[bool, frozenset[str]]) -> DocText:
        """The template rendered with tokens (cached: one per draft/optional-values case)."""
        if key not in self._probes:
            try:
                data = self._compiled.render(probe_context(*key), "probe")
            except TemplateProblem as exc:
                raise RenderError(str(exc)) from exc
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                self._probes[key] = read_document(zf.read(self._compiled.document_part))
        return self._probes[key]


def _template_mismatch(path: Path, missing: list[str], unknown: list[str]) -> str:
    parts = [f"Word 模板 {path} 与报告内容不匹配"]
    if missing:
        parts.append("缺少占位符：" + "、".join(describe_placeholder(k) for k in missing[:8]))
    if unknown:
        parts.append("无法识别的占位符：" + "、".join(unknown[:8]))
    return "；".join(parts) + "（可用 xl2report check-template 查看全部）。"


def docx_to_pdf(
    docx_paths: Sequence[Path], outdir: Path, timeout: float | None = None
) -> list[Path]:
    """Convert reports to PDF in ONE LibreOffice call; each PDF is checked, then moved into place.

    PDFs are made in a private folder inside ``outdir`` and renamed, so a reader never sees a
    half-written PDF.  Existing PDFs of the same name are replaced.  Raises :class:`RenderError`
    when LibreOffice is missing, times out, or a PDF is missing or not a PDF.
    """
    paths = [Path(p) for p in docx_paths]
    if not paths:
        return []
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise RenderError("同一批转换的报告文件重名，无法各自生成 PDF。")
    if timeout is None:  # start-up dominates; allow a few seconds per document on top
        timeout = max(office.DEFAULT_TIMEOUT, 30 + 5 * len(paths))
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    done = []
    if office.available() and not office.writer_available():
        raise RenderError(office.WRITER_MISSING)
    with tempfile.TemporaryDirectory(prefix=".xl2report-pdf-", dir=outdir) as tmp:
        try:
            made = office.convert(paths, "pdf:writer_pdf_Export", Path(tmp), timeout=timeout)
        except office.OfficeError as exc:
            raise RenderError(str(exc)) from exc
        for pdf in made:
            _check_pdf(pdf)
            target = outdir / pdf.name
            os.replace(pdf, target)
            done.append(target)
    return done


def _check_pdf(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(5)
        fh.seek(max(path.stat().st_size - 1024, 0))
        tail = fh.read()
    if head != b"%PDF-" or b"%%EOF" not in tail:
        raise RenderError(f"LibreOffice 生成的 {path.name} 不是完整的 PDF 文件。")


__all__ = [
    "OPTIONAL_PLACEHOLDERS",
    "RenderError",
    "ReportRenderer",
    "check_word_template",
    "docx_to_pdf",
]
