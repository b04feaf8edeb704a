"""Real workbooks from other writers, read by our reader and by openpyxl (issue #22).

``tests/data/realworld/MANIFEST.json`` lists two dozen small .xlsx files found in public
repositories, saved by Excel (2007 to 365, Windows and Mac, Strict, a 2007 beta), WPS, Tencent
Docs, LibreOffice, Google Sheets, Apple Numbers, ONLYOFFICE, Hancom Hancell, NPOI, Apache POI and
Excel for Windows Phone: each file's writer, source repository, path, commit, licence and SHA-256,
and how openpyxl 3.1 fares with it.  The files themselves are not in this repository (files
brought from other repositories may not be committed here): they are looked up by SHA-256 in
``$XL2REPORT_REAL_WORKBOOKS``, ``../shared/realworld-xlsx`` beside the checkout, or
``/work/shared/realworld-xlsx``, and each test skips, saying so, when its file is absent.

The ``openpyxl`` column:

``same``     openpyxl reads it: both readers must read the same cells (as in
             ``test_xlsx_equivalence``: values, formulas, locks, states, merges, validations).
``mended:X`` openpyxl trips over one thing (named X) that Excel accepts; with that one thing
             mended, openpyxl must read what we read from the original.
``fails``    openpyxl cannot read it at all; we must.
``empty``    openpyxl reads no cell (an unknown main namespace); we must say so, not read nothing.

Whatever the file, ``check_file`` returns findings and never raises.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from test_xlsx_equivalence import _load, _same_cells
from xl2report.checks.check import check_file
from xl2report.xlsx.parts import UnreadableError, read_workbook

HERE = Path(__file__).parent / "data" / "realworld"
MANIFEST = json.loads((HERE / "MANIFEST.json").read_text(encoding="utf-8"))
BY_FILE = {entry["file"]: entry for entry in MANIFEST}
SEARCHED = [
    Path(p) for p in (os.environ.get("XL2REPORT_REAL_WORKBOOKS"),
                      Path(__file__).resolve().parents[2] / "shared" / "realworld-xlsx",
                      "/work/shared/realworld-xlsx") if p
]  # fmt: skip


def _located() -> dict[str, Path]:
    """sha256 -> the file, for every .xlsx in the folders searched."""
    found: dict[str, Path] = {}
    for folder in SEARCHED:
        for path in sorted(folder.glob("*.xlsx")) if folder.is_dir() else []:
            found.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path)
    return found


LOCATED = _located()


def _path(name: str) -> Path:
    """Where the manifest's file ``name`` is on this machine (the test skips without it)."""
    path = LOCATED.get(BY_FILE[name]["sha256"])
    if path is None:
        pytest.skip(f"{name}（sha256 {BY_FILE[name]['sha256'][:12]}…）不在 "
                    f"{'、'.join(map(str, SEARCHED))} 中")  # fmt: skip
    return path
STRICT = ((b"http://purl.oclc.org/ooxml/spreadsheetml/main",
           b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
          (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
           b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"))  # fmt: skip


def _rewrite(data: bytes, edit: Callable[[str, bytes, set[str]], bytes]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = set(src.namelist())
        parts = {
            info.filename: edit(info.filename, src.read(info), names) for info in src.infolist()
        }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in parts.items():
            dst.writestr(name, body)
    return out.getvalue()


def _empty_style_as_0(name: str, body: bytes, names: set[str]) -> bytes:
    """openpyxl 3.1 indexes the styles with the text of s=""; Excel reads it as style 0."""
    return body.replace(b' s=""', b' s="0"') if name.startswith("xl/worksheets/") else body


def _strict_as_transitional(name: str, body: bytes, names: set[str]) -> bytes:
    """openpyxl 3.1 reads a Strict workbook as one without sheets."""
    for strict, transitional in STRICT:
        body = body.replace(strict, transitional)
    return body


def _drop_missing_overrides(name: str, body: bytes, names: set[str]) -> bytes:
    """openpyxl 3.1 reads every part [Content_Types].xml names, also one the package lacks."""
    if name != "[Content_Types].xml":
        return body
    overrides = re.finditer(rb'<Override PartName="/([^"]+)"[^>]*/>', body)
    for gone in [m.group(0) for m in overrides if m.group(1).decode() not in names]:
        body = body.replace(gone, b"")
    return body


MENDS = {
    "empty-style-as-0": _empty_style_as_0,
    "strict-as-transitional": _strict_as_transitional,
    "drop-missing-overrides": _drop_missing_overrides,
}


def test_manifest_lists_every_file_with_its_source() -> None:
    assert not list(HERE.glob("*.xlsx"))  # never committed here (see the docstring)
    assert 20 <= len(MANIFEST) <= 30
    writers = {entry["writer"].split()[0] for entry in MANIFEST}
    assert {"Microsoft", "WPS", "LibreOffice", "Google", "Tencent", "ONLYOFFICE", "NPOI"} <= writers
    for entry in MANIFEST:
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), entry["file"]
        assert entry["repository"] and entry["path"] and len(entry["commit"]) == 40
        assert entry["licence"] in {"MIT", "Apache-2.0", "BSD-3-Clause"}


@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_checking_a_real_workbook_never_raises(name: str) -> None:
    """Not our form, so a finding such as not-our-form; never an exception."""
    result = check_file(_path(name))
    assert result.report.findings and not result.valid


@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_reads_as_openpyxl_reads_it(name: str, tmp_path: Path) -> None:
    entry, path = BY_FILE[name], _path(name)
    how = entry["openpyxl"]
    if entry["ours"] != "reads":
        with pytest.raises(UnreadableError) as refused:
            read_workbook(path)
        assert refused.value.code == entry["ours"]
    ours = read_workbook(path) if entry["ours"] == "reads" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
        if how == "same":
            _same_cells(path, *_load(path))
        elif how.startswith("mended:"):
            assert not _openpyxl_reads(path)
            mended = tmp_path / name
            mended.write_bytes(_rewrite(path.read_bytes(), MENDS[how.removeprefix("mended:")]))
            assert ours is not None
            _same_as(ours, mended)
        elif how == "fails":
            assert not _openpyxl_reads(path)
            assert ours is not None and any(s.cells for s in ours.sheets.values())
        else:
            assert how == "empty"
            wb = openpyxl.load_workbook(path)
            assert wb.sheetnames and not any(ws._cells for ws in wb.worksheets)


def _openpyxl_reads(path: Path) -> bool:
    """Whether openpyxl reads any sheet of ``path`` (it fails in many ways, or finds none)."""
    try:
        return bool(openpyxl.load_workbook(path).sheetnames)
    except Exception:  # any failure of openpyxl's is "does not read it"
        return False


def _same_as(ours: object, mended: Path) -> None:
    """Our reading of the original is openpyxl's reading of the mended copy (and ours of it)."""
    _same_cells(mended, *_load(mended))
    assert read_workbook(mended).sheets == ours.sheets  # type: ignore[attr-defined]
