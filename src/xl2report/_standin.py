"""TEMPORARY STAND-IN — delete once ``render.py`` and ``annotate.py`` are merged from their branches.

Implements the agreed APIs of the Word renderer and the feedback writer just well enough for the
batch pipeline to run end to end on this branch.  Only :mod:`xl2report.pipeline` imports it, and
only when the real modules are missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from xl2report.atomic import atomic_path
from xl2report.findings import FileReport
from xl2report.form import SECTION_HEADINGS, Value
from xl2report.names import safe_filename
from xl2report.office import convert


class RenderError(Exception):
    """Stand-in for render.RenderError."""


def report_filename(org: str, year: int) -> str:
    return safe_filename(f"{org}{year}年政府信息公开工作年度报告.docx")


class ReportRenderer:
    """Stand-in: a bare .docx with the title and the six headings."""

    def __init__(self, word_template: Path | None = None) -> None:
        self.word_template = word_template

    def render(
        self,
        values: Mapping[str, Value],
        out: Path,
        *,
        draft: bool = False,
        overwrite: bool = False,
    ) -> list[str]:
        from docx import Document

        doc = Document()
        doc.core_properties.title = f"{values.get('info.org')}{values.get('info.year')}年报告"
        doc.add_heading(
            f"{values.get('info.org')}{values.get('info.year')}年政府信息公开工作年度报告"
        )
        for heading in SECTION_HEADINGS.values():
            doc.add_heading(heading, level=1)
        doc.add_paragraph(f"本年新收申请 {values.get('s3.new.total')} 件。")
        with atomic_path(Path(out), overwrite=overwrite) as tmp:
            doc.save(str(tmp))
        return []


def docx_to_pdf(docx_paths: Sequence[Path], outdir: Path, timeout: float = 180) -> list[Path]:
    return convert(list(docx_paths), "pdf", outdir, timeout=timeout)


def feedback_name(source: Path) -> str:
    return f"{Path(source).stem}_校验反馈.xlsx"


def write_feedback(source: Path, report: FileReport, out: Path, overwrite: bool = False) -> Path:
    """Stand-in: an unmarked copy of the source."""
    with atomic_path(Path(out), overwrite=overwrite) as tmp:
        shutil.copyfile(source, tmp)
    return Path(out)
