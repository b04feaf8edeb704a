"""The fast reader's guards against hostile or broken files, and its one-parse promise."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xl2report.checks.check import check_file
from xl2report.xlsx import opc, sniff
from xl2report.xlsx.parts import UnreadableError, read_workbook

CORPUS = Path(__file__).parent / "data" / "corpus"
VALID = CORPUS / "valid-random.xlsx"


def rewrite(tmp_path: Path, edits: dict[str, bytes | None], name: str = "x.xlsx") -> Path:
    """A copy of the valid workbook with some members replaced (or dropped, for None)."""
    src = zipfile.ZipFile(VALID)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in edits:
                if edits[info.filename] is not None:
                    dst.writestr(info.filename, edits[info.filename])  # type: ignore[arg-type]
            else:
                dst.writestr(info.filename, src.read(info.filename))
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def code_of(path: Path) -> str:
    with pytest.raises(UnreadableError) as exc:
        read_workbook(path)
    return exc.value.code


def test_valid_workbook_reads() -> None:
    wb = read_workbook(VALID)
    assert "三、依申请公开" in wb.sheets and wb.sheets["_meta"].state == "veryHidden"


def test_file_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sniff, "MAX_FILE_BYTES", VALID.stat().st_size - 1)
    assert code_of(VALID) == "file-too-large"


def test_member_count_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opc, "MAX_MEMBERS", 3)
    assert code_of(VALID) == "zip-bomb"


def test_declared_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opc, "MAX_UNZIPPED_BYTES", 10_000)
    assert code_of(VALID) == "zip-bomb"


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>
</worksheet>"""


def test_external_entity_in_a_sheet_is_refused(tmp_path: Path) -> None:
    assert code_of(rewrite(tmp_path, {"xl/worksheets/sheet2.xml": XXE})) == "xml-dtd-forbidden"


def test_missing_sheet_part_is_corrupt(tmp_path: Path) -> None:
    assert code_of(rewrite(tmp_path, {"xl/worksheets/sheet3.xml": None})) == "corrupt-workbook"


def test_broken_xml_is_corrupt(tmp_path: Path) -> None:
    path = rewrite(tmp_path, {"xl/worksheets/sheet3.xml": b"<worksheet><sheetData>"})
    assert code_of(path) == "corrupt-workbook"


def test_lock_file_by_name_whatever_its_content(tmp_path: Path) -> None:
    path = tmp_path / "~$克井镇.xlsx"
    path.write_bytes(VALID.read_bytes())
    assert code_of(path) == "lock-file"


def test_folder_and_missing_file(tmp_path: Path) -> None:
    assert code_of(tmp_path) == "file-missing"
    assert code_of(tmp_path / "nope.xlsx") == "file-missing"


def test_openpyxl_parses_with_defusedxml() -> None:
    """The feedback writer opens township files with openpyxl: it must use defusedxml."""
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML


def test_check_reads_each_workbook_once_without_openpyxl() -> None:
    """One parse per workbook: openpyxl (and its 0.2 s import) stays off the check path."""
    code = (
        "import sys; from pathlib import Path; from xl2report.checks.check import check_file; "
        f"r = check_file(Path({str(VALID)!r})); "
        "print(r.valid, 'openpyxl' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False"]


def test_rows_and_cells_without_r_follow_the_previous_one(tmp_path: Path) -> None:
    sheet = b"""<?xml version="1.0"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="2"><c r="B2"><v>1</v></c><c><v>2</v></c></row>
<row><c><v>3</v></c><c r="D3"><v>4</v></c><c><v>5</v></c></row>
</sheetData></worksheet>"""
    wb = read_workbook(rewrite(tmp_path, {"xl/worksheets/sheet8.xml": sheet}))
    cells = {pos: c.value for pos, c in wb.sheets["_meta"].cells.items()}
    assert cells == {(1, 1): "1", (1, 2): "2", (2, 0): "3", (2, 3): "4", (2, 4): "5"}


