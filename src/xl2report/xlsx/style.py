"""How the workbooks we write look: one literal-text workbook factory and the shared formats.

The template, the county summary and the status workbook all write user text; none of it may
become a formula or a number by accident, so every workbook is made by :func:`literal_workbook`.
The formats for the form's labels, totals and check cells are defined once in
:class:`FormStyles`, so a summary table looks like the template it sums.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from xl2report.form.national import LabelRole

if TYPE_CHECKING:  # imported when a workbook is made: the feedback copy needs only FONT
    import xlsxwriter
    from xlsxwriter.format import Format

FONT = "宋体"
BORDER = {"border": 1, "border_color": "#808080"}


def literal_workbook(buffer: io.BytesIO) -> xlsxwriter.Workbook:
    """An in-memory workbook that writes every string as text ("=1+1" and "@x" stay literal)."""
    import xlsxwriter

    return xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )


class FormStyles:
    """Every format shared by workbooks laid out like the form, created once per workbook."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self._wb = wb
        fmt = self.fmt
        self.roles = {
            LabelRole.TITLE: fmt(bold=True, font_size=16, align="center"),
            LabelRole.NOTE: fmt(text_wrap=True, font_color="#595959", font_size=10),
            LabelRole.CAPTION: fmt(bold=True, bg_color="#D9E1F2", **BORDER),
            LabelRole.HEADER: fmt(
                bold=True, align="center", text_wrap=True, bg_color="#D9E1F2", **BORDER
            ),
            LabelRole.ROW: fmt(text_wrap=True, bg_color="#F2F2F2", **BORDER),
            LabelRole.PROMPT: fmt(bold=True, text_wrap=True, bg_color="#F2F2F2", **BORDER),
            LabelRole.ASIDE: fmt(
                bold=True, align="center", text_wrap=True, bg_color="#FCE4D6", **BORDER
            ),
        }
        self.number = fmt(align="center", num_format="0", **BORDER)
        self.decimal = fmt(align="center", num_format="General", **BORDER)
        self.text = fmt(text_wrap=True, **BORDER)
        self.formula = fmt(bold=True, align="center", num_format="0", bg_color="#FFF2CC", **BORDER)
        self.check = fmt(align="center", text_wrap=True, font_size=10, **BORDER)

    def fmt(self, **kw: object) -> Format:
        """A format in the house font with ``kw`` on top."""
        return self._wb.add_format({"font_name": FONT, "font_size": 11, "valign": "vcenter", **kw})

    def label(self, role: LabelRole) -> Format:
        return self.roles[role]
