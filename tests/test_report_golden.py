"""The rendered example report, part by part (as the template's golden): any change to the Word
output shows up here as a diff of normalised XML; regenerate on purpose with --update-golden."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from golden_parts import GOLDEN_ROOT, assert_matches_golden, normalised_parts
from xl2report.checks.check import check_file
from xl2report.report import render
from xl2report.report.render import ReportRenderer

EXAMPLE = (
    Path(__file__).resolve().parent.parent / "examples" / "inbox" / "克井镇人民政府2024年报表.xlsx"
)
GOLDEN = GOLDEN_ROOT / "report"


def test_example_report_matches_golden(
    tmp_path: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The example has no 发布日期, so core.xml carries the render date: pin it.
    monkeypatch.setattr(render, "render_date", lambda: "2025-01-20T00:00:00Z")
    result = check_file(EXAMPLE)
    assert result.valid, [f.message for f in result.report.errors]
    out = tmp_path / "report.docx"
    ReportRenderer().render(result.values, out)  # the path `render` and `run` write through
    data = out.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert all(name.endswith((".xml", ".rels")) for name in zf.namelist()), zf.namelist()
    assert_matches_golden(GOLDEN, normalised_parts(data), update_golden)
