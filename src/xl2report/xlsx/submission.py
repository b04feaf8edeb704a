"""A returned workbook seen through the form: which cell holds which field, and the metadata.

:class:`Submission` pairs a :class:`~xl2report.xlsx.parts.RawWorkbook` with :data:`~xl2report.form.national.FORM`
so that checks can ask for a field's raw cell by key.  It reads; it does not judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xl2report.form.national import FORM, Field, Form
from xl2report.xlsx.parts import RawCell, RawSheet, RawWorkbook, read_workbook


@dataclass
class Submission:
    path: Path
    raw: RawWorkbook
    form: Form = FORM
    # Sheets whose layout is broken (missing, rows inserted): their cells are not read as fields.
    broken_sheets: set[str] = field(default_factory=set)

    @classmethod
    def open(cls, path: Path, form: Form = FORM) -> Submission:
        """Read ``path``; raises :class:`~xl2report.xlsx.parts.UnreadableError`."""
        return cls(Path(path), read_workbook(Path(path)), form)

    def sheet(self, name: str) -> RawSheet | None:
        return self.raw.sheets.get(name)

    def raw_cell(self, f: Field) -> RawCell | None:
        sheet = self.raw.sheets.get(f.sheet)
        return None if sheet is None else sheet.cell(f.row, f.col)

    def readable(self, f: Field) -> bool:
        return f.sheet in self.raw.sheets and f.sheet not in self.broken_sheets

    @property
    def meta(self) -> dict[str, str]:
        """Metadata rows by name, found by their name in column A (so order does not matter)."""
        sheet = self.raw.sheets.get(self.form.meta_sheet)
        if sheet is None:
            return {}
        out: dict[str, str] = {}
        for (row, col), cell in sheet.cells.items():
            if col == 0 and cell.value:
                out[cell.value] = sheet.text(row, 1)
        return out
