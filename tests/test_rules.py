"""Every rule of the form, both ways: a consistent fill passes, a one-cell change fails at the
right cell.  Pure (values in, findings out); the corpus and the property tests do the same
through real workbooks."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from helpers import consistent_values, rebalance
from xl2report.checks.catalogue import Finding
from xl2report.checks.rules import check_rules, related_cells
from xl2report.form.national import (
    FORM,
    Kind,
    Rule,
    RuleKind,
    Value,
    blank_values,
    compute_formulas,
)

FORMULAS = {f.key for f in FORM.fields if f.kind is Kind.FORMULA}


def run(values: dict[str, Value], typed: dict[str, Value] | None = None) -> list[Finding]:
    """Check ``values`` the way check_file does: totals recomputed unless typed over."""
    typed = typed or {}
    full = filled(values)
    full.update(typed)
    return check_rules(full, (), FORM, recomputed=FORMULAS - set(typed))


def filled(values: dict[str, Value]) -> dict[str, Value]:
    """What a workbook made from ``values`` holds: template defaults, then totals."""
    return compute_formulas({**blank_values(), **values})


def triples(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.code, f.sheet, f.cell) for f in findings]


def at(code: str, key: str) -> tuple[str, str, str]:
    f = FORM.field(key)
    return (code, f.sheet, f.cell)


@pytest.fixture(scope="module")
def base() -> dict[str, Value]:
    return consistent_values(random.Random(11))


@pytest.mark.parametrize("seed", range(20))
def test_consistent_fills_pass(seed: int) -> None:
    assert run(consistent_values(random.Random(seed))) == []


def test_kejing_passes(kejing_values: dict[str, Value]) -> None:
    assert run(dict(kejing_values)) == []


def perturb(rule: Rule, base: dict[str, Value]) -> tuple[dict, dict, tuple[str, str, str]]:
    """One change that breaks ``rule``: (input overrides, typed-over totals, expected finding)."""
    values = dict(base)
    typed: dict[str, Value] = {}
    primary = rule.report_at[0]
    full = filled(values)
    if rule.kind is RuleKind.REQUIRED:
        values[rule.lhs[0]] = ""
    elif rule.kind in (RuleKind.BALANCE, RuleKind.SUM):
        inputs = [k for k in rule.keys if k not in FORMULAS]
        if rule.kind is RuleKind.BALANCE and inputs:
            values[inputs[0]] = int(values[inputs[0]]) + 1  # e.g. one more 新收 typed in
        else:  # a rule over totals only fails when a total is typed over
            typed[rule.lhs[0]] = int(full[rule.lhs[0]]) + 1
    elif rule.kind is RuleKind.NOT_GREATER:
        values[rule.lhs[0]] = Decimal(str(full[rule.rhs[0]])) + 1
    elif rule.kind is RuleKind.IMPLIES_POSITIVE:
        values[rule.rhs[0]] = 0
        lhs = FORM.field(rule.lhs[0])
        if lhs.kind is Kind.FORMULA:  # 三表 逾期未缴费: add one application and keep 三 balanced
            values[lhs.parts[0]] = int(values[lhs.parts[0]]) + 1
            rebalance(values)
        else:
            values[rule.lhs[0]] = Decimal("100")
    return values, typed, at(rule.code, primary)


@pytest.mark.parametrize("rule", FORM.rules, ids=lambda r: r.id)
def test_each_rule_fails_at_its_cell(rule: Rule, base: dict[str, Value]) -> None:
    assert not run(base)
    values, typed, expected = perturb(rule, base)
    findings = run(values, typed)
    assert expected in triples(findings), (rule.id, triples(findings))


@pytest.mark.parametrize(
    "rule", [r for r in FORM.rules if r.kind is RuleKind.BALANCE], ids=lambda r: r.id
)
def test_balance_names_every_cell_it_spans(rule: Rule) -> None:
    """Reported at 一 (the issue's example), naming 二, 三(七) and 四 of the same column."""
    cells = {FORM.field(k).cell for k in rule.keys}
    primary = FORM.field(rule.report_at[0]).cell
    assert {primary, *related_cells(rule)} == cells
    assert primary == FORM.field(rule.lhs[0]).cell


def test_balance_message_gives_both_sides(base: dict[str, Value]) -> None:
    values = dict(base)
    values["s3.new.natural"] = int(values["s3.new.natural"]) + 1
    (finding,) = run(values)
    full = filled(values)
    lhs = full["s3.new.natural"] + full["s3.carried.natural"]
    rhs = full["s3.handled_total.natural"] + full["s3.carry_over.natural"]
    assert (finding.actual, finding.expected) == (lhs, rhs)
    assert f"{full['s3.new.natural']}+{full['s3.carried.natural']}" in finding.message


def test_changing_an_outcome_row_breaks_the_column_balance(base: dict[str, Value]) -> None:
    values = dict(base)
    values["s3.unavailable.unclear.legal"] = int(values["s3.unavailable.unclear.legal"]) + 4
    assert triples(run(values)) == [at("balance-mismatch", "s3.new.legal")]


def test_total_column_balance_is_left_to_the_input_columns(base: dict[str, Value]) -> None:
    """The 总计 column only sums the others: its imbalance would repeat theirs."""
    values = dict(base)
    values["s3.carried.research"] = int(values["s3.carried.research"]) + 1
    assert triples(run(values)) == [at("balance-mismatch", "s3.new.research")]


def test_typed_over_total_is_compared_as_typed(base: dict[str, Value]) -> None:
    full = filled(base)
    typed = {"s3.new.total": int(full["s3.new.total"]) + 2}
    assert sorted(triples(run(base, typed))) == sorted(
        [at("balance-mismatch", "s3.new.total"), at("total-mismatch", "s3.new.total")]
    )


def test_typed_over_total_with_the_right_value_passes(base: dict[str, Value]) -> None:
    full = filled(base)
    assert run(base, {"s4.review.total": full["s4.review.total"]}) == []


def test_unusable_input_is_reported_once(base: dict[str, Value]) -> None:
    """A cell that could not be read is skipped by every rule that uses it, directly or not."""
    full = filled(base)
    del full["s3.new.natural"]  # "十三" typed in: no value, reported by the value check
    unusable = {"s3.new.natural", "s3.new.total"}
    assert check_rules(full, unusable, FORM, recomputed=FORMULAS) == []


def test_fee_rules(base: dict[str, Value]) -> None:
    values = dict(base)
    values.update({"s6.fee_notices": 0, "s6.fee_billed": Decimal("50"),
                   "s6.fee_collected": Decimal("80")})  # fmt: skip
    got = triples(run(values))
    assert at("fee-collected-exceeds-billed", "s6.fee_collected") in got
    assert at("fee-notices-missing", "s6.fee_notices") in got
