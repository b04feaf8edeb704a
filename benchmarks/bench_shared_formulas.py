"""How fast does the reader expand Excel's shared formulas?  Compared side by side with openpyxl.

Excel stores a column of alike formulas once (``<f t="shared" ref="C1:C1000" si="0">A1+B1</f>``)
and every other cell of the column as ``<f t="shared" si="0"/>``; a reader moves the master's
formula to each cell.  This makes one sheet of ``ROWS`` rows with 13 such columns (13,000 shared
formulas by default, the size of a real workbook that once took 542 ms here) and times
:func:`~xl2report.xlsx.parts.read_workbook` against openpyxl's load (which also moves every
shared formula), alternating the two so that machine load hits both alike.

Run:  python benchmarks/bench_shared_formulas.py [ROWS] [ROUNDS]   (default 1000 rows, 7 rounds)

Prints the median and the fastest time of each.  Not a test: timings depend on the machine.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from xl2report.form.national import a1
from xl2report.xlsx.parts import read_workbook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
FORMULAS = 13  # shared-formula columns, after the two input columns A and B


def sheet_xml(rows: int) -> str:
    """Columns A, B hold numbers; C… hold one shared formula each, moved down every row."""
    out = [f'<worksheet xmlns="{NS}"><sheetData>']
    for r in range(rows):
        cells = [f'<c r="{a1(r, 0)}"><v>{r}</v></c><c r="{a1(r, 1)}"><v>{r * 2}</v></c>']
        for k in range(FORMULAS):
            ref = a1(r, 2 + k)
            if r == 0:
                span = f"{ref}:{a1(rows - 1, 2 + k)}"
                body = f"SUM($A1:B1)*{k + 1}+IF(A1>B1,A1,B1)"
                f = f'<f t="shared" ref="{span}" si="{k}">{body}</f>'
            else:
                f = f'<f t="shared" si="{k}"/>'
            cells.append(f'<c r="{ref}">{f}<v>{r * 3 * (k + 1)}</v></c>')
        out.append(f'<row r="{r + 1}">{"".join(cells)}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out)


def write_package(path: Path, rows: int) -> Path:
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet_xml(rows),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, xml in parts.items():
            zf.writestr(name, xml)
    return path


def main(rows: int, rounds: int) -> None:
    import openpyxl

    with tempfile.TemporaryDirectory() as tmp:
        path = write_package(Path(tmp, "shared.xlsx"), rows)
        ours = read_workbook(path)  # warm up (imports), and check both agree
        theirs = openpyxl.load_workbook(path)["Sheet1"]
        cells = ours.sheets["Sheet1"].cells
        assert all(
            "=" + (cells[r, c].formula or "") == theirs.cell(r + 1, c + 1).value
            for r in range(rows)
            for c in range(2, 2 + FORMULAS)
        ), "the two readers moved a shared formula differently"
        times: dict[str, list[float]] = {
            "xl2report read_workbook": [],
            "openpyxl load_workbook": [],
        }
        for _ in range(rounds):
            for label, run in (
                ("xl2report read_workbook", lambda: read_workbook(path)),
                ("openpyxl load_workbook", lambda: openpyxl.load_workbook(path)),
            ):
                start = time.perf_counter()
                run()
                times[label].append((time.perf_counter() - start) * 1000)
        print(f"{rows * FORMULAS} 个共享公式（{rows} 行 × {FORMULAS} 列），{rounds} 轮交替计时")
        for label, ms in times.items():
            print(f"{label:<26} 中位数 {statistics.median(ms):7.1f} ms   最快 {min(ms):7.1f} ms")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*(args + [1000, 7][len(args) :]))
