"""Read one published report: values by field key, and findings, never an exception.

:func:`read_published` extracts the file (:mod:`~xl2report.published.extract`), reads the
words (:mod:`~xl2report.published.sections`) and the tables
(:mod:`~xl2report.published.tables`), and compares every printed total with its parts through
the form's own SUM and BALANCE rules (:func:`~xl2report.checks.rules.check_rules`): a total
printed wrong is a ``total-mismatch`` at that total's field quoting both numbers.
:func:`audit_findings` runs the whole check catalogue on what was read, as for a workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xl2report.checks.catalogue import FileReport, Finding
from xl2report.checks.narrative import check_narrative
from xl2report.checks.rules import check_rules
from xl2report.form.national import (
    FORM,
    ORG,
    S2,
    S3,
    S4,
    SECTION_HEADINGS,
    YEAR,
    Kind,
    RuleKind,
    Value,
    ValueType,
)
from xl2report.published.document import ReadError
from xl2report.published.extract import read_document
from xl2report.published.sections import read_sections
from xl2report.published.tables import read_tables

_TABLES = {"二": S2, "三": S3, "四": S4}
_NUMERIC = (RuleKind.SUM, RuleKind.BALANCE)


@dataclass
class Imported:
    """What was read from one published report."""

    file: str
    values: dict[str, Value] = field(default_factory=dict)  # as printed; totals included
    findings: list[Finding] = field(default_factory=list)  # reading + totals against parts
    unusable: set[str] = field(default_factory=set)  # keys without a number (blank, mark, text)
    readable: bool = True

    @property
    def org(self) -> str:
        return str(self.values.get(ORG.key) or "")

    @property
    def year(self) -> int | None:
        year = self.values.get(YEAR.key)
        return year if isinstance(year, int) else None

    def inputs(self) -> dict[str, Value]:
        """The input fields only (what a workbook is filled with; its totals are formulas)."""
        return {k: v for k, v in self.values.items() if FORM.field(k).kind is Kind.INPUT}

    def report(self, findings: list[Finding] | None = None) -> FileReport:
        """A :class:`FileReport` of ``findings`` (default: this import's own)."""
        chosen = self.findings if findings is None else findings
        return FileReport(self.file, self.org, self.year, list(chosen))


def read_published(path: Path, org: str | None = None, year: int | None = None) -> Imported:
    """Read the report at ``path``; ``org``/``year`` override what its title says."""
    result = Imported(str(path))
    try:
        doc = read_document(Path(path))
    except ReadError as exc:
        result.readable = False
        result.findings.append(Finding.at(None, exc.code, exc.variant, detail=exc.detail,
                                          suffix=exc.detail))  # fmt: skip
        return result
    words = read_sections(doc)
    tables = read_tables(doc)
    if not tables.found and len(words.missing) == len(SECTION_HEADINGS):
        result.readable = False
        result.findings.append(Finding.at(None, "published-not-a-report"))
        return result
    result.values.update(words.values)
    result.findings.extend(_identity(words.org, words.year, org, year, result.values))
    for heading in words.missing:
        result.findings.append(Finding.at(None, "published-section-missing", heading=heading))
    for table, sheet in _TABLES.items():
        if table not in tables.found:
            heading = FORM.sheet(sheet).title
            result.findings.append(Finding.at(sheet, "published-table-missing", heading=heading))
    result.findings.extend(_missing_rows(tables.values, tables.found))
    result.values.update(tables.values)
    result.unusable = tables.unusable | _absent(result.values)
    result.findings.extend(tables.findings)
    result.findings.extend(_totals(result))
    return result


def _identity(found_org: str, found_year: int | None, org: str | None, year: int | None,
              values: dict[str, Value]) -> list[Finding]:  # fmt: skip
    out = []
    if org:
        values[ORG.key] = org
        if found_org and found_org != org:
            out.append(Finding.at(ORG, "published-org-differs", found=found_org, org=org))
    elif found_org:
        values[ORG.key] = found_org
    else:
        out.append(Finding.at(ORG, "published-org-missing"))
    if year:
        values[YEAR.key] = year
        if found_year and found_year != year:
            out.append(Finding.at(YEAR, "published-year-differs", found=found_year, year=year))
    elif found_year:
        values[YEAR.key] = found_year
    else:
        out.append(Finding.at(YEAR, "published-year-missing"))
    return out


def _missing_rows(values: dict[str, Value], found: set[str]) -> list[Finding]:
    """A row of a table that was found, but not this row."""
    from xl2report.published.labels import table_rows

    out = []
    for table in ("二", "三"):
        if table not in found:
            continue
        for row in table_rows(table):
            if not any(f.key in values for f in row.fields):
                out.append(Finding.at(row.fields[0], "published-row-missing", label=row.name))
    return out


def _absent(values: dict[str, Value]) -> set[str]:
    """Number fields not read at all (a missing table or row)."""
    return {f.key for f in FORM.fields
            if f.type is not ValueType.TEXT and f.key not in values
            and f.sheet in _TABLES.values()}  # fmt: skip


def _totals(result: Imported) -> list[Finding]:
    """Printed totals against their parts: the form's SUM and BALANCE rules, nothing else."""
    numeric = [r for r in FORM.rules if r.kind in _NUMERIC]
    form = _with_rules(numeric)
    return check_rules(result.values, result.unusable, form)


def _with_rules(rules: list) -> object:  # type: ignore[type-arg]
    import dataclasses

    return dataclasses.replace(FORM, rules=tuple(rules))


def audit_findings(imported: Imported) -> list[Finding]:
    """The import's reading findings plus the whole catalogue's, as a returned workbook gets:
    every rule (totals, balances, fees, required texts) and the narrative checks."""
    if not imported.readable:
        return list(imported.findings)
    reading = [f for f in imported.findings if f.code not in _RULE_CODES]
    values = dict(imported.values)
    return (
        reading
        + check_rules(values, imported.unusable, FORM)
        + check_narrative(values, imported.year, FORM)
    )


_RULE_CODES = frozenset(r.code for r in FORM.rules if r.kind in _NUMERIC)
