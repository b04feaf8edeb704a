"""Make the corpus of broken, hostile and real-tool workbooks under ``tests/data/corpus/``.

Run from the repository root:  python tests/data/make_corpus.py  [NAME ...]

Each case writes ``NAME.<ext>`` (the file a township might send) and ``NAME.expected.json``:

    {"file": "NAME.xlsx", "previous": null | "OTHER.xlsx",
     "unreadable": null | "code",                 # the one finding of a file that cannot be read
     "findings": [["code", "sheet", "cell"], …],  # every finding, sorted (a multiset)
     "values": {"key": value, …}}                 # optional: some values the check must return

Expectations are written here by hand, from what each edit breaks (cells come from FORM, never
typed), not by running the checker: the test in ``tests/test_corpus.py`` compares the two.
Most files are filled workbooks made by the real template writer and then edited with openpyxl
(which drops cached formula values, like many tools do) or at the XML level inside the zip
(when openpyxl would change what we want to keep). A few need LibreOffice (``.xls``, re-saved
copies); they are skipped with a note when ``soffice`` is absent and kept from the last run.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
from lxml import etree
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = HERE / "corpus"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from helpers import consistent_values, rebalance  # noqa: E402
from repackage import add_sheet_copy, replace_bytes  # noqa: E402
from xl2report.checks.cells import coerce_values  # noqa: E402
from xl2report.form.national import (  # noqa: E402
    FORM,
    S3_COLUMNS,
    Field,
    Value,
    ValueType,
    compute_formulas,
)
from xl2report.xlsx.template import TemplateOptions, build_workbook  # noqa: E402

ORG, YEAR = "测试镇人民政府", 2024
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
M = f"{{{NS}}}"
Finding = tuple[str, str, str]


def at(code: str, key: str) -> Finding:
    """An expected finding at a field's cell."""
    f = FORM.field(key)
    return (code, f.sheet, f.cell)


def on(code: str, sheet: str = "", cell: str = "") -> Finding:
    return (code, sheet, cell)


def field(key: str) -> Field:
    return FORM.field(key)


# ----------------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------------


def base_values(seed: int = 7, year: int = YEAR) -> dict[str, Value]:
    """A consistent random fill whose texts mention ``year``, with new applications > 0."""
    values = consistent_values(random.Random(seed), year)
    for f in FORM.fields:
        if f.type is ValueType.TEXT and f.multiline:
            values[f.key] = str(values[f.key]).replace("2024", str(year))
    return values


def kejing_values() -> dict[str, Value]:
    data = json.loads((ROOT / "examples" / "kejing-2024.json").read_text(encoding="utf-8"))
    return coerce_values(data["values"])


def workbook(values: dict[str, Value] | None = None, org: str = ORG, year: int = YEAR) -> bytes:
    return build_workbook(TemplateOptions(org=org, year=year), values or base_values())


def total_of(values: dict[str, Value], key: str) -> int:
    return int(compute_formulas(values)[key])


# ----------------------------------------------------------------------------------------------
# Editors
# ----------------------------------------------------------------------------------------------


