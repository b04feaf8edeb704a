"""What every extractor produces: a published report as paragraphs and table rows, in order.

A :class:`Document` is the one shape the parser reads, whatever the file was.  A table row is a
list of cells in grid order; a cell covered by a merged neighbour (a ``gridSpan``/``vMerge`` in
Word, ``colspan``/``rowspan`` in HTML, a spanning rectangle in a PDF) is ``None``, so an empty
cell (``""``) is never confused with one that does not exist.  Tables split across pages are
simply several tables; the parser classifies rows, not tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Row = list[str | None]

# Whitespace a cell or paragraph may carry from layout: line breaks inside a cell, NBSP, the
# ideographic space used for indentation.
_SPACE = re.compile(r"[\s\u00a0\u3000]+")


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)


@dataclass
class Document:
    """Paragraph texts and tables in reading order (``blocks`` holds both)."""

    blocks: list[str | Table] = field(default_factory=list)
    title: str = ""  # a title the container gives outside the body (HTML <title>), if any

    @property
    def paragraphs(self) -> list[str]:
        return [b for b in self.blocks if isinstance(b, str)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


class ReadError(Exception):
    """The file cannot be read as a report: ``code`` is a catalogue code, ``detail`` Chinese."""

    def __init__(self, code: str, detail: str = "", variant: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail
        self.variant = variant


def cell_text(text: str | None) -> str:
    """A cell's text on one line: layout line breaks and runs of spaces removed."""
    return _SPACE.sub("", text or "")


def paragraph_text(text: str) -> str:
    """A paragraph trimmed, with its inner runs of whitespace kept as one space."""
    return _SPACE.sub(" ", text).strip()
