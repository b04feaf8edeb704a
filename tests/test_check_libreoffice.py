"""Workbooks re-saved by LibreOffice Calc read the same as the originals.

LibreOffice rewrites shared strings, styles, cached values, column widths and the hidden sheet's
state; none of that may change a finding or a value.  All files go through one soffice call.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xl2report.checks.check import check_file

CORPUS = Path(__file__).parent / "data" / "corpus"
ORIGINALS = (
    "valid-kejing",
    "valid-random",
    "valid-excel-style-xml",
    "valid-openpyxl-resaved",
    "valid-publish-date-typed-as-date",
    "balance-outcome-row",
    "formula-overwritten-wrong",
    "formula-cleared",
    "stale-cached-value",
    "text-numbers",
    "fullwidth-digits",
    "zero-words",
    "bad-numbers",
    "fee-seven-decimals",
    "date-in-count-cell",
    "error-value",
    "year-blank",
    "placeholder-left",
    "narrative-fee-contradiction",
    "label-changed",
    "row-inserted",
    "sheet-renamed",
)

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from xl2report.report.office import convert

    src = tmp_path_factory.mktemp("src")
    for name in ORIGINALS:
        shutil.copyfile(CORPUS / f"{name}.xlsx", src / f"{name}.xlsx")
    out = convert(
        [src / f"{n}.xlsx" for n in ORIGINALS],
        "xlsx:Calc MS Excel 2007 XML",
        tmp_path_factory.mktemp("lo"),
    )
    return dict(zip(ORIGINALS, out, strict=True))


def _where(findings: list, skip: str = "") -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    return [(f.code, f.sheet, f.cell) for f in findings if f.code != skip]


@pytest.mark.parametrize("name", ORIGINALS)
def test_resaved_reads_the_same(name: str, resaved: dict[str, Path]) -> None:
    """Same findings and values; LibreOffice may only add a cached total it calculated itself."""
    before = check_file(CORPUS / f"{name}.xlsx")
    after = check_file(resaved[name])
    stale = "cached-value-stale"
    assert _where(after.report.findings, stale) == _where(before.report.findings, stale)
    assert after.values == before.values
    assert set(_where(before.report.findings)) <= set(_where(after.report.findings))


def test_recalculated_total_that_skipped_a_text_number_is_explained(
    resaved: dict[str, Path],
) -> None:
    """Calc (like Excel) leaves a number stored as text out of SUM: the total the township
    sees is smaller than ours, and the warning says which cell to retype."""
    findings = check_file(resaved["text-numbers"]).report.findings
    stale = [f for f in findings if f.code == "cached-value-stale"]
    texts = [f.cell for f in findings if f.code == "text-number"]
    assert [f.key for f in stale] == ["s4.review.total"]
    assert all(cell in stale[0].message for cell in texts)
    assert stale[0].actual < stale[0].expected
