"""Real published PDFs (tests/data/published_real/manifest.json), imported cell by cell.

The manifest records, for each PDF, where it was found (repository, path, commit, git blob),
its sha256, and every cell of tables 二, 三 and 四 as printed, typed by hand from the rendered
pages, not from our importer.  The PDFs are not in this repository (files taken from other
repositories may not be committed here); they are looked for by sha256 in the folders of
:data:`SEARCHED` and the test is skipped, saying where it looked, when one is absent.
"""

from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from xl2report.form.national import S3_COLUMNS, S4_RESULTS
from xl2report.published.reader import read_published

HERE = Path(__file__).parent
MANIFEST = json.loads((HERE / "data" / "published_real" / "manifest.json").read_text("utf-8"))
REPORTS = MANIFEST["reports"]
SEARCHED = [
    Path(p) for p in (os.environ.get("XL2REPORT_REAL_REPORTS"),
                      HERE.parent.parent / "shared" / "published-reports",
                      "/work/shared/published-reports") if p
]  # fmt: skip
# The 2019 layout's single （六）其他处理 row: the form spreads it as 3.其他, the two others 0.
OLD_OTHER = "s3.other(2019)"


def _find(report: dict) -> Path:  # type: ignore[type-arg]
    for folder in SEARCHED:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            same_size = path.is_file() and path.stat().st_size == report["bytes"]
            if same_size and hashlib.sha256(path.read_bytes()).hexdigest() == report["sha256"]:
                return path
    pytest.skip(f"{report['file']} (sha256 {report['sha256'][:12]}…) is in none of "
                f"{', '.join(map(str, SEARCHED))}")  # fmt: skip


def _columns(n: int) -> list[str]:
    return [k for k, _ in (S3_COLUMNS if n == 7 else S4_RESULTS)]


def published_cells(report: dict) -> dict[str, object]:  # type: ignore[type-arg]
    """Field key -> the number printed, from the manifest (the 2019 row spread as the form
    requires: all of it under 3.其他, the other two rows 0)."""
    cells: dict[str, object] = {}
    for key, value in report["table2"].items():
        cells[key] = Decimal(value) if isinstance(value, str) else value
    for table in ("table3", "table4"):
        for row, numbers in report[table].items():
            for column, number in zip(_columns(len(numbers)), numbers, strict=True):
                if row == OLD_OTHER:
                    cells[f"s3.other.other.{column}"] = number
                    for spread in ("no_correction", "no_fee"):
                        cells[f"s3.other.{spread}.{column}"] = 0
                else:
                    cells[f"{row}.{column}"] = number
    return cells


def test_manifest_covers_every_cell_of_the_tables() -> None:
    """Each entry records all 10 + 25×7 + 15 cells, so nothing can be skipped by omission."""
    for report in REPORTS:
        assert len(published_cells(report)) == 10 + 25 * 7 + 15, report["file"]


@pytest.mark.parametrize("report", REPORTS, ids=[r["file"] for r in REPORTS])
def test_real_pdf_imports_every_cell_as_published(report: dict) -> None:  # type: ignore[type-arg]
    got = read_published(_find(report))
    assert (got.org, got.year) == (report["org"], report["year"])
    expected = published_cells(report)
    assert {k: got.values.get(k) for k in expected} == expected
    found = {(f.code, f.key) for f in got.findings}
    assert found == {tuple(pair) for pair in report["expected"]}, report["why"]
