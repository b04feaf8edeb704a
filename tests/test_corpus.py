"""The corpus of broken, hostile and real-tool files: each file's findings are exactly as expected.

``tests/data/make_corpus.py`` makes the files and writes beside each an ``.expected.json`` with
every finding as (code, sheet, cell), or the one code of a file that cannot be read.  Adding a
case is adding a function there and running it.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from xl2report.checks.catalogue import CATALOGUE
from xl2report.checks.check import check_file

CORPUS = Path(__file__).parent / "data" / "corpus"
EXPECTED = sorted(CORPUS.glob("*.expected.json"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_corpus_is_there() -> None:
    assert len(EXPECTED) >= 50
    for path in EXPECTED:
        assert (CORPUS / _load(path)["file"]).exists(), path.name


def test_every_case_of_the_script_has_its_files() -> None:
    sys.path.insert(0, str(CORPUS.parent))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(CORPUS.parent))
    made = {p.name.removesuffix(".expected.json") for p in EXPECTED}
    assert set(make_corpus.CASES) == made


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_corpus_file(expected_file: Path) -> None:
    expected = _load(expected_file)
    previous = CORPUS / expected["previous"] if expected["previous"] else None
    result = check_file(CORPUS / expected["file"], previous)
    report = result.report
    got = sorted([f.code, f.sheet, f.cell] for f in report.findings)
    if expected["unreadable"]:
        assert got == [[expected["unreadable"], "", ""]]
        assert not report.readable and not report.valid
        assert result.values == {}
        return
    assert got == expected["findings"]
    assert report.readable
    assert report.valid == all(CATALOGUE[c].level == "warning" for c, _, _ in got)
    for key, value in expected.get("values", {}).items():
        actual = result.values[key]
        if isinstance(value, float):
            assert actual == Decimal(str(value)), key
        else:
            assert actual == value, key


def test_every_unreadable_code_has_a_corpus_file() -> None:
    """Each way a file can fail to open is represented, except sizes too big to commit."""
    covered = {_load(p)["unreadable"] for p in EXPECTED} - {None}
    file_codes = {c.code for c in CATALOGUE.values() if c.group == "文件"}
    # cannot-process comes from the batch run (a worker that fails, dies or times out), not from
    # reading; tests/test_attacks.py and tests/test_rerun.py (cannot-process-retry) cover them.
    # published-* come from reading a published report, not a workbook: tests/test_published.py.
    workbook_codes = {c for c in file_codes if not c.startswith("published-")}
    assert workbook_codes - covered == {
        "file-too-large", "file-missing", "cannot-process", "cannot-process-retry"
    }