def with_openpyxl(data: bytes, edit: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def set_cells(data: bytes, cells: dict[str, object]) -> bytes:
    """Set field cells (by key) with openpyxl; a value starting with '=' is a formula."""

    def edit(wb: openpyxl.Workbook) -> None:
        for key, value in cells.items():
            f = field(key)
            wb[f.sheet][f.cell].value = value

    return with_openpyxl(data, edit)


def rewrite_parts(data: bytes, edits: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """Rewrite zip members by name, keeping order and everything else."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename in edits:
                body = edits[info.filename](body)
            dst.writestr(info.filename, body)
    return out.getvalue()


def sheet_part(data: bytes, sheet: str) -> str:
    zf = zipfile.ZipFile(io.BytesIO(data))
    wb = etree.fromstring(zf.read("xl/workbook.xml"))
    rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    rid = next(
        el.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        for el in wb.iter(M + "sheet")
        if el.get("name") == sheet
    )
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return "xl/" + target.lstrip("/").removeprefix("xl/")


def edit_cell_xml(
    data: bytes,
    key: str,
    *,
    formula: str | None = None,
    value: str | None = None,
    cell_type: str | None = None,
    inline: str | None = None,
) -> bytes:
    """Change one field's cell at the XML level (keeps cached values everywhere else)."""
    f = field(key)

    def edit(body: bytes) -> bytes:
        root = etree.fromstring(body)
        c = next(c for c in root.iter(M + "c") if c.get("r") == f.cell)
        for child in list(c):
            c.remove(child)
        c.attrib.pop("t", None)
        if inline is not None:
            c.set("t", "inlineStr")
            is_el = etree.SubElement(c, M + "is")
            etree.SubElement(is_el, M + "t").text = inline
            return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        if cell_type:
            c.set("t", cell_type)
        if formula is not None:
            etree.SubElement(c, M + "f").text = formula
        if value is not None:
            etree.SubElement(c, M + "v").text = value
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return rewrite_parts(data, {sheet_part(data, f.sheet): edit})


# ----------------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------------


@dataclass
class Case:
    make: Callable[[], bytes]
    findings: list[Finding]
    ext: str = ".xlsx"
    unreadable: str | None = None
    previous: str | None = None  # name of another case: last year's workbook
    values: dict[str, object] | None = None
    office: bool = False  # needs LibreOffice to make
    note: str = ""


CASES: dict[str, Case] = {}


def case(name: str, findings: list[Finding] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    def register(make: Callable[[], bytes]) -> Callable[[], bytes]:
        CASES[name] = Case(make, sorted(findings or []), **kw)  # type: ignore[arg-type]
        return make

    return register


# --- valid files ---


@case("valid-kejing", values={"info.org": "克井镇人民政府", "s2.fees.amount": 194.3525})
def _() -> bytes:
    return workbook(kejing_values(), org="克井镇人民政府", year=2024)


@case("valid-random")
def _() -> bytes:
    return workbook()


@case("valid-openpyxl-resaved", note="openpyxl drops every cached formula value")
def _() -> bytes:
    return with_openpyxl(workbook(), lambda wb: None)


@case("valid-strict-namespaces", note="ISO 29500 Strict namespaces, as Excel's Strict save")
def _() -> bytes:
    data = workbook()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()

    def strict(body: bytes) -> bytes:
        return body.replace(
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        ).replace(
            b'http://schemas.openxmlformats.org/officeDocument/2006/relationships"',
            b'http://purl.oclc.org/ooxml/officeDocument/relationships"',
        )

    return rewrite_parts(data, {n: strict for n in names if n.endswith(".xml")})


@case(
    "valid-excel-style-xml", note="shared formulas, inline strings, rich text, rows/cells without r"
)
def _() -> bytes:
    data = workbook()
    three = sheet_part(data, field("s3.new.total").sheet)
    totals = [f for f in FORM.fields_on(field("s3.new.total").sheet) if f.key.endswith(".total")]
    first, last = totals[0], totals[-1]

    def excelify(body: bytes) -> bytes:
        root = etree.fromstring(body)
        shared = zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml")
        strings = ["".join(si.itertext()) for si in etree.fromstring(shared).iterfind(M + "si")]
        column = {f.cell for f in totals}
        for c in root.iter(M + "c"):
            ref = c.get("r")
            f_el = c.find(M + "f")
            if f_el is not None and ref in column:
                # The total column as Excel writes it: one master formula, the rest shared.
                f_el.set("t", "shared")
                f_el.set("si", "0")
                if ref == first.cell:
                    f_el.set("ref", f"{first.cell}:{last.cell}")
                else:
                    f_el.text = None
            if c.get("t") == "s":  # labels as rich-text inline strings, split in two runs
                text = strings[int(c.find(M + "v").text)]
                c.remove(c.find(M + "v"))
                c.set("t", "inlineStr")
                is_el = etree.SubElement(c, M + "is")
                for part in (text[:2], text[2:]):
                    r = etree.SubElement(is_el, M + "r")
                    etree.SubElement(r, M + "t").text = part
        # Drop r where it follows from the previous row / cell.
        prev_row = 0
        for row in root.iter(M + "row"):
            n = int(row.get("r"))
            if n == prev_row + 1:
                del row.attrib["r"]
            prev_row = n
            prev_col = -1
            for c in row.iterfind(M + "c"):
                col = _col_index(c.get("r"))
                # openpyxl needs r on a shared formula's cells; Excel writes it everywhere.
                if col == prev_col + 1 and c.find(M + "f") is None:
                    del c.attrib["r"]
                prev_col = col
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return rewrite_parts(data, {three: excelify})


def _col_index(ref: str) -> int:
    letters = "".join(ch for ch in ref if ch.isalpha())
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


@case("valid-extra-sheet", [on("sheet-extra", "Sheet1")])
def _() -> bytes:
    return with_openpyxl(workbook(), lambda wb: wb.create_sheet("Sheet1").cell(1, 1, "草稿"))


@case("valid-protection-removed", [on("protection-removed", field("s2.rules.issued").sheet)])
def _() -> bytes:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[field("s2.rules.issued").sheet].protection.sheet = False

    return with_openpyxl(workbook(), edit)


@case("valid-publish-date-typed-as-date", values={"info.publish_date": "2025年1月20日"})
def _() -> bytes:
    return set_cells(workbook(), {"info.publish_date": datetime(2025, 1, 20)})


# --- files that cannot be read ---


@case("empty", unreadable="file-empty")
def _() -> bytes:
    return b""


@case("not-a-zip", unreadable="not-a-workbook")
def _() -> bytes:
    return "各乡镇：请于1月10日前报送年度报告。\n".encode()


@case("zip-not-workbook", unreadable="zip-without-workbook")
def _() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("年度报告.txt", "正文")
    return out.getvalue()


@case("docx-renamed", unreadable="zip-without-workbook", note="a Word document renamed to .xlsx")
def _() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
    return out.getvalue()


@case("unknown-namespace", unreadable="unknown-namespace",
      note="every part in a main namespace no spreadsheet uses (once read as an empty workbook)")  # fmt: skip
def _() -> bytes:
    return replace_bytes(workbook(), NS.encode(), b"http://example.invalid/spreadsheetml/main",
                         lambda name: name.endswith(".xml"))  # fmt: skip


@case("sheet-duplicate", [on("sheet-duplicate", field("s3.new.natural").sheet)],
      note="a copy of 三、依申请公开 added under the same name (once the first was lost silently)")  # fmt: skip
def _() -> bytes:
    sheet = field("s3.new.natural").sheet
    return add_sheet_copy(workbook(), sheet, sheet)


@case("truncated", unreadable="corrupt-workbook", note="first half of a valid workbook")
def _() -> bytes:
    data = workbook()
    return data[: len(data) // 2]


@case("encrypted", unreadable="encrypted", note="password 1234, made with msoffcrypto-tool")
def _() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook())).encrypt("1234", out)
    return out.getvalue()


@case("legacy", ext=".xls", unreadable="legacy-format", office=True,
      note="saved as .xls (BIFF8) by LibreOffice")  # fmt: skip
def _() -> bytes:
    return _office_convert(workbook(), "xls")


@case("legacy-wps", ext=".et", unreadable="legacy-format", office=True,
      note="WPS .et is the same OLE2 binary container; made as .xls by LibreOffice")  # fmt: skip
def _() -> bytes:
    return _office_convert(workbook(), "xls")


@case("~$lock", unreadable="lock-file", note="Excel owner file left while a workbook is open")
def _() -> bytes:
    name = "张三".encode("utf-16-le")
    return (bytes([2]) + "张三".encode("gbk").ljust(53, b" ") + name).ljust(165, b"\x00")


@case("not-our-form", unreadable="not-our-form", note="a plain workbook made with openpyxl")
def _() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["乡镇", "申请数"])
    wb.active.append(["克井镇", 0])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@case("not-our-form-meta", unreadable="not-our-form", note="_meta names another form")
def _() -> bytes:
    return _set_meta(workbook(), "form_id", "someone/other-form")


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol9;</t></si></sst>"""


@case("billion-laughs", unreadable="xml-dtd-forbidden", note="entity expansion in sharedStrings")
def _() -> bytes:
    return rewrite_parts(workbook(), {"xl/sharedStrings.xml": lambda _: BILLION_LAUGHS})


@case("dtd-utf16", unreadable="xml-dtd-forbidden", note="a DOCTYPE hidden in a UTF-16 part")
def _() -> bytes:
    def utf16(body: bytes) -> bytes:
        text = body.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
        head, rest = text.split("?>", 1)
        text = head + '?>\n<!DOCTYPE workbook [<!ENTITY x "x">]>' + rest
        return text.encode("utf-16")

    return rewrite_parts(workbook(), {"xl/workbook.xml": utf16})


@case("zip-bomb", unreadable="zip-bomb", note="one member inflates to 60 MB of zeros")
def _() -> bytes:
    data = workbook()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("xl/media/image1.bin", b"\x00" * (60 * 1024 * 1024))
    return out.getvalue()


# --- form identity ---


def _set_meta(data: bytes, name: str, value: str) -> bytes:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb[FORM.meta_sheet]
        (row,) = (r.row for r in FORM.meta_rows if r.name == name)
        ws.cell(row + 1, 2, value)

    return with_openpyxl(data, edit)


@case("form-version-old", [on("form-version-old")])
def _() -> bytes:
    return _set_meta(workbook(), "form_version", "2019.1")


@case("form-version-unknown", [on("form-version-unknown")])
def _() -> bytes:
    return _set_meta(workbook(), "form_version", "2030.1")


@case("form-meta-missing", [on("form-meta-missing")], note="the hidden _meta sheet deleted")
def _() -> bytes:
    return with_openpyxl(workbook(), lambda wb: wb.remove(wb[FORM.meta_sheet]))


@case("form-fingerprint-changed", [on("form-fingerprint-mismatch")])
def _() -> bytes:
    return _set_meta(workbook(), "fingerprint", "0000000000000000")


# --- tampered layout ---

S3, S4, S5, S2 = (field(k).sheet for k in ("s3.new.natural", "s4.review.total", "s5.text",
                                              "s2.rules.issued"))  # fmt: skip


@case("sheet-missing", [on("sheet-missing", S4)])
def _() -> bytes:
    return with_openpyxl(workbook(), lambda wb: wb.remove(wb[S4]))


@case("sheet-renamed", [on("sheet-missing", S5), on("sheet-extra", "五、存在问题")])
def _() -> bytes:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[S5].title = "五、存在问题"

    return with_openpyxl(workbook(), edit)


def _first_label_at_or_below(sheet: str, row: int) -> str:
    """First label (in form order) whose own cell is at or below ``row``: the first to move."""
    for label in FORM.labels_on(sheet):
        if label.row >= row:
            return label.cell
    raise AssertionError("no label moves")


ROW_INSERTED_AT = field("s3.refused.third_party.natural").row  # inside the 不予公开 block


def insert(ws, row: int | None = None, col: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """Insert one row or column before the 0-based ``row``/``col`` as Excel does: merged ranges
    and the sheet's own formula references move too (openpyxl's insert_rows/insert_cols move
    only the cells)."""
    ranges = [r.bounds for r in ws.merged_cells.ranges]  # (min_col, min_row, max_col, max_row)
    for bounds in ranges:
        ws.unmerge_cells(start_column=bounds[0], start_row=bounds[1], end_column=bounds[2],
                         end_row=bounds[3])  # fmt: skip
    if row is not None:
        ws.insert_rows(row + 1)
    else:
        ws.insert_cols(col + 1)
    at, axis = (row, 1) if row is not None else (col, 0)
    for bounds in ranges:
        lo, hi = list(bounds[:2]), list(bounds[2:])
        if lo[axis] - 1 >= at:
            lo[axis] += 1
        if hi[axis] - 1 >= at:
            hi[axis] += 1
        ws.merge_cells(start_column=lo[0], start_row=lo[1], end_column=hi[0], end_row=hi[1])

    def move(m: re.Match[str]) -> str:
        letters, digits = m.group(1), int(m.group(2))
        if row is not None and digits - 1 >= row:
            digits += 1
        if col is not None and _col_index(letters + "1") >= col:
            letters = get_column_letter(_col_index(letters + "1") + 2)
        return f"{letters}{digits}"

    for cells in ws.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.value = re.sub(r"(?<![A-Z!'])([A-Z]{1,3})(\d+)(?![\d(])", move, cell.value)


@case("row-inserted", [on("label-shifted", S3, _first_label_at_or_below(S3, ROW_INSERTED_AT))])
def _() -> bytes:
    return with_openpyxl(workbook(), lambda wb: insert(wb[S3], row=ROW_INSERTED_AT))


DATA_ROW_4 = field("s4.review.total").row


@case("row-inserted-above-data", [on("label-shifted", S4, field("s4.review.total").cell)],
      note="a row between 四表's header and its data: no label moves, the totals do")  # fmt: skip
def _() -> bytes:
    return with_openpyxl(workbook(), lambda wb: insert(wb[S4], row=DATA_ROW_4))


COL_INSERTED_AT = field("s4.review.other").col


def _first_moved_label(sheet: str, col: int) -> str:
    """First label (in form order) whose own cell is at or right of ``col``."""
    for label in FORM.labels_on(sheet):
        if label.col >= col:
            return label.cell
    raise AssertionError("no label moves")


@case("column-inserted", [on("label-shifted", S4, _first_moved_label(S4, COL_INSERTED_AT))])
def _() -> bytes:
    return with_openpyxl(workbook(), lambda wb: insert(wb[S4], col=COL_INSERTED_AT))


def _label(sheet: str, text: str):  # type: ignore[no-untyped-def]
    return next(lab for lab in FORM.labels_on(sheet) if lab.text == text)


GRANTED = _label(S3, "（一）予以公开")


@case("label-changed", [on("label-changed", S3, GRANTED.cell)])
def _() -> bytes:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[S3][GRANTED.cell].value = "（一）予以公开（含部分公开）"

    return with_openpyxl(workbook(), edit)


INFO_CONTENT = next(lab for lab in FORM.labels_on(S2) if lab.text == "信息内容")


@case("label-changed-repeated-text", [on("label-changed", S2, INFO_CONTENT.cell)],
      note="信息内容 occurs four times on the sheet: a changed one is not a shift")  # fmt: skip
def _() -> bytes:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[S2][INFO_CONTENT.cell].value = "内容"

    return with_openpyxl(workbook(), edit)


@case("formula-overwritten-same", [at("formula-overwritten", "s3.new.total")])
def _() -> bytes:
    values = base_values()
    return set_cells(workbook(values), {"s3.new.total": total_of(values, "s3.new.total")})


@case("formula-overwritten-wrong",
      [at("formula-overwritten", "s4.review.total"), at("total-mismatch", "s4.review.total")])  # fmt: skip
def _() -> bytes:
    values = base_values()
    return set_cells(workbook(values), {"s4.review.total": total_of(values, "s4.review.total") + 1})


@case("formula-cleared", [at("formula-cleared", "s3.handled_total.natural")])
def _() -> bytes:
    return set_cells(workbook(), {"s3.handled_total.natural": None})


@case("formula-altered", [at("formula-altered", "s3.carry_over.total")],
      note="openpyxl-saved: no cached value, so the total is recomputed")  # fmt: skip
def _() -> bytes:
    f = field("s3.carry_over.total")
    narrower = f.formula.replace(field("s3.carry_over.other_org").cell,
                                 field("s3.carry_over.legal").cell)  # fmt: skip
    assert narrower != f.formula
    return set_cells(workbook(), {"s3.carry_over.total": narrower})


@case("formula-altered-cached",
      [at("formula-altered", "s3.carry_over.total"), at("total-mismatch", "s3.carry_over.total"),
       at("balance-mismatch", "s3.new.total")],
      note="as Excel saves it: the altered formula's own result is cached and believed")  # fmt: skip
def _() -> bytes:
    values = base_values()
    f = field("s3.carry_over.total")
    narrower = f.formula.replace(field("s3.carry_over.other_org").cell,
                                 field("s3.carry_over.legal").cell)  # fmt: skip
    cached = total_of(values, "s3.carry_over.total") - int(values["s3.carry_over.other_org"])
    assert cached != total_of(values, "s3.carry_over.total")
    return edit_cell_xml(workbook(values), f.key, formula=narrower[1:], value=str(cached))


@case("stale-cached-value", [at("cached-value-stale", "s3.new.total")],
      note="formula intact, cached result wrong (a tool that never recalculates)")  # fmt: skip
def _() -> bytes:
    values = base_values()
    f = field("s3.new.total")
    return edit_cell_xml(workbook(values), f.key, formula=f.formula[1:],
                         value=str(total_of(values, f.key) + 7))  # fmt: skip


@case("org-changed", [at("org-changed", "info.org")])
def _() -> bytes:
    return set_cells(workbook(), {"info.org": "测试镇政府"})


@case("year-changed", [at("year-changed", "info.year"),
                       at("year-not-mentioned", "s1.active.text")])  # fmt: skip
def _() -> bytes:
    return set_cells(workbook(), {"info.year": 2023})


# --- values ---


@case(
    "text-numbers",
    [at("text-number", "s4.review.upheld"), at("text-number", "s4.review.corrected")],
)
def _() -> bytes:
    v = base_values()
    return set_cells(workbook(v), {"s4.review.upheld": str(v["s4.review.upheld"]),
                                   "s4.review.corrected": f" {v['s4.review.corrected']} "})  # fmt: skip


@case("fullwidth-digits", [at("fullwidth-number", "s4.suit_direct.upheld")])
def _() -> bytes:
    v = base_values()
    v["s4.suit_direct.upheld"] = 13
    wide = "１３"
    return set_cells(workbook(v), {"s4.suit_direct.upheld": wide})


ZERO_CELLS = {
    "s2.rules.issued": None,
    "s2.rules.repealed": "无",
    "s2.rules.in_force": "-",
    "s2.normative.issued": "—",
    "s2.normative.repealed": "/",
}


@case("zero-words", [at("blank-as-zero", k) for k in ZERO_CELLS])
def _() -> bytes:
    v = base_values()
    v.update({k: 0 for k in ZERO_CELLS})
    return set_cells(workbook(v), ZERO_CELLS)


@case("bad-numbers", [at("not-an-integer", "s2.licensing.decisions"),
                      at("negative-number", "s2.penalty.decisions"),
                      at("not-a-number", "s2.coercion.decisions"),
                      at("not-a-number", "s4.review.upheld")])  # fmt: skip
def _() -> bytes:
    return set_cells(workbook(), {"s2.licensing.decisions": 1.5, "s2.penalty.decisions": -2,
                                  "s2.coercion.decisions": "十三", "s4.review.upheld": "13件"})  # fmt: skip


@case("fee-seven-decimals", [at("decimal-precision", "s2.fees.amount")],
      values={"s2.fees.amount": 1.2345678})  # fmt: skip
def _() -> bytes:
    v = base_values()
    v["s2.fees.amount"] = Decimal("1.2345678")
    return workbook(v)


@case("date-in-count-cell", [at("date-value", "s4.review.pending")],
      note="“1-5” typed into a count cell becomes 2024年1月5日")  # fmt: skip
def _() -> bytes:
    return set_cells(workbook(), {"s4.review.pending": datetime(2024, 1, 5)})


@case("error-value", [at("cell-error", "s4.review.other")])
def _() -> bytes:
    return edit_cell_xml(workbook(), "s4.review.other", value="#VALUE!", cell_type="e")


@case("year-blank", [at("required-field-missing", "info.year")])
def _() -> bytes:
    return build_workbook(TemplateOptions(org=ORG), {**base_values(), "info.year": ""})


# --- rules ---


@case("balance-applicant-column", [at("balance-mismatch", "s3.new.business")],
      note="one more new application typed in; the total column's imbalance is implied")  # fmt: skip
def _() -> bytes:
    v = base_values()
    v["s3.new.business"] = int(v["s3.new.business"]) + 1
    return workbook(v)


@case("balance-outcome-row", [at("balance-mismatch", "s3.new.natural")])
def _() -> bytes:
    v = base_values()
    v["s3.refused.secret.natural"] = int(v["s3.refused.secret.natural"]) + 2
    return workbook(v)


@case("total-typed-over-in-table-three",
      [at("formula-overwritten", "s3.handled_total.research"),
       at("total-mismatch", "s3.handled_total.research"),
       at("balance-mismatch", "s3.new.research")])  # fmt: skip
def _() -> bytes:
    v = base_values()
    key = "s3.handled_total.research"
    return set_cells(workbook(v), {key: total_of(v, key) + 3})


@case("fee-collected-exceeds-billed", [at("fee-collected-exceeds-billed", "s6.fee_collected")])
def _() -> bytes:
    v = base_values()
    v["s6.fee_collected"] = Decimal(str(v["s6.fee_billed"])) + 1
    return workbook(v)


@case("fee-notices-missing", [at("fee-notices-missing", "s6.fee_notices")] * 2,
      note="billed > 0 and 逾期未缴费 > 0 with no notices: both rules at the notices cell")  # fmt: skip
def _() -> bytes:
    v = base_values()
    assert total_of(v, "s3.other.no_fee.total") > 0
    v["s6.fee_notices"] = 0
    v["s6.fee_billed"] = Decimal("120")
    v["s6.fee_collected"] = Decimal("120")
    return workbook(v)


# --- narrative ---


@case("required-text-missing", [at("required-text-missing", "s5.text"),
                                at("required-text-missing", "s1.platform.text")])  # fmt: skip
def _() -> bytes:
    return workbook({**base_values(), "s5.text": "", "s1.platform.text": "   "})


@case("placeholder-left", [at("placeholder-left", "s5.text"), at("text-too-short", "s5.text")])
def _() -> bytes:
    text = "2024年，我镇在XX方面仍有不足。【请填写改进措施】"
    return workbook({**base_values(), "s5.text": text})


@case("wrong-year-in-text", [at("year-not-mentioned", "s1.active.text")],
      note="every text copied from last year's report")  # fmt: skip
def _() -> bytes:
    return workbook(base_values(year=2023) | {"info.year": YEAR})


@case("narrative-count-mismatch", [at("narrative-count-mismatch", "s1.requests.text")])
def _() -> bytes:
    v = base_values()
    assert total_of(v, "s3.new.total") != 99
    return workbook(
        {**v, "s1.requests.text": "2024年，本机关共收到政府信息公开申请99件，均按时答复。"}
    )


@case("narrative-says-none", [at("narrative-says-none", "s1.requests.text")])
def _() -> bytes:
    return workbook({**base_values(), "s1.requests.text": "2024年，本机关未收到政府信息公开申请。"})


@case("narrative-fee-contradiction", [at("narrative-fee-contradiction", "s6.text")])
def _() -> bytes:
    return workbook({**base_values(), "s6.text": "2024年本机关未收取信息处理费。"})


@case("control-characters", [at("control-characters", "s1.active.text")],
      note="a vertical tab pasted from another program, stored as _x000B_")  # fmt: skip
def _() -> bytes:
    return edit_cell_xml(workbook(), "s1.active.text", inline="2024年，主动公开_x000B_信息120条。")


# --- hostile values (issue #15): decided as findings, in bounded time ---


@case("hostile-numbers", [at("not-a-number", "s2.licensing.decisions"),
                          at("not-a-number", "s2.penalty.decisions"),
                          at("number-out-of-range", "s2.coercion.decisions"),
                          at("number-out-of-range", "s4.review.upheld")],
      note="<v>NaN</v>, <v>INF</v>, <v>1e400</v> and the text 1e999999999 (once a hang)")  # fmt: skip
def _() -> bytes:
    data = edit_cell_xml(workbook(), "s2.licensing.decisions", value="NaN")
    data = edit_cell_xml(data, "s2.penalty.decisions", value="INF")
    data = edit_cell_xml(data, "s2.coercion.decisions", value="1e400")
    return edit_cell_xml(data, "s4.review.upheld", inline="1e999999999")


@case("year-overflow", [at("year-invalid", "info.year")],
      note="年度 stored as 1e20 (once failed the worker on every run)")  # fmt: skip
def _() -> bytes:
    return edit_cell_xml(workbook(), "info.year", value="1e20")


@case("text-half-emoji", [at("text-not-encodable", "s1.active.text")],
      note="the OOXML escape _xD83D_: half an emoji, which nothing can store")  # fmt: skip
def _() -> bytes:
    return edit_cell_xml(workbook(), "s1.active.text", inline="2024年，主动公开信息_xD83D_120条。")


@case("formula-in-input", [at("formula-in-input", "s2.licensing.decisions")],
      note="a formula typed into an input cell: its cached result is not trusted")  # fmt: skip
def _() -> bytes:
    return edit_cell_xml(workbook(), "s2.licensing.decisions", formula="1+1", value="2")


@case("sheet-hidden", [on("sheet-hidden", field("s3.new.total").sheet)],
      note="a form sheet set hidden (a hidden copy could carry another unit's figures)")  # fmt: skip
def _() -> bytes:
    sheet = field("s3.new.total").sheet

    def hide(wb: openpyxl.Workbook) -> None:
        wb[sheet].sheet_state = "hidden"

    return with_openpyxl(workbook(), hide)


@case("content-too-large", unreadable="content-too-large",
      note="30,000 extra cells on one sheet: refused before the expensive checks")  # fmt: skip
def _() -> bytes:
    data = workbook()
    part = sheet_part(data, field("s3.new.total").sheet)

    def grow(body: bytes) -> bytes:
        rows = "".join(
            f'<row r="{r}">' + "".join(f'<c r="{col}{r}"><v>1</v></c>' for col in "ABCDEFGHIJ")
            + "</row>"
            for r in range(1001, 4001)
        )  # fmt: skip
        return body.replace(b"</sheetData>", rows.encode() + b"</sheetData>")

    return rewrite_parts(data, {part: grow})


# --- year over year ---


def _last_year() -> dict[str, Value]:
    return base_values(seed=2023, year=2023)


@case("yoy-2023")
def _() -> bytes:
    return workbook(_last_year(), year=2023)


def _this_year() -> dict[str, Value]:
    last = compute_formulas(_last_year())
    v = base_values(seed=2024)
    for col, _ in S3_COLUMNS:
        if col != "total":
            v[f"s3.carried.{col}"] = last[f"s3.carry_over.{col}"]
    v["s3.carried.natural"] = int(last["s3.carry_over.natural"]) + 1  # one mismatch
    for kind in ("rules", "normative"):
        v[f"s2.{kind}.in_force"] = (
            int(last[f"s2.{kind}.in_force"]) + int(v[f"s2.{kind}.issued"])
            - int(v[f"s2.{kind}.repealed"])
        )  # fmt: skip
    v["s2.normative.in_force"] = int(v["s2.normative.in_force"]) + 2  # one mismatch
    v["s2.licensing.decisions"] = int(last["s2.licensing.decisions"]) or 1
    v["s2.penalty.decisions"] = (int(last["s2.penalty.decisions"]) or 1) * 20  # a swing
    v["s2.fees.amount"] = last["s2.fees.amount"]
    return rebalance(v)


@case("yoy-2024", [at("yoy-carried-mismatch", "s3.carried.natural"),
                   at("yoy-in-force-mismatch", "s2.normative.in_force"),
                   at("yoy-swing", "s2.penalty.decisions")], previous="yoy-2023")  # fmt: skip
def _() -> bytes:
    return workbook(_this_year())


# --- real files from LibreOffice ---


def _office_convert(data: bytes, target: str) -> bytes:
    from xl2report.report.office import convert

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "in.xlsx")
        src.write_bytes(data)
        filt = {"xls": "xls:MS Excel 97", "xlsx": "xlsx:Calc MS Excel 2007 XML"}[target]
        (out,) = convert([src], filt, Path(tmp, "out"))
        return out.read_bytes()


@case("libreoffice-resaved-kejing", office=True,
      values={"info.org": "克井镇人民政府", "s2.fees.amount": 194.3525, "s2.penalty.decisions": 13})  # fmt: skip
def _() -> bytes:
    return _office_convert(workbook(kejing_values(), org="克井镇人民政府"), "xlsx")


@case("libreoffice-resaved-errors",
      [at("balance-mismatch", "s3.new.natural"), at("formula-overwritten", "s4.review.total"),
       at("total-mismatch", "s4.review.total"), at("text-number", "s4.review.upheld")],
      office=True, note="openpyxl edits, then opened and saved by LibreOffice Calc")  # fmt: skip
def _() -> bytes:
    v = base_values()
    v["s3.refused.secret.natural"] = int(v["s3.refused.secret.natural"]) + 2
    data = set_cells(workbook(v), {"s4.review.total": total_of(v, "s4.review.total") + 1,
                                   "s4.review.upheld": str(v["s4.review.upheld"])})  # fmt: skip
    return _office_convert(data, "xlsx")


# ----------------------------------------------------------------------------------------------


def file_name(name: str, c: Case) -> str:
    return name + c.ext


def write_case(name: str, c: Case) -> None:
    data = c.make()
    (OUT / file_name(name, c)).write_bytes(data)
    expected = {
        "file": file_name(name, c),
        "note": c.note,
        "previous": file_name(c.previous, CASES[c.previous]) if c.previous else None,
        "unreadable": c.unreadable,
        "findings": [list(f) for f in c.findings],
    }
    if c.values:
        expected["values"] = c.values
    (OUT / f"{name}.expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def main(names: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    for name, c in CASES.items():
        if names and name not in names:
            continue
        if c.office and not office:
            print(f"跳过 {name}：需要 LibreOffice", file=sys.stderr)
            continue
        write_case(name, c)
        print(f"{name}: {(OUT / file_name(name, c)).stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
