"""The catalogue owns every finding message: templates fill, and no message is written elsewhere."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from string import Formatter

import pytest

from xl2report.checks.catalogue import CATALOGUE, Finding, fill, shift_phrase
from xl2report.form.national import FORM, ORG, YEAR

SRC = Path(__file__).resolve().parent.parent / "src" / "xl2report"


def template_names(template: str) -> set[str]:
    """Every parameter a template (or any of its optional parts) refers to."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_template_fills(code: str) -> None:
    entry = CATALOGUE[code]
    for variant in ("", *entry.variants):
        template = entry.variants[variant] if variant else entry.template
        params = {name: f"<{name}>" for name in template_names(template)}
        message = entry.message(variant, **params)
        assert "{" not in message and "[" not in message, message
        for name in params:
            assert f"<{name}>" in message, (code, variant, name)


def test_optional_parts_and_shown_values() -> None:
    template = "{a}[（{b}）]：[{c} = ]{d}。"
    assert fill(template, {"a": "总计", "b": None, "c": None, "d": 3}) == "总计：3。"
    assert fill(template, {"a": "总计", "b": "列", "c": "1+2", "d": 3}) == "总计（列）：1+2 = 3。"
    assert (
        fill("{x}|{y}|{z}", {"x": Decimal("12.50"), "y": ["甲", "乙"], "z": 0}) == "12.5|甲、乙|0"
    )
    with pytest.raises(KeyError, match="d"):
        fill(template, {"a": "总计"})


def test_factory_places_the_finding_and_names_the_field() -> None:
    f = Finding.at(ORG, "org-changed", expected="甲镇", actual="乙镇", fixed="甲镇", found="乙镇")
    assert (f.sheet, f.cell, f.key) == (ORG.sheet, ORG.cell, ORG.key)
    assert f.message == f"{ORG.label}应为下发时的“甲镇”，现为“乙镇”。"
    assert Finding.at("某表", "sheet-extra").message == "多出了工作表“某表”，其内容不会被读取。"
    whole = Finding.at(None, "legacy-format", "no_office")
    assert (whole.sheet, whole.cell, whole.key) == ("", "", "")
    assert whole.message.endswith("（本机未安装 LibreOffice，无法自动转换。）")
    with pytest.raises(KeyError):
        Finding.at(YEAR, "year-invalid")  # its numbers are missing


def test_shift_phrase() -> None:
    assert shift_phrase(2, 0) == "整体下移 2 行（插入了行）"
    assert shift_phrase(-1, 3) == "整体上移 1 行（删除了行），整体右移 3 列（插入了列）"


def test_no_finding_is_written_outside_the_catalogue() -> None:
    """Findings are made by ``Finding.at`` only (the constructor takes a ready message)."""
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "catalogue.py" and re.search(r"\bFinding\(", path.read_text("utf-8"))
    ]
    assert offenders == []


def test_every_rule_code_has_the_parameters_its_kind_gives() -> None:
    """A rule's finding fills its code's template (the rules module passes these per kind)."""
    given = {
        "balance": {"rule", "scope", "lhs", "rhs", "lhs_total", "rhs_total"},
        "sum": {"rule", "scope", "addends", "total", "found"},
        "not_greater": {"rule", "lhs", "rhs"},
        "implies_positive": {"rule", "names", "lhs", "label"},
        "required": {"label"},
    }
    assert FORM.rules
    for rule in FORM.rules:
        assert template_names(CATALOGUE[rule.code].template) <= given[rule.kind], rule.id


def test_every_code_has_a_short_chinese_name() -> None:
    """What clerks see beside a finding (feedback copy, check): a few Chinese words, one per code."""
    names = [c.name for c in CATALOGUE.values()]
    assert len(set(names)) == len(names)
    for c in CATALOGUE.values():
        assert 1 < len(c.name) <= 10 and not re.search(r"[A-Za-z]", c.name), c.code
