"""The bundled example workbook never drifts from examples/kejing-2024.json."""

from __future__ import annotations

from pathlib import Path

from xl2report.checks.check import check_file
from xl2report.xlsx.parts import read_workbook
from xl2report.xlsx.template import TemplateOptions, build_workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "inbox" / "克井镇人民政府2024年报表.xlsx"


def test_example_workbook_has_the_content_the_generator_makes_from_the_json(
    kejing_values,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    fresh = tmp_path / "fresh.xlsx"
    fresh.write_bytes(
        build_workbook(TemplateOptions(org="克井镇人民政府", year=2024), kejing_values)
    )
    bundled, made = read_workbook(EXAMPLE), read_workbook(fresh)
    assert bundled.sheet_names == made.sheet_names
    for name in made.sheet_names:
        got = {pos: (c.value, c.formula) for pos, c in bundled.sheets[name].cells.items()}
        want = {pos: (c.value, c.formula) for pos, c in made.sheets[name].cells.items()}
        assert got == want, f"{name}: regenerate examples/inbox from examples/kejing-2024.json"
    result = check_file(EXAMPLE)
    assert result.valid and not result.report.findings
    assert result.values == check_file(fresh).values
