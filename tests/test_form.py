"""The form definition: the public key contract, unique cells, formulas that refer to inputs."""

from __future__ import annotations

import re

from xl2report.form.national import (
    FORM,
    S3_COLUMNS,
    Kind,
    ValueType,
    a1,
    blank_values,
    check_display,
    compute_formulas,
    parse_a1,
    rule_holds,
)

S3_ROWS = [
    "new",
    "carried",
    "granted",
    "partial",
    "refused.secret",
    "refused.prohibited",
    "refused.security",
    "refused.third_party",
    "refused.internal",
    "refused.process",
    "refused.enforcement",
    "refused.inquiry",
    "unavailable.not_held",
    "unavailable.needs_creation",
    "unavailable.unclear",
    "not_processed.petition",
    "not_processed.repeat",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.confirm",
    "other.no_correction",
    "other.no_fee",
    "other.other",
    "handled_total",
    "carry_over",
]


def contract_keys() -> set[str]:
    """The keys issue #2 makes public; they must exist forever under these names."""
    keys = {"info.org", "info.year", "info.contact", "info.phone"}
    for part in ("active", "requests", "management", "platform", "oversight"):
        keys |= {f"s1.{part}.heading", f"s1.{part}.text"}
    for kind in ("rules", "normative"):
        keys |= {f"s2.{kind}.{c}" for c in ("issued", "repealed", "in_force")}
    keys |= {"s2.licensing.decisions", "s2.penalty.decisions", "s2.coercion.decisions"}
    keys.add("s2.fees.amount")
    cols = ("natural", "business", "research", "nonprofit", "legal", "other_org", "total")
    keys |= {f"s3.{r}.{c}" for r in S3_ROWS for c in cols}
    for g in ("review", "suit_direct", "suit_after_review"):
        keys |= {f"s4.{g}.{r}" for r in ("upheld", "corrected", "other", "pending", "total")}
    keys |= {"s5.text", "s6.fee_notices", "s6.fee_billed", "s6.fee_collected", "s6.text"}
    return keys


def test_public_keys_all_present() -> None:
    assert contract_keys() <= set(FORM.by_key)


def test_keys_and_cells_unique() -> None:
    keys = [f.key for f in FORM.fields]
    assert len(keys) == len(set(keys))
    cells = [(f.sheet, f.row, f.col) for f in FORM.fields]
    labels = [(x.sheet, x.row, x.col) for x in FORM.labels]
    checks = [r.check for r in FORM.rules if r.check]
    everything = cells + labels + checks
    assert len(everything) == len(set(everything)), "two things share one cell"


def test_s3_totals_are_formulas_and_inputs_are_not() -> None:
    for f in FORM.fields:
        if f.key.startswith("s3."):
            is_total = f.key.endswith(".total") or ".handled_total." in f.key
            assert (f.kind is Kind.FORMULA) == is_total, f.key
    assert FORM.field("s3.new.total").formula == "=SUM(D6:I6)"


def test_formula_parts_exist_and_sit_on_the_same_sheet() -> None:
    for f in FORM.fields:
        if f.kind is Kind.FORMULA:
            assert f.parts
            for p in f.parts:
                assert FORM.field(p).sheet == f.sheet


def test_rules_refer_to_known_keys() -> None:
    for rule in FORM.rules:
        for key in rule.keys + rule.report_at:
            assert key in FORM.by_key, (rule.id, key)


def test_s3_layout_follows_national_order() -> None:
    rows = [FORM.field(f"s3.{r}.natural").row for r in S3_ROWS]
    assert rows == sorted(rows) and rows[-1] - rows[0] == len(S3_ROWS) - 1
    cols = [FORM.field(f"s3.new.{c}").col for c, _ in S3_COLUMNS]
    assert cols == list(range(cols[0], cols[0] + 7))


def test_defined_names_are_valid_excel_names() -> None:
    for f in FORM.fields:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", f.defined_name), f.defined_name


def test_a1_round_trip() -> None:
    for row, col in [(0, 0), (9, 25), (99, 26), (5, 701), (0, 702)]:
        assert parse_a1(a1(row, col)) == (row, col)
    assert a1(0, 26) == "AA1"


def test_blank_template_values_pass_numeric_rules() -> None:
    values = blank_values()
    for rule in FORM.rules:
        if rule.kind != "required":
            assert rule_holds(rule, values), rule.id


def test_check_display_shows_both_sides() -> None:
    values = blank_values()
    values["s3.new.natural"] = 5
    values = compute_formulas(values)
    rule = next(r for r in FORM.rules if r.id == "T3-1.natural")
    assert check_display(rule, values) == "✗ 5≠0"
    assert not any(f.type is ValueType.TEXT and f.kind is Kind.FORMULA for f in FORM.fields)
