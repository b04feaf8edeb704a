"""Reading rendered reports back (python-docx, an independent reader) and parsing the seed."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document

SEED = Path(__file__).parent / "data" / "kejing-2024-report.txt"
NUMBER = re.compile(r"^\d+(\.\d+)?$")


@dataclass
class Report:
    paragraphs: list[tuple[str, str]]  # (style name, text), body order, tables excluded
    tables: list[list[list[str]]]  # per table: rows of cell texts by grid column (merges resolved)

    @property
    def texts(self) -> list[str]:
        return [t for _, t in self.paragraphs]

    def styled(self, style: str) -> list[str]:
        return [t for s, t in self.paragraphs if s == style]


def read_report(source: Path | bytes) -> Report:
    doc = Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    paragraphs = [(p.style.name, p.text) for p in doc.paragraphs]
    tables = [
        [[cell.text for cell in table.row_cells(i)] for i in range(len(table.rows))]
        for table in doc.tables
    ]
    return Report(paragraphs, tables)


def edit_docx(src: Path, dst: Path, edit: Callable[[dict[str, bytes]], None]) -> Path:
    """Copy a .docx, letting ``edit`` change its parts (name -> bytes) in place."""
    with zipfile.ZipFile(src) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    edit(parts)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return dst


@dataclass
class Seed:
    """The published 克井镇 2024 report (tests/data), split into what the renderer must show."""

    title: str = ""
    headings: list[str] = field(default_factory=list)
    parts: list[tuple[str, str]] = field(default_factory=list)  # section 一: (heading, text)
    paragraphs: dict[str, list[str]] = field(default_factory=dict)  # 五, 六
    table2: dict[str, list[str]] = field(default_factory=dict)  # row label -> numbers
    table3: list[list[str]] = field(default_factory=list)  # 25 rows x 7 numbers
    table4: list[str] = field(default_factory=list)  # 15 numbers


def parse_seed(text: str | None = None) -> Seed:
    text = SEED.read_text(encoding="utf-8") if text is None else text
    seed = Seed()
    section = ""
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            heading = line.lstrip("#").replace(" ", "").strip()
            if not seed.title:
                seed.title = heading
            else:
                seed.headings.append(heading)
                section = heading[0]
            continue
        cells = [c.strip() for c in line.split("\t")]
        numbers = [c for c in cells if NUMBER.match(c)]
        if section == "一":
            m = re.match(r"\((.)\)\s*(.*?)：(.*)$", line)
            assert m, line
            seed.parts.append((f"（{m.group(1)}）{m.group(2)}", m.group(3)))
        elif section == "二" and numbers:
            seed.table2[cells[0]] = numbers
        elif section == "三" and len(numbers) == 7:
            seed.table3.append(numbers)
        elif section == "四" and len(numbers) == 15:
            seed.table4 = numbers
        elif section in ("五", "六"):
            seed.paragraphs.setdefault(section, []).append(line.strip())
    return seed