def test_empty_cells_keep_their_type_and_lock(tmp_path: Path) -> None:
    """Empty cells are shared between cells (issue #6) but still read exactly as stored: an
    empty number or formula-string cell has no type, an empty shared-string cell keeps 's',
    an empty inline string is '', and the lock comes from each cell's own style."""
    styles = zipfile.ZipFile(VALID).read("xl/styles.xml").decode()
    unlocked = next(
        i
        for i, xf in enumerate(styles.split("<cellXfs")[1].split("<xf ")[1:])
        if 'locked="0"' in xf
    )
    sheet = f"""<?xml version="1.0"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1"/><c r="B1" s="{unlocked}"/><c r="C1" t="s"/><c r="D1" t="str"/>
<c r="E1" t="inlineStr"/><c r="F1" t="b"/><c r="G1" t="e"/><c r="H1" s="{unlocked}" t="str"/></row>
</sheetData></worksheet>""".encode()
    cells = (
        read_workbook(rewrite(tmp_path, {"xl/worksheets/sheet8.xml": sheet})).sheets["_meta"].cells
    )
    got = {pos: (c.value, c.type, c.formula, c.locked, c.is_date) for pos, c in cells.items()}
    assert got == {
        (0, 0): (None, "", None, True, False),
        (0, 1): (None, "", None, False, False),
        (0, 2): (None, "s", None, True, False),
        (0, 3): (None, "", None, True, False),
        (0, 4): ("", "s", None, True, False),
        (0, 5): (None, "b", None, True, False),
        (0, 6): (None, "e", None, True, False),
        (0, 7): (None, "", None, False, False),
    }


PARTS = ["xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml",
         "xl/worksheets/sheet4.xml", "xl/worksheets/sheet8.xml", "xl/_rels/workbook.xml.rels"]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(PARTS),
    st.integers(0, 10**6),
    st.integers(0, 40),
    st.sampled_from([b"", b"<", b'"', b"x", b"99999", b"-1", b't="s"', b"</c>"]),
)
@example("xl/workbook.xml", 675, 19, b'"')  # a sheet named "" (found by hypothesis)
def test_damaged_parts_never_raise(part: str, where: int, length: int, insert: bytes) -> None:
    """Whatever a broken writer or a bad copy does to a part, check_file returns findings."""
    body = zipfile.ZipFile(VALID).read(part)
    at = where % max(len(body), 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = rewrite(Path(tmp), {part: body[:at] + insert + body[at + length :]})
        result = check_file(path)
    assert isinstance(result.report.findings, list)


def test_empty_style_attribute_is_the_default_style(tmp_path: Path) -> None:
    """s="" (written by some tools) is style 0, as Excel reads it; it was once "corrupt"."""
    sheet = b"""<?xml version="1.0"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" s=""><v>7</v></c><c r="B1" s="0"><v>8</v></c></row>
</sheetData></worksheet>"""
    cells = read_workbook(rewrite(tmp_path, {"xl/worksheets/sheet8.xml": sheet})).sheets["_meta"]
    assert cells.cell(0, 0) == cells.cell(0, 1)._replace(value="7")


def test_shared_formula_is_parsed_once_per_master(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each shared formula's master is tokenised once, not again for every cell it covers."""
    from openpyxl.formula import translate

    made: list[str] = []

    class Counting(translate.Translator):
        def __init__(self, formula: str, origin: str) -> None:
            made.append(origin)
            super().__init__(formula, origin)

    monkeypatch.setattr(translate, "Translator", Counting)
    wb = read_workbook(CORPUS / "valid-excel-style-xml.xlsx")
    with zipfile.ZipFile(CORPUS / "valid-excel-style-xml.xlsx") as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    masters = len(re.findall(rb'<f t="shared"[^>/]* ref="', xml))
    moved = len(re.findall(rb'<f t="shared" si="\d+"/>', xml))
    assert masters and moved > masters
    assert len(made) == masters
    assert any(c.formula for s in wb.sheets.values() for c in s.cells.values())
