"""Imported reports -> filled workbooks on the current template, one file or a whole folder.

The workbook is written by the template writer itself (:func:`~xl2report.xlsx.template.
write_template` with values), so it is exactly what a township would have filled in: the
published cells in the white cells (a blank stays blank, a "—" stays "—"), totals as the
template's formulas, 机关名称 and 年度 locked as in a handed-out template.  Outputs are written
atomically; an existing file is kept unless ``overwrite``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from xl2report.published.extract import is_report_file
from xl2report.published.reader import Imported, read_published
from xl2report.xlsx.template import TemplateOptions, write_template


def write_workbook(imported: Imported, path: Path, overwrite: bool = False) -> Path:
    """The filled workbook of ``imported`` at ``path``."""
    options = TemplateOptions(org=imported.org or None, year=imported.year)
    return write_template(path, options, imported.inputs(), overwrite=overwrite)


def report_files(folder: Path) -> list[Path]:
    """The report files in ``folder`` and its subfolders, in a stable order."""
    return sorted((p for p in folder.rglob("*") if p.is_file() and is_report_file(p)),
                  key=lambda p: str(p.relative_to(folder)))  # fmt: skip


def import_folder(
    folder: Path,
    outdir: Path | None,
    org: str | None = None,
    year: int | None = None,
    overwrite: bool = False,
) -> Iterator[tuple[Imported, Path | None]]:
    """Each report under ``folder`` read (and, with ``outdir``, written as a workbook there);
    one file's problem is that file's finding, never the whole folder's."""
    used: set[str] = set()
    for path in report_files(folder):
        imported = read_published(path, org, year)
        out = None
        if outdir is not None and imported.readable:
            name = path.stem + ".xlsx"
            if name in used:
                name = f"{path.stem}（{path.suffix.lstrip('.')}）.xlsx"
            used.add(name)
            out = write_workbook(imported, outdir / name, overwrite)
        yield imported, out
